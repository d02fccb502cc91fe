"""normalize_text (the one-time ingest normalisation) and fold (side keys with offsets)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from furat.textnorm import (
    ARABIC_LETTER_RE,
    CLITIC_PREFIXES,
    fold,
    fold_with_offsets,
    has_arabic,
    normalize_text,
)

# Characters the rules treat specially, mixed into random text by the property tests.
SPECIAL = (
    "أإآٱاىيةه" + "ًٌٍَُِّْٰۭۖ" + "ـ" + "\"“”«»'‘’„‟" + "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
    + " \t\n\r\u00a0\u2002\u2028\u200b\u200c\u200d\u200e\u200f\u061c\u202b\ufeff\u00ad"
    + "AbCßİΣς\u0301e\u0654"
)  # fmt: skip
TEXT = st.text(alphabet=st.sampled_from(SPECIAL) | st.characters(), max_size=60)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("سطر\r\nسطر\rسطر\n", "سطر\nسطر\nسطر\n"),
        ("a\u2028b\u2029c\x85d\x0be\x0cf", "a\nb\nc\nd\ne\nf"),
        ("دير\u00a0الزور\u2002و\u202fالرقة\u3000", "دير الزور و الرقة "),
        ("\ufeffداعش\u200b قسد\u00ad", "داعش قسد"),
        ("\u200fالرقة\u200e \u202bحلب\u202c \u2067إدلب\u2069 \u061cحمص", "الرقة حلب إدلب حمص"),
        ("می\u200cخواهم \u200d", "می\u200cخواهم \u200d"),  # ZWNJ/ZWJ kept
        ("الـرقة وقّع نُقِلَ", "الـرقة وقّع نُقِلَ"),  # tatweel and diacritics kept
        ('"أ" “ب” ”ج” «د»', '"أ" “ب” ”ج” «د»'),  # every quote style kept
        ("و  خسارات", "و  خسارات"),  # inner spaces are not collapsed
        ("\u0627\u0654", "\u0623"),  # NFC: alef + hamza above → أ
        ("\u0627\u200f\u0654", "\u0623"),  # NFC after removal composes too
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@given(TEXT)
def test_normalize_text_is_idempotent_and_nfc(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\r" not in once and "\u00a0" not in once and "\u200f" not in once
    lines = once.split("\n")
    if lines[-1] == "":
        lines.pop()
    assert once.splitlines() == lines  # no line break other than LF survives


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        ("وقّعَ", "وقع"),
        ("الـــرقة", "الرقه"),
        ("أإآٱ", "اااا"),
        ("مستشفى", "مستشفي"),
        ("“داعش”", "داعش"),
        ("\"داعش\" و«قسد» و'النصرة'", "داعش وقسد والنصره"),
        ("١٣ نوفمبر ٢٠١٧ / ۱۲", "13 نوفمبر 2017 / 12"),
        ("ISIS Straße", "isis strasse"),
        ("  دير \n\t الزور  ", "دير الزور"),
        ("اقــرأ أيضاً", "اقرا ايضا"),
        ("ـــــــ ــ", ""),
    ],
)
def test_fold(s: str, expected: str) -> None:
    assert fold(s) == expected


@given(TEXT)
def test_fold_with_offsets_matches_fold(s: str) -> None:
    folded, offs = fold_with_offsets(s)
    assert folded == fold(s)
    assert len(offs) == len(folded)
    assert offs == sorted(offs)
    for ch, i in zip(folded, offs, strict=True):
        assert 0 <= i < len(s)
        if ch == " ":
            assert s[i].isspace()
        else:
            assert ch in fold(s[i])  # the folded character comes from that code point


def test_fold_span_maps_back_to_original_offsets() -> None:
    s = 'قال إنّ "ديرِ الـزور" تحت القصف'
    folded, offs = fold_with_offsets(s)
    i = folded.index("دير الزور")
    j = i + len("دير الزور")
    start, end = offs[i], offs[j - 1] + 1
    assert s[start:end] == "ديرِ الـزور"


def test_has_arabic() -> None:
    assert has_arabic("Raqqa الرقة")
    assert has_arabic("ﻻ")  # presentation form
    assert not has_arabic("Deir ez-Zor 2017")
    assert not has_arabic("ـــ ١٣ ، ؟ ً")  # tatweel, digits, punctuation, marks only
    assert ARABIC_LETTER_RE.fullmatch("ب")


def test_clitic_prefixes() -> None:
    for required in ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "لـ"):
        assert required in CLITIC_PREFIXES
    assert "ال" not in CLITIC_PREFIXES  # the article is part of a name as written
    lengths = [len(p) for p in CLITIC_PREFIXES]
    assert lengths == sorted(lengths, reverse=True)  # a greedy matcher tries longest first
    assert len(set(CLITIC_PREFIXES)) == len(CLITIC_PREFIXES)
