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
from collections.abc import Iterable
from itertools import accumulate, compress, count
from operator import add, not_
from typing import NamedTuple


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
