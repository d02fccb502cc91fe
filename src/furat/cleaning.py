"""Line rules of ingest: which raw lines are furniture, metadata, headline or body.

Split from :mod:`furat.ingest` so the rules can be read (and extended for new outlets)
in one place. Each non-blank line of a normalised article is removed as page furniture
(share buttons, "اقرأ أيضاً", lines with no letter or digit, lone photo credits), lifted
into metadata (category+date line, lone date line, photo caption, "المصدر:/الكاتب:"
footer), dropped as a repeat of the headline, or dropped as a repeat of an earlier
paragraph (first occurrence kept). All comparisons use :func:`~furat.textnorm.fold`
keys, never rewritten text. Dates are taken only from the header zone (lines before the
first body paragraph). The outlet comes from the footer, else from the most frequent
in-text self-reference ('في حديث لـ"النشرة"').
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from furat.dates import parse_date_line
from furat.textnorm import fold

HEADLINE_MAX_WORDS = 25
LEAD_TITLE_MAX_WORDS = 12

_FURNITURE = frozenset(
    fold(s).replace(" ", "")
    for s in (
        "شارك", "مشاركة", "شارك هذا المقال", "شارك هذا الخبر", "اقرأ أيضاً", "اقرأ المزيد",
        "زر الذهاب إلى الأعلى", "اظهر المزيد", "+ الخط -", "المساهمون",
    )
)  # fmt: skip
_AGENCIES = tuple(
    fold(a) for a in ("فرانس برس", "رويترز", "الأناضول", "أسوشييتد برس", "غيتي", "getty", "afp")
)
_CREDIT_RE = re.compile(r"\(([^()]{2,80})\)$")
_FOOTER_RE = re.compile(
    r"^(?:المصدر\s*:\s*(?P<outlet>.+?))?\s*(?:(?:الكاتب|بقلم)\s*:\s*(?P<byline>.+?))?\s*\.?$"
)
_Q = "\"“”«»„‟'‘’"
_SELF_REF_RE = re.compile(
    r"(?<!\w)(?:(?:في|التي|الذي|الذين)\s+)?"
    r"(?:حديث|تصريح|تصريحات|تواصل|تواصلت|اتصال|[أا]كد|[أا]كدت|[أا]وضح|[أا]وضحت|قال|قالت|"
    r"كشف|كشفت|[أا]ضاف|[أا]ضافت|[أا]فاد|[أا]فادت|تحدث|تحدثت|صرح|صرحت|يقول|تقول|[أا]شار)"
    r"(?:ه|ها|هم)?(?:\s+(?:خاص|خاصة|هاتفي|هاتفية|صحافي|صحفي|صحافية|صحفية))?"
    r"\s+(?:(?:مع|معه|معها|معهم|معهما|معهن|[إا]لى)\s+|لـ?\s?)"
    rf"[{_Q}](?P<name>[^{_Q}\n]{{2,40}})[{_Q}]"
)
_LEAD_END_RE = re.compile(r"[،,؟?!؛;]|\.(?!\d)")


@dataclass
class Cleaning:
    """How many non-blank raw lines each cleaning rule removed."""

    furniture_lines: int = 0
    duplicate_title_lines: int = 0
    duplicate_paragraphs: int = 0
    metadata_lines: int = 0



def _words(line: str) -> int:
    return len(line.split())


def _is_furniture(line: str) -> bool:
    key = fold(line)
    if not any(ch.isalnum() for ch in key):
        return True  # "ـــــــ ــ", "●", "* * *"
    if key.replace(" ", "").rstrip(":.") in _FURNITURE:
        return True
    return _CREDIT_RE.fullmatch(line) is not None and _words(line) <= 6  # "(فرانس برس)"


def _is_caption(line: str, in_header: bool) -> bool:
    """A photo caption ending in a credit: "…المدنيين(جورج أورفاليان/فرانس برس)".

    In the header zone a "(name/agency)" or "(agency)" credit suffices; in the body the
    credit needs both, so prose ending in "(2015/2016)" or "(رويترز)" stays prose.
    """
    m = _CREDIT_RE.search(line)
    if m is None or m.start() == 0 or _words(line) > 30:
        return False
    credit = fold(m[1])
    parts = credit.split("/")
    two_part = len(parts) == 2 and all(p.strip() and _words(p) <= 4 for p in parts)
    agency = any(a in credit for a in _AGENCIES)
    return (two_part or agency) if in_header else (two_part and agency)


def _is_title_repeat(line: str, headline: str) -> bool:
    """Same headline up to folding, or a one-word variant ("بدير" / "في دير")."""
    a, b = fold(line), fold(headline)
    if a == b:
        return True
    if not 0.8 <= len(a) / max(len(b), 1) <= 1.25:
        return False
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.9


@dataclass
class Parsed:
    """An article's lines sorted by :func:`parse_lines`; ``meta`` uses Metadata names."""

    headline: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    cleaning: Cleaning = field(default_factory=Cleaning)


