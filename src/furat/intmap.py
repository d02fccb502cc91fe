"""Compact maps for per-document bookkeeping that must scale to millions of documents.

Converting or validating a corpus streams the documents, but a few facts per document
must be remembered across the stream: which task ids were seen (newest export wins,
duplicates), where each document's converted task was spilled, which record ids were
validated (duplicates). A Python ``dict`` spends 100–250 bytes per entry on objects and
hash slots, which at a million documents is a few hundred megabytes; :class:`IntMap`
keeps 64-bit keys and values in two sorted :class:`array.array` columns (16 bytes per
entry) plus a small ``dict`` of recent insertions, merged in when it grows (its limit
grows with the map, so merging costs ``O(n log n)`` in total).

String keys go through :func:`digest` (64-bit BLAKE2b); a caller that needs exactness
stores the real key with the value and compares it on a hit.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterator

MIN_PENDING = 4096


def digest(key: str) -> int:
    """A signed 64-bit digest of ``key`` (stable across processes, unlike ``hash``)."""
    raw = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(raw, "big", signed=True)


class IntMap:
    """A map from signed 64-bit ints to signed 64-bit ints, about 16 bytes per entry."""

    def __init__(self) -> None:
        self._keys = array("q")
        self._values = array("q")
        self._pending: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._keys) + len(self._pending)

    def get(self, key: int) -> int | None:
        value = self._pending.get(key)
        if value is not None:
            return value
        i = bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            return self._values[i]
        return None

    def __setitem__(self, key: int, value: int) -> None:
        i = bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            self._values[i] = value
            return
        self._pending[key] = value
        if len(self._pending) >= max(MIN_PENDING, len(self._keys) // 4):
            self._merge()

    def _merge(self) -> None:
        """Fold the pending insertions into the sorted columns (a linear merge)."""
        new = sorted(self._pending.items())
        keys, values = array("q"), array("q")
        old_keys, old_values = self._keys, self._values
        i = 0
        for key, value in new:
            while i < len(old_keys) and old_keys[i] < key:
                keys.append(old_keys[i])
                values.append(old_values[i])
                i += 1
            keys.append(key)
            values.append(value)
        keys.extend(old_keys[i:])
        values.extend(old_values[i:])
        self._keys, self._values, self._pending = keys, values, {}

    def items(self) -> Iterator[tuple[int, int]]:
        """All entries, in key order."""
        self._merge()
        return zip(self._keys, self._values, strict=True)
