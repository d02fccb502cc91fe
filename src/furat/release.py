"""``furat release X.Y.Z``: build, record what changed, commit and tag a dataset release.

A release is a git tag ``vX.Y.Z`` on a commit whose ``dataset/`` folder is the build of
that commit's inputs, with ``DATASET_VERSION`` = ``X.Y.Z`` and a changelog section that
says, per layer and split, how the counts moved since the previous tag (read from that
tag's ``dataset/documents`` parquet with ``git show``, so nothing is checked out).

It refuses a dirty tree (the release must be rebuildable from its commit), a version
not greater than the last tag, and a build with validation errors (the build raises).
The release date goes into the changelog heading, which the card and Croissant file
read, so rebuilding the tag later gives byte-identical files. If any step fails, the
tree is put back as it was (it was clean, so this loses nothing). After tagging, the
version file moves on to the next patch pre-release and the release files of ``main`` are
rewritten for it, so later builds of ``main`` are never mistaken for the release and
still reproduce the committed folder; ``furat publish`` takes the release from its tag.
"""

from __future__ import annotations

import datetime
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from furat import checksums, corpusstats
from furat.card import write_release_files
from furat.errors import FuratError
from furat.fsutil import atomic_write_text
from furat.labels import load_project_inventory
from furat.markers import md_table
from furat.paths import Project
from furat.version import Version, read_version, version_from_tag, write_version

Counts = dict[str, dict[str, int]]  # split -> layer -> count
Builder = Callable[[Project], object]
_DOCS_RE = re.compile(r"^dataset/documents/(?P<name>[^/]+\.parquet)$")


def git(root: Path, *args: str, binary: bool = False) -> str | bytes:
    """Run git in ``root``; a failure becomes a :class:`FuratError` with git's message."""
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise FuratError(f"git {' '.join(args)}: {message[-1] if message else 'failed'}")
    return proc.stdout if binary else proc.stdout.decode("utf-8")


def gits(root: Path, *args: str) -> str:
    out = git(root, *args)
    assert isinstance(out, str)
    return out


def release_tags(root: Path) -> list[Version]:
    """Release versions tagged ``vX.Y.Z`` in the repository, ascending."""
    found = (version_from_tag(t) for t in gits(root, "tag", "--list", "v*").split())
    return sorted(v for v in found if v is not None)


def dirty_paths(root: Path) -> list[str]:
    return [line[3:] for line in gits(root, "status", "--porcelain", "--untracked-files=all").splitlines()]


def counts_of_folder(dataset_dir: Path) -> Counts:
    return {
        split: corpusstats.layer_counts(corpusstats.read_split(paths, list(corpusstats.LAYERS[1:])))
        for split, paths in corpusstats.shard_files(dataset_dir, "documents").items()
    }


def counts_at_tag(root: Path, tag: str) -> Counts:
    """Layer counts of the documents config as committed at ``tag`` (via ``git show``)."""
    tables: dict[str, list[pa.Table]] = {}
    for path in sorted(gits(root, "ls-tree", "-r", "--name-only", tag, "--", "dataset/documents").split()):
        match = _DOCS_RE.match(path)
        split = corpusstats.shard_split(match.group("name")) if match else None
        if split is None:
            continue
        data = git(root, "show", f"{tag}:{path}", binary=True)
        table = corpusstats.pq.read_table(pa.BufferReader(data), columns=list(corpusstats.LAYERS[1:]))
        tables.setdefault(split, []).append(table)
    return {
        split: corpusstats.layer_counts(pa.concat_tables(tables[split]))
        for split in sorted(tables, key=corpusstats.split_key)
    }


def changelog_section(version: Version, date: str, previous: Version | None, old: Counts, new: Counts) -> str:
    """The changelog section of a release: counts per layer and split, with changes."""
    splits = sorted(set(old) | set(new), key=corpusstats.split_key)

    def cell(layer: str, splits_: list[str]) -> str:
        now = sum(new.get(s, {}).get(layer, 0) for s in splits_)
        if previous is None:
            return str(now)
        delta = now - sum(old.get(s, {}).get(layer, 0) for s in splits_)
        return f"{now} ({delta:+d})" if delta else f"{now} (±0)"

    rows = [[layer, *(cell(layer, [s]) for s in splits), cell(layer, splits)] for layer in corpusstats.LAYERS]
    since = f"change since {previous.tag} in brackets" if previous else "first release"
    return "\n".join([
        f"## Dataset {version} - {date}",
        "",
        f"Dataset release `{version.tag}` ({since}). Rows per layer and split of the "
        "`documents` config (stance: one item per document and stance-target actor):",
        "",
        md_table(["Layer", *splits, "total"], rows),
        "",
    ])  # fmt: skip


