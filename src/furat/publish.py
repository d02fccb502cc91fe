"""``furat publish``: put a tagged release on the Hugging Face Hub and/or a git remote.

Only a release is published: the version is the one the built folder declares (its
``croissant.json``), that version must be a plain ``X.Y.Z`` with a local tag
``vX.Y.Z``, the folder must equal the tag's ``dataset/`` and verify against its
``SHA256SUMS``. So what users download under ``revision="vX.Y.Z"`` is exactly what
``git show vX.Y.Z:dataset/...`` holds.

Hub: the card must name this repository and a real contact (no placeholder), since a
public copy is what rights holders and users read. The token is read from ``HF_TOKEN``
only (never an argument, so it is not in shell history or process lists) and never
printed; error messages are scrubbed of it. The folder is uploaded as one commit (stale
parquet shards removed) and tagged.

Git remote: the folder becomes the root of a dataset repository (the layout the Hub
uses), committed on top of the remote branch's history and tagged, so
``git clone --branch vX.Y.Z`` followed by ``load_dataset(<clone>)`` gives the release.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from furat import cardtext, checksums
from furat.croissant import CROISSANT_FILE
from furat.errors import FuratError
from furat.paths import Project
from furat.release import git, gits, release_tags
from furat.version import Version

TOKEN_ENV = "HF_TOKEN"
_IDENTITY = ("Furat release", "furat-release@localhost")


def declared_version(project: Project) -> Version:
    """The version ``dataset/`` was built as (its Croissant file says it)."""
    folder = project.dataset_dir
    try:
        declared = json.loads((folder / CROISSANT_FILE).read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError) as err:
        raise FuratError(f"{folder}: no version in {CROISSANT_FILE}; run `furat build`") from err
    return Version.parse(str(declared))


def _declared(project: Project) -> Version | None:
    try:
        return declared_version(project)
    except FuratError:
        return None


@contextlib.contextmanager
def release_checkout(project: Project, version_text: str | None = None) -> Iterator[Project]:
    """The project as it is at a release tag, to publish from.

    The working tree itself when its ``dataset/`` is that release (the state right after
    ``furat release``, or a worktree of the tag); otherwise a temporary worktree of the
    tag, removed afterwards — after a release, ``main`` holds the next development build.
    Without ``version_text``: the release in ``dataset/`` if it is one, else the last tag.
    """
    root = project.root
    declared = _declared(project)
    if version_text is not None:
        wanted = Version.parse(version_text)
        if not wanted.is_release:
            raise FuratError(f"{wanted}: only a release (X.Y.Z) is published")
    elif declared is not None and declared.is_release:
        wanted = declared
    else:
        tags = release_tags(root)
        if not tags:
            raise FuratError(f"no release tag in {root}; run `furat release X.Y.Z` first")
        wanted = tags[-1]
    if declared == wanted:
        yield project
        return
    if wanted.tag not in gits(root, "tag", "--list", wanted.tag).split():
        raise FuratError(f"no tag {wanted.tag} in {root}; run `furat release {wanted}` first")
    with tempfile.TemporaryDirectory(prefix=f"furat-{wanted.tag}-") as tmp:
        worktree = Path(tmp) / "tree"
        git(root, "worktree", "add", "--quiet", "--detach", str(worktree), wanted.tag)
        try:
            yield Project(worktree)
        finally:
            # Never let a failed clean-up hide the error of the publish itself.
            try:
                git(root, "worktree", "remove", "--force", str(worktree))
            except FuratError:
                shutil.rmtree(worktree, ignore_errors=True)
                with contextlib.suppress(FuratError):
                    git(root, "worktree", "prune")


def published_version(project: Project) -> Version:
    """The release in ``dataset/``, checked to be tagged, unchanged and intact."""
    folder = project.dataset_dir
    version = declared_version(project)
    if not version.is_release:
        raise FuratError(f"{folder} is development build {version}; publish a release (furat release X.Y.Z)")
    root = project.root
    if version.tag not in gits(root, "tag", "--list", version.tag).split():
        raise FuratError(f"no tag {version.tag} in {root}; run `furat release {version}` first")
    changed = gits(root, "status", "--porcelain", "--untracked-files=all", "--", "dataset").strip()
    diff = gits(root, "diff", "--name-only", version.tag, "--", "dataset").strip()
    if changed or diff:
        raise FuratError(f"{folder} differs from tag {version.tag}; publish from the tagged state")
    report = checksums.verify(folder)
    if not report.ok:
        raise FuratError(f"{folder} does not verify: " + "; ".join(report.lines()))
    return version


def hub_token() -> str:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise FuratError(
            f"{TOKEN_ENV} is not set: create a write token at https://huggingface.co/settings/tokens "
            f"and export {TOKEN_ENV} (the token is read from the environment only)"
        )
    return token


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def check_card_identity(project: Project, repo_id: str) -> None:
    """Refuse a public upload whose card names another repository or a placeholder contact.

    The card tells users ``load_dataset("<repo id>")`` and where to send a takedown
    request; on the Hub both must be real and must be this repository, or the first
    rights holder who writes finds no one. The values live in :mod:`furat.cardtext`.
    """
    card = (project.dataset_dir / "README.md").read_text(encoding="utf-8")
    marks = [m for m in cardtext.PLACEHOLDER_MARKS if m in card]
    if marks:
        raise FuratError(
            f"{project.dataset_dir / 'README.md'} still has placeholder(s) {', '.join(map(repr, marks))} "
            "in its repository and contact lines: set them in src/furat/cardtext.py, then rebuild "
            "and release a new version"
        )
    if f'load_dataset("{repo_id}"' not in card:
        raise FuratError(
            f"the card of this release does not tell users to load_dataset({repo_id!r}): publish to "
            "the repository it names, or set HUB_REPO_ID in src/furat/cardtext.py and release a "
            "new version"
        )


def publish_hub(project: Project, repo_id: str, *, private: bool = False) -> str:
    """Upload ``dataset/`` to the Hub dataset ``repo_id`` and tag it; return the commit id."""
    token = hub_token()
    version = published_version(project)
    check_card_identity(project, repo_id)
    try:
        from huggingface_hub import HfApi  # optional dependency (extra "publish")

        api = HfApi(token=token)
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        commit = api.upload_folder(
            folder_path=str(project.dataset_dir), repo_id=repo_id, repo_type="dataset",
            commit_message=f"Furat dataset {version}", delete_patterns=["*.parquet"],
        )  # fmt: skip
        api.create_tag(repo_id, tag=version.tag, repo_type="dataset", revision=commit.oid,
                       tag_message=f"Furat dataset {version}")  # fmt: skip
    except ImportError as err:
        raise FuratError("huggingface_hub is not installed: pip install 'furat[publish]'") from err
    except Exception as err:  # the Hub client raises many types; all end the same way
        reason = _scrub(f"{type(err).__name__}: {err}", token).splitlines()
        raise FuratError(
            f"could not publish to the Hub dataset {repo_id}: {reason[0] if reason else ''}"
        ) from None
    return str(commit.oid)


def _identity(root: Path) -> list[str]:
    """``-c user.name=… -c user.email=…`` from the project repository, else a neutral one."""
    values = []
    for key, fallback in zip(("user.name", "user.email"), _IDENTITY, strict=True):
        try:
            value = gits(root, "config", key).strip() or fallback
        except FuratError:
            value = fallback
        values += ["-c", f"{key}={value}"]
    return values


def publish_git(project: Project, url: str, *, branch: str = "main") -> str:
    """Push ``dataset/`` as the root of a dataset repository at ``url``; return the commit."""
    version = published_version(project)
    remote_tags = gits(project.root, "ls-remote", "--tags", url, version.tag)
    if remote_tags.strip():
        raise FuratError(f"{url} already has {version.tag}; a release is never republished")
    identity = _identity(project.root)
    with tempfile.TemporaryDirectory(prefix="furat-publish-") as tmp:
        work = Path(tmp) / "repo"
        git(Path(tmp), "clone", "--quiet", url, str(work))
        has_branch = bool(gits(work, "ls-remote", "--heads", "origin", branch).strip())
        if has_branch:
            git(work, "checkout", "--quiet", "-B", branch, f"origin/{branch}")
        else:
            git(work, "checkout", "--quiet", "--orphan", branch)
        for child in work.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copytree(project.dataset_dir, work, dirs_exist_ok=True)
        git(work, "add", "--all")
        git(work, *identity, "commit", "--quiet", "--allow-empty", "-m", f"Furat dataset {version}")
        git(work, *identity, "tag", "-a", version.tag, "-m", f"Furat dataset {version}")
        git(work, "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", f"refs/tags/{version.tag}")
        return gits(work, "rev-parse", "HEAD").strip()
