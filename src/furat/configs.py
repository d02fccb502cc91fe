"""Rows of each dataset config, built from one canonical record at a time.

Each function returns plain dicts whose keys and nesting are exactly those of
:mod:`furat.features`, with class labels already encoded as their ``ClassLabel`` index,
so the build can hand them to ``pyarrow`` with the features' arrow schema and no cast.
Working one record at a time is what lets the build stream a corpus of any size.

Which records give rows where:

* ``documents``: every record (annotated or not), all layers, nested mentions included.
* ``ner`` and ``events``: records with gold annotations (``provenance.gold`` is not
  ``"none"``); an unannotated article would otherwise teach a model that it has no
  entities. ``ner`` tags the outermost mentions (``nesting.ner_level`` in the
  inventory); inner levels stay in ``documents`` and ``events``.
* ``stance``: one row per stance-target actor for records with at least one stance item;
  an actor the annotator gave no label is ``NOT_MENTIONED``. No rows otherwise.
* ``annotations``: one row per (article, annotation) from the converter.

Storage is pinned here too: :data:`PARQUET_OPTIONS` fixes every parquet writer option
that could make two builds of the same rows differ, :data:`ROW_GROUP_ROWS` the row group
size of each config, and :class:`ShardedParquet` writes exactly those row groups from
contiguous arrays (so page boundaries never depend on how input was batched), cutting a
new shard once one reaches a size. :class:`ArrowSpool` is the build's temporary store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as _pq

from furat.errors import FuratError
from furat.labels import Inventory
from furat.tokenize import TokenIndex, token_spans

# pyarrow's compute functions are generated at import and its parquet module is untyped,
# so they are used through Any on purpose (as in furat.corpusstats).
pq: Any = _pq

PARQUET_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "dictionary_pagesize_limit": 4 << 20,
    "write_statistics": True,
    "data_page_size": 1 << 20,
    "data_page_version": "1.0",
    "write_batch_size": 1024,
    "store_schema": True,
    "write_page_index": False,
    "use_compliant_nested_type": True,
}
ROW_GROUP_ROWS = {"documents": 256, "ner": 512, "events": 256, "stance": 1200, "annotations": 256}
DOC = "__doc"  # spool column: index of the row's document in the build

Row = dict[str, Any]
Record = Mapping[str, Any]
METADATA_KEYS = (
    "title", "title_source", "outlet", "outlet_source", "date", "date_text", "category",
    "byline", "caption", "url", "language", "text_sha256",
)  # fmt: skip


class Encoder:
    """Label name -> ``ClassLabel`` index for every label column, from the inventory."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.entity = {n: i for i, n in enumerate(inv.entity_ids)}
        self.event = {n: i for i, n in enumerate(inv.event_ids)}
        self.role = {n: i for i, n in enumerate(inv.role_ids)}
        self.actor = {n: i for i, n in enumerate(inv.stance_actor_ids)}
        self.stance = {n: i for i, n in enumerate(inv.stance_ids)}
        self.bio = {n: i for i, n in enumerate(inv.bio_tags)}
        self.attributes = {
            a.id: ({v: i for i, v in enumerate(a.value_ids)}, a.default) for a in inv.attributes
        }
        self.not_mentioned = self.stance["NOT_MENTIONED"]

    def code(self, table: Mapping[str, int], value: Any, what: str, doc: str) -> int:
        try:
            return table[value]
        except (KeyError, TypeError):
            raise FuratError(f"record {doc}: unknown {what} {value!r}") from None

    def layers(self, source: Record, doc: str) -> Row:
        """Entity, event and stance layers of a record or annotation, labels encoded."""
        code = self.code
        entities = [
            {
                "id": e["id"], "start": e["start"], "end": e["end"], "text": e["text"],
                "type": code(self.entity, e["type"], "entity type", doc),
                "actor": e.get("actor"), "parent": e.get("parent"),
            }
            for e in source.get("entities") or ()
        ]  # fmt: skip
        events = []
        for ev in source.get("events") or ():
            row = {"id": ev["id"], "type": code(self.event, ev["type"], "event type", doc)}
            row["trigger"] = _span(ev["trigger"])
            for attr, (table, default) in self.attributes.items():
                row[attr] = code(table, ev.get(attr, default), attr, doc)
            row["arguments"] = [
                {"role": code(self.role, a["role"], "role", doc), "mention_id": a["mention_id"]}
                for a in ev.get("arguments") or ()
            ]
            events.append(row)
        stance = [
            {
                "actor": code(self.actor, s["actor"], "stance target", doc),
                "label": code(self.stance, s["label"], "stance label", doc),
                "evidence": [_span(x) for x in s.get("evidence") or ()],
            }
            for s in source.get("stance") or ()
        ]
        return {"entities": entities, "events": events, "stance": stance}


