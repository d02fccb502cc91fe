"""One invalid fixture per incident code: each yields exactly its code, at the right place.

``tests/fixtures/invalid/<CODE>.json`` is a Label Studio export: it is converted against
the fixture manifest and the records are validated, as ``furat validate`` does.
``<CODE>.jsonl`` is a records file, validated. The table in ``docs/incidents.md``, the
registry in :mod:`furat.codes` and the fixture folder must name the same codes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from furat.codes import CODES
from furat.convert import convert_exports, iter_manifest
from furat.incidents import Incident
from furat.labels import Inventory
from furat.validate import validate_file, validate_records

REPO = Path(__file__).resolve().parents[1]
INVALID = REPO / "tests" / "fixtures" / "invalid"
MANIFEST = REPO / "tests" / "fixtures" / "exports" / "manifest.jsonl"
DOC = REPO / "docs" / "incidents.md"

# Where each fixture's one incident must be (besides ``file``, which is the fixture).
T2 = {"record": "fx_001", "task": 2, "annotation": 21, "line": 2}
R1 = {"record": "fx_001", "task": 2, "annotation": 21, "line": 1}
EXPECTED: dict[str, dict[str, Any]] = {
    "JSON_MALFORMED": {"line": 41},
    "JSON_TRUNCATED": {"line": 304},
    "EXPORT_STRUCTURE": {"line": 1},
    "EXPORT_UNKNOWN_CONTROL": {**T2, "region": "x_ner"},
    "TASK_DUPLICATE": {"record": "fx_001", "task": 2, "line": 568},
    "DOC_UNKNOWN": {"record": "fx_999", "task": 4, "line": 568},
    "DOC_MULTIPLE_TASKS": {"record": "fx_001", "task": 9, "line": 568},
    "TEXT_MISMATCH": {"record": "fx_001", "task": 2, "line": 2},
    "GOLD_AMBIGUOUS": {"record": "fx_001", "task": 2, "line": 2},
    "GOLD_MULTIPLE_GROUND_TRUTH": {"record": "fx_001", "task": 2, "line": 2},
    "LABEL_UNKNOWN": {**T2, "region": "x_person"},
    "LABEL_COUNT": {**T2, "region": "b_talks->b_rif"},
    "ROLE_UNKNOWN": {**T2, "region": "b_talks->b_rif"},
    "ATTRIBUTE_UNKNOWN": {**T2, "region": "b_talks"},
    "ACTOR_UNKNOWN": {**T2, "region": "b_is"},
    "CHOICE_ORPHAN": {**T2, "region": "b_river"},
    "EVIDENCE_ORPHAN": {**T2, "annotation": 24, "region": "ev_russia"},
    "REFERENCE_UNRESOLVED": {**T2, "region": "b_talks->b_gone"},
    "RELATION_ENDPOINTS": {**T2, "region": "b_sdf->b_council"},
    "SPAN_OUT_OF_RANGE": {**T2, "region": "x_past"},
    "SPAN_TEXT_MISMATCH": {**T2, "region": "x_shift"},
    "SPAN_EMPTY": {**T2, "region": "x_empty"},
    "ID_DUPLICATE": {**T2, "region": "b_river"},
    "SPAN_WHITESPACE_EDGE": {**R1, "region": "b_river"},
    "SPAN_SPLITS_WORD": {**R1, "region": "b_river"},
    "SPAN_DUPLICATE": {**R1, "region": "b_river2"},
    "SPAN_CROSSING": {**R1, "region": "b_cross"},
    "PARENT_MISMATCH": {**R1, "region": "b_dez_rif"},
    "ROLE_NOT_ALLOWED": {**R1, "region": "b_talks"},
    "FILLER_TYPE_NOT_ALLOWED": {**R1, "region": "b_talks"},
    "ARGUMENT_DUPLICATE": {**R1, "region": "b_retreat"},
    "ACTOR_LINK_TYPE": {**R1, "region": "b_river"},
    "STANCE_DUPLICATE": {**R1, "region": "stance/russia"},
    "STANCE_UNMENTIONED_ACTOR": {**R1, "region": "stance/russia"},
    "STANCE_NOT_MENTIONED_CONTRADICTED": {**R1, "region": "stance/isis"},
    "STANCE_INCOMPLETE": R1,
    "SCHEMA_VIOLATION": {**R1, "region": "b_river"},
}


def fixtures() -> dict[str, Path]:
    return {p.name.split(".")[0]: p for p in sorted(INVALID.iterdir()) if p.suffix in (".json", ".jsonl")}


def run_fixture(path: Path, inv: Inventory) -> list[Incident]:
    """What ``furat validate`` reports for an export fixture, or for a records fixture."""
    display = path.relative_to(REPO).as_posix()
    if path.suffix == ".jsonl":
        log, _ = validate_file(path, inv, display=display)
        return list(log)
    conv = convert_exports([path], iter_manifest(MANIFEST), inv, root=REPO)
    return [*conv.incidents, *validate_records(conv.records, inv, source=display)]


def doc_table() -> dict[str, tuple[str, str]]:
    """code -> (severity, fixture file name) from the table in docs/incidents.md."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `([A-Z_]+)` \| (error|warning) \| .* \| \[`([^`]+)`\]\(([^)]+)\) \|$", line)
        if match:
            code, severity, name, link = match.groups()
            assert link == f"../tests/fixtures/invalid/{name}", line
            rows[code] = (severity, name)
    return rows


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_fixture_yields_exactly_its_code(code: str, inventory: Inventory) -> None:
    path = fixtures()[code]
    incidents = run_fixture(path, inventory)
    assert [i.code for i in incidents] == [code], [str(i) for i in incidents]
    (incident,) = incidents
    where = incident.to_dict()["location"]
    assert where == {"file": path.relative_to(REPO).as_posix(), **EXPECTED[code]}
    assert incident.severity == CODES[code][0]
    assert incident.message


def test_every_documented_code_has_a_fixture_and_back() -> None:
    table = doc_table()
    found = fixtures()
    assert set(table) == set(CODES) == set(found) == set(EXPECTED)
    for code, (severity, name) in table.items():
        assert severity == CODES[code][0], code
        assert found[code].name == name, code


def test_fixture_names_are_codes_only() -> None:
    names = [p.name for p in INVALID.iterdir()]
    assert all(re.fullmatch(r"[A-Z_]+\.jsonl?", n) for n in names), names
