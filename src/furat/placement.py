"""Where a record's spans sit in its text, checked in bulk: offsets, slices, word edges.

Every span of a record (mention, trigger, stance evidence) must lie inside the text, equal
its slice, have no whitespace at its edges, and not cut a word except at a clitic
boundary (:func:`furat.spans.word_cut`). A record has ~60 spans; checked one at a time
in Python these rules cost more than parsing the record, so :class:`Placement` decides
the common case with C loops and falls back to :func:`check_span`, the exact rule, only
where that case does not hold.
"""

from __future__ import annotations

import itertools
import operator
import re
from typing import Any

from furat.spans import SEPARATORS, clear_of_words, word_cut

Problem = tuple[str, str, str | None]
_SEP = "[" + re.escape("".join(sorted(SEPARATORS))) + "]"
#: Arabic letters, digits (ASCII, Arabic-Indic, Persian) and Latin letters: never a diacritic,
#: tatweel or space, so a span may start with one right after a proclitic
_LETTER = "[\u0621-\u063a\u0641-\u064a0-9\u0660-\u0669\u06f0-\u06f9A-Za-z]"
#: Four characters: the three before a span and its first, when the one before is a letter.
_CLITIC_HEAD = re.compile(f".{_SEP}[وفبلك]{_LETTER}|{_SEP}[وف][بلك]{_LETTER}", re.DOTALL)
_EXTENT = operator.attrgetter("start", "end", "text")


class Placement:
    """The span checks of one record's spans, done in bulk.

    A record has ~60 spans (mentions, triggers, evidence). Checked one by one in Python
    they cost more than parsing the record; here the common case is decided by C loops
    (``map`` over ``str.startswith`` and slicing, joins, one regex match): every span
    inside the text and equal to its slice, no whitespace at its edges, and each edge
    either next to a separator or, at the start, right after a bare proclitic (و ف ب ل
    ك, or و/ف + ب/ل/ك) that follows a separator. A record with any other span — a real
    problem, or a boundary only :func:`word_cut` can judge (tatweel, diacritics,
    enclitics) — has every span checked by the exact per-span rules of :func:`check_span`.
    Problems are kept by span index so the caller reports them in record order at the
    right region.
    """

    def __init__(self, text: str, spans: list[Any]) -> None:
        self.problems: dict[int, list[Problem]] = {}
        self.bad: set[int] = set()  # spans that cannot be placed in the text at all
        if not spans:
            self.starts: tuple[int, ...] = ()
            self.ends: tuple[int, ...] = ()
            return
        starts, ends, surfaces = zip(*map(_EXTENT, spans), strict=True)
        self.starts, self.ends = starts, ends
        if not (
            max(ends) <= len(text)
            and list(map(operator.sub, ends, starts)) == list(map(len, surfaces))
            and all(map(text.startswith, surfaces, starts))
            and all(map(SEPARATORS.__contains__, map((text + "\n").__getitem__, ends)))
            and list(map(str.strip, surfaces)) == list(surfaces)  # no whitespace edge
            and self._clear_starts(text, starts)
        ):
            for k, span in enumerate(spans):
                self._exact(k, span, text)

    @staticmethod
    def _clear_starts(text: str, starts: tuple[int, ...]) -> bool:
        """Whether every span starts after a separator, or after a proclitic after one.

        Iterators all the way down (no Python frame per span): the spans whose previous
        character is not a separator, then one anchored regex match for each of those.
        """
        previous = map(("\n" + text).__getitem__, starts)  # text[start - 1], "\n" at 0
        glued = map(operator.not_, map(SEPARATORS.__contains__, previous))
        attached = list(itertools.compress(starts, glued))
        if not attached:
            return True
        padded = "\n\n\n" + text  # padded[start:start + 4] is text[start - 3:start + 1]
        head = _CLITIC_HEAD.fullmatch
        return all(map(head, itertools.repeat(padded), attached, map((4).__add__, attached)))

    def _exact(self, k: int, span: Any, text: str) -> None:
        found: list[Problem] = []
        if not check_span(span, text, "", found):
            self.bad.add(k)
        if found:
            self.problems[k] = found

    def report(self, k: int, region: str, out: list[Problem]) -> None:
        """Append the problems of span ``k``, located at ``region``."""
        for code, message, _ in self.problems.get(k, ()):
            out.append((code, message, region))


def check_span(span: Any, text: str, region: str, out: list[Problem]) -> bool:
    """Offsets and text of one span; ``False`` if it cannot be placed in the text."""
    start, end, surface = span.start, span.end, span.text
    if text[start:end] != surface or end > len(text):
        if not start <= end <= len(text):
            msg = f"offsets {start}..{end} are outside the text (0..{len(text)})"
            out.append(("SPAN_OUT_OF_RANGE", msg, region))
        else:
            msg = f"text[{start}:{end}] is {text[start:end]!r}, the span says {surface!r}"
            out.append(("SPAN_TEXT_MISMATCH", msg, region))
        return False
    if surface[0].isspace() or surface[-1].isspace():
        if surface.isspace():
            out.append(("SPAN_EMPTY", f"span {start}..{end} is only whitespace", region))
            return False
        out.append(("SPAN_WHITESPACE_EDGE", f"span {surface!r} has whitespace at an edge", region))
    if not clear_of_words(text, start, end):
        cut = word_cut(text, start, end)  # the exact rule, when the cheap test is unsure
        if cut is not None:
            out.append(("SPAN_SPLITS_WORD", f"span {surface!r} {cut}", region))
    return True