def _span(span: Mapping[str, Any]) -> Row:
    return {"start": span["start"], "end": span["end"], "text": span["text"]}


def documents_row(record: Record, enc: Encoder) -> Row:
    """The ``documents`` row: id, flattened metadata, text, paragraphs and all layers."""
    meta = record.get("metadata") or {}
    return {
        "id": record["id"],
        "schema_version": record.get("schema_version"),
        **{key: meta.get(key) for key in METADATA_KEYS},
        "text": record["text"],
        "paragraphs": record.get("paragraphs") or [],
        **enc.layers(record, record["id"]),
    }


def is_annotated(record: Record) -> bool:
    """True when the record carries gold annotations (``provenance.gold`` is not "none")."""
    return str((record.get("provenance") or {}).get("gold", "none")) != "none"


@dataclass
class TokenRows:
    """The ``ner`` and ``events`` rows of one record, and the spans tokens cannot represent."""

    ner: Row
    events: Row
    unrepresentable: list[str] = field(default_factory=list)


def token_rows(record: Record, enc: Encoder) -> TokenRows:
    """Tokenise with every mention and trigger edge as a boundary, then build both rows."""
    doc, text = record["id"], record["text"]
    entities: Sequence[Record] = record.get("entities") or ()
    events: Sequence[Record] = record.get("events") or ()
    edges = [x for e in entities for x in (e["start"], e["end"])]
    edges += [x for ev in events for x in (ev["trigger"]["start"], ev["trigger"]["end"])]
    starts, ends = token_spans(text, edges)
    index = TokenIndex(starts, ends)
    bad: list[str] = []

    def locate(span: Record, what: str) -> tuple[int, int]:
        found = index.span(span["start"], span["end"])
        if found is None or text[span["start"] : span["end"]] != span["text"]:
            bad.append(f"{doc}: {what} [{span['start']}, {span['end']}) {span['text']!r}")
            return (-1, -1)
        return found

    mentions: dict[str, Row] = {}
    for e in entities:
        first, last = locate(e, f"mention {e['id']}")
        mentions[e["id"]] = {
            "id": e["id"], **_span(e), "token_start": first, "token_end": last,
            "type": enc.code(enc.entity, e["type"], "entity type", doc), "actor": e.get("actor"),
        }  # fmt: skip
    event_rows = []
    for ev in events:
        first, last = locate(ev["trigger"], f"trigger of {ev['id']}")
        row: Row = {"id": ev["id"], "type": enc.code(enc.event, ev["type"], "event type", doc)}
        row["trigger"] = {**_span(ev["trigger"]), "token_start": first, "token_end": last}
        for attr, (table, default) in enc.attributes.items():
            row[attr] = enc.code(table, ev.get(attr, default), attr, doc)
        arguments = []
        for arg in ev.get("arguments") or ():
            target = mentions.get(arg["mention_id"])
            if target is None:
                raise FuratError(f"record {doc}: event {ev['id']} argument points at unknown "
                                 f"mention {arg['mention_id']!r}")  # fmt: skip
            arguments.append({
                "role": enc.code(enc.role, arg["role"], "role", doc), "mention_id": arg["mention_id"],
                **{k: target[k] for k in ("start", "end", "text", "token_start", "token_end")},
            })  # fmt: skip
        row["arguments"] = arguments
        event_rows.append(row)
    tokens = [text[s:e] for s, e in zip(starts, ends, strict=True)]
    ner = {
        "id": doc, "tokens": tokens, "ner_tags": _bio(entities, index, len(tokens), enc),
        "token_starts": starts, "token_ends": ends,
    }  # fmt: skip
    events_row = {
        "id": doc, "text": text, "tokens": tokens, "token_starts": starts, "token_ends": ends,
        "entity_mentions": list(mentions.values()), "events": event_rows,
    }  # fmt: skip
    return TokenRows(ner, events_row, bad)


def _bio(entities: Sequence[Record], index: TokenIndex, n: int, enc: Encoder) -> list[int]:
    """BIO tags of the outermost mentions: longest first at each start, no overlaps.

    Two mentions with the same span but different types are both outermost; the one
    that comes first in the record wins, the other stays in the nested layers.
    """
    tags = [0] * n
    covered_to = -1
    for e in sorted(entities, key=lambda m: (m["start"], -m["end"])):
        if e["start"] < covered_to:
            continue
        span = index.span(e["start"], e["end"])
        if span is None:
            continue  # counted as unrepresentable by the caller
        covered_to = e["end"]
        first, last = span
        tags[first] = enc.bio[f"B-{e['type']}"]
        tags[first + 1 : last] = [enc.bio[f"I-{e['type']}"]] * (last - first - 1)
    return tags


