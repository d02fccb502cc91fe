"""Geometry of mentions: nesting, crossing, and spans that cut Arabic words.

The converter and the validator must agree on what ``parent`` means, so both use
:func:`nest`: the parent of a mention is the smallest mention that strictly contains it
(same or wider on both sides, not the same span). Mentions are visited in
``(start, -end, type, id)`` order with a stack of open ancestors, so a document of
``n`` mentions costs ``O(n log n)``, not the ``O(n²)`` of comparing all pairs. Crossing
mentions (overlap without containment) break the nesting policy; they are reported, and
the parent computed for them is then only best effort.

:func:`word_cut` implements the clitic rule of the guidelines: a span may start right
after a proclitic (و ف, then ب ل ك, optionally with tatweel as in «لـ») and end right
before a pronoun enclitic (ه ها هم هما هن ك كم كما كن ي ني نا), because Arabic writes
those attached to the name; any other boundary inside a word is suspicious. The
definite article ال is part of the name, so a span starting after it cuts the word.
"""

from __future__ import annotations

import itertools
import operator
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

TATWEEL = "\u0640"
_JOINERS = "\u200c\u200d"
_PROCLITIC_RE = re.compile(r"[وف]?[بلك]?")
_PROCLITICS = frozenset(a + b for a in ("", "و", "ف") for b in ("", "ب", "ل", "ك")) - {""}
ENCLITICS = frozenset({"ه", "ها", "هم", "هما", "هن", "ك", "كم", "كما", "كن", "ي", "ني", "نا"})


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


#: Characters that certainly end a word: a span next to one needs no clitic analysis.
SEPARATORS = frozenset(" \t\n\r.,;:!?()[]{}«»“”\"'/-–—،؛؟…%")
_WORD_CHARS: dict[str, bool] = {}  # a memo: spans are checked by the million


def is_word_char(ch: str) -> bool:
    """Letters, digits, combining marks, tatweel and ZWJ/ZWNJ: what holds a word together."""
    known = _WORD_CHARS.get(ch)
    if known is None:
        known = _WORD_CHARS[ch] = ch.isalnum() or ch == TATWEEL or ch in _JOINERS or _is_mark(ch)
    return known


def _bare(piece: str) -> str:
    """``piece`` without tatweel, joiners and diacritics (so «لـ» and «لِ» read as «ل»)."""
    return "".join(ch for ch in piece if ch != TATWEEL and ch not in _JOINERS and not _is_mark(ch))


_PROCLITIC_LETTERS = frozenset("وفبلك")


def clear_of_words(text: str, start: int, end: int) -> bool:
    """A cheap sufficient test that ``text[start:end]`` cuts no word (then skip :func:`word_cut`).

    True when each edge touches a separator or the text's end, or the span starts right
    after a bare one- or two-letter proclitic (و ف, then ب ل ك) that itself follows a
    separator — what most Arabic mentions look like. Anything else (tatweel, diacritics,
    enclitics, odd characters) is left to :func:`word_cut`, which decides exactly.
    """
    if end < len(text) and text[end] not in SEPARATORS:
        return False
    if start == 0 or text[start - 1] in SEPARATORS:
        return True
    if text[start - 1] not in _PROCLITIC_LETTERS or _is_mark(text[start]):
        return False
    if start == 1 or text[start - 2] in SEPARATORS:
        return True
    return (
        text[start - 2] in "وف"
        and text[start - 1] in "بلك"
        and (start == 2 or text[start - 3] in SEPARATORS)
    )


def word_cut(text: str, start: int, end: int) -> str | None:
    """Why ``text[start:end]`` cuts a word (a short English reason), or ``None`` if it does not."""
    n = len(text)
    word = is_word_char
    if (start == 0 or not word(text[start - 1])) and (end == n or not word(text[end])):
        return None  # the common case: the span sits between spaces or punctuation
    if 0 < start < n and is_word_char(text[start - 1]) and is_word_char(text[start]):
        if _is_mark(text[start]):
            return "starts on a diacritic, separating it from its letter"
        w = start
        while w > 0 and is_word_char(text[w - 1]):
            w -= 1
        prefix = text[w:start]
        if prefix not in _PROCLITICS and not _PROCLITIC_RE.fullmatch(_bare(prefix) or "-"):
            return f"starts inside the word «{text[w:start]}{text[start:end]}» after «{text[w:start]}»"
    if 0 < end < n and is_word_char(text[end - 1]) and is_word_char(text[end]):
        if _is_mark(text[end]):
            return "ends before a diacritic of its last letter"
        e = end
        while e < n and is_word_char(text[e]):
            e += 1
        if _bare(text[end:e]) not in ENCLITICS:
            return f"ends inside a word, before «{text[end:e]}»"
    return None


def entity_key(entity: Mapping[str, Any]) -> tuple[int, int, str, str]:
    """Canonical order of mentions: by start, longer first, then type and id."""
    return (entity["start"], -entity["end"], entity["type"], entity["id"])


def nest(
    starts: Sequence[int], ends: Sequence[int], types: Sequence[str], ids: Sequence[str]
) -> tuple[dict[str, str | None], list[tuple[str, str]]]:
    """Parent id of each mention (``None`` at top level) and the crossing pairs found.

    Mentions come as four parallel columns, so the converter (dicts) and the validator
    (typed records) share this one definition. Among several equal smallest containers
    (same span, different types) the last in canonical order wins, so the choice is
    deterministic.

    Most mentions neither contain nor cross another. In canonical order, a mention can
    only be inside (or cross) earlier ones if it starts before the furthest end so far;
    that test runs in C (``accumulate``, ``compress``), and the stack walk runs only over
    the runs of mentions that overlap, each of which is independent of the rest.
    """
    parents: dict[str, str | None] = dict.fromkeys(ids)
    crossings: list[tuple[str, str]] = []
    order = sorted(zip(starts, map(operator.neg, ends), types, ids, strict=True))
    o_starts = list(map(operator.itemgetter(0), order))
    reach = list(itertools.accumulate(map(operator.neg, map(operator.itemgetter(1), order)), max))
    inside = list(itertools.compress(range(1, len(order)), map(operator.lt, o_starts[1:], reach)))
    k = 0
    while k < len(inside):
        first = last = inside[k]
        while k + 1 < len(inside) and inside[k + 1] == last + 1:
            k += 1
            last = inside[k]
        k += 1
        if first == last:  # the usual pair: one mention inside (or across) the one before
            (o_start, o_neg_end, _, outer), (i_start, i_neg_end, _, inner) = order[first - 1 : first + 1]
            if -i_neg_end > -o_neg_end:
                crossings.append((outer, inner))
            elif (o_start, o_neg_end) != (i_start, i_neg_end):
                parents[inner] = outer
            continue
        stack: list[tuple[int, int, str, str]] = []
        for start, neg_end, _, cid in order[first - 1 : last + 1]:
            end = -neg_end
            while stack and stack[-1][1] < end:
                gone = stack.pop()
                if gone[1] > start and gone[0] < start:
                    crossings.append((gone[3], cid))
            parent = None
            for anc in reversed(stack):
                if anc[0] != start or anc[1] != end:
                    parent = anc[3]
                    break
            parents[cid] = parent
            stack.append((start, end, "", cid))
    return parents, crossings
