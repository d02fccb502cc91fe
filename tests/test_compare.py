"""``furat compare``: the adjudication worklist and its agreement figures on a worked example."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from furat.cli import main
from furat.compare import compare, summary

REPO = Path(__file__).resolve().parents[1]
RECORDS = REPO / "tests" / "fixtures" / "records" / "records.jsonl"


def _first() -> dict[str, Any]:
    record: dict[str, Any] = json.loads(RECORDS.read_text(encoding="utf-8").splitlines()[0])
    return record


def _second(a: dict[str, Any]) -> dict[str, Any]:
    """B disagrees five ways: a dropped mention, a retyped one, an attribute, an argument, a stance."""
    b = copy.deepcopy(a)
    b["entities"] = [e for e in b["entities"] if e["id"] != "e9"]  # المدن
    next(e for e in b["entities"] if e["id"] == "e14")["type"] = "LOC"  # البوكمال
    next(v for v in b["events"] if v["id"] == "v3")["modality"] = "ALLEGED"
    next(v for v in b["events"] if v["id"] == "v1")["arguments"].append({"role": "place", "mention_id": "e5"})
    next(s for s in b["stance"] if s["actor"] == "isis").update(label="NEUTRAL", evidence=[])
    return b


def test_disagreements_are_listed_with_their_text() -> None:
    a = _first()
    [diff], _ = compare([a], [_second(a)])
    kinds = [item.split(":")[0] for item in diff.items]
    assert kinds == ["entity only in A", "entity differs", "trigger differs", "argument only in B",
                     "stance isis", "evidence only in A"]  # fmt: skip
    assert "[المدن]" in diff.items[0] and "@185-190" in diff.items[0]
    assert "A GPE | B LOC" in diff.items[1]
    assert "A CASUALTY_REPORT REPORTED/POSITIVE | B CASUALTY_REPORT ALLEGED/POSITIVE" in diff.items[2]
    assert "[سيطرتهما] --place--> " in diff.items[3] and "[ريف دير الزور الشرقي]" in diff.items[3]
    assert diff.items[4] == "stance isis: A AGAINST | B NEUTRAL"


def test_agreement_figures_by_hand() -> None:
    """Entities: 12 shared, 3 on one side only (المدن; البوكمال as GPE and as LOC): 24/27.

    Arguments 8 shared, 1 only in B: 16/17. Triggers keep span and type: 1.0. Stance: 2 of
    3 equal; pooled NEUTRAL 3/6, NOT_MENTIONED 2/6, AGAINST 1/6 give expected 14/36, so
    π = (2/3 − 14/36) / (1 − 14/36) = 5/11.
    """
    a = _first()
    figures = summary(compare([a], [_second(a)])[1])
    assert figures["documents"] == 1
    assert figures["entity_f1"] == pytest.approx(24 / 27)
    assert figures["trigger_f1"] == pytest.approx(1.0)
    assert figures["argument_f1"] == pytest.approx(16 / 17)
    assert figures["actor_agreement"] == pytest.approx(1.0)
    assert figures["stance_observed"] == pytest.approx(2 / 3)
    assert figures["stance_pi"] == pytest.approx(5 / 11)


def test_identical_annotations_agree_fully() -> None:
    a = _first()
    [diff], result = compare([a], [copy.deepcopy(a)])
    assert diff.items == []
    assert result.f1("entities") == result.f1("arguments") == result.stance_observed == 1.0


def _write(path: Path, record: dict[str, Any]) -> str:
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return str(path)


def test_cli_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _first()
    left, right = _write(tmp_path / "a.jsonl", a), _write(tmp_path / "b.jsonl", _second(a))
    assert main(["--root", str(REPO), "compare", left, right]) == 0
    out = capsys.readouterr().out
    assert "== fx_001_wire: 6 disagreement(s)" in out and "entity_f1 0.889" in out
    assert main(["--root", str(REPO), "compare", "--format", "json", left, right]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["documents"]["fx_001_wire"]) == 6
    assert data["agreement"]["argument_f1"] == pytest.approx(16 / 17)


def test_cli_refuses_invalid_or_different_texts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _first()
    bad = copy.deepcopy(a)
    bad["entities"][0]["end"] += 1  # the span no longer cuts its text
    left = _write(tmp_path / "a.jsonl", a)
    assert main(["--root", str(REPO), "compare", left, _write(tmp_path / "bad.jsonl", bad)]) == 1
    err = capsys.readouterr().err
    assert "SPAN_TEXT_MISMATCH" in err and "bad.jsonl: 1 validation error(s)" in err
    other = copy.deepcopy(a)
    other["text"] = other["text"].replace("البادية", "الباديه")
    other["metadata"]["text_sha256"] = hashlib.sha256(other["text"].encode()).hexdigest()
    assert main(["--root", str(REPO), "compare", left, _write(tmp_path / "o.jsonl", other)]) == 1
    assert "has another text" in capsys.readouterr().err


def test_cli_names_articles_on_one_side_only_and_refuses_no_overlap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = RECORDS.read_text(encoding="utf-8").splitlines()
    left = tmp_path / "a.jsonl"
    left.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    right = tmp_path / "b.jsonl"
    right.write_text(lines[1] + "\n" + lines[2] + "\n", encoding="utf-8")
    assert main(["--root", str(REPO), "compare", str(left), str(right)]) == 0
    out = capsys.readouterr().out
    assert "only in A (not compared): fx_001_wire" in out
    assert "only in B (not compared): fx_003_unannotated" in out
    alone = tmp_path / "c.jsonl"
    alone.write_text(lines[3] + "\n", encoding="utf-8")
    assert main(["--root", str(REPO), "compare", str(left), str(alone)]) == 1
    assert "no article is in both" in capsys.readouterr().err


def test_a_raw_carriage_return_inside_a_record_is_read_as_whitespace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = RECORDS.read_text(encoding="utf-8").splitlines()[0]
    line = first.replace(', "schema_version"', ',\r "schema_version"')
    path = tmp_path / "cr.jsonl"
    path.write_bytes(line.encode("utf-8") + b"\n")
    assert main(["--root", str(REPO), "compare", str(path), str(path)]) == 0
    assert "0 disagreement(s)" in capsys.readouterr().out
