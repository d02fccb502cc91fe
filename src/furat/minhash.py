"""Near-duplicate candidates without comparing all pairs: shingles, MinHash and LSH bands.

The same wire story often appears in several outlets, lightly edited. If one copy is in
train and another in test, the test set leaks, so the split keeps near-duplicates
together (:mod:`furat.split`). This module finds them at corpus scale in pure Python:

* **Key text.** :func:`fold_bytes` is :func:`furat.textnorm.fold` (diacritics, tatweel
  and quotes dropped; alef, yaa, taa-marbuta and digit forms unified; case folded;
  whitespace collapsed) computed with C-level codecs: one byte per folded character,
  ``?`` for a character outside the key alphabet. Its byte tables are *derived* from
  ``fold`` at import, so the two cannot drift (a test checks equality).
* **Shingles.** The 8-character windows that start at each word (character shingles
  anchored at word starts). Anchoring keeps shingles shift-invariant under edits while
  producing one shingle per word rather than per character, which is what makes a
  100,000-document build affordable in pure Python. A shingle is an exact 64-bit
  integer (its 8 bytes), so Jaccard on shingle sets is exact.
* **Sketch.** One-permutation MinHash: one 30-bit hash per shingle, computed for all
  shingles at once with big-integer arithmetic (:func:`_hashes`); 64 bins by the top
  six bits; empty bins filled by rotation. The 64 minima form 16 bands of 4, hashed to
  40-bit LSH keys (a pair is a candidate with probability 1-(1-J^4)^16: 0.64 at
  J=0.5, 0.99 at J=0.7), and 8 bits of each minimum are kept as a compact signature
  for estimating Jaccard before the exact check.
* **Index.** Band keys live in flat ``array('Q')`` columns (8 bytes per document and
  band, 128 + 64 bytes per document in all); buckets are found by sorting each column
  once, so memory and time grow linearly with the corpus, never with its square.

Candidates are only candidates: callers verify them with :func:`jaccard` on the exact
shingle sets.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import itertools
import random
import re
import sys
from array import array
from typing import Any, cast

from furat.errors import FuratError
from furat.textnorm import DIACRITICS, QUOTES, TATWEEL, fold

SHINGLE = 8
BINS = 64
BANDS = 16
ROWS = BINS // BANDS
INDEX_BITS = 24  # low bits of a packed band entry hold the document index
MAX_DOCUMENTS = 1 << INDEX_BITS
_VALUE_MASK = (1 << 30) - 1
_BIN_SHIFT = 30 - 6  # the top six bits of a hash choose its bin
_SIG_SHIFT = _BIN_SHIFT - 8  # the next eight are kept in the signature
_ROTATE = 0x2545F491  # offset added per bin skipped when filling an empty bin

#: Characters after ASCII that get their own byte in the key; anything else is ``?``.
#: (Quranic annotation marks, which fold deletes, do not fit and never occur in news.)
_ARABIC = (
    "".join(chr(c) for c in range(0x0621, 0x064B))  # letters and tatweel
    + "".join(ch for ch in DIACRITICS if ch < "\u06d6")
    + TATWEEL
    + "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
    + "٫٬٪،؛؟"
    + "ٱپچژکگیە"
    + QUOTES
    + "–—\u200c\u200d"
)


def _alphabet() -> str:
    """The key alphabet: character ``i`` is written as byte ``i``; ASCII keeps its bytes."""
    extra = [ch for ch in dict.fromkeys(_ARABIC) if ord(ch) > 0x7F]
    chars = "".join(chr(i) for i in range(0x80)) + "".join(extra)
    if len(chars) > 256:
        raise AssertionError("key alphabet does not fit in one byte")
    return chars


KEY_ALPHABET = _alphabet()


def _tables() -> tuple[Any, bytes, bytes]:
    """Charmap encoder (character -> byte) and the fold translation on those bytes.

    The decoding table starts with NUL and stays in the BMP so that ``charmap_build``
    returns its fast C map instead of a dict.
    """
    byte_of = {ch: i for i, ch in enumerate(KEY_ALPHABET)}
    unused = "".join(chr(0xE000 + i) for i in range(256 - len(KEY_ALPHABET)))
    encoder = codecs.charmap_build(KEY_ALPHABET + unused)
    table = bytearray(range(256))
    delete = bytearray()
    for ch, i in byte_of.items():
        if ch.isspace():
            table[i] = byte_of[" "]
            continue
        folded = fold(ch)
        if folded == "":
            delete.append(i)
        elif len(folded) == 1 and folded in byte_of:
            table[i] = byte_of[folded]
        else:
            table[i] = byte_of["?"]
    return encoder, bytes(table), bytes(delete)


_ENCODER, _FOLD_TABLE, _FOLD_DELETE = _tables()
_SCRAMBLE = bytes(random.Random(0x46555241).sample(range(256), 256))
_WORD_START = re.compile(rb" (?=([^ ].{%d}))" % (SHINGLE - 1), re.S)


def fold_bytes(text: str) -> bytes:
    """``fold(text)``, one byte per character: byte ``i`` is ``KEY_ALPHABET[i]``.

    A character outside :data:`KEY_ALPHABET` counts as ``?`` (before folding).
    """
    data, _ = codecs.charmap_encode(text, "replace", _ENCODER)
    return b" ".join(data.translate(_FOLD_TABLE, _FOLD_DELETE).split())


def _window_bytes(text: str) -> bytes:
    """The word-start shingles of ``text``, concatenated (8 bytes each, duplicates kept)."""
    return b"".join(_WORD_START.findall(b" " + fold_bytes(text) + b" " * SHINGLE))


def shingles(text: str) -> set[int]:
    """The exact shingle set of ``text``: each shingle's 8 bytes read as a little-endian int."""
    out = array("Q")
    out.frombytes(_window_bytes(text))
    if sys.byteorder == "big":
        out.byteswap()  # the same integers on every platform
    return set(out)


