"""``furat convert`` through :func:`furat.cli.main`: output only after a clean run."""

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


def golden_with_project_paths() -> list[dict[str, object]]:
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        prov = row["provenance"]
        if prov["export_file"]:
            prov["export_file"] = prov["export_file"].replace(
                "tests/fixtures/exports/", "annotation/exports/"
            )
    return rows


def test_convert_writes_the_records(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    out = project.root / "build" / "records.jsonl"
    assert main(["--root", str(project.root), "convert", "--out", str(out)]) == 0
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert written == golden_with_project_paths()
    err = capsys.readouterr().err
    assert "converted 4 record(s) (1 ground_truth, 2 none, 1 single_annotation)" in err
    assert "0 error(s), 0 warning(s)" in err
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind


def test_convert_to_stdout(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(project.root), "convert"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == golden_with_project_paths()


@pytest.mark.parametrize("code", ["JSON_TRUNCATED", "LABEL_UNKNOWN", "TEXT_MISMATCH", "REFERENCE_UNRESOLVED"])
def test_an_error_writes_nothing_and_keeps_the_old_output(
    project: Project, capsys: pytest.CaptureFixture[str], code: str
) -> None:
    shutil.copy(INVALID / f"{code}.json", project.exports_dir / "project-1-at-2030-01-01-00-00-bad.json")
    out = project.root / "records.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    assert main(["--root", str(project.root), "convert", "--out", str(out), "--format", "json"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.err[: captured.err.rindex("}") + 1])
    assert [i["code"] for i in report["incidents"]] == [code]
    assert report["incidents"][0]["location"]["file"].startswith("annotation/exports/project-1-at-2030")
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in project.root.iterdir() if p.name.startswith(".records")) == []
    assert captured.out == ""


def test_stdout_gets_nothing_on_error(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(INVALID / "GOLD_AMBIGUOUS.json", project.exports_dir / "project-1-at-2030-01-01-00-00-x.json")
    assert main(["--root", str(project.root), "convert"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "[GOLD_AMBIGUOUS]" in captured.err and "nothing written" in captured.err


def test_missing_manifest_is_one_line_not_a_traceback(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.manifest.unlink()
    assert main(["--root", str(project.root), "convert"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("furat convert: error:") and "furat ingest" in err
    assert "Traceback" not in err


def test_unwritable_output_is_one_line(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = project.root / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["--root", str(project.root), "convert", "--out", str(blocker / "records.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("furat convert: error:") and "cannot write here" in err


def test_a_manifest_line_that_is_not_an_object(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    with project.manifest.open("a", encoding="utf-8") as fh:
        fh.write("[1, 2]\n")
    assert main(["--root", str(project.root), "convert"]) == 1
    assert "lacks id, text or metadata.text_sha256" in capsys.readouterr().err
