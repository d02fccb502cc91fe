"""One chunk of records -> its rows of every config, in the build's spool files.

The build's first pass hands each chunk of records (with their ``annotations`` rows) to
a :class:`ChunkBuilder`, in its own process or in worker processes
(:func:`work_chunk`). The builder makes one Arrow table per spool (see
:mod:`furat.spool` for what each holds) with the rows :mod:`furat.configs` defines,
built column by column (:mod:`furat.columns`, :mod:`furat.tokenconfigs`), plus the
near-duplicate sketches of the chunk's documents (:func:`furat.minhash.packed_sketches`).

Which records give rows where (as in :mod:`furat.configs`): ``documents`` every record;
``ner`` and ``events`` (the ``tokens`` spool) records with gold annotations; ``stance``
records with a stance item, one row per stance-target actor; ``annotations`` one row per
attached annotation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from furat import spool
from furat.columns import LayerBuilder, Record, list_array, offsets, span_array, table
from furat.configs import LAYERS, METADATA_KEYS, Encoder, is_annotated
from furat.errors import FuratError
from furat.labels import Inventory
from furat.minhash import BANDS, BINS, packed_sketches
from furat.shards import release_memory
from furat.spool import DOC
from furat.tokenconfigs import token_columns

Item = tuple[Record, Sequence[Record]]  # a record and its annotations rows


@dataclass
class ChunkResult:
    """What a chunk of records reports back: the spans its tokens cannot represent."""

    unrepresentable: list[tuple[str, str]] = field(default_factory=list)  # (document id, what)


class ChunkBuilder:
    """Turns a chunk of records into one spool file per spool; picklable for worker processes."""

    def __init__(self, inv: Inventory, schemas: Mapping[str, pa.Schema], work: Path) -> None:
        self.enc = Encoder(inv)
        self.spools = spool.spool_schemas(schemas)
        self.layers = LayerBuilder(self.spools["documents"], self.enc)
        self.work = work
        actors = self.enc.actor_names
        self.actor_position = {actor: k for k, actor in enumerate(actors)}
        self.actor_codes = np.array([self.enc.actor[a] for a in actors], np.int64)
        self.actor_en = pa.array([en for en, _ in actors.values()], pa.string())
        self.actor_ar = pa.array([ar for _, ar in actors.values()], pa.string())

    def chunk(self, first: int, items: Sequence[Item]) -> ChunkResult:
        """Spool the rows of records ``first, first + 1, ...`` (each with its annotation rows)."""
        tables, result = self.tables(first, items)
        self.store(first, tables)
        return result

    def store(self, first: int, tables: dict[str, pa.Table]) -> None:
        """Write the chunk's tables to their spools (and let go of them)."""
        for name in list(tables):
            data = tables.pop(name)
            if data.num_rows:
                spool.write(self.work, name, first, data)
            del data
        release_memory()

    def tables(self, first: int, items: Sequence[Item]) -> tuple[dict[str, pa.Table], ChunkResult]:
        """The chunk's table of each spool, and what it reports."""
        records = [record for record, _ in items]
        names: list[str] = [record["id"] for record in records]
        docs = pa.array(np.arange(first, first + len(records)), pa.int32())
        metas = [record.get("metadata") or {} for record in records]
        texts = [record["text"] for record in records]
        text = pa.array(texts, pa.string())
        ents = self.layers.entities(records, names)
        evs = self.layers.events(records, names)
        columns: dict[str, Any] = {
            "id": names,
            "schema_version": [record.get("schema_version") for record in records],
            **{key: [meta.get(key) for meta in metas] for key in METADATA_KEYS},
            "text": text,
            "paragraphs": [record.get("paragraphs") or [] for record in records],
            "entities": ents.column,
            "events": evs.column,
            "stance": self.layers.stance(records, names),
            DOC: docs,
        }
        documents = table(self.spools["documents"], columns)
        entries, signatures = packed_sketches(first, texts)
        tables = {
            "index": table(
                self.spools["index"],
                {
                    "id": documents.column("id"),
                    "outlet": documents.column("outlet"),
                    "date": documents.column("date"),
                    "bands": _fixed(entries, 8 * BANDS),
                    "signature": _fixed(signatures, BINS),
                },
            ),
            "documents": documents,
        }
        result = ChunkResult()
        gold = np.array([is_annotated(record) for record in records], bool)
        if gold.any():
            rows = np.flatnonzero(gold)
            kinds = {f.name: f.type for f in self.spools["tokens"]}
            utf8 = _utf8(text if gold.all() else text.take(rows))
            found, result.unrepresentable = token_columns(
                [names[k] for k in rows], [texts[k] for k in rows], utf8,
                ents.select(gold), evs.select(gold), self.enc, kinds,
            )  # fmt: skip
            tables["tokens"] = table(self.spools["tokens"], found | {DOC: docs.take(rows)})
        tables["stance"] = self._stance(records, names, docs)
        tables["annotations"] = self._annotations(items, names, docs, documents)
        return tables, result

    def _stance(self, records: Sequence[Record], names: Sequence[str], docs: pa.Array) -> pa.Table:
        """One row per stance-target actor for each record with a stance item (no title and
        text: :mod:`furat.spool` joins them from the documents spool). Most rows are
        ``NOT_MENTIONED`` without evidence, so only the given items are visited."""
        enc, position = self.enc, self.actor_position
        actors = len(position)
        which: list[int] = []
        cells: list[int] = []  # row index of each given item, among this chunk's stance rows
        labels: list[int] = []
        evidence: list[Record] = []
        counts: list[int] = []
        for k, record in enumerate(records):
            items = record.get("stance") or ()
            if not items:
                continue
            given = {s["actor"]: s for s in items}
            known = sorted((position[a], a) for a in given if a in position)
            for at, actor in known:
                item = given[actor]
                cells.append(len(which) * actors + at)
                labels.append(enc.code(enc.stance, item["label"], "stance label", names[k]))
                found = item.get("evidence") or ()
                evidence.extend(found)
                counts.append(len(found))
            if len(known) < len(given):
                unknown = sorted(set(given) - set(position))
                raise FuratError(f"record {names[k]}: stance for unknown target(s) {unknown}")
            which.append(k)
        schema = self.spools["stance"]
        rows = pa.array(np.repeat(np.array(which, np.int64), actors))
        each = np.tile(np.arange(actors), len(which))
        label = np.full(len(which) * actors, enc.not_mentioned, np.int64)
        label[cells] = labels
        per_row = np.zeros(len(which) * actors, np.int64)
        per_row[cells] = counts
        evidence_type = schema.field("evidence").type
        columns = {
            "id": pa.array(names, pa.string()).take(rows),
            "actor": self.actor_codes[each],
            "actor_en": self.actor_en.take(each),
            "actor_ar": self.actor_ar.take(each),
            "label": label,
            "evidence": list_array(
                offsets(per_row), span_array(evidence_type.value_type, evidence), evidence_type
            ),
            DOC: docs.take(rows),
        }
        return table(schema, columns)

    def _annotations(
        self, items: Sequence[Item], names: Sequence[str], docs: pa.Array, documents: pa.Table
    ) -> pa.Table:
        """The attached annotation rows. When every one of them is its record's gold
        annotation (the converter hands over the very same layer lists), the layers are
        taken from the documents table instead of being converted again."""
        rows: list[int] = []
        sources: list[Record] = []
        for k, (_record, attached) in enumerate(items):
            for annotation in attached:
                if str(annotation["id"]) != names[k]:
                    message = f"annotation of {str(annotation['id'])!r} attached to record {names[k]!r}"
                    raise FuratError(message)
                rows.append(k)
                sources.append(annotation)
        where = pa.array(rows, pa.int64())
        reused = all(
            source.get(layer) is items[k][0].get(layer)
            for k, source in zip(rows, sources, strict=True)
            for layer in LAYERS
        )
        if reused:
            layers = {layer: documents.column(layer).take(where) for layer in LAYERS}
        else:
            ids = [str(source["id"]) for source in sources]
            layers = {
                "entities": self.layers.entities(sources, ids).column,
                "events": self.layers.events(sources, ids).column,
                "stance": self.layers.stance(sources, ids),
            }
        columns = {
            "id": [str(source["id"]) for source in sources],
            **{
                key: [source.get(key) for source in sources]
                for key in ("task_id", "annotation_id", "annotator")
            },
            "ground_truth": [bool(source.get("ground_truth", False)) for source in sources],
            "was_cancelled": [bool(source.get("was_cancelled", False)) for source in sources],
            "export_file": [source.get("export_file") for source in sources],
            **layers,
            DOC: docs.take(where),
        }
        return table(self.spools["annotations"], columns)


def _fixed(data: bytes, width: int) -> pa.Array:
    """Fixed-size binary values of ``width`` bytes each, from their concatenation."""
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(data) // width, [None, pa.py_buffer(data)]
    )


def _utf8(strings: pa.Array) -> bytes:
    """The UTF-8 bytes of a string array's values, concatenated."""
    ends = np.frombuffer(strings.buffers()[1], np.int32)[strings.offset : strings.offset + len(strings) + 1]
    data = strings.buffers()[2]
    return b"" if data is None else data[int(ends[0]) : int(ends[-1])].to_pybytes()


_BUILDER: ChunkBuilder | None = None  # a worker process's builder, set by init_worker


def init_worker(builder: ChunkBuilder) -> None:
    """Pool initializer: workers import only this module's dependencies (not ``datasets``)."""
    global _BUILDER
    _BUILDER = builder


def work_chunk(first: int, items: list[Item]) -> ChunkResult:
    """Pool task: :meth:`ChunkBuilder.chunk` in a worker process."""
    if _BUILDER is None:
        raise RuntimeError("init_worker was not called in this process")
    return _BUILDER.chunk(first, items)
