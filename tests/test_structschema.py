"""The msgspec types derived from the document schema accept and reject what jsonschema does.

:mod:`furat.structschema` is the schema stage of validation; ``jsonschema`` is the
reference that lists errors. If the two disagreed, a record could pass ``furat validate``
while breaking the published schema. Every field of a real record is mutated in the ways
data goes wrong, and both readings (dicts via ``msgspec.convert``, JSON text via the
decoder) must agree with ``Draft202012Validator`` with format checking on.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from furat.docschema import document_schema
from furat.incidents import IncidentLog
from furat.labels import Inventory
from furat.screen import ID_PLACES, Chunk
from furat.structschema import UnsupportedSchema, _pattern_check, compile_schema
from furat.validate import RecordValidator

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "convert" / "records.jsonl"
MUTATIONS: list[Any] = [
    *(None, "x", "", -1, 0, 7, 1.5, True, [], {}, "2017-02-30", "PER", [1, 2]),
    *("has space", "trailing\n", "two\n\n", "\u0627", "0" * 64, "e:1.b_2-c"),
]


def first_record() -> dict[str, Any]:
    record: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8").splitlines()[0])
    return record


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path of ``node``, entering only the first item of each list (they share a type)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list) and node:
        yield (*prefix, 0)
        yield from paths(node[0], (*prefix, 0))


def variants() -> Iterator[tuple[str, Any]]:
    base = first_record()
    for path in paths(base):
        for value in [*MUTATIONS, "delete", "extra"]:
            record = copy.deepcopy(base)
            parent = record
            for key in path[:-1]:
                parent = parent[key]
            if value == "delete":
                if isinstance(parent, dict):
                    del parent[path[-1]]
                else:
                    parent.pop(path[-1])
            elif value == "extra":
                if not isinstance(parent, dict):
                    continue
                parent["unexpected"] = 1
            else:
                parent[path[-1]] = value
            yield f"{'/'.join(map(str, path))}={value!r}", record


def test_derived_types_agree_with_jsonschema(inventory: Inventory) -> None:
    schema = document_schema(inventory)
    full = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    compiled = compile_schema(schema)
    kind = compiled.type
    decoder = msgspec.json.Decoder(kind)
    clean = decoder.decode(json.dumps(first_record()).encode("utf-8"))
    checked = rejected = 0
    for name, record in variants():
        expected = full.is_valid(record)
        try:
            converted = compiled.pattern_error(msgspec.convert(record, kind)) is None
        except msgspec.ValidationError:
            converted = False
        try:
            raw = json.dumps(record, ensure_ascii=False).encode("utf-8")
            doc = decoder.decode(raw)
            decoded = compiled.pattern_error(doc) is None
            # the chunk path: ids gathered once by the screen's Chunk, the rest by the schema
            chunk = [clean, doc, clean]
            in_chunk = compiled.patterns_hold(chunk, Chunk(chunk).pattern_values())
        except msgspec.ValidationError:
            decoded = in_chunk = False
        assert (converted, decoded, in_chunk) == (expected, expected, expected), name
        checked += 1
        rejected += not expected
    # the mutations must exercise both sides: most break the record, some do not
    assert checked > 500 and 0 < rejected < checked - 50


def test_the_screen_gathers_the_id_places_of_one_pattern(inventory: Inventory) -> None:
    """:class:`furat.screen.Chunk` hands its distinct ids to the pattern check for these
    places; were one renamed, the check would gather it again (correct, but slow)."""
    compiled = compile_schema(document_schema(inventory))
    (pattern,) = [p for p, places in compiled.patterns.items() if {n for n, _ in places} & set(ID_PLACES)]
    assert {name for name, _ in compiled.patterns[pattern]} == set(ID_PLACES)


def test_an_integer_written_as_a_float_is_refused_with_a_message(inventory: Inventory) -> None:
    """JSON Schema counts 1.0 as an integer; offsets must be written as integers anyway."""
    record = first_record()
    record["entities"][0]["start"] = float(record["entities"][0]["start"])
    assert Draft202012Validator(document_schema(inventory)).is_valid(record)
    log = IncidentLog()
    RecordValidator(inventory).validate(record, log, source="t.jsonl")
    (incident,) = log
    assert incident.code == "SCHEMA_VIOLATION"
    assert "Expected `int`, got `float`" in incident.message and "entities[0].start" in incident.message


def test_a_json_line_and_its_dict_give_the_same_incidents(inventory: Inventory) -> None:
    record = first_record()
    kind = record["entities"][1]["type"]
    record["entities"][1]["type"] = "PLACE"
    record["events"][0]["trigger"]["end"] += 1
    from_dict, from_json = IncidentLog(), IncidentLog()
    RecordValidator(inventory).validate(record, from_dict, source="t.jsonl", line=3)
    raw = json.dumps(record, ensure_ascii=False).encode("utf-8")
    assert RecordValidator(inventory).validate_json(raw, from_json, source="t.jsonl", line=3)
    assert [i.to_dict() for i in from_json] == [i.to_dict() for i in from_dict]
    assert [i.code for i in from_dict] == ["LABEL_UNKNOWN"]  # schema errors first, alone
    fixed = copy.deepcopy(record)
    fixed["entities"][1]["type"] = kind
    semantic = IncidentLog()
    RecordValidator(inventory).validate_json(json.dumps(fixed).encode("utf-8"), semantic, source="t")
    assert [i.code for i in semantic] == ["SPAN_TEXT_MISMATCH"]


def test_a_line_that_is_not_json_is_reported_as_such(inventory: Inventory) -> None:
    log = IncidentLog()
    assert not RecordValidator(inventory).validate_json(b'{"id": "x", ', log, source="t.jsonl", line=9)
    (incident,) = log
    assert (incident.code, incident.location.line) == ("JSON_MALFORMED", 9)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
        {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False},
        {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        {"type": "array", "items": {"type": "integer"}, "minItems": 1},
        {"type": "string", "format": "email"},
        {"type": "number"},
        {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    ],
)
def test_a_keyword_it_cannot_translate_is_an_error_not_a_dropped_check(schema: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedSchema):
        compile_schema(schema)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet="aZ09f_.:-\n\x00 é٣", max_size=6), max_size=6))
def test_bulk_pattern_checks_agree_with_re_search(values: list[str]) -> None:
    """The chunk-wide checks (byte deletion, then the joined regex) say what re.search says."""
    for pattern in ("^[A-Za-z0-9_.:-]+$", "^[0-9a-f]{64}$", "^[0-9a-f]{2}$", "^[^\\s]+$", "^[a-zé]+$"):
        expected = all(re.search(pattern, v) for v in values)
        assert bool(_pattern_check(pattern)(values)) == expected, (pattern, values)
