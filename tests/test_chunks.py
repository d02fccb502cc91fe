"""The build's column-by-column rows are exactly the rows :mod:`furat.configs` defines."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from furat import spool
from furat.chunks import ChunkBuilder
from furat.configs import (
    Encoder,
    annotation_row,
    documents_row,
    is_annotated,
    row_layers,
    stance_rows,
    token_rows,
)
from furat.errors import FuratError
from furat.features import CONFIGS, all_features
from furat.labels import Inventory

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "records"


def fixture_records() -> list[dict[str, Any]]:
    lines = (FIXTURES / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def fixture_annotations() -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for line in (FIXTURES / "annotations.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows.setdefault(row["id"], []).append(row)
    return rows


def expected(
    items: list[tuple[dict[str, Any], list[dict[str, Any]]]], inv: Inventory
) -> dict[str, list[Any]]:
    """Every config's rows of ``items``, from the one-record-at-a-time definitions."""
    enc = Encoder(inv)
    out: dict[str, list[Any]] = {config: [] for config in CONFIGS}
    unrepresentable = []
    for record, attached in items:
        documents = documents_row(record, enc)
        out["documents"].append(documents)
        if is_annotated(record):
            found = token_rows(record, enc)
            unrepresentable += found.unrepresentable
            tokens = {"tokens": found.tokens, "token_starts": found.starts, "token_ends": found.ends}
            out["ner"].append({"id": record["id"], **tokens, "ner_tags": found.tags})
            out["events"].append({**found.events, "text": record["text"], **tokens})
        for row in stance_rows(record, enc):
            out["stance"].append({**row, "title": documents["title"], "text": record["text"]})
        for annotation in attached:
            out["annotations"].append(annotation_row(annotation, enc, reuse=(record, row_layers(documents))))
    out["unrepresentable"] = unrepresentable
    return out


def built(
    items: list[tuple[dict[str, Any], list[dict[str, Any]]]], inv: Inventory, work: Path, first: int = 0
) -> dict[str, list[Any]]:
    """Every config's rows of ``items`` as the build makes them: spooled, then read back."""
    features = all_features(inv)
    builder = ChunkBuilder(inv, {c: features[c].arrow_schema for c in CONFIGS}, work)
    result = builder.chunk(first, items)
    out: dict[str, list[Any]] = {"unrepresentable": [what for _doc, what in result.unrepresentable]}
    for config in CONFIGS:
        schema = features[config].arrow_schema
        tables = [
            chunk.take(np.arange(chunk.own.num_rows)) for chunk in spool.config_chunks(work, config, schema)
        ]
        out[config] = pa.concat_tables(tables).to_pylist() if tables else []
    return out


def assert_same(items: list[tuple[dict[str, Any], list[dict[str, Any]]]], inv: Inventory, work: Path) -> None:
    want, got = expected(items, inv), built(items, inv, work)
    features = all_features(inv)
    for config in CONFIGS:  # through Arrow, so both sides are compared as the same types
        rows = pa.Table.from_pylist(want[config], schema=features[config].arrow_schema).to_pylist()
        assert got[config] == rows, config
    assert got["unrepresentable"] == want["unrepresentable"]


def test_fixture_records_give_the_defined_rows(inventory: Inventory, tmp_path: Path) -> None:
    annotations = fixture_annotations()
    items = [(record, annotations.get(record["id"], [])) for record in fixture_records()]
    assert_same(items, inventory, tmp_path)


def test_gold_annotations_share_the_records_layers(inventory: Inventory, tmp_path: Path) -> None:
    """The converter hands over the gold annotation's very layer lists: they are reused."""
    items = []
    for record in fixture_records():
        annotation = {
            "id": record["id"],
            "task_id": 1,
            "annotation_id": 2,
            "annotator": "a",
            "ground_truth": True,
        }
        annotation |= {layer: record[layer] for layer in ("entities", "events", "stance")}
        items.append((record, [annotation] if is_annotated(record) else []))
    assert_same(items, inventory, tmp_path)


def test_odd_records_give_the_defined_rows(inventory: Inventory, tmp_path: Path) -> None:
    """Unrepresentable spans, a repeated mention id, empty and unannotated records."""
    records = fixture_records()
    odd = copy.deepcopy(records[0])
    odd["id"] = "odd"
    mention = odd["entities"][1]  # قسد in و+قسد: start on the space before it, text to match
    mention["start"] -= 2
    mention["text"] = odd["text"][mention["start"] : mention["end"]]
    odd["entities"][2]["text"] += "x"  # a span whose text does not match
    trigger = odd["events"][0]["trigger"]
    trigger["end"] += 1  # a trigger that takes in the space after it
    trigger["text"] = odd["text"][trigger["start"] : trigger["end"]]
    odd["entities"].append({**odd["entities"][0], "start": 0, "end": 1, "text": odd["text"][0]})  # same id
    empty = {**copy.deepcopy(records[2]), "id": "empty", "text": "", "paragraphs": []}
    empty["provenance"] = {**empty["provenance"], "gold": "ground_truth"}
    outside = copy.deepcopy(records[3])
    outside["id"] = "outside"
    outside["entities"][0] |= {"start": -1, "end": 3, "text": "x"}
    outside["entities"][1] |= {"start": 5, "end": 10_000, "text": "x"}
    items = [(r, []) for r in (records[2], odd, empty, records[4], outside, records[2])]
    want = expected(items, inventory)
    assert len(want["unrepresentable"]) == 5
    assert_same(items, inventory, tmp_path)


def test_unknown_labels_and_mentions_name_the_record(inventory: Inventory, tmp_path: Path) -> None:
    features = all_features(inventory)
    builder = ChunkBuilder(inventory, {c: features[c].arrow_schema for c in CONFIGS}, tmp_path)
    record = fixture_records()[0]
    bad = copy.deepcopy(record) | {"id": "fx_bad"}
    bad["entities"][3]["type"] = "NOPE"
    with pytest.raises(FuratError, match=r"record fx_bad: unknown entity type 'NOPE'"):
        builder.tables(0, [(record, []), (bad, [])])
    bad = copy.deepcopy(record)
    bad["events"][0]["arguments"][0]["mention_id"] = "e999"
    with pytest.raises(FuratError, match=r"fx_001_wire: event \S+ argument points at unknown mention 'e999'"):
        builder.tables(0, [(bad, [])])
    bad = copy.deepcopy(record)
    bad["stance"].append({"actor": "nobody", "label": "FAVOR", "evidence": []})
    with pytest.raises(FuratError, match=r"record fx_001_wire: unknown stance target 'nobody'"):
        builder.tables(0, [(bad, [])])
    with pytest.raises(FuratError, match="annotation of 'fx_002_reprint' attached to record 'fx_001_wire'"):
        builder.tables(0, [(record, [{"id": "fx_002_reprint"}])])


def test_crossing_mentions_tag_like_the_definition(inventory: Inventory, tmp_path: Path) -> None:
    """Two mentions that overlap without nesting: the first (longest) one wins, and the one
    after the crossing one starts where the first ended."""
    record = copy.deepcopy(fixture_records()[0])
    text = record["text"]
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)][:6]
    spans = [
        (words[0][0], words[1][1]),
        (words[1][0], words[2][1]),
        (words[2][0], words[3][1]),
        (words[4][0], words[4][1]),
    ]
    record["entities"] = [
        {"id": f"c{k}", "start": s, "end": e, "text": text[s:e], "type": "ORG", "actor": None, "parent": None}
        for k, (s, e) in enumerate(spans)
    ]
    record["events"] = []
    assert_same([(record, [])], inventory, tmp_path)
