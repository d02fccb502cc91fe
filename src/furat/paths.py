"""Where the project's files live.

Every command works on a project folder: the one named by ``--root``, else
``$FURAT_ROOT``, else the nearest folder at or above the working directory that holds
``schema/labels.yaml``. Keeping the layout in one place means no module hard-codes a
path and tests can point the whole pipeline at a temporary copy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from furat.errors import FuratError


@dataclass(frozen=True)
class Project:
    """The layout of one Furat project folder (see DESIGN.md, "Layout")."""

    root: Path

    @property
    def schema_dir(self) -> Path:
        return self.root / "schema"

    @property
    def labels_file(self) -> Path:
        return self.schema_dir / "labels.yaml"

    @property
    def actors_file(self) -> Path:
        return self.schema_dir / "actors.yaml"

    @property
    def document_schema(self) -> Path:
        return self.schema_dir / "document.schema.json"

    @property
    def features_file(self) -> Path:
        return self.schema_dir / "features.json"

    @property
    def annotation_dir(self) -> Path:
        return self.root / "annotation"

    @property
    def raw_dir(self) -> Path:
        return self.annotation_dir / "raw"

    @property
    def manifest(self) -> Path:
        return self.annotation_dir / "articles.jsonl"

    @property
    def label_config(self) -> Path:
        return self.annotation_dir / "label_config.xml"

    @property
    def guidelines(self) -> Path:
        return self.annotation_dir / "guidelines.md"

    @property
    def exports_dir(self) -> Path:
        return self.annotation_dir / "exports"

    @property
    def splits_file(self) -> Path:
        return self.annotation_dir / "splits.json"

    @property
    def dataset_dir(self) -> Path:
        return self.root / "dataset"

    @property
    def datasheet(self) -> Path:
        return self.root / "DATASHEET.md"

    @property
    def changelog(self) -> Path:
        return self.root / "CHANGELOG.md"

    @property
    def state_dir(self) -> Path:
        """Local, git-ignored state (e.g. the Label Studio server's database)."""
        return self.root / ".furat"


def find_project(root: str | os.PathLike[str] | None = None) -> Project:
    """Locate the project folder; raise :class:`FuratError` with a hint if there is none."""
    if root is None:
        root = os.environ.get("FURAT_ROOT") or None
    if root is not None:
        candidate = Path(root).resolve()
        if not (candidate / "schema" / "labels.yaml").is_file():
            raise FuratError(f"{candidate}: not a Furat project (no schema/labels.yaml)")
        return Project(candidate)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "schema" / "labels.yaml").is_file():
            return Project(folder)
    raise FuratError(
        "no Furat project here: run inside the repository, or pass --root / set FURAT_ROOT"
    )
