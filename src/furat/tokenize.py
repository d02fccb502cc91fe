"""Arabic-aware tokenisation that never loses a gold mention.

The token-level configs (``ner``, ``events``) need tokens whose edges include every
mention edge: Arabic attaches clitics to the next word (و+قسد, بـ+14, لـ+"المدن"), so
whitespace-and-punctuation tokens would make those mentions unrepresentable and their
events would be dropped, a known pain point of ACE-style Arabic corpora. So
:func:`tokenize` takes the set of character offsets that *must* be token boundaries and
splits a word wherever one of them falls inside it.

Rules (``text`` is never normalised; every token is ``text[start:end]``):

* Whitespace (``str.isspace``) separates tokens and belongs to none.
* A *word* is a run of letters, digits and combining marks (Arabic diacritics, tatweel
  ـ, ZWNJ/ZWJ inside a word), so ``F16``, ``كم2`` and ``بـ14`` stay one token unless a
  mention boundary splits them.
* Numbers keep their decimal and thousands separators when a digit is on both sides:
  ``3.5``, ``1,000``, ``٣٫٥``, ``١٬٠٠٠`` (Eastern Arabic digits included); a full stop or
  comma after a number (``2017.``) is its own token.
* Every other non-space character is a token of its own: Arabic and Latin punctuation
  (، ؛ ؟ « » “ ” " ' ( ) [ ] . , : ; ! ? / – — -), symbols, and the percent signs
  ``%`` ``٪`` ``‰``. Keeping ``%`` separate (as the Penn Treebank and CoNLL do) costs
  nothing: a QUANTITY such as ``80%`` simply spans two tokens, and a model never has
  to learn ``80%`` and ``80`` as different words.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, compress, count
from operator import add, not_
from typing import NamedTuple

import numpy as np
import numpy.typing as npt


def _mark_class() -> str:
    """A regex character class of every combining mark (categories Mn, Mc, Me).

    Python's ``\\w`` excludes combining marks, so without them a vowelled word such as
    مُحَمَّد would fall apart at each diacritic. Scanning the BMP, the SMP and the
    variation-selector supplement once at import takes a few milliseconds.
    """
    ranges: list[tuple[int, int]] = []
    for block in (range(0x0300, 0x20000), range(0xE0100, 0xE01F0)):
        for cp in block:
            if unicodedata.category(chr(cp))[0] == "M":
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1] = (ranges[-1][0], cp)
                else:
                    ranges.append((cp, cp))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )


_MARKS = _mark_class()
_MARK_RE = re.compile(f"[{_MARKS}]")
_JOINERS = "\u200c\u200d"
_NUMBER_SEPARATORS = ".,\u066b\u066c"  # . , ٫ (Arabic decimal) ٬ (Arabic thousands)
TOKEN_RE = re.compile(
    rf"(?:[^\W_]|[{_MARKS}])"
    rf"(?:[^\W_]|[{_MARKS}{_JOINERS}]|(?<=\d)[{re.escape(_NUMBER_SEPARATORS)}](?=\d))*"
    r"|\S"
)
_plus_one = (1).__add__


class Token(NamedTuple):
    """A token: the original text and its code-point offsets (``end`` exclusive)."""

    text: str
    start: int
    end: int


def split_tokens(text: str, boundaries: Iterable[int] = ()) -> tuple[list[str], list[int], list[int]]:
    """Token texts, starts and ends of ``text``; every offset in ``boundaries`` is a token edge.

    An offset inside whitespace, at either end of the text or outside it needs no split
    and is ignored. This is the build's fast path, so it avoids Python work per token:
    ``str.split(" ")`` cuts the text into chunks and ``accumulate`` gives their offsets,
    all in C; a chunk that is a single run of letters (``str.isalpha``: most of them) is
    already a token, and only the others (punctuation, digits, marks, line breaks, empty
    chunks between two spaces) go through :data:`TOKEN_RE`.
    """
    texts = text.split(" ")
    starts = list(accumulate(map(_plus_one, map(len, texts)), initial=0))
    starts.pop()
    ends = list(map(add, starts, map(len, texts)))
    irregular = list(compress(count(), map(not_, map(str.isalpha, texts))))
    for k in reversed(irregular):  # right to left, so earlier indices stay valid
        at = starts[k]
        found = [(m.group(), at + m.start(), at + m.end()) for m in TOKEN_RE.finditer(texts[k])]
        texts[k : k + 1] = [t for t, _, _ in found]
        starts[k : k + 1] = [a for _, a, _ in found]
        ends[k : k + 1] = [b for _, _, b in found]
    cuts: dict[int, set[int]] = {}
    for b in boundaries:
        i = bisect.bisect_right(starts, b) - 1
        if i >= 0 and starts[i] < b < ends[i]:
            cuts.setdefault(i, set()).add(b)
    for i in sorted(cuts, reverse=True):
        edges = [starts[i], *sorted(cuts[i]), ends[i]]
        texts[i : i + 1] = [text[a:b] for a, b in itertools.pairwise(edges)]
        starts[i : i + 1] = edges[:-1]
        ends[i : i + 1] = edges[1:]
    return texts, starts, ends


def token_spans(text: str, boundaries: Iterable[int] = ()) -> tuple[list[int], list[int]]:
    """Token starts and ends only (see :func:`split_tokens`)."""
    _, starts, ends = split_tokens(text, boundaries)
    return starts, ends


def tokenize(text: str, boundaries: Iterable[int] = ()) -> list[Token]:
    """Tokens of ``text`` (see the module docstring), split at every offset in ``boundaries``."""
    return [Token(*t) for t in zip(*split_tokens(text, boundaries), strict=True)]


class TokenIndex:
    """Maps character spans onto token spans for one tokenised text.

    A span is *representable* when its start is a token start and its end a token end;
    :meth:`span` then gives ``(token_start, token_end)`` with ``token_end`` exclusive.
    Lookups bisect the offset lists, so indexing costs nothing per token.
    """

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self._starts = starts
        self._ends = ends

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """Token span of the character span ``[start, end)``, or None if not representable."""
        first = bisect.bisect_left(self._starts, start)
        last = bisect.bisect_left(self._ends, end)
        if (
            first >= len(self._starts)
            or self._starts[first] != start
            or last >= len(self._ends)
            or self._ends[last] != end
            or first > last
        ):
            return None
        return first, last + 1


# Character classes of the batch tokenizer, as bits of one byte per code point; the top
# two bits hold the number of UTF-8 bytes beyond the first.
_WORD, _JOIN, _SEP, _DIGIT, _SPACE = 1, 2, 4, 8, 16
_EXTRA_SHIFT = 5
_ASCII_SPACE = bytes(c for c in range(0x80) if chr(c).isspace())


def _class_of(ch: str) -> int:
    """The class bits of one character, by the very tests :data:`TOKEN_RE` makes."""
    bits = _WORD if ch.isalnum() or unicodedata.category(ch)[0] == "M" else 0
    bits |= _JOIN if ch in _JOINERS else 0
    bits |= _SEP if ch in _NUMBER_SEPARATORS else 0
    bits |= _DIGIT if ch.isdecimal() else 0
    bits |= _SPACE if ch.isspace() else 0
    extra = len(ch.encode("utf-8", "surrogatepass")) - 1
    return bits | extra << _EXTRA_SHIFT


@cache
def _bmp_classes() -> npt.NDArray[np.uint8]:
    """Class bits of every BMP code point, as :func:`_class_of` gives them (a test checks),
    built on first use with one string method or regular expression per class."""
    chars = "".join(map(chr, range(0x10000)))
    cps = np.arange(0x10000)

    def where(test: Callable[[str], bool]) -> npt.NDArray[np.bool_]:
        return np.fromiter(map(test, chars), bool, len(chars))

    marks = np.frombuffer(_MARK_RE.sub("\0", chars).encode("utf-32-le", "surrogatepass"), np.uint32) != cps
    bits = np.where(where(str.isalnum) | marks, _WORD, 0)
    bits |= np.where(where(str.isdecimal), _DIGIT, 0) | np.where(where(str.isspace), _SPACE, 0)
    bits[[ord(ch) for ch in _JOINERS]] |= _JOIN
    bits[[ord(ch) for ch in _NUMBER_SEPARATORS]] |= _SEP
    bits |= ((cps >= 0x80).astype(int) + (cps >= 0x800)) << _EXTRA_SHIFT
    return bits.astype(np.uint8)


@dataclass(frozen=True)
class TokenBatch:
    """The tokens of several texts as flat arrays, text after text.

    ``starts`` and ``ends`` are code-point offsets into each token's own text;
    ``utf8[offsets[k]:offsets[k + 1]]`` is token ``k``'s UTF-8, so the token strings can
    become an Arrow string array without a Python object per token.
    """

    counts: npt.NDArray[np.int64]  # tokens per text
    starts: npt.NDArray[np.int32]
    ends: npt.NDArray[np.int32]
    first: npt.NDArray[np.int64]  # index of each text's first token
    utf8: bytes
    offsets: npt.NDArray[np.int32]


def tokenize_batch(
    texts: Sequence[str],
    bound_text: npt.NDArray[np.int64],
    bound_at: npt.NDArray[np.int64],
    utf8: bytes | None = None,
) -> TokenBatch:
    """:func:`split_tokens` of many texts at once; offset ``bound_at[k]`` of text
    ``bound_text[k]`` must be a token edge.

    The build tokenises every annotated article, and one Python object per token was
    most of its cost, so this works on all texts of a chunk at once with array
    operations: the texts are joined by spaces, every code point is classified by a
    table lookup, and token edges are where the classes change (:data:`TOKEN_RE`'s
    rule, evaluated position by position). A test checks it against :func:`split_tokens`.
    ``utf8``, if given, is the texts' UTF-8 concatenated with nothing or only whitespace
    in between (an Arrow string array's data buffer): it saves encoding them again.
    """
    n = len(texts)
    lengths = np.fromiter(map(len, texts), np.int64, n)
    base = np.zeros(n + 1, np.int64)
    np.cumsum(lengths + 1, out=base[1:])
    joined = " ".join(texts) + " "
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
    cls = _classify(cps)
    word = (cls & _WORD) != 0
    # inside a word: word characters, joiners, and separators with a digit on both sides
    inner = word | ((cls & _JOIN) != 0)
    seps = np.flatnonzero(cls & _SEP)
    if len(seps):
        seps = seps[(seps > 0) & (seps < len(cps) - 1)]  # the last code point is the added space
        digit = (cls & _DIGIT) != 0
        inner[seps[digit[seps - 1] & digit[seps + 1]]] = True
    # a run of inner characters that begins with a joiner: the joiners before its first
    # word character are tokens of their own (rare, so a Python loop)
    run_start = inner.copy()
    run_start[1:] &= ~inner[:-1]
    for i in np.flatnonzero(run_start & ~word).tolist():
        while inner[i] and not word[i]:
            inner[i] = False
            i += 1
    token = (cls & _SPACE) == 0
    start = token.copy()
    start[1:] &= ~(inner[1:] & inner[:-1])
    keep = (bound_at > 0) & (bound_at < lengths[bound_text])
    cuts = base[bound_text[keep]] + bound_at[keep]
    start[cuts[inner[cuts] & inner[cuts - 1]]] = True
    end = np.zeros_like(token)
    end[1:] = token[:-1] & (start[1:] | ~token[1:])
    starts, ends = np.flatnonzero(start), np.flatnonzero(end)
    first = np.searchsorted(starts, base)
    counts = np.diff(first)
    shift = np.repeat(base[:-1], counts)
    extra = np.zeros(len(cps) + 1, np.int32)  # UTF-8 bytes beyond one per code point, so far
    np.cumsum(cls >> _EXTRA_SHIFT, dtype=np.int32, out=extra[1:])
    offsets = np.zeros(len(starts) + 1, np.int32)
    np.cumsum(ends - starts + extra[ends] - extra[starts], dtype=np.int32, out=offsets[1:])
    return TokenBatch(
        counts=counts,
        starts=(starts - shift).astype(np.int32),
        ends=(ends - shift).astype(np.int32),
        first=first[:-1],
        utf8=_without_spaces(joined, utf8, token, cls),
        offsets=offsets,
    )


def _classify(cps: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """Class bits of each code point; those beyond the BMP are classified one by one."""
    table = _bmp_classes()
    if not len(cps) or int(cps.max()) <= 0xFFFF:
        bmp: npt.NDArray[np.uint8] = table[cps]
        return bmp
    astral = cps > 0xFFFF
    cls: npt.NDArray[np.uint8] = table[np.where(astral, 0, cps)]
    for cp in np.unique(cps[astral]).tolist():
        cls[cps == cp] = _class_of(chr(cp))
    return cls


def _without_spaces(
    joined: str, utf8: bytes | None, token: npt.NDArray[np.bool_], cls: npt.NDArray[np.uint8]
) -> bytes:
    """UTF-8 of the tokens, concatenated: the texts' UTF-8 without its whitespace."""
    if not (~token & (cls >= 1 << _EXTRA_SHIFT)).any():  # only ASCII whitespace: delete it in C
        return (joined.encode("utf-8") if utf8 is None else utf8).translate(None, _ASCII_SPACE)
    nbytes = (cls >> _EXTRA_SHIFT).astype(np.int64) + 1  # a multi-byte space (rare): mask bytes
    return np.frombuffer(joined.encode("utf-8"), np.uint8)[np.repeat(token, nbytes)].tobytes()
