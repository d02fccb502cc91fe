"""Near-duplicate candidates without comparing all pairs: shingles, MinHash and LSH bands.

The same wire story often appears in several outlets, lightly edited. If one copy is in
train and another in test, the test set leaks, so the split keeps near-duplicates
together (:mod:`furat.split`). This module finds them at corpus scale, with array
operations over a whole chunk of documents where Python would loop per word:

* **Key text.** :func:`fold_bytes` is :func:`furat.textnorm.fold` (diacritics, tatweel
  and quotes dropped; alef, yaa, taa-marbuta and digit forms unified; case folded;
  whitespace collapsed) computed with C-level codecs: one byte per folded character,
  ``?`` for a character outside the key alphabet. Its byte tables are *derived* from
  ``fold`` at import, so the two cannot drift (a test checks equality).
* **Shingles.** The 8-character windows that start at each word (character shingles
  anchored at word starts). Anchoring keeps shingles shift-invariant under edits while
  producing one shingle per word rather than per character, which keeps a
  100,000-document build cheap. A shingle is an exact 64-bit integer (its 8 bytes,
  little-endian), so Jaccard on shingle sets is exact.
* **Sketch.** One-permutation MinHash: one 30-bit hash per shingle (:func:`_hashes`),
  for all shingles of a chunk at once; 64 bins by the top six bits; empty bins filled
  by rotation. The 64 minima form 16 bands of 4, hashed to
  40-bit LSH keys (a pair is a candidate with probability 1-(1-J^4)^16: 0.64 at
  J=0.5, 0.99 at J=0.7), and 8 bits of each minimum are kept as a compact signature
  for estimating Jaccard before the exact check.
* **Index.** Band keys live in flat ``array('Q')`` columns (8 bytes per document and
  band, 128 + 64 bytes per document in all); buckets are found by sorting each column
  once, so memory and time grow with the corpus (n log n), never with its square.

Candidates are only candidates: callers verify them with :func:`jaccard` on the exact
shingle sets.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import random
import sys
from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

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
Ints = npt.NDArray[np.int64]

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


def _tables() -> tuple[Any, npt.NDArray[np.uint8], bytes, bytes]:
    """Charmap encoder (character -> byte), the same map as a BMP lookup array, and the
    fold translation on those bytes.

    The decoding table starts with NUL and stays in the BMP so that ``charmap_build``
    returns its fast C map instead of a dict. Bytes the alphabet leaves unused decode to
    private-use characters, so every byte has one character.
    """
    byte_of = {ch: i for i, ch in enumerate(KEY_ALPHABET)}
    unused = "".join(chr(0xE000 + i) for i in range(256 - len(KEY_ALPHABET)))
    encoder = codecs.charmap_build(KEY_ALPHABET + unused)
    lookup = np.full(0x10000, byte_of["?"], np.uint8)
    lookup[[ord(ch) for ch in KEY_ALPHABET + unused]] = np.arange(256)
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
    return encoder, lookup, bytes(table), bytes(delete)


_ENCODER, _KEY_BYTE, _FOLD_TABLE, _FOLD_DELETE = _tables()
_SCRAMBLE = bytes(random.Random(0x46555241).sample(range(256), 256))
_SPACE = ord(" ")
_PAD = b" " * SHINGLE
_SEPARATOR = chr(0xE000)  # private use: the first byte the key alphabet leaves unused
_SEPARATOR_BYTE = len(KEY_ALPHABET)
_NONE: Ints = np.zeros(0, np.int64)
_ESTIMATE_BLOCK = 1 << 16  # candidate pairs estimated at once (8 MiB of signature rows)
_C1, _C2 = np.uint64(0x9E3779B1), np.uint64(0x85EBCA77)  # odd 32-bit multipliers
_EMPTY = np.iinfo(np.int64).max
_BAND_HASHES = [hashlib.blake2b(digest_size=5, person=bytes([band])) for band in range(BANDS)]


def fold_bytes(text: str) -> bytes:
    """``fold(text)``, one byte per character: byte ``i`` is ``KEY_ALPHABET[i]``.

    A character outside :data:`KEY_ALPHABET` counts as ``?`` (before folding).
    """
    data, _ = codecs.charmap_encode(text, "replace", _ENCODER)
    return b" ".join(data.translate(_FOLD_TABLE, _FOLD_DELETE).split())


def key_bytes(text: str) -> bytes:
    """``text`` in the key alphabet, one byte per character (``?`` for any other): what
    the charmap encoder gives, through a lookup array (faster on long texts)."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    encoded: bytes = _KEY_BYTE[np.minimum(cps, 0xFFFF)].tobytes()  # U+FFFF and beyond: "?"
    return encoded