def jaccard(a: set[int], b: set[int]) -> float:
    """Exact Jaccard similarity of two shingle sets (1.0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def _lane_mask(pattern: bytes, lanes: int) -> int:
    return int.from_bytes(pattern * lanes, "little")


_MASK_LANES = 1 << 16  # precomputed masks cover documents of up to 65,536 words
_LOW32 = _lane_mask(b"\xff\xff\xff\xff\0\0\0\0", _MASK_LANES)
_LOW30 = _lane_mask(b"\xff\xff\xff\x3f\0\0\0\0", _MASK_LANES)
_C1, _C2 = 0x9E3779B1, 0x85EBCA77  # odd 32-bit multipliers


def _hashes(windows: bytes) -> list[int]:
    """A 30-bit hash of every 64-bit lane of ``windows``, sorted.

    The whole buffer is one big integer, so each step is a single C-level operation
    over all lanes: bytes go through a fixed random S-box, then each lane's two 32-bit
    halves are multiplied by odd constants (products stay inside the lane), XOR-ed, and
    the top 30 bits kept. Thirty bits keep Python's integers single-digit, so sorting
    is fast.
    """
    lanes = len(windows) // 8
    low32, low30 = _LOW32, _LOW30
    if lanes > _MASK_LANES:
        low32 = _lane_mask(b"\xff\xff\xff\xff\0\0\0\0", lanes)
        low30 = _lane_mask(b"\xff\xff\xff\x3f\0\0\0\0", lanes)
    x = int.from_bytes(windows.translate(_SCRAMBLE), "little")
    h = ((x & low32) * _C1) ^ (((x >> 32) & low32) * _C2)
    out = array("Q")
    out.frombytes(((h >> 34) & low30).to_bytes(len(windows), "little"))
    if sys.byteorder == "big":
        out.byteswap()
    return sorted(out)


def sketch(text: str) -> tuple[bytes, list[int]]:
    """The 8-bit-per-bin signature and the 40-bit band keys of ``text``."""
    hashed = _hashes(_window_bytes(text))
    mins: list[int | None] = []
    for k in range(BINS):
        i = bisect.bisect_left(hashed, k << _BIN_SHIFT)
        mins.append(hashed[i] if i < len(hashed) and hashed[i] >> _BIN_SHIFT == k else None)
    if None in mins:  # a short text: an empty bin takes the next non-empty one's minimum, shifted
        filled = array("I", [0] * BINS)
        for k in range(BINS):
            for t in range(BINS):
                v = mins[(k + t) % BINS]
                if v is not None:
                    filled[k] = (v + t * _ROTATE) & _VALUE_MASK
                    break
    else:
        filled = array("I", cast(list[int], mins))
    if sys.byteorder == "big":
        filled.byteswap()
    packed = filled.tobytes()  # little-endian uint32 per bin
    keys = [
        int.from_bytes(
            hashlib.blake2b(packed[16 * band : 16 * band + 16], digest_size=5, person=bytes([band])).digest(),
            "little",
        )
        for band in range(BANDS)
    ]
    return packed[_SIG_SHIFT // 8 :: 4], keys  # byte 2 of each bin: bits 16-23


def packed_sketch(index: int, text: str) -> tuple[bytes, bytes]:
    """Document ``index``'s sketch as stored by the build: its 16 band entries (40-bit key,
    24-bit index, little-endian uint64) and its signature; see :meth:`LSHIndex.add_packed`."""
    if index >= MAX_DOCUMENTS:
        raise FuratError(f"near-duplicate detection handles at most {MAX_DOCUMENTS} documents")
    signature, keys = sketch(text)
    entries = array("Q", [key << INDEX_BITS | index for key in keys])
    if sys.byteorder == "big":
        entries.byteswap()
    return entries.tobytes(), signature


class LSHIndex:
    """Band keys and signatures of documents 0..n-1, added in order."""

    def __init__(self) -> None:
        self._bands = [array("Q") for _ in range(BANDS)]
        self._signatures = bytearray()
        self.size = 0

    def add(self, text: str) -> int:
        """Sketch ``text`` and add it; returns its document index."""
        return self.add_sketch(*sketch(text))

    def add_sketch(self, signature: bytes, keys: list[int]) -> int:
        """Add a document sketched elsewhere (by :func:`sketch`); returns its index."""
        if self.size >= MAX_DOCUMENTS:
            raise FuratError(f"near-duplicate index holds at most {MAX_DOCUMENTS} documents")
        for column, key in zip(self._bands, keys, strict=True):
            column.append(key << INDEX_BITS | self.size)
        self._signatures += signature
        self.size += 1
        return self.size - 1

    def add_packed(self, entries: bytes, signatures: bytes) -> None:
        """Add the next documents from concatenated :func:`packed_sketch` results, in order.

        The build keeps sketches on disk while it scans and loads them here in one go, so
        no per-document object lives through the scan.
        """
        packed = array("Q")
        packed.frombytes(entries)
        if sys.byteorder == "big":
            packed.byteswap()
        for band, column in enumerate(self._bands):
            column.extend(packed[band::BANDS])
        self._signatures += signatures
        self.size += len(packed) // BANDS

    def estimate(self, i: int, j: int) -> float:
        """Jaccard estimated from the 8-bit signatures (corrected for chance matches)."""
        a = self._signatures[i * BINS : (i + 1) * BINS]
        b = self._signatures[j * BINS : (j + 1) * BINS]
        share = sum(x == y for x, y in zip(a, b, strict=True)) / BINS
        return max(0.0, (share - 1 / 256) / (1 - 1 / 256))

    def candidates(self, min_estimate: float, *, full_bucket: int = 50) -> list[tuple[int, int]]:
        """Sorted pairs ``(i, j)``, ``i < j``, sharing a band whose estimate is high enough.

        A bucket of up to ``full_bucket`` documents yields all its pairs; a larger one (a
        big cluster of copies) yields each member with the first and with its
        predecessor, enough to connect the cluster without a quadratic blow-up.
        """
        low = (1 << INDEX_BITS) - 1
        pairs: set[tuple[int, int]] = set()
        for column in self._bands:
            run: list[int] = []
            previous = -1
            for entry in [*sorted(column), -1]:
                key = entry >> INDEX_BITS if entry >= 0 else -1
                if key != previous and len(run) > 1:
                    for pair in _bucket_pairs(run, full_bucket):  # filtered now: pairs stay few
                        if pair not in pairs and self.estimate(*pair) >= min_estimate:
                            pairs.add(pair)
                if key != previous:
                    run = []
                    previous = key
                run.append(entry & low)
        return sorted(pairs)


def _bucket_pairs(members: list[int], full_bucket: int) -> list[tuple[int, int]]:
    members = sorted(members)
    if len(members) <= full_bucket:
        return [(a, b) for n, a in enumerate(members) for b in members[n + 1 :]]
    star = [(members[0], b) for b in members[1:]]
    chain = list(itertools.pairwise(members[1:]))
    return star + chain
