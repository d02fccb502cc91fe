"""Split assignment (frozen, stratified, near-duplicates together) and near-duplicate detection."""

from __future__ import annotations

import codecs
import hashlib
import json
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from furat import minhash
from furat.errors import FuratError
from furat.split import SPLITS, Entry, SplitFile, deal, plan_splits
from furat.textnorm import fold


def assign(
    n: int, assignment: SplitFile | None = None, pairs: list[tuple[int, int]] | None = None
) -> list[str]:
    ids = [f"doc{i:05d}" for i in range(n)]
    plan = plan_splits(ids, [("", "")] * n, pairs or [], assignment or SplitFile(), "0.1.0")
    return [SPLITS[c] for c in plan.split_codes]


def test_five_documents_give_3_1_1() -> None:
    assert Counter(assign(5)) == {"train": 3, "validation": 1, "test": 1}


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, {"train": 1}), (2, {"train": 1, "validation": 1}), (3, {"train": 1, "validation": 1, "test": 1})],
)
def test_the_smallest_corpora_get_validation_and_test_first(n: int, expected: dict[str, int]) -> None:
    assert Counter(assign(n)) == expected


def test_dealing_uses_exact_shares() -> None:
    # 10 units of one document: 6/2/2 exactly, whatever floating point would say
    assert Counter(
        deal([(str(i), 1) for i in range(10)], [0, 0, 0], {"train": 0.6, "validation": 0.2, "test": 0.2})
    ) == {
        0: 6,
        1: 2,
        2: 2,
    }


def synthetic(n: int, seed: int) -> tuple[list[str], list[tuple[str, str]]]:
    """n documents over skewed outlets and 24 months."""
    rng = random.Random(seed)
    outlets = ["عنب بلدي", "المدن", "النشرة", "أورينت", "الجزيرة", "سانا", ""]
    weights = [40, 25, 15, 10, 5, 4, 1]
    ids = [f"doc-{seed}-{i:06d}" for i in range(n)]
    strata = [(rng.choices(outlets, weights)[0], f"20{16 + i % 2}-{1 + i % 12:02d}") for i in range(n)]
    return ids, strata


def shares(codes: list[int]) -> list[float]:
    return [codes.count(k) / len(codes) for k in range(3)]


def test_5000_documents_hit_the_ratios_per_outlet_and_stay_put_when_documents_are_added() -> None:
    ids, strata = synthetic(5000, 1)
    first = plan_splits(ids, strata, [], SplitFile(), "0.1.0")
    assert first.split_codes == plan_splits(ids, strata, [], SplitFile(), "0.1.0").split_codes
    assert shares(first.split_codes) == pytest.approx([0.6, 0.2, 0.2], abs=0.002)
    for outlet in {o for o, _ in strata}:
        mine = [c for c, (o, _) in zip(first.split_codes, strata, strict=True) if o == outlet]
        if len(mine) >= 250:
            assert shares(mine) == pytest.approx([0.6, 0.2, 0.2], abs=0.02), outlet
    frozen = SplitFile(entries=dict(first.new_entries))
    more_ids, more_strata = synthetic(1500, 2)
    second = plan_splits(ids + more_ids, strata + more_strata, [], frozen, "0.2.0")
    assert second.split_codes[:5000] == first.split_codes
    assert set(second.new_entries) == set(more_ids)
    assert {e.since for e in second.new_entries.values()} == {"0.2.0"}
    assert shares(second.split_codes) == pytest.approx([0.6, 0.2, 0.2], abs=0.002)
    # the order documents arrive in does not matter, only their ids and strata
    order = list(range(6500))
    random.Random(3).shuffle(order)
    shuffled = plan_splits(
        [(ids + more_ids)[i] for i in order], [(strata + more_strata)[i] for i in order], [], frozen, "0.2.0"
    )
    assert [shuffled.split_codes[order.index(i)] for i in range(6500)] == second.split_codes


def test_near_duplicates_share_a_split_and_a_group() -> None:
    ids, strata = synthetic(300, 4)
    pairs = [(i, i + 1) for i in range(0, 300, 3)]  # 100 pairs
    plan = plan_splits(ids, strata, pairs, SplitFile(), "0.1.0")
    for a, b in pairs:
        assert plan.split_codes[a] == plan.split_codes[b]
        assert plan.groups[a] == plan.groups[b] == ids[a]
    # a new copy of an assigned document joins it, whatever the rule would say otherwise
    frozen = SplitFile(entries=dict(plan.new_entries))
    for donor in range(0, 30, 3):
        grown = plan_splits([*ids, "copy"], [*strata, ("x", "y")], [*pairs, (donor, 300)], frozen, "0.2.0")
        assert grown.new_entries["copy"] == Entry(SPLITS[plan.split_codes[donor]], ids[donor], "0.2.0")


def test_split_file_round_trips_sorted_and_rejects_edits(tmp_path: Path) -> None:
    path = tmp_path / "splits.json"
    assert SplitFile.load(path).entries == {}
    original = SplitFile(entries={"b": Entry("test", "b", "0.1.0"), "a": Entry("train", "a", "0.1.0")})
    path.write_text(original.dumps(), encoding="utf-8")
    loaded = SplitFile.load(path)
    assert loaded == original
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data["documents"]) == ["a", "b"]
    assert "furat build" in data["about"] and data["ratios"] == {"train": 0.6, "validation": 0.2, "test": 0.2}
    assert SplitFile().dumps().endswith('"documents": {}\n}\n') and json.loads(SplitFile().dumps())
    path.write_text(original.dumps().replace('"split": "test"', '"split": "dev"'), encoding="utf-8")
    with pytest.raises(FuratError, match="needs split, group and since"):
        SplitFile.load(path)


