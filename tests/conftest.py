"""Shared fixtures: the repository, its inventory, and isolated copies of the project."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from furat.labels import Inventory, load_inventory
from furat.paths import Project

REPO = Path(__file__).resolve().parents[1]

# Tests never reach a hub: datasets and huggingface_hub stay offline.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@pytest.fixture(scope="session")
def repo() -> Project:
    """The repository itself, read-only by convention."""
    return Project(REPO)


@pytest.fixture(scope="session")
def inventory(repo: Project) -> Inventory:
    return load_inventory(repo.labels_file, repo.actors_file)


@pytest.fixture()
def project_copy(tmp_path: Path) -> Project:
    """A writable copy of the project's schema/ and annotation/ folders."""
    root = tmp_path / "project"
    for name in ("schema", "annotation"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("exports"))
    (root / "annotation" / "exports").mkdir(exist_ok=True)
    for name in ("DATASHEET.md", "CHANGELOG.md", "DATASET_VERSION"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, root / name)
    return Project(root)


@pytest.fixture()
def exports_project(project_copy: Project) -> Project:
    """A project copy whose manifest and exports are the valid export fixture."""
    exports = REPO / "tests" / "fixtures" / "exports"
    shutil.copy(exports / "manifest.jsonl", project_copy.manifest)
    for path in exports.glob("*.json"):
        shutil.copy(path, project_copy.exports_dir / path.name)
    return project_copy
