"""What a researcher gets: ``load_dataset(folder, config)`` offline, for every config and split.

The dataset is built from the fixture records with the real card, then loaded in a fresh
interpreter with the hub switched off and an empty cache, exactly as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_build import load_annotations, load_records

from furat.build import BuildStats, build_dataset
from furat.card import write_release_files
from furat.labels import Inventory
from furat.paths import Project
from furat.validate import validate_records

LOADER = r"""
import json, sys
from datasets import load_dataset

folder, cache = sys.argv[1], sys.argv[2]
out = {}
for config in ("documents", "ner", "events", "stance", "annotations"):
    loaded = load_dataset(folder, config, cache_dir=cache)
    streamed = load_dataset(folder, config, split=list(loaded)[0], streaming=True)
    spans = bad = 0
    for split, ds in loaded.items():
        for row in ds:
            text = row.get("text")
            if text is None:
                continue  # annotations rows: raw layers without the text
            items = list(row.get("entities", [])) + list(row.get("entity_mentions", []))
            items += [e["trigger"] for e in row.get("events", [])]
            for item in items:
                spans += 1
                bad += text[item["start"]:item["end"]] != item["text"]
                if "token_start" in item:
                    bad += row["token_starts"][item["token_start"]] != item["start"]
                    bad += row["token_ends"][item["token_end"] - 1] != item["end"]
    first = loaded[list(loaded)[0]][0]
    out[config] = {
        "rows": {split: len(ds) for split, ds in loaded.items()},
        "features": {split: ds.features.to_dict() for split, ds in loaded.items()},
        "spans": spans,
        "bad": bad,
        "streamed_first": next(iter(streamed)) == first,
        "texts": sorted({r["text"] for ds in loaded.values() for r in ds} if "text" in first else []),
    }
ner = load_dataset(folder, "ner", split="validation", cache_dir=cache)
out["ner_names"] = ner.features["ner_tags"].feature.names
out["default"] = len(load_dataset(folder, cache_dir=cache)["train"])
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory, inventory: Inventory
) -> tuple[dict[str, Any], BuildStats]:
    root = tmp_path_factory.mktemp("load")
    project = Project(Path(__file__).resolve().parents[1])
    records = load_records()
    annotations = load_annotations()
    stats = build_dataset(
        records,
        inventory,
        root / "dataset",
        root / "splits.json",
        data_version="0.1.0",
        annotations_of=lambda record: annotations.get(record["id"], ()),
        release_files=lambda stage: write_release_files(
            stage, project=_readonly(project, root), inv=inventory
        ),
    )
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", LOADER, str(root / "dataset"), str(root / "cache")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), stats


def _readonly(project: Project, root: Path) -> Project:
    """The repository's card prose and version, but its datasheet is not rewritten."""
    copy = root / "project"
    copy.mkdir(exist_ok=True)
    for name in ("DATASET_VERSION", "CHANGELOG.md"):
        if (project.root / name).exists():
            (copy / name).write_bytes((project.root / name).read_bytes())
    return Project(copy)


def test_fixture_records_are_valid(inventory: Inventory) -> None:
    log = validate_records(load_records(), inventory, source="tests/fixtures/records/records.jsonl")
    assert log.errors == []


def test_every_config_and_split_loads_with_its_rows(loaded: tuple[dict[str, Any], BuildStats]) -> None:
    out, stats = loaded
    for config, counts in stats.rows.items():
        assert out[config]["rows"] == {s: n for s, n in counts.items() if n}
    assert out["default"] == stats.rows["documents"]["train"]


def test_label_names_come_back(loaded: tuple[dict[str, Any], BuildStats], inventory: Inventory) -> None:
    out, _ = loaded
    assert out["ner_names"] == list(inventory.bio_tags)
    stance = out["stance"]["features"]["validation"]
    assert stance["label"]["names"] == list(inventory.stance_ids)
    assert stance["actor"]["names"] == list(inventory.stance_actor_ids)
    events = out["events"]["features"]["test"]["events"]["feature"]
    assert events["type"]["names"] == list(inventory.event_ids)
    assert events["arguments"]["feature"]["role"]["names"] == list(inventory.role_ids)


def test_arabic_text_and_offsets_are_intact(loaded: tuple[dict[str, Any], BuildStats]) -> None:
    out, _ = loaded
    assert out["documents"]["texts"] == sorted(r["text"] for r in load_records())
    for config in ("documents", "events"):
        assert out[config]["spans"] > 0 and out[config]["bad"] == 0, config


def test_streaming_gives_the_same_rows(loaded: tuple[dict[str, Any], BuildStats]) -> None:
    out, _ = loaded
    assert all(out[c]["streamed_first"] for c in ("documents", "ner", "events", "stance", "annotations"))
