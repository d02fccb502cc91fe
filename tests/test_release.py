"""``furat release`` end to end in a throw-away repository, with the real build.

The repository holds the converter's fixture articles and Label Studio snapshots:
0.1.0 is released with the first snapshot, the second snapshot is committed, 0.2.0 is
released; the changelog must give the counts per layer and split with their changes,
the tag must rebuild byte for byte, and the old version must load from a worktree.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from datasets import load_dataset

from furat import release as rel
from furat.build import BuildFailed
from furat.checksums import verify
from furat.cli import main
from furat.errors import FuratError
from furat.paths import Project
from furat.version import Version, read_version

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "exports"
SNAPSHOTS = sorted(FIXTURES.glob("project-*.json"))


def run_git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def make_repository(root: Path) -> Project:
    """A project repository with the fixture manifest and the first export, committed."""
    for name in ("schema",):
        shutil.copytree(REPO / name, root / name)
    (root / "annotation" / "exports").mkdir(parents=True)
    shutil.copy2(FIXTURES / "manifest.jsonl", root / "annotation" / "articles.jsonl")
    shutil.copy2(SNAPSHOTS[0], root / "annotation" / "exports" / SNAPSHOTS[0].name)
    for name in ("DATASHEET.md", "dataset/README.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    # A changelog of its own: the project's holds real release sections with other dates.
    changelog = "# Changelog\n\n## Unreleased\n\n- Project inputs.\n"
    (root / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    (root / "DATASET_VERSION").write_text("0.1.0-dev\n", encoding="utf-8")
    run_git(root, "init", "--quiet", "--initial-branch=main")
    run_git(root, "config", "user.name", "Release Test")
    run_git(root, "config", "user.email", "release-test@example.invalid")
    run_git(root, "add", "--all")
    run_git(root, "commit", "--quiet", "-m", "Project inputs")
    return Project(root)


def release_two_versions(root: Path) -> Project:
    """0.1.0 with the first snapshot, 0.2.0 after committing the second."""
    project = make_repository(root)
    rel.release(project, "0.1.0", today=datetime.date(2025, 3, 1))
    shutil.copy2(SNAPSHOTS[1], root / "annotation" / "exports" / SNAPSHOTS[1].name)
    run_git(root, "add", "--all")
    run_git(root, "commit", "--quiet", "-m", "Second Label Studio snapshot")
    assert main(["--root", str(root), "release", "0.2.0"]) == 0
    return project


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return release_two_versions(tmp_path_factory.mktemp("release") / "furat")


def test_tags_commits_and_version_file(released: Project) -> None:
    root = released.root
    assert rel.release_tags(root) == [Version.parse("0.1.0"), Version.parse("0.2.0")]
    assert run_git(root, "show", "v0.1.0:DATASET_VERSION") == "0.1.0\n"
    assert run_git(root, "show", "v0.2.0:DATASET_VERSION") == "0.2.0\n"
    assert str(read_version(released)) == "0.2.1-dev"  # main moved on after tagging
    assert run_git(root, "status", "--porcelain") == ""
    log = run_git(root, "log", "--format=%s").splitlines()
    assert log[:2] == ["Start 0.2.1-dev after releasing 0.2.0", "Release dataset 0.2.0"]


def test_changelog_gives_counts_and_changes_per_split(released: Project) -> None:
    changelog = released.changelog.read_text(encoding="utf-8")
    assert changelog.index("## Dataset 0.2.0") < changelog.index("## Dataset 0.1.0 - 2025-03-01")
    assert changelog.index("## Unreleased") < changelog.index("## Dataset 0.2.0")
    old = rel.counts_at_tag(released.root, "v0.1.0")
    new = rel.counts_at_tag(released.root, "v0.2.0")
    assert new["train"]["entities"] > old["train"]["entities"] > 0
    section = changelog[changelog.index("## Dataset 0.2.0") : changelog.index("## Dataset 0.1.0")]
    delta = new["train"]["entities"] - old["train"]["entities"]
    total = sum(c["entities"] for c in new.values())
    assert (
        f"| entities | {new['train']['entities']} (+{delta}) | 0 (±0) | 0 (±0) | {total} (+{delta}) |"
        in section
    )
    assert "| documents | 2 (±0) | 1 (±0) | 1 (±0) | 4 (±0) |" in section
    first = changelog[changelog.index("## Dataset 0.1.0") :]
    assert "(first release)" in first and f"| entities | {old['train']['entities']} | 0 | 0 |" in first


def test_card_and_croissant_cite_the_release_date(released: Project) -> None:
    card = run_git(released.root, "show", "v0.1.0:dataset/README.md")
    assert "**Dataset version 0.1.0**, released 2025-03-01." in card
    assert '"datePublished": "2025-03-01"' in run_git(released.root, "show", "v0.1.0:dataset/croissant.json")
    assert verify(released.dataset_dir).ok


def test_checking_out_a_tag_and_rebuilding_is_byte_identical(released: Project, tmp_path: Path) -> None:
    worktree = tmp_path / "furat-v0.1.0"
    run_git(released.root, "worktree", "add", "--quiet", str(worktree), "v0.1.0")
    try:
        assert main(["--root", str(worktree), "build"]) == 0
        assert run_git(worktree, "status", "--porcelain", "--untracked-files=all") == ""
        ds = load_dataset(str(worktree / "dataset"), "stance")  # revision= is ignored locally
        assert ds["train"].num_rows == 12  # one annotated article x 12 stance targets in 0.1.0
        assert load_dataset(str(released.dataset_dir), "stance")["train"].num_rows == 24
    finally:
        run_git(released.root, "worktree", "remove", "--force", str(worktree))


def test_refusals_leave_the_repository_untouched(released: Project) -> None:
    root = released.root
    head = run_git(root, "rev-parse", "HEAD")
    for version, message in (
        ("0.2.0", "not greater"),
        ("0.1.9", "not greater"),
        ("0.3.0-rc.1", "plain X.Y.Z"),
    ):
        with pytest.raises(FuratError, match=message):
            rel.release(released, version)
    (root / "notes.txt").write_text("uncommitted\n", encoding="utf-8")
    with pytest.raises(FuratError, match=r"not clean \(notes.txt\)"):
        rel.release(released, "0.3.0")
    (root / "notes.txt").unlink()
    assert run_git(root, "rev-parse", "HEAD") == head


def test_a_build_with_validation_errors_is_rolled_back(tmp_path: Path) -> None:
    project = make_repository(tmp_path / "furat")
    broken = REPO / "tests" / "fixtures" / "invalid" / "LABEL_UNKNOWN.json"
    shutil.copy2(broken, project.exports_dir / "project-1-at-2024-06-01-00-00-ffffffff.json")
    run_git(project.root, "add", "--all")
    run_git(project.root, "commit", "--quiet", "-m", "A broken snapshot")
    head = run_git(project.root, "rev-parse", "HEAD")
    with pytest.raises(BuildFailed, match=r"1 error\(s\); nothing was written") as failed:
        rel.release(project, "0.1.0")
    assert failed.value.log.codes() == {"LABEL_UNKNOWN": 1}
    assert run_git(project.root, "rev-parse", "HEAD") == head
    assert run_git(project.root, "tag", "--list") == ""
    assert run_git(project.root, "status", "--porcelain", "--untracked-files=all") == ""
    assert str(read_version(project)) == "0.1.0-dev"


def test_main_after_a_release_rebuilds_to_what_is_committed(released: Project) -> None:
    """The post-release commit rewrote the card for 0.2.1-dev, so main never drifts."""
    assert main(["--root", str(released.root), "build"]) == 0
    assert run_git(released.root, "status", "--porcelain") == ""
    assert "0.2.1-dev" in (released.dataset_dir / "README.md").read_text(encoding="utf-8")
    assert "development build" in run_git(released.root, "show", "HEAD:DATASHEET.md")
    assert "development build" not in run_git(released.root, "show", "v0.2.0:DATASHEET.md")


def test_a_failure_after_tagging_leaves_the_release_commit_and_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_repository(tmp_path / "furat")
    calls = []
    real = rel.write_release_files

    def failing_second_time(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 2:  # step 5, after the tag
            raise OSError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rel, "write_release_files", failing_second_time)
    with pytest.raises(FuratError, match=r"v0\.1\.0 is tagged, but moving main to 0\.1\.1-dev failed"):
        rel.release(project, "0.1.0", today=datetime.date(2025, 3, 1))
    root = project.root
    assert run_git(root, "tag", "--list") == "v0.1.0\n"
    assert run_git(root, "rev-parse", "HEAD") == run_git(root, "rev-parse", "v0.1.0^{commit}")
    assert run_git(root, "status", "--porcelain") == ""
    assert str(read_version(project)) == "0.1.0"
