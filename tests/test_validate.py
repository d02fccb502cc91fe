"""Unit tests of record validation: schema stage, code mapping, semantic rules, geometry."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from furat.labels import Inventory
from furat.spans import nest, word_cut
from furat.validate import validate_records

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "convert" / "records.jsonl"


def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]


def first() -> dict[str, Any]:
    return copy.deepcopy(records()[0])


def codes(record: dict[str, Any], inv: Inventory) -> list[tuple[str, str | None]]:
    return [(i.code, i.location.region) for i in validate_records([record], inv, source="t.jsonl")]


def entity(record: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(e for e in record["entities"] if e["id"] == rid)


def test_golden_records_are_valid(inventory: Inventory) -> None:
    log = validate_records(records(), inventory, source="golden")
    assert list(log) == []


def test_location_carries_source_record_task_and_annotation(inventory: Inventory) -> None:
    record = first()
    entity(record, "a_tanak")["type"] = "PLACE"
    (incident,) = validate_records([record], inventory, source="x.jsonl")
    assert incident.to_dict()["location"] == {
        "file": "x.jsonl",
        "record": "fx_000",
        "task": 1,
        "annotation": 11,
        "region": "a_tanak",
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: entity(r, "a_tanak").update(type="PLACE"), ("LABEL_UNKNOWN", "a_tanak")),
        (lambda r: r["events"][0].update(type="BOMBING"), ("LABEL_UNKNOWN", "a_share")),
        (lambda r: r["stance"][0].update(label="HOSTILE"), ("LABEL_UNKNOWN", "stance/syrian_government")),
        (lambda r: r["events"][0]["arguments"][0].update(role="perp"), ("ROLE_UNKNOWN", "a_share")),
        (lambda r: r["events"][0].update(modality="CERTAIN"), ("ATTRIBUTE_UNKNOWN", "a_share")),
        (lambda r: entity(r, "a_qsd1").update(actor="hts"), ("ACTOR_UNKNOWN", "a_qsd1")),
        (lambda r: r["stance"][0].update(actor="ypg"), ("ACTOR_UNKNOWN", "stance/ypg")),
        (lambda r: entity(r, "a_tanak").update(text=""), ("SPAN_EMPTY", "a_tanak")),
        (lambda r: entity(r, "a_tanak").pop("parent"), ("SCHEMA_VIOLATION", "a_tanak")),
        (lambda r: r.update(paragraphs=[[0, 1, 2]]), ("SCHEMA_VIOLATION", None)),
        (lambda r: r["metadata"].update(date="13/11/2017"), ("SCHEMA_VIOLATION", None)),
        (lambda r: entity(r, "a_tanak").update(id="has space"), ("SCHEMA_VIOLATION", "has space")),
    ],
)
def test_schema_errors_get_the_converter_codes(inventory: Inventory, change: Any, expected: Any) -> None:
    record = first()
    change(record)
    assert codes(record, inventory) == [expected]


def test_every_schema_error_is_listed_with_its_path(inventory: Inventory) -> None:
    record = first()
    del record["provenance"]["gold"]
    entity(record, "a_tanak")["start"] = -1
    record["extra"] = True
    messages = [i.message for i in validate_records([record], inventory, source="t")]
    assert len(messages) == 3
    assert any(m.startswith("entities/5/start:") for m in messages)
    assert any(m.startswith("provenance:") and "'gold'" in m for m in messages)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: entity(r, "a_tanak").update(end=10_000), [("SPAN_OUT_OF_RANGE", "a_tanak")]),
        (lambda r: entity(r, "a_tanak").update(text="حقل"), [("SPAN_TEXT_MISMATCH", "a_tanak")]),
        (lambda r: r.update(text=r["text"].replace("ينسحب", "ينسحبُ")), [("TEXT_MISMATCH", None)]),
        (lambda r: r["paragraphs"].append([5, 9999]), [("SPAN_OUT_OF_RANGE", "paragraphs[2]")]),
        (lambda r: entity(r, "a_dez1").update(id="a_tanak"), [("ID_DUPLICATE", "a_tanak")]),
        (
            lambda r: r["events"][0]["arguments"].append({"role": "place", "mention_id": "ghost"}),
            [("REFERENCE_UNRESOLVED", "a_share")],
        ),
        (
            lambda r: r["events"].append(copy.deepcopy(r["events"][0]) | {"id": "v9"}),
            [("SPAN_DUPLICATE", "v9")],
        ),
        (
            lambda r: r["stance"][2]["evidence"].append(dict(r["stance"][2]["evidence"][0])),
            [("SPAN_DUPLICATE", "stance/sdf/evidence[1]")],
        ),
        (lambda r: entity(r, "a_dez2").update(parent="a_tanak"), [("PARENT_MISMATCH", "a_dez2")]),
        (lambda r: entity(r, "a_rif").update(parent="a_dez2"), [("PARENT_MISMATCH", "a_rif")]),
    ],
)
def test_semantic_rules_on_records(inventory: Inventory, change: Any, expected: Any) -> None:
    record = first()
    change(record)
    assert codes(record, inventory) == expected


def test_duplicate_record_ids(inventory: Inventory) -> None:
    log = validate_records([first(), first()], inventory, source="t")
    assert [(i.code, i.location.record) for i in log] == [("ID_DUPLICATE", "fx_000")]


def test_a_component_actor_counts_as_a_mention_of_its_parent(inventory: Inventory) -> None:
    record = first()
    for ent in record["entities"]:
        if ent["actor"] == "sdf":
            ent["actor"] = "ypg"  # YPG is a component of the SDF
    assert codes(record, inventory) == []
    ypg_only = first()
    ypg_only["stance"][2]["actor"] = "ypg"  # not a stance target
    assert ("ACTOR_UNKNOWN", "stance/ypg") in codes(ypg_only, inventory)


def test_unannotated_records_need_no_stance(inventory: Inventory) -> None:
    rec = records()[3]
    assert rec["provenance"]["gold"] == "none" and rec["stance"] == []
    assert codes(rec, inventory) == []


# --- geometry --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "cut"),
    [
        ("بين الأسد وقسد اليوم", "قسد", False),  # after the proclitic و
        ("بريف دير الزور الشرقي", "ريف دير الزور الشرقي", False),  # after ب
        ("وبالمدينة", "المدينة", False),  # after و+ب
        ("فللمدنيين", "لمدنيين", False),  # ف+ل
        ("حديث لـقسد أمس", "قسد", False),  # لـ with tatweel
        ("حديث لِقسد أمس", "قسد", False),  # ل with a kasra
        ("والشحيل", "شحيل", True),  # ال belongs to the name
        ("عملياتهما", "عمليات", False),  # before an enclitic pronoun
        ("نهر الفرات", "نهر الفر", True),
        ("في سوريا.", "سوريا", False),
        ("الفرات", "لفرات", True),
        ("2017م", "201", True),
    ],
)
def test_word_cut_follows_the_clitic_rule(text: str, surface: str, cut: bool) -> None:
    start = text.index(surface)
    assert (word_cut(text, start, start + len(surface)) is not None) == cut


def test_word_cut_on_diacritics() -> None:
    text = "دير الزورِ"
    assert word_cut(text, 4, len(text) - 1) is not None  # leaves the kasra outside
    assert word_cut(text, 4, len(text)) is None


def ent(rid: str, start: int, end: int, kind: str = "LOC") -> tuple[int, int, str, str]:
    return (start, end, kind, rid)


def columns(spans: list[tuple[int, int, str, str]]) -> tuple[list[Any], ...]:
    return tuple([span[k] for span in spans] for k in range(4))


def reference_nest(
    spans: list[tuple[int, int, str, str]],
) -> tuple[dict[str, str | None], list[tuple[str, str]]]:
    """The plain stack walk over every mention, which :func:`nest` must equal."""
    parents: dict[str, str | None] = {}
    crossings: list[tuple[str, str]] = []
    stack: list[tuple[int, int, str, str]] = []
    for cur in sorted(spans, key=lambda s: (s[0], -s[1], s[2], s[3])):
        start, end, _, cid = cur
        while stack and stack[-1][1] < end:
            gone = stack.pop()
            if gone[1] > start and gone[0] < start:
                crossings.append((gone[3], cid))
        parents[cid] = next((a[3] for a in reversed(stack) if (a[0], a[1]) != (start, end)), None)
        stack.append(cur)
    return parents, crossings


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(1, 12), st.sampled_from(["GPE", "LOC", "ORG"])),
        max_size=25,
    )
)
def test_nest_equals_the_plain_stack_walk(raw: list[tuple[int, int, str]]) -> None:
    spans = [(start, start + size, kind, f"m{k}") for k, (start, size, kind) in enumerate(raw)]
    assert nest(*columns(spans)) == reference_nest(spans)


def test_nest_parents_and_crossings() -> None:
    spans = [ent("a", 0, 20), ent("b", 4, 13), ent("c", 4, 13, "GPE"), ent("d", 6, 9), ent("e", 30, 35)]
    parents, crossings = nest(*columns(spans))
    # b and c are equally small containers of d: the last in (start, -end, type, id) order
    assert parents == {"a": None, "b": "a", "c": "a", "d": "b", "e": None}
    assert crossings == []
    _, crossings = nest(*columns([ent("x", 0, 5), ent("y", 3, 8), ent("z", 8, 9)]))
    assert crossings == [("x", "y")]
