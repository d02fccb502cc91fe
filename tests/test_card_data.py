"""A small built dataset folder for the release-side tests, and loading it back.

``write_sample_dataset`` writes every config's parquet files the way the build lays
them out (``<config>/<split>-00000-of-00001.parquet``, cast to :mod:`furat.features`),
from five short documents with real offsets, so the card, Croissant, checksum and
publish tests run on the same shape of data the build produces. The tests in this
module check the sample itself: its offsets hold, and ``load_dataset`` reads it back
through the generated card with the inventory's features.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import load_dataset

from furat.card import write_release_files
from furat.features import all_features
from furat.labels import Inventory
from furat.paths import Project

SAMPLE_SPLITS = {"train": [0, 1, 2], "validation": [3], "test": [4]}
_TEXTS = [
    ("شبكة شام", "انسحب تنظيم الدولة من البصيرة أمام قوات سوريا الديموقراطية في دير الزور."),
    ("المدن", "قالت مصادر إن قوات النظام سيطرت على قرية السوسة قرب نهر الفرات."),
    ("النشرة", "شنت روسيا غارات جوية على مواقع داعش في دير الزور."),
    ("العربي الجديد", "نزح المدنيون من الميادين بعد قصف مدفعي على الأحياء."),
    (None, "اشتباكات بين داعش وقوات النظام في ريف دير الزور الشرقي."),
]
_ENTITIES: list[list[tuple[str, str, str | None]]] = [
    [("تنظيم الدولة", "ORG", "isis"), ("البصيرة", "GPE", None), ("دير الزور", "GPE", None)],
    [("قوات النظام", "ORG", "syrian_government"), ("قرية السوسة", "GPE", None)],
    [("روسيا", "GPE", "russia"), ("داعش", "ORG", "isis")],
    [("المدنيون", "PER", "civilians"), ("الميادين", "GPE", None)],
    [("داعش", "ORG", "isis"), ("ريف دير الزور الشرقي", "LOC", None), ("دير الزور", "GPE", None)],
]
_EVENTS = [("انسحب", "WITHDRAWAL"), ("سيطرت", "TERRITORY_CAPTURED"), ("غارات", "AIR_STRIKE"),
           ("نزح", "DISPLACEMENT"), ("اشتباكات", "ARMED_CLASH")]  # fmt: skip


def _span(text: str, surface: str, after: int = 0) -> tuple[int, int]:
    start = text.index(surface, after)
    return start, start + len(surface)


def sample_documents(inv: Inventory, n: int = 5) -> list[dict[str, Any]]:
    """Rows of the documents config (label columns as ClassLabel indices)."""
    rows = []
    for i, (outlet, text) in enumerate(_TEXTS[:n]):
        entities = []
        for j, (surface, etype, actor) in enumerate(_ENTITIES[i]):
            start, end = _span(text, surface)
            entities.append({"id": f"e{j}", "start": start, "end": end, "text": surface,
                             "type": inv.entity_ids.index(etype), "actor": actor})  # fmt: skip
        for ent in entities:
            outer = [
                o for o in entities if o is not ent and o["start"] <= ent["start"] and ent["end"] <= o["end"]
            ]
            ent["parent"] = min(outer, key=lambda o: o["end"] - o["start"])["id"] if outer else None
        trigger, etype = _EVENTS[i]
        t_start, t_end = _span(text, trigger)
        event = {
            "id": "v0", "type": inv.event_ids.index(etype),
            "trigger": {"start": t_start, "end": t_end, "text": trigger},
            "modality": 0, "polarity": 0,
            "arguments": [{"role": inv.role_ids.index("place"), "mention_id": entities[-1]["id"]}],
        }  # fmt: skip
        stance = [
            {"actor": k, "label": inv.stance_ids.index("NEUTRAL" if k == i else "NOT_MENTIONED"),
             "evidence": []}
            for k in range(len(inv.stance_actor_ids))
        ]  # fmt: skip
        rows.append({
            "id": f"{i:03d}_sample", "schema_version": inv.schema_version,
            "title": text.split(" ", 3)[-1][:30], "title_source": "lead", "outlet": outlet,
            "outlet_source": "footer" if outlet else None, "date": f"2017-11-{10 + i:02d}",
            "date_text": None, "category": None, "byline": None, "caption": None, "url": None,
            "language": "ar", "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "text": text, "paragraphs": [[0, len(text)]],
            "entities": entities, "events": [event], "stance": stance,
        })  # fmt: skip
    return rows


def _tokens(text: str) -> tuple[list[str], list[int], list[int]]:
    tokens, starts, ends, pos = [], [], [], 0
    for token in text.split(" "):
        tokens.append(token)
        starts.append(pos)
        ends.append(pos + len(token))
        pos += len(token) + 1
    return tokens, starts, ends


def config_rows(
    doc: dict[str, Any], inv: Inventory, annotators: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """The rows each derived config gets from one document row."""
    tokens, starts, ends = _tokens(doc["text"])
    tags = [0] * len(tokens)
    for ent in doc["entities"]:
        inside = [k for k in range(len(tokens)) if starts[k] >= ent["start"] and ends[k] <= ent["end"]]
        for n, k in enumerate(inside):
            if tags[k] == 0:
                tags[k] = 1 + 2 * ent["type"] + (1 if n else 0)
    ner = {"id": doc["id"], "tokens": tokens, "ner_tags": tags, "token_starts": starts, "token_ends": ends}
    events = {"id": doc["id"], "text": doc["text"], "tokens": tokens, "token_starts": starts,
              "token_ends": ends, "entity_mentions": [], "events": []}  # fmt: skip
    stance = [
        {"id": doc["id"], "actor": s["actor"], "actor_en": inv.actors[0].en, "actor_ar": inv.actors[0].ar,
         "title": doc["title"], "text": doc["text"], "label": s["label"], "evidence": s["evidence"]}
        for s in doc["stance"]
    ]  # fmt: skip
    annotations = [
        {"id": doc["id"], "task_id": 1, "annotation_id": k + 1, "annotator": who, "ground_truth": k == 0,
         "was_cancelled": False, "export_file": "annotation/exports/sample.json",
         "entities": doc["entities"], "events": doc["events"], "stance": doc["stance"]}
        for k, who in enumerate(annotators)
    ]  # fmt: skip
    return {"documents": [doc], "ner": [ner], "events": [events], "stance": stance,
            "annotations": annotations}  # fmt: skip


def write_sample_dataset(
    dataset_dir: Path, inv: Inventory, *, n: int = 5, annotators: Sequence[str] = ("annotator-1",)
) -> dict[str, dict[str, int]]:
    """Write the parquet files of every config; return config → split → rows."""
    features = all_features(inv)
    docs = sample_documents(inv, n)
    sizes: dict[str, dict[str, int]] = {}
    for split, indices in SAMPLE_SPLITS.items():
        per_config: dict[str, list[dict[str, Any]]] = {name: [] for name in features}
        for i in (k for k in indices if k < n):
            for name, rows in config_rows(docs[i], inv, annotators).items():
                per_config[name].extend(rows)
        for name, rows in per_config.items():
            path = dataset_dir / name / f"{split}-00000-of-00001.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            table = pa.Table.from_pylist(rows, schema=features[name].arrow_schema)
            pq.write_table(table, path)
            sizes.setdefault(name, {})[split] = len(rows)
    return sizes


def release_files(project: Project, inv: Inventory, version: str = "0.1.0") -> Path:
    """A complete sample release folder in ``project.dataset_dir``."""
    write_sample_dataset(project.dataset_dir, inv)
    write_release_files(project.dataset_dir, project=project, inv=inv, version=version)
    return project.dataset_dir


def test_sample_offsets_hold(inventory: Inventory) -> None:
    for doc in sample_documents(inventory):
        for ent in doc["entities"]:
            assert doc["text"][ent["start"] : ent["end"]] == ent["text"]
        trigger = doc["events"][0]["trigger"]
        assert doc["text"][trigger["start"] : trigger["end"]] == trigger["text"]


def test_load_dataset_reads_every_config_through_the_card(
    project_copy: Project, inventory: Inventory
) -> None:
    folder = release_files(project_copy, inventory)
    features = all_features(inventory)
    for name in features:
        ds = load_dataset(str(folder), name)
        assert list(ds) == ["train", "validation", "test"]
        assert ds["train"].features == features[name]
    default = load_dataset(str(folder))
    assert default["train"].features == features["documents"]
    row = default["validation"][0]
    assert row["text"][row["entities"][0]["start"] : row["entities"][0]["end"]] == "المدنيون"
