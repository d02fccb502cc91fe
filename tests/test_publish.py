"""``furat publish``: git remotes end to end (a local bare repository), the Hub's refusals.

The Hub cannot be reached from the tests (``HF_HUB_OFFLINE=1``): they check the
arguments, the missing-token message, that a failed upload is reported as a failure,
and that the token never appears in any output. Nothing pretends an upload succeeded.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from datasets import load_dataset
from test_release import release_two_versions, run_git

from furat import cardtext
from furat.checksums import verify
from furat.cli import main
from furat.errors import FuratError
from furat.paths import Project
from furat.publish import publish_git, published_version, release_checkout

SECRET = "hf_notarealtoken_5f2c9a"


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return release_two_versions(tmp_path_factory.mktemp("publish") / "furat")


@pytest.fixture()
def bare(tmp_path: Path) -> str:
    remote = tmp_path / "furat-dataset.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(remote)], check=True)
    return str(remote)


def test_without_a_destination_it_is_a_usage_error(
    released: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(released.root), "publish"]) == 2
    assert "give --hub REPO_ID and/or --git-remote URL" in capsys.readouterr().err


def test_hub_without_token_says_how_to_set_it(
    released: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert main(["--root", str(released.root), "publish", "--hub", "org/furat"]) == 1
    err = capsys.readouterr().err
    assert "HF_TOKEN is not set" in err and "huggingface.co/settings/tokens" in err


def test_hub_refuses_a_card_with_placeholders_or_another_repository(
    released: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_TOKEN", SECRET)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["--root", str(released.root), "publish", "--hub", cardtext.HUB_REPO_ID]) == 1
    err = capsys.readouterr().err
    assert "placeholder(s) 'ORG/', '.invalid'" in err and "src/furat/cardtext.py" in err
    monkeypatch.setattr(cardtext, "PLACEHOLDER_MARKS", ())
    assert main(["--root", str(released.root), "publish", "--hub", "someone/else"]) == 1
    assert "does not tell users to load_dataset('someone/else')" in capsys.readouterr().err


def test_hub_failure_is_reported_and_the_token_never_printed(
    released: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_TOKEN", SECRET)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(cardtext, "PLACEHOLDER_MARKS", ())  # as if the identity were set
    assert main(["--root", str(released.root), "publish", "--hub", cardtext.HUB_REPO_ID]) == 1
    out, err = capsys.readouterr()
    assert f"could not publish to the Hub dataset {cardtext.HUB_REPO_ID}" in err
    assert "published" not in out
    assert SECRET not in out + err


def test_git_remote_gets_each_release_as_a_loadable_tag(released: Project, bare: str, tmp_path: Path) -> None:
    worktree = tmp_path / "v0.1.0"
    run_git(released.root, "worktree", "add", "--quiet", str(worktree), "v0.1.0")
    try:
        publish_git(Project(worktree), bare)
    finally:
        run_git(released.root, "worktree", "remove", "--force", str(worktree))
    assert main(["--root", str(released.root), "publish", "--git-remote", bare]) == 0
    assert run_git(Path(bare), "tag", "--list").split() == ["v0.1.0", "v0.2.0"]
    assert len(run_git(Path(bare), "log", "--format=%s", "main").splitlines()) == 2
    for tag, stance_rows in (("v0.1.0", 12), ("v0.2.0", 24)):
        clone = tmp_path / f"clone-{tag}"
        subprocess.run(["git", "clone", "--quiet", "--branch", tag, bare, str(clone)], check=True)
        assert (clone / "README.md").is_file() and not (clone / "dataset").exists()
        assert verify(clone).ok
        assert load_dataset(str(clone), "stance")["train"].num_rows == stance_rows
        assert load_dataset(str(clone))["train"].features["entities"].feature["type"].names[0] == "PER"


def test_a_release_is_never_republished(released: Project, bare: str) -> None:
    with release_checkout(released) as tagged:
        publish_git(tagged, bare)
        with pytest.raises(FuratError, match=r"already has v0\.2\.0"):
            publish_git(tagged, bare)


def test_main_is_a_development_build_and_publishing_takes_the_tag(released: Project) -> None:
    """After a release, main's card says 0.2.1-dev; the release is read from its tag."""
    croissant = json.loads((released.dataset_dir / "croissant.json").read_text(encoding="utf-8"))
    assert croissant["version"] == "0.2.1-dev"
    with pytest.raises(FuratError, match=r"development build 0\.2\.1-dev"):
        published_version(released)
    with release_checkout(released) as tagged:
        assert tagged.root != released.root and str(published_version(tagged)) == "0.2.0"
    with release_checkout(released, "0.1.0") as tagged:
        assert str(published_version(tagged)) == "0.1.0"
    assert "furat-v" not in run_git(released.root, "worktree", "list")  # temporary worktrees removed
    with pytest.raises(FuratError, match=r"no tag v0\.9\.0"), release_checkout(released, "0.9.0"):
        pass


def test_only_the_tagged_unchanged_release_is_published(released: Project, bare: str, tmp_path: Path) -> None:
    worktree = tmp_path / "v0.2.0"
    run_git(released.root, "worktree", "add", "--quiet", str(worktree), "v0.2.0")
    try:
        card = worktree / "dataset" / "README.md"
        card.write_bytes(card.read_bytes() + b"\nedited after the tag\n")
        with pytest.raises(FuratError, match=r"differs from tag v0\.2\.0"):
            publish_git(Project(worktree), bare)
    finally:
        run_git(released.root, "worktree", "remove", "--force", str(worktree))
    assert run_git(Path(bare), "tag", "--list") == ""


def test_the_temporary_worktree_goes_away_and_the_real_error_stays(released: Project) -> None:
    with pytest.raises(RuntimeError, match="upload broke"), release_checkout(released) as tagged:
        worktree = tagged.root
        raise RuntimeError("upload broke")
    assert not worktree.exists()
    assert str(worktree) not in run_git(released.root, "worktree", "list")