def _lift_metadata(line: str, in_header: bool, meta: dict[str, str]) -> bool:
    """Move a footer, a caption or (header zone only) a date line into ``meta``."""
    if _words(line) <= 15 and line.startswith(("المصدر", "الكاتب", "بقلم")):
        m = _FOOTER_RE.match(line)
        if m is not None and (m["outlet"] or m["byline"]):
            if m["outlet"]:
                meta.setdefault("outlet", m["outlet"].strip())
                meta.setdefault("outlet_evidence", line)
            if m["byline"]:
                meta.setdefault("byline", m["byline"].strip())
            return True
    if _is_caption(line, in_header):
        meta["caption"] = f"{meta['caption']}\n{line}" if "caption" in meta else line
        return True
    found = parse_date_line(line) if in_header else None
    if found is None:
        return False
    meta.setdefault("date", found.date.isoformat())
    meta.setdefault("date_text", found.text)
    if found.label:
        meta.setdefault("category", found.label)
    return True


def parse_lines(text: str) -> Parsed:
    """Sort the lines of a normalised article into headline, paragraphs and metadata."""
    parsed = Parsed()
    counts = parsed.cleaning
    seen: set[str] = set()
    in_header = True
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        if _is_furniture(line):
            counts.furniture_lines += 1
        elif _lift_metadata(line, in_header, parsed.meta):
            counts.metadata_lines += 1
        elif parsed.headline is not None and _is_title_repeat(line, parsed.headline):
            counts.duplicate_title_lines += 1
        elif in_header and parsed.headline is None and _looks_like_headline(line):
            parsed.headline = line
        else:
            in_header = False
            key = fold(line)
            if key in seen:
                counts.duplicate_paragraphs += 1
            else:
                seen.add(key)
                parsed.paragraphs.append(line)
    return parsed


def _looks_like_headline(line: str) -> bool:
    return _words(line) <= HEADLINE_MAX_WORDS and not line.endswith((".", "،", ":"))


def lead_title(paragraph: str) -> str:
    """The lead's first clause, at most LEAD_TITLE_MAX_WORDS words, as written."""
    m = _LEAD_END_RE.search(paragraph)
    clause = paragraph[: m.start()] if m else paragraph
    return " ".join(clause.split()[:LEAD_TITLE_MAX_WORDS])


def self_reference(paragraphs: list[str]) -> tuple[str, str] | None:
    """The most frequent outlet named in a self-reference (ties: first seen) + evidence."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[str, str]] = {}
    for paragraph in paragraphs:
        for m in _SELF_REF_RE.finditer(paragraph):
            name = m["name"].strip()
            if _words(name) <= 4 and any(ch.isalpha() for ch in name):
                counts[fold(name)] += 1
                first.setdefault(fold(name), (name, m[0]))
    if not counts:
        return None
    order = list(first)
    return first[max(order, key=lambda k: (counts[k], -order.index(k)))]
