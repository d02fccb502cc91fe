"""The SHA-256 manifest and ``furat verify``: missing, extra and changed files are caught."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from furat import checksums
from furat.cli import main
from furat.errors import FuratError


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    (root / "ner").mkdir(parents=True)
    (root / "README.md").write_text("card\n", encoding="utf-8")
    (root / "ner" / "train-00000-of-00001.parquet").write_bytes(b"PAR1 train")
    (root / "ner" / "test-00000-of-00001.parquet").write_bytes(b"PAR1 test")
    checksums.write_manifest(root)
    return root


def test_manifest_is_sorted_sha256sum_format_without_itself(folder: Path) -> None:
    lines = (folder / checksums.MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    assert [line.split("  ", 1)[1] for line in lines] == [
        "README.md",
        "ner/test-00000-of-00001.parquet",
        "ner/train-00000-of-00001.parquet",
    ]
    digest, name = lines[0].split("  ")
    assert digest == hashlib.sha256(b"card\n").hexdigest() and name == "README.md"


def test_gnu_sha256sum_accepts_the_manifest(folder: Path) -> None:
    proc = subprocess.run(
        ["sha256sum", "-c", checksums.MANIFEST_NAME], cwd=folder, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_untouched_folder_verifies(folder: Path) -> None:
    report = checksums.verify(folder)
    assert report.ok and report.checked == 3 and report.lines() == []


def test_missing_extra_and_changed_files_are_each_reported(folder: Path) -> None:
    (folder / "ner" / "test-00000-of-00001.parquet").unlink()
    (folder / "ner" / "train-00000-of-00001.parquet").write_bytes(b"PAR1 tampered")
    (folder / "notes.txt").write_text("stray\n", encoding="utf-8")
    report = checksums.verify(folder)
    assert report.missing == ["ner/test-00000-of-00001.parquet"]
    assert report.changed == ["ner/train-00000-of-00001.parquet"]
    assert report.extra == ["notes.txt"]
    assert [line.split(":")[0] for line in report.lines()] == ["missing", "extra", "changed"]


def test_git_folder_of_a_clone_is_not_data(folder: Path) -> None:
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    assert checksums.verify(folder).ok


def test_malformed_or_absent_manifest_is_an_error(folder: Path) -> None:
    manifest = folder / checksums.MANIFEST_NAME
    manifest.write_text("not a checksum line\n", encoding="utf-8")
    with pytest.raises(FuratError, match=r"SHA256SUMS:1: not a"):
        checksums.verify(folder)
    manifest.unlink()
    with pytest.raises(FuratError, match="missing"):
        checksums.verify(folder)


def test_cli_verify_exit_codes_and_lines(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(folder)]) == 1  # the fixture has no croissant.json
    out = capsys.readouterr().out
    assert "missing: croissant.json" in out
    (folder / "README.md").write_text("edited\n", encoding="utf-8")
    assert main(["verify", str(folder)]) == 1
    assert "changed: README.md (SHA-256 differs from SHA256SUMS)" in capsys.readouterr().out
