"""The valid export fixture → the expected records and annotation rows (golden files).

The fixture (``tests/fixtures/exports/``) covers every layer: nested mentions, clitic
boundaries, actor links, triggers with chosen and defaulted attributes, arguments
(one relation drawn backwards), stance with evidence; a ground-truth annotation next to
a second annotator's, a cancelled annotation, a draft, predictions; a task in two
exports (the newer wins), a task only in the older one, and an article in none.

On a difference the failure lists every differing path (``$[0].entities[3].parent``),
not a wall of JSON. After an intended change, rewrite the golden files with
``FURAT_UPDATE_GOLDEN=1 pytest tests/test_convert_golden.py`` and review the git diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from furat.convert import Conversion, convert_exports, iter_manifest
from furat.labels import Inventory
from furat.validate import validate_records

REPO = Path(__file__).resolve().parents[1]
EXPORTS = REPO / "tests" / "fixtures" / "exports"
GOLDEN = REPO / "tests" / "golden" / "convert"


def diff(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Every path where ``actual`` differs from ``expected``, with both values."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(f"{path}.{key}: missing (expected {expected[key]!r})")
            elif key not in expected:
                out.append(f"{path}.{key}: unexpected {actual[key]!r}")
            else:
                out += diff(expected[key], actual[key], f"{path}.{key}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        out = []
        if len(expected) != len(actual):
            out.append(f"{path}: {len(expected)} items expected, got {len(actual)}")
        for k, (e, a) in enumerate(zip(expected, actual, strict=False)):
            out += diff(e, a, f"{path}[{k}]")
        return out
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def read_jsonl(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_jsonl(path: Path, rows: list[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def conversion(inventory: Inventory) -> Conversion:
    manifest = iter_manifest(EXPORTS / "manifest.jsonl")
    return convert_exports(sorted(EXPORTS.glob("*.json")), manifest, inventory, root=REPO)


@pytest.mark.parametrize("name", ["records", "annotations"])
def test_matches_golden(conversion: Conversion, name: str) -> None:
    actual = getattr(conversion, name)
    golden = GOLDEN / f"{name}.jsonl"
    if os.environ.get("FURAT_UPDATE_GOLDEN"):
        write_jsonl(golden, actual)
    problems = diff(read_jsonl(golden), json.loads(json.dumps(actual)))
    assert not problems, "\n".join(problems[:40])


def test_valid_fixture_has_no_incidents(conversion: Conversion, inventory: Inventory) -> None:
    assert list(conversion.incidents) == []
    assert list(validate_records(conversion.records, inventory, source="records")) == []


def test_golden_covers_every_layer_and_rule() -> None:
    """Guard against a golden file that silently lost what it is meant to cover."""
    records = read_jsonl(GOLDEN / "records.jsonl")
    rows = read_jsonl(GOLDEN / "annotations.jsonl")
    assert [r["provenance"]["gold"] for r in records] == ["ground_truth", "single_annotation", "none", "none"]
    first = records[0]
    assert any(e["parent"] for e in first["entities"])
    assert any(e["actor"] for e in first["entities"])
    assert {ev["modality"] for ev in first["events"]} >= {"ASSERTED", "REPORTED", "ALLEGED"}
    assert all(ev["arguments"] for ev in first["events"])
    assert any(s["evidence"] for s in first["stance"])
    assert {(r["annotation_id"], r["was_cancelled"], r["ground_truth"]) for r in rows} == {
        (11, False, True),
        (12, False, False),
        (13, True, False),
        (21, False, False),
        (22, True, False),
    }


def test_diff_names_the_paths_that_differ() -> None:
    expected = {"entities": [{"id": "e1", "parent": None}], "gold": "none"}
    actual = {"entities": [{"id": "e1", "parent": "e0"}, {"id": "e2"}], "extra": 1}
    assert diff(expected, actual) == [
        "$.entities: 1 items expected, got 2",
        "$.entities[0].parent: expected None, got 'e0'",
        "$.extra: unexpected 1",
        "$.gold: missing (expected 'none')",
    ]
    assert diff([1, True], [1, 1]) == ["$[1]: expected True, got 1"]
