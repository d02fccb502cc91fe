"""Round trips: record → Label Studio results → record is lossless, offsets stay exact.

The random documents mix what breaks offsets in annotation tools: Arabic with
diacritics and tatweel, emoji (including ZWJ sequences and flags, which are several
code points and UTF-16 surrogate pairs), ZWJ/ZWNJ, bidi marks and CRLF line ends. The
converter must neither normalise the text nor count in another unit.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from furat.codes import CODES
from furat.convert import convert_exports
from furat.labels import Inventory, load_inventory
from furat.lsresults import record_to_results

REPO = Path(__file__).resolve().parents[1]
INV = load_inventory(REPO / "schema" / "labels.yaml", REPO / "schema" / "actors.yaml")
ATTRS = [a.id for a in INV.attributes]
GOLDEN = REPO / "tests" / "golden" / "convert" / "records.jsonl"

PIECES = [
    *"ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "ء",
    "أ",
    "إ",
    "آ",
    "ة",
    "ى",
    "ئ",
    "ؤ",
    "\u064b",
    "\u064e",
    "\u064f",
    "\u0650",
    "\u0651",
    "\u0652",  # diacritics
    "\u0640",  # tatweel
    " ",
    " ",
    " ",
    "\n",
    "\r\n",
    "\t",
    "٣",
    "7",
    "،",
    ".",
    "«",
    "»",
    "“",
    "”",
    '"',
    "A",
    "z",
    "😀",
    "👨\u200d👩\u200d👧",
    "🇸🇾",
    "❤️",  # emoji: surrogate pairs, ZWJ sequence, flag, VS16
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u202b",
    "\u202c",
    "\u2067",
    "\u2069",
]
texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=60).map("".join)


def crosses(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[0] < a[1] < b[1] or b[0] < a[0] < b[1] < a[1]


def spans(draw: Any, n: int, most: int) -> list[tuple[int, int]]:
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)), max_size=most))
    return [(s, e) for s, e in pairs if s < e]


def smallest_container(x: dict[str, Any], entities: list[dict[str, Any]]) -> str | None:
    """Reference implementation of ``parent``: compare every pair."""
    inside = [
        y
        for y in entities
        if y["start"] <= x["start"]
        and x["end"] <= y["end"]
        and (y["start"], y["end"]) != (x["start"], x["end"])
    ]
    if not inside:
        return None
    size = min(y["end"] - y["start"] for y in inside)
    best = max((y for y in inside if y["end"] - y["start"] == size), key=lambda y: (y["type"], y["id"]))
    return str(best["id"])


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    """A canonical record (layers in canonical order) over a random text."""
    text = draw(texts)
    n = len(text)
    laminar: list[tuple[int, int]] = []
    for span in spans(draw, n, 14):
        if not any(crosses(span, other) for other in laminar):
            laminar.append(span)
    entities = []
    for k, (s, e) in enumerate(laminar):
        kind = draw(st.sampled_from(INV.entity_ids))
        actor = draw(st.none() | st.sampled_from(INV.actor_ids)) if kind in INV.actor_link_types else None
        entities.append(
            {
                "id": f"e{k}",
                "start": s,
                "end": e,
                "text": text[s:e],
                "type": kind,
                "actor": actor,
                "parent": None,
            }
        )
    for ent in entities:
        ent["parent"] = smallest_container(ent, entities)
    entities.sort(key=lambda e: (e["start"], -e["end"], e["type"], e["id"]))
    position = {e["id"]: (e["start"], -e["end"]) for e in entities}
    events = []
    for k, (s, e) in enumerate(spans(draw, n, 5)):
        args = []
        if entities:
            for _ in range(draw(st.integers(0, 3))):
                role = draw(st.sampled_from(INV.role_ids))
                mention = draw(st.sampled_from([x["id"] for x in entities]))
                if {"role": role, "mention_id": mention} not in args:
                    args.append({"role": role, "mention_id": mention})
        args.sort(key=lambda a: (INV.role_ids.index(a["role"]), *position[a["mention_id"]], a["mention_id"]))
        attrs = {a.id: draw(st.sampled_from(a.value_ids)) for a in INV.attributes}
        events.append(
            {
                "id": f"v{k}",
                "type": draw(st.sampled_from(INV.event_ids)),
                "trigger": {"start": s, "end": e, "text": text[s:e]},
                **attrs,
                "arguments": args,
            }
        )
    events.sort(key=lambda v: (v["trigger"]["start"], -v["trigger"]["end"], v["type"], v["id"]))
    stance = []
    for actor in INV.stance_actor_ids:
        if draw(st.booleans()):
            evidence = sorted(
                ({"start": s, "end": e, "text": text[s:e]} for s, e in spans(draw, n, 2)),
                key=lambda x: (x["start"], x["end"]),
            )
            stance.append(
                {"actor": actor, "label": draw(st.sampled_from(INV.stance_ids)), "evidence": evidence}
            )
    return {"id": "doc", "text": text, "entities": entities, "events": events, "stance": stance}


def convert_results(text: str, result: list[Any], inv: Inventory = INV) -> Any:
    """Convert one task with one annotation holding ``result``, against a one-line manifest."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    article = {"id": "doc", "text": text, "paragraphs": [[0, len(text)]], "metadata": {"text_sha256": sha}}
    task = {
        "id": 1,
        "data": {"text": text, "doc_id": "doc", "text_sha256": sha},
        "annotations": [{"id": 1, "completed_by": 1, "result": result}],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.json"
        path.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
        return convert_exports([path], [article], inv)


def all_spans(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        *record["entities"],
        *(ev["trigger"] for ev in record["events"]),
        *(span for item in record["stance"] for span in item["evidence"]),
    ]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_record_to_results_to_record_is_lossless(doc: dict[str, Any]) -> None:
    conv = convert_results(doc["text"], record_to_results(doc, ATTRS))
    assert [str(i) for i in conv.incidents] == []
    (record,) = conv.records
    assert record["text"] == doc["text"]  # not normalised: CRLF, bidi marks and all
    for layer in ("entities", "events", "stance"):
        assert record[layer] == doc[layer], layer
    for span in all_spans(record):
        assert record["text"][span["start"] : span["end"]] == span["text"]


@settings(max_examples=200, deadline=None)
@given(texts, st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), max_size=6))
def test_converted_offsets_always_satisfy_the_slice_invariant(
    text: str, pairs: list[tuple[int, int]]
) -> None:
    """Whatever offsets an export holds, a converted span is exactly its slice, or dropped."""
    result = [
        {
            "id": f"r{k}",
            "from_name": "entity",
            "to_name": "text",
            "type": "labels",
            "value": {"start": s, "end": e, "text": text[s:e], "labels": ["LOC"]},
        }
        for k, (s, e) in enumerate(pairs)
    ]
    conv = convert_results(text, result)
    (record,) = conv.records
    kept = {e["id"] for e in record["entities"]}
    for k, (s, e) in enumerate(pairs):
        assert (f"r{k}" in kept) == (0 <= s < e <= len(text))
    for span in all_spans(record):
        assert text[span["start"] : span["end"]] == span["text"]
    assert {i.code for i in conv.incidents} <= {"SPAN_OUT_OF_RANGE", "SPAN_EMPTY"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 300) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10,
)
items = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["a", "b", "c"]) | json_values,
        "from_name": st.sampled_from(
            ["entity", "trigger", "evidence", "actor", "modality", "stance_sdf", "x"]
        ),
        "to_name": st.sampled_from(["text", "other"]),
        "type": st.sampled_from(["labels", "choices", "relation"]),
        "value": json_values
        | st.fixed_dictionaries(
            {"start": st.integers(-1, 40) | json_values, "end": st.integers(0, 40)},
            optional={"labels": json_values, "choices": json_values, "text": json_values},
        ),
        "from_id": st.sampled_from(["a", "b", "c"]) | json_values,
        "to_id": st.sampled_from(["a", "b", "c"]) | json_values,
        "labels": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(items | json_values, max_size=8))
def test_garbage_results_give_incidents_never_exceptions(result: list[Any]) -> None:
    conv = convert_results("قوات سوريا الديمقراطية في دير الزور والرقة", result)
    assert {i.code for i in conv.incidents} <= set(CODES)
    for span in all_spans(conv.records[0]):
        assert conv.records[0]["text"][span["start"] : span["end"]] == span["text"]


def test_golden_records_round_trip() -> None:
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        conv = convert_results(record["text"], record_to_results(record, ATTRS))
        assert list(conv.incidents) == []
        for layer in ("entities", "events", "stance"):
            assert conv.records[0][layer] == record[layer]