def insert_section(changelog: str, section: str) -> str:
    """Put ``section`` above the newest release section (below "Unreleased" and the intro)."""
    lines = changelog.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("## ") and "unreleased" not in line.lower():
            return "\n".join([*lines[:i], section, *lines[i:]])
    return changelog.rstrip("\n") + "\n\n" + section


@dataclass(frozen=True)
class Release:
    version: Version
    previous: Version | None
    commit: str
    section: str


def default_builder(project: Project) -> object:
    from furat import build  # the build imports the card module; import it only when needed

    return build.build_project(project)


def _rollback(root: Path, start: str, tag: str) -> None:
    """Undo everything since the clean start: commit, tag, tracked changes, new files."""
    if tag and tag in gits(root, "tag", "--list", tag).split():
        git(root, "tag", "-d", tag)
    git(root, "reset", "--quiet", "--hard", start)
    untracked = dirty_paths(root)
    if untracked:
        git(root, "clean", "--quiet", "-f", "--", *untracked)


def release(
    project: Project,
    version_text: str,
    *,
    builder: Builder | None = None,
    today: datetime.date | None = None,
) -> Release:
    """Build, write the changelog section, commit and tag ``vX.Y.Z``; see module doc."""
    root = project.root
    version = Version.parse(version_text)
    if not version.is_release:
        raise FuratError(f"{version}: a release is a plain X.Y.Z (pre-releases are for DATASET_VERSION)")
    start = gits(root, "rev-parse", "--verify", "HEAD").strip()
    dirty = dirty_paths(root)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise FuratError(f"the working tree is not clean ({shown}); commit or remove changes first")
    tags = release_tags(root)
    previous = tags[-1] if tags else None
    if previous is not None and version <= previous:
        raise FuratError(f"{version} is not greater than the last release {previous.tag}")
    read_version(project)  # a malformed version file is an error before anything changes
    date = (today or datetime.date.today()).isoformat()
    try:
        write_version(project, version)
        (builder or default_builder)(project)
        old = counts_at_tag(root, previous.tag) if previous else {}
        section = changelog_section(version, date, previous, old, counts_of_folder(project.dataset_dir))
        text = (
            project.changelog.read_text(encoding="utf-8") if project.changelog.exists() else "# Changelog\n"
        )
        atomic_write_text(project.changelog, insert_section(text, section))
        # Again, now that the changelog holds the release date the card and Croissant cite.
        write_release_files(project.dataset_dir, project=project, inv=load_project_inventory(project))
        report = checksums.verify(project.dataset_dir)
        if not report.ok:
            raise FuratError("the built dataset does not match its manifest: " + "; ".join(report.lines()))
        git(root, "add", "--all")
        git(root, "commit", "--quiet", "-m", f"Release dataset {version}")
        git(root, "tag", "-a", version.tag, "-m", f"Furat dataset {version}")
    except BaseException:
        _rollback(root, start, version.tag)
        raise
    commit = gits(root, "rev-parse", "HEAD").strip()
    following = Version(version.major, version.minor, version.patch + 1, ("dev",))
    # The card, Croissant file, checksums and datasheet of main now say "development build"
    # (the parquet files are unchanged), so a build of main reproduces what is committed
    # and nothing on main can be taken for the release; the release lives in its tag.
    try:
        write_version(project, following)
        write_release_files(project.dataset_dir, project=project, inv=load_project_inventory(project))
        git(root, "add", "--all", "--", "DATASET_VERSION", "dataset", "DATASHEET.md")
        git(root, "commit", "--quiet", "-m", f"Start {following} after releasing {version}")
    except BaseException as err:
        _rollback(root, commit, "")  # back to the release commit; the tag stays
        if isinstance(err, KeyboardInterrupt):
            raise
        raise FuratError(
            f"{version.tag} is tagged, but moving main to {following} failed ({err}); the tree is "
            f"back at the release commit: write {following} to DATASET_VERSION, run `furat build` "
            "and commit"
        ) from err
    return Release(version, previous, commit, section)
