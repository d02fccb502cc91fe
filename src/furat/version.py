"""The dataset version: one semver string in the root file ``DATASET_VERSION``.

The data release is versioned separately from the package and from the label schema
(DESIGN.md, principle 9). Its one home is ``DATASET_VERSION``; the card, the Croissant
file, the datasheet and the changelog all read it from here, so they cannot disagree.
Between releases the file holds a pre-release such as ``0.1.0-dev``; ``furat release``
writes the plain ``X.Y.Z`` and tags the commit ``vX.Y.Z``.

The release date is not stored twice either: it is the date in the changelog heading
``## Dataset X.Y.Z - YYYY-MM-DD`` written by ``furat release``, so rebuilding a tag gives the
same card and Croissant file byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering
from pathlib import Path

from furat.errors import FuratError
from furat.fsutil import atomic_write_text
from furat.paths import Project

VERSION_FILE = "DATASET_VERSION"
TAG_PREFIX = "v"
_SEMVER_RE = re.compile(
    r"^(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


@total_ordering
@dataclass(frozen=True)
class Version:
    """A semantic version (no build metadata), ordered by semver 2.0.0 precedence."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _SEMVER_RE.match(text.strip())
        if match is None:
            raise FuratError(f"{text.strip()!r} is not a semantic version X.Y.Z[-pre]")
        pre = match.group("pre")
        return cls(
            int(match.group("major")),
            int(match.group("minor")),
            int(match.group("patch")),
            tuple(pre.split(".")) if pre else (),
        )

    @property
    def is_release(self) -> bool:
        """A plain ``X.Y.Z``: only these are tagged and published."""
        return not self.pre

    @property
    def tag(self) -> str:
        return f"{TAG_PREFIX}{self}"

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.pre)}" if self.pre else core

    def _key(self) -> tuple[tuple[int, int, int], int, tuple[tuple[int, int | str], ...]]:
        # A pre-release sorts before its release; numeric identifiers before alphanumeric.
        pre = tuple((0, int(p)) if p.isdigit() else (1, p) for p in self.pre)
        return (self.major, self.minor, self.patch), 0 if self.pre else 1, pre

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()


def version_file(project: Project) -> Path:
    return project.root / VERSION_FILE


def read_version(project: Project) -> Version:
    """The dataset version of ``project``; a missing or malformed file is an error."""
    path = version_file(project)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise FuratError(f"{path}: missing; it holds the dataset version, e.g. 0.1.0-dev") from err
    try:
        return Version.parse(text)
    except FuratError as err:
        raise FuratError(f"{path}: {err}") from err


def write_version(project: Project, version: Version) -> None:
    atomic_write_text(version_file(project), f"{version}\n")


def version_from_tag(tag: str) -> Version | None:
    """``v1.2.3`` → Version; any other tag name → None (tags are not all releases)."""
    if not tag.startswith(TAG_PREFIX):
        return None
    try:
        version = Version.parse(tag[len(TAG_PREFIX) :])
    except FuratError:
        return None
    return version if version.is_release else None


def release_date(changelog_text: str, version: Version) -> str | None:
    """The ``YYYY-MM-DD`` of ``## Dataset X.Y.Z - date`` in the changelog, if there is one."""
    pattern = rf"^## Dataset {re.escape(str(version))} - (\d{{4}}-\d{{2}}-\d{{2}})\s*$"
    match = re.search(pattern, changelog_text, re.MULTILINE)
    return match.group(1) if match else None


def project_release_date(project: Project, version: Version) -> str | None:
    if not project.changelog.exists():
        return None
    return release_date(project.changelog.read_text(encoding="utf-8"), version)
