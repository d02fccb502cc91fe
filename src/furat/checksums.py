"""The SHA-256 manifest of a dataset folder (``dataset/SHA256SUMS``).

A release is immutable (DESIGN.md, "Contracts"), and the manifest is how anyone can
check that a copy is the release: every file in the folder except the manifest itself,
sorted by path, one ``<sha256>  <relative/path>`` line each. That is the format of GNU
``sha256sum``, so ``cd dataset && sha256sum -c SHA256SUMS`` works without Furat.
``furat verify`` reports missing, extra and changed files; the version-control folder
``.git`` of a published clone is not part of the data and is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from furat.errors import FuratError
from furat.fsutil import atomic_write_text, sha256_file

MANIFEST_NAME = "SHA256SUMS"
SKIPPED_DIRS = frozenset({".git"})
_LINE_RE = re.compile(r"^(?P<digest>[0-9a-f]{64}) [ *](?P<path>\S.*)$")


def data_files(folder: Path) -> list[str]:
    """Relative POSIX paths of every file under ``folder`` except the manifest, sorted."""
    if not folder.is_dir():
        raise FuratError(f"{folder}: not a folder")
    paths = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if rel.parts[0] in SKIPPED_DIRS or not path.is_file():
            continue
        name = rel.as_posix()
        if "\n" in name or "\\" in name:
            raise FuratError(f"{folder}: file name {name!r} cannot be listed in {MANIFEST_NAME}")
        if name != MANIFEST_NAME:
            paths.append(name)
    return sorted(paths)


def compute(folder: Path) -> dict[str, str]:
    """Path → hex SHA-256 of every file the manifest covers."""
    return {name: sha256_file(folder / name) for name in data_files(folder)}


def render(digests: dict[str, str]) -> str:
    return "".join(f"{digests[name]}  {name}\n" for name in sorted(digests))


def write_manifest(folder: Path) -> Path:
    """(Re)write ``folder/SHA256SUMS`` from the files now in ``folder``."""
    path = folder / MANIFEST_NAME
    atomic_write_text(path, render(compute(folder)))
    return path


def read_manifest(path: Path) -> dict[str, str]:
    """Parse a manifest; a malformed or duplicated line is an error naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise FuratError(f"{path}: missing; run `furat build` to write it") from err
    digests: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE_RE.match(line)
        if match is None:
            raise FuratError(f"{path}:{number}: not a '<sha256>  <path>' line")
        name = match.group("path")
        if name in digests:
            raise FuratError(f"{path}:{number}: {name} is listed twice")
        digests[name] = match.group("digest")
    return digests


@dataclass
class Report:
    """Differences between a folder and its manifest; empty lists mean it verifies."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.changed)

    def lines(self) -> list[str]:
        """One line per problem, sorted by kind then path, for the terminal."""
        out = [f"missing: {p} (listed in {MANIFEST_NAME}, not in the folder)" for p in self.missing]
        out += [f"extra: {p} (in the folder, not listed in {MANIFEST_NAME})" for p in self.extra]
        out += [f"changed: {p} (SHA-256 differs from {MANIFEST_NAME})" for p in self.changed]
        return out


def verify(folder: Path) -> Report:
    """Compare every file of ``folder`` with ``folder/SHA256SUMS``."""
    expected = read_manifest(folder / MANIFEST_NAME)
    present = set(data_files(folder))
    report = Report()
    report.missing = sorted(set(expected) - present)
    report.extra = sorted(present - set(expected))
    for name in sorted(present & set(expected)):
        report.checked += 1
        if sha256_file(folder / name) != expected[name]:
            report.changed.append(name)
    return report
