"""Text normalisation (once, at ingest) and folding (side keys only, never stored).

Two very different operations live here, and keeping them apart is the point:

``normalize_text`` is applied exactly once, when a raw article becomes a clean document.
Every offset in the project (mentions, events, predictions) is a Python code point into
the result, so it must be conservative and stable: it only removes or unifies characters
that carry no linguistic content and that break offsets in annotation tools.

* NFC, so that a letter + combining mark typed two ways has one spelling.
* Line breaks: CRLF and CR become LF; so do the other characters Python's
  ``str.splitlines`` treats as line breaks (VT, FF, FS, GS, RS, NEL, U+2028, U+2029), so
  that ``text.split("\\n")`` and ``text.splitlines()`` always agree.
* U+00A0 NBSP and the other space separators (U+2000–U+200A, U+202F, U+205F, U+3000)
  become U+0020; inner runs of spaces are *not* collapsed.
* Removed: U+200B ZWSP, U+FEFF BOM, U+00AD soft hyphen and the bidi controls (U+200E
  LRM, U+200F RLM, U+061C ALM, U+202A–U+202E, U+2066–U+2069). They are invisible, make
  equal-looking strings differ, and shift offsets between tools.
* Kept: ZWNJ/ZWJ (U+200C/U+200D, they change how letters join), tatweel U+0640,
  diacritics, every quote style, spelling and punctuation as written.

NFC is applied last, so removing an invisible character between a base letter and its
mark still yields composed text, and ``normalize_text`` is idempotent. Stripping each
line's edges is done by :mod:`furat.ingest`.

``fold`` builds a matching key (furniture lines, duplicate paragraphs, alias lookup):
it drops diacritics, tatweel and quote marks, unifies alef/yaa/taa-marbuta forms and
digits, casefolds and collapses whitespace. It is lossy by design, so folded text is
never stored; ``fold_with_offsets`` maps a match in the key back to the original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

_LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_SPACES = "\u00a0" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f\u3000"
_INVISIBLE = (
    "\u200b\ufeff\u00ad\u200e\u200f\u061c"
    + "".join(chr(c) for c in range(0x202A, 0x202F))
    + "".join(chr(c) for c in range(0x2066, 0x206A))
)

_NORMALIZE_TABLE: dict[int, str | None] = {
    **{ord(c): "\n" for c in _LINE_BREAKS},
    **{ord(c): " " for c in _SPACES},
    **{ord(c): None for c in _INVISIBLE},
}


def normalize_text(raw: str) -> str:
    """The one-time ingest normalisation described in the module docstring."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_NORMALIZE_TABLE)
    return unicodedata.normalize("NFC", text)


TATWEEL = "\u0640"
#: Arabic diacritics (harakat, tanwin, shadda, sukun, Quranic marks, dagger alef).
DIACRITICS = (
    "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670" + "".join(chr(c) for c in range(0x06D6, 0x06EE))
)
#: Quote marks dropped by :func:`fold` (articles mix ASCII, curly and guillemet quotes).
QUOTES = "\"“”«»'‘’„‟"
_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"

_FOLD_TABLE: dict[int, str | None] = {
    **{ord(c): None for c in DIACRITICS + TATWEEL + QUOTES},
    **{ord(c): "ا" for c in "أإآٱ"},
    ord("ى"): "ي",
    ord("ة"): "ه",
    **{ord(c): str(i) for i, c in enumerate(_DIGITS)},
    **{ord(c): str(i) for i, c in enumerate(_PERSIAN_DIGITS)},
}
_WS_RE = re.compile(r"\s+")


def fold(s: str) -> str:
    """A lossy matching key: equal for spellings a reader takes as the same words.

    Table outputs are ASCII digits and Arabic letters, which ``casefold`` leaves alone,
    so translating first and casefolding the whole string equals doing both per code
    point (which is what :func:`fold_with_offsets` does).
    """
    return _WS_RE.sub(" ", s.translate(_FOLD_TABLE).casefold()).strip()


def fold_with_offsets(s: str) -> tuple[str, list[int]]:
    """``fold(s)`` plus, for each of its code points, the index in ``s`` it came from.

    A span ``[i, j)`` of the folded string covers ``s[offs[i]:offs[j - 1] + 1]``. A
    collapsed whitespace run maps to its first character; a code point that casefolds to
    several (``ß`` → ``ss``) maps each of them to itself.
    """
    table: Mapping[int, str | None] = _FOLD_TABLE
    chars: list[str] = []
    offs: list[int] = []
    space_at: int | None = None
    for i, ch in enumerate(s):
        mapped = table.get(ord(ch), ch)
        if mapped is None:
            continue
        for out in mapped.casefold():
            if out.isspace():
                if space_at is None:
                    space_at = i
                continue
            if space_at is not None:
                if chars:
                    chars.append(" ")
                    offs.append(space_at)
                space_at = None
            chars.append(out)
            offs.append(i)
    return "".join(chars), offs


#: One Arabic letter (basic block, extended letters, supplements, presentation forms);
#: tatweel, diacritics, digits and punctuation are not letters.
ARABIC_LETTER_RE = re.compile(
    "[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
    "\u0750-\u077f\u08a0-\u08c9\ufb50-\ufdfb\ufe70-\ufefc]"
)


def has_arabic(s: str) -> bool:
    """True if ``s`` contains at least one Arabic letter."""
    return ARABIC_LETTER_RE.search(s) is not None


#: Proclitics a name may carry in running text, longest first so a greedy matcher
#: strips ``وب`` before ``و``: the conjunctions و/ف, the prepositions ب/ل/ك, their
#: combinations, and the tatweel spellings (``لـ"داعش"``, ``بـ"المكثفة"``).
#: The article ال is NOT a clitic here: it is part of a name as written (الرقة,
#: النظام), so aliases in ``schema/actors.yaml`` include it. Note that ل + ال is written
#: لل (للنظام = ل + النظام): a matcher that strips ل must try restoring the alef.
CLITIC_PREFIXES: tuple[str, ...] = (
    "ولـ", "فلـ", "وبـ", "فبـ", "وكـ", "فكـ",
    "وب", "ول", "وك", "فب", "فل", "فك",
    "لـ", "بـ", "كـ",
    "و", "ف", "ب", "ل", "ك",
)  # fmt: skip
