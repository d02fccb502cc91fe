"""Publication dates written in Arabic: "١٣ نوفمبر ٢٠١٧", "02 نوفمبر 2017", "5 آذار 2016".

Arabic news uses two month-name systems: the Egyptian/Gulf transliterations of the
Latin names (يناير … ديسمبر, with spelling variants such as أبريل/ابريل/إبريل,
يونيو/يونيه, يوليو/يوليه) and the Levantine/Iraqi Syriac names (كانون الثاني, شباط, آذار,
نيسان, أيار, حزيران, تموز, آب, أيلول, تشرين الأول, تشرين الثاني, كانون الأول); outlets
often write both ("نوفمبر/تشرين الثاني"). Digits may be Latin, Eastern Arabic (٠-٩) or
Persian (۰-۹).

Matching runs on :func:`furat.textnorm.fold` of the input, which already unifies alef
forms, digits and whitespace, so each month needs one folded spelling here; the match
is mapped back with :func:`~furat.textnorm.fold_with_offsets` so the caller gets the
text exactly as written. A date needs day, month and year: "مارس/آذار الماضي" in body
prose is not a publication date. Impossible dates ("31 شباط 2016") and years outside
1900–2100 are rejected rather than guessed.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import NamedTuple

from furat.textnorm import fold, fold_with_offsets

#: Month number → spellings as they appear in articles (folded before matching).
MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "كانون ثاني"),
    2: ("فبراير", "شباط"),
    3: ("مارس", "آذار"),
    4: ("أبريل", "إبريل", "ابريل", "نيسان"),
    5: ("مايو", "أيار"),
    6: ("يونيو", "يونيه", "حزيران"),
    7: ("يوليو", "يوليه", "تموز"),
    8: ("أغسطس", "آب"),
    9: ("سبتمبر", "أيلول"),
    10: ("أكتوبر", "تشرين الأول", "تشرين أول"),
    11: ("نوفمبر", "تشرين الثاني", "تشرين ثاني"),
    12: ("ديسمبر", "كانون الأول", "كانون أول"),
}

_FOLDED_MONTHS: dict[str, int] = {fold(name): month for month, names in MONTH_NAMES.items() for name in names}
_MONTH_ALT = "|".join(re.escape(name) for name in sorted(_FOLDED_MONTHS, key=lambda n: (-len(n), n)))
_LETTER_AHEAD = r"(?![^\W\d_])"
# Folded text has single spaces, ASCII digits and no quotes or tatweel.
_DATE_RE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}}) ?(?:- ?)?(?P<month>{_MONTH_ALT}){_LETTER_AHEAD}"
    rf"(?: ?/ ?(?P<alt>{_MONTH_ALT}){_LETTER_AHEAD})?"
    rf" ?[,،]? ?(?P<year>\d{{4}})(?!\d)"
)
MIN_YEAR, MAX_YEAR = 1900, 2100


def iter_arabic_dates(s: str) -> Iterator[tuple[datetime.date, str, int, int]]:
    """Every valid date in ``s``: ``(date, text as written, start, end)`` offsets into ``s``."""
    folded, offs = fold_with_offsets(s)
    for m in _DATE_RE.finditer(folded):
        month = _FOLDED_MONTHS[m["month"]]
        if m["alt"] is not None and _FOLDED_MONTHS[m["alt"]] != month:
            continue  # "5 آذار/أبريل 2016" contradicts itself; do not pick one
        year = int(m["year"])
        if not MIN_YEAR <= year <= MAX_YEAR:
            continue
        try:
            value = datetime.date(year, month, int(m["day"]))
        except ValueError:
            continue
        start, end = offs[m.start()], offs[m.end() - 1] + 1
        yield value, s[start:end], start, end


def parse_arabic_date(s: str) -> tuple[datetime.date, str] | None:
    """The first valid day-month-year date in ``s`` and its text as written, else None."""
    for value, text, _start, _end in iter_arabic_dates(s):
        return value, text
    return None


class DateLine(NamedTuple):
    """A metadata line that is a date: "02 نوفمبر 2017" or "● أخبار سورية ١٣ نوفمبر ٢٠١٧"."""

    date: datetime.date
    text: str
    label: str | None


_BULLETS = "●•■▪◆◇○◦"
_SEPARATORS = "|-–—/:،,"
_DATE_LINE_NOISE = re.compile(
    r"(?<!\w)(?:ال[أا]حد|ال[اإ]ثنين|الثلاثاء|ال[أا]ربعاء|الخميس|الجمعة|السبت|"
    r"نشر في|تاريخ النشر|[آا]خر تحديث|بتاريخ)(?!\w)"
)


def parse_date_line(line: str) -> DateLine | None:
    """Read a line that states a date and nothing else but a weekday or a section label.

    A label (the section, e.g. "أخبار سورية") is accepted only when the line is visibly
    a metadata line: it starts with a bullet, or a separator stands between label and
    date. So a headline such as "قصف دير الزور 3 آذار 2016" is never taken for one.
    """
    for value, text, start, end in iter_arabic_dates(line):
        before, after = line[:start], line[end:]
        rest = _DATE_LINE_NOISE.sub(" ", f"{before} {after}").split()
        words = [w.strip(_BULLETS + _SEPARATORS) for w in rest if any(c.isalpha() for c in w)]
        label = " ".join(words)  # without times ("10:30") and separators
        if not label:
            return DateLine(value, text, None)
        bulleted = line.lstrip().startswith(tuple(_BULLETS))
        separated = any(sep in before.rstrip()[-1:] + after.lstrip()[:1] for sep in _SEPARATORS)
        if len(label.split()) <= 4 and (bulleted or separated):
            return DateLine(value, text, label)
    return None