def _windows(texts: Sequence[str], sbox: bytes | None = None) -> tuple[npt.NDArray[np.uint64], Ints]:
    """The word-start shingles of every text (duplicates kept) and the text each is from.

    All texts are folded at once: joined by a private-use character that the key
    alphabet leaves unused (so it survives encoding and folding as a byte of its own),
    whitespace runs collapsed with ``bytes.replace``, and each separator widened to
    ``SHINGLE`` spaces so no shingle reaches into the next text. The shingles are then
    picked with one array gather. ``sbox``, if given, is applied to every byte first
    (the hash's first step, cheaper here in C than on the gathered shingles).
    """
    if not texts:
        return np.zeros(0, np.uint64), _NONE
    joined_text = _SEPARATOR.join(texts)
    several = len(texts) > 1
    if several and joined_text.count(_SEPARATOR) != len(texts) - 1:  # a text holds the separator
        parts = [_windows([text], sbox) for text in texts]
        windows = np.concatenate([w for w, _ in parts])
        return windows, np.repeat(np.arange(len(texts)), [len(w) for w, _ in parts])
    folded = key_bytes(joined_text).translate(_FOLD_TABLE, _FOLD_DELETE)
    while b"  " in folded:  # collapse whitespace runs; each pass halves them, and runs are short
        folded = folded.replace(b"  ", b" ")
    separators = np.flatnonzero(np.frombuffer(folded, np.uint8) == _SEPARATOR_BYTE) if several else _NONE
    joined = b" " + (folded.replace(bytes([_SEPARATOR_BYTE]), _PAD) if several else folded) + _PAD
    raw = np.frombuffer(joined, np.uint8)
    after = np.flatnonzero(raw[:-1] == _SPACE) + 1
    starts = after[raw[after] != _SPACE]  # word starts: a non-space after a space
    data = joined if sbox is None else joined.translate(sbox)
    # every byte offset as a little-endian uint64 (unaligned, no copy); shingles are picked
    lanes: npt.NDArray[np.uint64] = np.ndarray((len(data) - SHINGLE + 1,), "<u8", data, strides=(1,))
    # text k starts after the k-th separator, each separator having grown by SHINGLE - 1
    first = np.concatenate(([1], separators + 2 + (SHINGLE - 1) * np.arange(1, len(separators) + 1)))
    counts = np.diff(np.append(np.searchsorted(starts, first), len(starts)))
    return lanes[starts], np.repeat(np.arange(len(texts)), counts)


def shingles(text: str) -> set[int]:
    """The exact shingle set of ``text``: each shingle's 8 bytes read as a little-endian int."""
    values, _ = _windows([text])
    return set(values.tolist())


