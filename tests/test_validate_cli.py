"""``furat validate`` through :func:`furat.cli.main`: exit codes, text and JSON output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from furat.cli import main
from furat.paths import Project

REPO = Path(__file__).resolve().parents[1]
EXPORTS = REPO / "tests" / "fixtures" / "exports"
INVALID = REPO / "tests" / "fixtures" / "invalid"
GOLDEN = REPO / "tests" / "golden" / "convert" / "records.jsonl"


@pytest.fixture()
def project(exports_project: Project) -> Project:
    return exports_project


def test_validate_converts_the_exports_by_default(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(project.root), "validate"]) == 0
    out = capsys.readouterr().out
    assert "0 error(s), 0 warning(s)" in out and "validated 4 record(s): ok" in out


def test_validate_a_records_file(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(project.root), "validate", str(GOLDEN)]) == 0
    assert "validated 4 record(s): ok" in capsys.readouterr().out


def test_warnings_are_shown_but_do_not_fail(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(project.root), "validate", str(INVALID / "SPAN_SPLITS_WORD.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "warning [SPAN_SPLITS_WORD]" in out and "0 error(s), 1 warning(s)" in out


def test_json_output(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path = INVALID / "PARENT_MISMATCH.jsonl"
    assert main(["--root", str(project.root), "validate", str(path), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 1 and report["warnings"] == 0
    (incident,) = report["incidents"]
    assert incident["code"] == "PARENT_MISMATCH" and incident["severity"] == "error"
    assert incident["location"]["file"].endswith("PARENT_MISMATCH.jsonl")
    assert incident["location"]["region"] == "b_dez_rif"


def test_repeats_are_capped_in_text_output(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    line = (INVALID / "STANCE_INCOMPLETE.jsonl").read_text(encoding="utf-8").strip()
    many = project.root / "many.jsonl"
    records = [json.loads(line) | {"id": f"doc{k}"} for k in range(25)]
    many.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert main(["--root", str(project.root), "validate", str(many)]) == 0
    out = capsys.readouterr().out
    assert out.count("[STANCE_INCOMPLETE]") == 21  # 20 lines + the "more not shown" line
    assert "... 5 more [STANCE_INCOMPLETE] not shown" in out


def test_malformed_lines_are_located(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    bad = project.root / "bad.jsonl"
    bad.write_text(GOLDEN.read_text(encoding="utf-8").splitlines()[0] + "\n{oops\n", encoding="utf-8")
    assert main(["--root", str(project.root), "validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.jsonl:2: error [JSON_MALFORMED]" in out


def test_missing_file_is_one_line(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(project.root), "validate", "nope.jsonl"]) == 1
    assert "no such records file" in capsys.readouterr().err


@pytest.mark.parametrize("fixture", sorted(p.name for p in INVALID.glob("*.json")))
def test_every_bad_export_fails_cleanly(
    project: Project, capsys: pytest.CaptureFixture[str], fixture: str
) -> None:
    """Bad input of every kind: exit 1, the incident with its location, never a traceback."""
    code = fixture.removesuffix(".json")
    shutil.copy(INVALID / fixture, project.exports_dir / "project-1-at-2030-01-01-00-00-bad.json")
    assert main(["--root", str(project.root), "validate"]) == 1
    out = capsys.readouterr().out
    assert f"error [{code}]" in out
    assert "annotation/exports/project-1-at-2030-01-01-00-00-bad.json" in out
