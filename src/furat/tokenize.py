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
import re
import unicodedata
from collections.abc import Iterable
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


class Token(NamedTuple):
    """A token: the original text and its code-point offsets (``end`` exclusive)."""

    text: str
    start: int
    end: int


def token_spans(text: str, boundaries: Iterable[int] = ()) -> tuple[list[int], list[int]]:
    """Token start and end offsets of ``text``; every offset in ``boundaries`` is a token edge.

    An offset inside whitespace, at either end of the text or outside it needs no split
    and is ignored. This is the fast path used by the build; :func:`tokenize` wraps it.
    """
    starts: list[int] = []
    ends: list[int] = []
    for m in TOKEN_RE.finditer(text):
        starts.append(m.start())
        ends.append(m.end())
    cuts: dict[int, list[int]] = {}
    for b in boundaries:
        i = bisect.bisect_right(starts, b) - 1
        if i >= 0 and starts[i] < b < ends[i]:
            cuts.setdefault(i, []).append(b)
    if not cuts:
        return starts, ends
    new_starts: list[int] = []
    new_ends: list[int] = []
    done = 0
    for i in sorted(cuts):
        new_starts += starts[done:i]
        new_ends += ends[done:i]
        edges = [starts[i], *sorted(set(cuts[i])), ends[i]]
        new_starts += edges[:-1]
        new_ends += edges[1:]
        done = i + 1
    new_starts += starts[done:]
    new_ends += ends[done:]
    return new_starts, new_ends


def tokenize(text: str, boundaries: Iterable[int] = ()) -> list[Token]:
    """Tokens of ``text`` (see the module docstring), split at every offset in ``boundaries``."""
    starts, ends = token_spans(text, boundaries)
    return [Token(text[s:e], s, e) for s, e in zip(starts, ends, strict=True)]


class TokenIndex:
    """Maps character spans onto token spans for one tokenised text.

    A span is *representable* when its start is a token start and its end a token end;
    :meth:`span` then gives ``(token_start, token_end)`` with ``token_end`` exclusive.
    """

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self._by_start = {s: i for i, s in enumerate(starts)}
        self._by_end = {e: i + 1 for i, e in enumerate(ends)}

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """Token span of the character span ``[start, end)``, or None if not representable."""
        first = self._by_start.get(start)
        last = self._by_end.get(end)
        if first is None or last is None or first >= last:
            return None
        return first, last