def stance_rows(record: Record, enc: Encoder) -> list[Row]:
    """One row per stance-target actor if the record has any stance item, else none."""
    items = record.get("stance") or ()
    if not items:
        return []
    doc = record["id"]
    given = {s["actor"]: s for s in items}
    meta = record.get("metadata") or {}
    rows = []
    for actor_id in enc.inv.stance_actor_ids:
        actor = enc.inv.actor(actor_id)
        item = given.get(actor_id)
        rows.append({
            "id": doc, "actor": enc.actor[actor_id], "actor_en": actor.en, "actor_ar": actor.ar,
            "title": meta.get("title"), "text": record["text"],
            "label": enc.not_mentioned if item is None
            else enc.code(enc.stance, item["label"], "stance label", doc),
            "evidence": [] if item is None else [_span(x) for x in item.get("evidence") or ()],
        })  # fmt: skip
    unknown = set(given) - set(enc.actor)
    if unknown:
        raise FuratError(f"record {doc}: stance for unknown target(s) {sorted(unknown)}")
    return rows


def annotation_row(annotation: Record, enc: Encoder) -> Row:
    """An ``annotations`` row: one annotator's raw layers and where they came from."""
    doc = str(annotation["id"])
    return {
        "id": doc,
        **{k: annotation.get(k) for k in ("task_id", "annotation_id", "annotator")},
        "ground_truth": bool(annotation.get("ground_truth", False)),
        "was_cancelled": bool(annotation.get("was_cancelled", False)),
        "export_file": annotation.get("export_file"),
        **enc.layers(annotation, doc),
    }


class ArrowSpool:
    """A temporary Arrow IPC stream of one config's rows, each tagged with ``DOC``."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.schema = schema.append(pa.field(DOC, pa.int32())).remove_metadata()
        self.sink = pa.OSFile(str(path), "wb")
        options = pa.ipc.IpcWriteOptions(compression="lz4")
        self.writer = pa.ipc.new_stream(self.sink, self.schema, options=options)
        self.rows: list[dict[str, Any]] = []

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
        self.sink.close()


class ShardedParquet:
    """Writes one config/split as fixed-size row groups, opening a new shard past a size.

    A split without rows gets no file at all (and a config without rows no folder):
    ``datasets`` refuses to load a declared split that has no data, and the card lists
    exactly the splits whose files exist.
    """

    def __init__(self, folder: Path, split: str, schema: pa.Schema, group_rows: int, max_bytes: int):
        self.folder, self.split, self.schema = folder, split, schema
        self.group_rows, self.max_bytes = group_rows, max_bytes
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0
        self.shards: list[Path] = []
        self.sink: Any = None
        self.writer: Any = None

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self.pending.append(batch)
            self.pending_rows += batch.num_rows
        while self.pending_rows >= self.group_rows:
            table = pa.Table.from_batches(self.pending, schema=self.schema)
            self._write_group(table.slice(0, self.group_rows))
            rest = table.slice(self.group_rows)
            self.pending, self.pending_rows = rest.to_batches(), rest.num_rows

    def _open(self) -> None:
        self.folder.mkdir(exist_ok=True)
        path = self.folder / f".{self.split}-{len(self.shards)}.tmp"
        self.shards.append(path)
        self.sink = pa.OSFile(str(path), "wb")
        self.writer = pq.ParquetWriter(self.sink, self.schema, **PARQUET_OPTIONS)

    def _write_group(self, table: pa.Table) -> None:
        if self.writer is None:
            self._open()
        # contiguous arrays: page boundaries must not depend on how input was batched
        self.writer.write_table(table.combine_chunks(), row_group_size=self.group_rows)
        if self.sink.tell() >= self.max_bytes:
            self._close_shard()

    def _close_shard(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.sink.close()
            self.writer = None

    def close(self) -> list[Path]:
        """Flush, close, and give the shards their final ``-0000K-of-0000N`` names."""
        if self.pending_rows:
            self._write_group(pa.Table.from_batches(self.pending, schema=self.schema))
        self._close_shard()
        total = len(self.shards)
        final = []
        for k, tmp in enumerate(self.shards):
            dest = self.folder / f"{self.split}-{k:05d}-of-{total:05d}.parquet"
            os.replace(tmp, dest)
            final.append(dest)
        return final
