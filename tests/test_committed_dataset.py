"""The committed ``dataset/`` can never drift from its sources.

The project is copied to a temporary folder and built there with the real
``furat build``; every file of ``dataset/``, the split assignment and the datasheet must
come out byte for byte as committed. The committed folder must also load offline and
pass its own checksum manifest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from datasets import load_dataset

from furat.cli import main
from furat.labels import Inventory
from furat.paths import Project

COPIED = ("schema", "annotation", "dataset")
COPIED_FILES = ("DATASHEET.md", "CHANGELOG.md", "DATASET_VERSION")


def _files(folder: Path) -> dict[str, bytes]:
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in paths}


@pytest.fixture(scope="module")
def rebuilt(repo: Project, tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("rebuild") / "project"
    for name in COPIED:
        shutil.copytree(repo.root / name, root / name)
    for name in COPIED_FILES:
        shutil.copy2(repo.root / name, root / name)
    assert main(["--root", str(root), "build"]) == 0
    return Project(root)


def test_rebuild_reproduces_every_dataset_file(repo: Project, rebuilt: Project) -> None:
    committed, fresh = _files(repo.dataset_dir), _files(rebuilt.dataset_dir)
    assert sorted(fresh) == sorted(committed)
    changed = [name for name in committed if committed[name] != fresh[name]]
    assert changed == [], "run `furat build` and commit dataset/"


def test_rebuild_keeps_splits_and_datasheet(repo: Project, rebuilt: Project) -> None:
    assert rebuilt.splits_file.read_bytes() == repo.splits_file.read_bytes()
    assert rebuilt.datasheet.read_bytes() == repo.datasheet.read_bytes()


def test_committed_dataset_verifies_and_loads_offline(repo: Project, tmp_path: Path) -> None:
    assert main(["verify", str(repo.dataset_dir)]) == 0
    docs = load_dataset(str(repo.dataset_dir), "documents", cache_dir=str(tmp_path))
    assert sum(len(split) for split in docs.values()) == len(repo.manifest.read_text().splitlines())
    row = docs["train"][0]
    assert "\u0627" in row["text"]  # Arabic text, not mojibake
    for mention in row["entities"]:
        assert row["text"][mention["start"] : mention["end"]] == mention["text"]


def test_every_committed_config_loads_with_label_names_and_matching_offsets(
    repo: Project, tmp_path: Path, inventory: Inventory
) -> None:
    """The released seed: five gold-annotated articles in every config, offsets that hold."""
    cache = str(tmp_path)
    docs = load_dataset(str(repo.dataset_dir), "documents", cache_dir=cache)
    for split in docs.values():
        for row in split:
            assert row["entities"] and row["events"] and len(row["stance"]) == len(inventory.stance_actor_ids)
            spans = [*row["entities"], *(v["trigger"] for v in row["events"])]
            spans += [e for s in row["stance"] for e in s["evidence"]]
            assert all(row["text"][s["start"] : s["end"]] == s["text"] for s in spans)
    ner = load_dataset(str(repo.dataset_dir), "ner", cache_dir=cache)
    names = ner["train"].features["ner_tags"].feature.names
    assert names[0] == "O" and {f"B-{t}" for t in inventory.entity_ids} <= set(names)
    assert all(any(tags) for split in ner.values() for tags in split["ner_tags"])
    events = load_dataset(str(repo.dataset_dir), "events", cache_dir=cache)
    assert events["train"].features["events"].feature["type"].names == list(inventory.event_ids)
    stance = load_dataset(str(repo.dataset_dir), "stance", cache_dir=cache)
    assert stance["test"].features["label"].names == list(inventory.stance_ids)
    annotations = load_dataset(str(repo.dataset_dir), "annotations", cache_dir=cache)
    rows = [r for split in annotations.values() for r in split]
    assert sum(r["ground_truth"] for r in rows) == len(repo.manifest.read_text().splitlines())
