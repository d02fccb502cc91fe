"""The tokenizer: Arabic clitics split at mention edges, numbers kept whole, nothing lost."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from furat.tokenize import (
    TokenIndex,
    _bmp_classes,
    _class_of,
    split_tokens,
    token_spans,
    tokenize,
    tokenize_batch,
)


def texts(text: str, boundaries: tuple[int, ...] = ()) -> list[str]:
    return [t.text for t in tokenize(text, boundaries)]


def test_whitespace_and_punctuation_separate_tokens() -> None:
    text = 'قال «مصدر» محلي: (هذا) [صحيح]؛ أليس كذلك؟ نعم! دير الزور/الرقة – سوريا — "قسد".'
    assert texts(text) == [
        "قال", "«", "مصدر", "»", "محلي", ":", "(", "هذا", ")", "[", "صحيح", "]", "؛", "أليس",
        "كذلك", "؟", "نعم", "!", "دير", "الزور", "/", "الرقة", "–", "سوريا", "—", '"', "قسد", '"', ".",
    ]  # fmt: skip


def test_numbers_keep_their_separators_and_digits_stay_together() -> None:
    assert texts("قتل 3.5 و1,000 و٣٫٥ و١٬٠٠٠ في 2017.") == [
        "قتل", "3.5", "و1,000", "و٣٫٥", "و١٬٠٠٠", "في", "2017", ".",
    ]  # fmt: skip
    assert texts("عنصر، 12, 13") == ["عنصر", "،", "12", ",", "13"]


def test_percent_is_its_own_token() -> None:
    assert texts("نحو 80% و٨٠٪ من السكان") == ["نحو", "80", "%", "و٨٠", "٪", "من", "السكان"]


def test_diacritics_tatweel_and_joiners_stay_inside_words() -> None:
    assert texts("مُحَمَّد لـ\u200cهم بـــ") == ["مُحَمَّد", "لـ\u200cهم", "بـــ"]


def test_mention_boundaries_split_clitics() -> None:
    text = 'أعلن المجلس وقسد مقتل بـ14 شخصاً وقال لـ"المدن"'
    wa = text.index("قسد")
    bi = text.index("14")
    li = text.index("المدن")
    assert " | ".join(texts(text)) == 'أعلن | المجلس | وقسد | مقتل | بـ14 | شخصاً | وقال | لـ | " | المدن | "'
    split = " | ".join(texts(text, (wa, wa + 3, bi, li)))
    assert split == 'أعلن | المجلس | و | قسد | مقتل | بـ | 14 | شخصاً | وقال | لـ | " | المدن | "'


def test_tokens_keep_original_text_and_offsets() -> None:
    text = "  أَعلنت  قسدُ  "
    for token in tokenize(text, (text.index("قسد") + 1,)):
        assert text[token.start : token.end] == token.text
    assert [t.start for t in tokenize(text)] == [2, 10]


def test_token_index_maps_spans_or_reports_them_unrepresentable() -> None:
    text = "وقسد في دير الزور"
    starts, ends = token_spans(text, (1,))
    index = TokenIndex(starts, ends)
    assert index.span(1, 4) == (1, 2)
    assert index.span(text.index("دير"), len(text)) == (3, 5)
    assert index.span(0, 2) is None  # ends inside قسد
    assert index.span(4, 8) is None  # starts on a space


ALPHABET = st.sampled_from(list("وقسدبلـ14٣٫.,،؛؟%٪«»\"'()-—/ \n\tًَُِّ\u200cAbc"))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_boundaries_are_always_token_edges_and_tokens_cover_the_text(data: st.DataObject) -> None:
    text = data.draw(st.text(ALPHABET, max_size=60))
    boundaries = data.draw(st.lists(st.integers(-2, len(text) + 2), max_size=12))
    tokens = tokenize(text, boundaries)
    for b in boundaries:
        assert not any(t.start < b < t.end for t in tokens), (text, b)
    # tokens are ordered, disjoint, non-empty, contain no whitespace, and cover every non-space char
    assert all(a.end <= b.start for a, b in itertools.pairwise(tokens))
    assert all(t.text and not any(ch.isspace() for ch in t.text) for t in tokens)
    assert "".join(t.text for t in tokens) == "".join(ch for ch in text if not ch.isspace())
    # any span whose ends are boundaries and hold no surrounding space is a token span
    starts, ends = token_spans(text, boundaries)
    index = TokenIndex(starts, ends)
    for a in boundaries:
        for b in boundaries:
            if 0 <= a < b <= len(text) and not text[a].isspace() and not text[b - 1].isspace():
                assert index.span(a, b) is not None, (text, a, b)


BATCH_ALPHABET = st.sampled_from(
    [*"وقسدبلـ14٣٫.,،؛؟%٪«»\"'()-—/ \n\tًَُِّ\u200c\u200dAbc_😀\u00a0\u2028۱", "\U0001d7ce", "\U00010400"]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(BATCH_ALPHABET, max_size=40), st.lists(st.integers(-3, 45), max_size=8)), max_size=5
    )
)
def test_batch_tokenizer_matches_the_one_text_tokenizer(items: list[tuple[str, list[int]]]) -> None:
    """The build's batch tokenizer gives every text exactly :func:`split_tokens`' tokens
    (joiners, number separators, astral and multi-byte space characters included)."""
    texts = [text for text, _ in items]
    bound_text = np.array([k for k, (_, bounds) in enumerate(items) for _ in bounds], np.int64)
    bound_at = np.array([b for _, bounds in items for b in bounds], np.int64)
    batch = tokenize_batch(texts, bound_text, bound_at)
    for k, (text, bounds) in enumerate(items):
        first, n = int(batch.first[k]), int(batch.counts[k])
        strings = [
            batch.utf8[batch.offsets[j] : batch.offsets[j + 1]].decode() for j in range(first, first + n)
        ]
        got = (strings, batch.starts[first : first + n].tolist(), batch.ends[first : first + n].tolist())
        assert got == split_tokens(text, bounds), (text, bounds)


def test_batch_tokenizer_takes_ready_utf8() -> None:
    texts = ["وقال  مصدر،", "", "بـ14 شاحنة"]
    none = np.zeros(0, np.int64)
    utf8 = "".join(texts).encode()
    assert (
        tokenize_batch(texts, none, none, utf8).utf8
        == tokenize_batch(texts, none, none).utf8
        == ("وقالمصدر،بـ14شاحنة".encode())
    )


def test_class_table_is_the_per_character_rule() -> None:
    """The BMP table is built with whole-string operations; it must equal the rule."""
    table = _bmp_classes()
    assert table.tolist() == [_class_of(chr(cp)) for cp in range(0x10000)]