def jaccard(a: set[int], b: set[int]) -> float:
    """Exact Jaccard similarity of two shingle sets (1.0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def _hashes(scrambled: npt.NDArray[np.uint64]) -> Ints:
    """A 30-bit hash of every shingle whose bytes went through the S-box :data:`_SCRAMBLE`:
    the two 32-bit halves multiplied by odd constants (the products fit in 64 bits),
    XOR-ed, and the top 30 bits kept."""
    low, high = scrambled & np.uint64(0xFFFFFFFF), scrambled >> np.uint64(32)
    return ((low * _C1 ^ high * _C2) >> np.uint64(34)).astype(np.int64)


def sketches(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint8]]:
    """The 40-bit band keys (texts x ``BANDS``) and 8-bit-per-bin signatures (texts x ``BINS``).

    A whole chunk of the build at once, with array operations: the minimum hash per
    (text, bin), bins chosen by a hash's top six bits; an empty bin takes the next
    non-empty one's minimum, shifted by ``_ROTATE`` per bin skipped (all zero for a text
    without shingles); each band's four minima (little-endian uint32) are hashed with
    BLAKE2b personalised by the band number.
    """
    n = len(texts)
    scrambled, text_of = _windows(texts, _SCRAMBLE)
    hashes = _hashes(scrambled)
    mins = np.full(n * BINS, _EMPTY, np.int64)
    np.minimum.at(mins, text_of * BINS + (hashes >> _BIN_SHIFT), hashes)
    table: npt.NDArray[np.int64] = mins.reshape(n, BINS)
    empty = table == _EMPTY
    if empty.any():
        twice = np.concatenate((table, table), axis=1)
        column = np.where(np.concatenate((~empty, ~empty), axis=1), np.arange(2 * BINS), 2 * BINS)
        nearest = np.minimum.accumulate(column[:, ::-1], axis=1)[:, ::-1][:, :BINS]  # next non-empty
        value = np.take_along_axis(twice, np.minimum(nearest, 2 * BINS - 1), axis=1)
        shifted = (value + (nearest - np.arange(BINS)) * _ROTATE) & _VALUE_MASK
        table = np.where(empty, np.where(nearest < 2 * BINS, shifted, 0), table).astype(np.int64)
    packed = table.astype("<u4")
    raw = memoryview(packed.tobytes())
    digests = []
    for offset in range(0, len(raw), 4 * ROWS):
        band = _BAND_HASHES[offset // (4 * ROWS) % BANDS].copy()
        band.update(raw[offset : offset + 4 * ROWS])
        digests.append(band.digest())
    five = np.frombuffer(b"".join(digests), np.uint8).reshape(-1, 5)
    keys = np.zeros((n * BANDS, 8), np.uint8)
    keys[:, :5] = five
    signatures = ((packed >> _SIG_SHIFT) & 0xFF).astype(np.uint8)
    return keys.reshape(-1).view("<u8").reshape(n, BANDS), signatures


def sketch(text: str) -> tuple[bytes, list[int]]:
    """The 8-bit-per-bin signature and the 40-bit band keys of ``text``."""
    keys, signatures = sketches([text])
    return signatures.tobytes(), keys[0].tolist()


def packed_sketches(first: int, texts: Sequence[str]) -> tuple[bytes, bytes]:
    """Documents ``first, first + 1, ...``'s sketches as stored by the build: 16 band entries
    each (40-bit key, 24-bit index, little-endian uint64) and the signatures, concatenated;
    see :meth:`LSHIndex.add_packed`."""
    if first + len(texts) > MAX_DOCUMENTS:
        raise FuratError(f"near-duplicate detection handles at most {MAX_DOCUMENTS} documents")
    keys, signatures = sketches(texts)
    index = np.arange(first, first + len(texts), dtype=np.uint64)[:, None]
    entries = keys << np.uint64(INDEX_BITS) | index
    return entries.astype("<u8").tobytes(), signatures.tobytes()


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
        """Add the next documents from :func:`packed_sketches` results, concatenated, in order.

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
        predecessor, enough to connect the cluster without a quadratic blow-up. Buckets
        are the runs of equal keys in each sorted band column; pairs are generated per
        bucket size and estimated all at once, as ``i << INDEX_BITS | j`` codes (a common
        word's shingle can make buckets of thousands of pairs).
        """
        found: list[Ints] = [_NONE]
        for column in self._bands:
            entries = np.sort(np.frombuffer(column, np.uint64))
            keys = entries >> np.uint64(INDEX_BITS)
            members = (entries & np.uint64(MAX_DOCUMENTS - 1)).astype(np.int64)
            edges = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
            starts, sizes = edges[:-1], np.diff(edges)
            for size in np.unique(sizes[sizes > 1]).tolist():
                first = starts[sizes == size]
                if size <= full_bucket:
                    i, j = np.triu_indices(size, 1)
                    found += [members[first[:, None] + i] << INDEX_BITS | members[first[:, None] + j]]
                    continue
                for at in first.tolist():
                    run = members[at : at + size].tolist()
                    found.append(np.array([a << INDEX_BITS | b for a, b in _bucket_pairs(run, full_bucket)]))
        codes = np.unique(np.concatenate([c.reshape(-1) for c in found]))
        signatures = np.frombuffer(self._signatures, np.uint8).reshape(-1, BINS)
        pairs: list[tuple[int, int]] = []
        for at in range(0, len(codes), _ESTIMATE_BLOCK):  # blocks: two signature rows per pair
            block = codes[at : at + _ESTIMATE_BLOCK]
            left, right = block >> INDEX_BITS, block & (MAX_DOCUMENTS - 1)
            share = (signatures[left] == signatures[right]).sum(axis=1) / BINS
            keep = np.maximum(0.0, (share - 1 / 256) / (1 - 1 / 256)) >= min_estimate
            pairs += zip(left[keep].tolist(), right[keep].tolist(), strict=True)
        return pairs


def _bucket_pairs(members: list[int], full_bucket: int) -> list[tuple[int, int]]:
    members = sorted(members)
    if len(members) <= full_bucket:
        return [(a, b) for n, a in enumerate(members) for b in members[n + 1 :]]
    star = [(members[0], b) for b in members[1:]]
    chain = list(itertools.pairwise(members[1:]))
    return star + chain