def words(rng: random.Random, n: int) -> list[str]:
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(2, 8))) for _ in range(3000)]
    return rng.choices(vocabulary, weights=[1 / (k + 1) for k in range(3000)], k=n)


def test_lsh_finds_edited_copies_and_not_unrelated_documents() -> None:
    rng = random.Random(7)
    docs = [" ".join(words(rng, 300)) for _ in range(400)]
    copies = {}
    for k in range(0, 400, 20):  # an edited reprint of every 20th document: 10% of words replaced
        w = docs[k].split()
        for i in rng.sample(range(len(w)), 30):
            w[i] = "تعديل"
        copies[k] = len(docs)
        docs.append("وأعلن " + " ".join(w))
    index = minhash.LSHIndex()
    for text in docs:
        index.add(text)
    found = index.candidates(0.3)
    expected = {(k, c) for k, c in copies.items()}
    assert expected <= set(found)
    assert len(set(found) - expected) <= 2
    for k, c in copies.items():
        assert minhash.jaccard(minhash.shingles(docs[k]), minhash.shingles(docs[c])) >= 0.5
        assert index.estimate(k, c) >= 0.3


def test_big_clusters_are_connected_without_all_pairs() -> None:
    index = minhash.LSHIndex()
    for _ in range(120):
        index.add("نص مكرر تماما في كل نسخة من النسخ المائة والعشرين")
    pairs = index.candidates(0.9)
    assert len(pairs) < 2 * 120  # star + chain, not 7,140 pairs
    assert {i for p in pairs for i in p} == set(range(120))


KEY = st.sampled_from(
    list(minhash.KEY_ALPHABET[0x20:0x7F] + minhash.KEY_ALPHABET[0x80:] + "\n\tßİ€۩ۖ😀\u00a0")
)


@settings(max_examples=300, deadline=None)
@given(st.text(KEY, max_size=80))
def test_fold_bytes_is_fold_one_byte_per_character(text: str) -> None:
    outside = "".join(ch if ch in minhash.KEY_ALPHABET else "?" for ch in text)
    assert "".join(minhash.KEY_ALPHABET[b] for b in minhash.fold_bytes(text)) == fold(outside)


def pinned_texts() -> list[str]:
    rng = random.Random(5)
    texts = ["", "ا", "قسد", "نص قصير جدا", "  وقال  مُحَمَّد \n\t  «داعش» 2017٫5 ok? ", "😀 x"]
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    for _ in range(40):
        count = rng.randint(1, 400)
        texts.append(" ".join("".join(rng.choices(letters, k=rng.randint(2, 8))) for _ in range(count)))
    return texts


def test_sketches_and_shingles_are_pinned() -> None:
    """Which pairs become candidates follows from these exact values, so a change to the
    hashing would silently change builds (``candidates_checked`` in overlap.json)."""
    texts = pinned_texts()
    entries, signatures = minhash.packed_sketches(0, texts)
    digest = hashlib.sha256()
    for k in range(len(texts)):  # each document's 16 band entries, then its 64-byte signature
        digest.update(entries[8 * minhash.BANDS * k : 8 * minhash.BANDS * (k + 1)])
        digest.update(signatures[minhash.BINS * k : minhash.BINS * (k + 1)])
    assert digest.hexdigest() == "ef823c1095150db97e1bd3bab8f3a06d35ce666b47c0f71e29a80abd8949d08e"
    shingles = hashlib.sha256()
    for text in texts:
        shingles.update(b"".join(x.to_bytes(8, "little") for x in sorted(minhash.shingles(text))))
    assert shingles.hexdigest() == "1826c10e054f8b486571ed7e12a1f5f14e3a53cfd7c90f2468e81061eb246045"


def test_shingles_are_the_eight_bytes_after_each_word_start() -> None:
    def lane(text: bytes) -> int:
        return int.from_bytes(text, "little")

    assert minhash.shingles("  Abc \n defghijkl  xy") == {
        lane(b"abc defg"),
        lane(b"defghijk"),
        lane(b"xy      "),
    }
    assert minhash.shingles(" \t ") == set()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(st.one_of(KEY, st.just("\ue000")), max_size=60), max_size=6))
def test_a_chunk_sketches_each_text_as_on_its_own(texts: list[str]) -> None:
    """No shingle reaches from one text into the next, even with the separator inside one."""
    keys, signatures = minhash.sketches(texts)
    for k, text in enumerate(texts):
        alone_keys, alone_signatures = minhash.sketches([text])
        assert keys[k].tolist() == alone_keys[0].tolist()
        assert signatures[k].tolist() == alone_signatures[0].tolist()


@settings(max_examples=200, deadline=None)
@given(st.text(st.one_of(KEY, st.characters(), st.sampled_from(["\ue000", "\ue010", "\uffff", "\ud800"]))))
def test_key_bytes_are_the_charmap_encoding(text: str) -> None:
    assert minhash.key_bytes(text) == codecs.charmap_encode(text, "replace", minhash._ENCODER)[0]
