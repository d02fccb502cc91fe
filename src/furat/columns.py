"""Arrow columns of a chunk of records, built field by field instead of row by row.

:mod:`furat.configs` defines each config's row for one record as plain dicts: that is
the readable definition, and the tests check the arrays built here against it. Turning
dicts into Arrow row by row costs a Python object per value, and at a hundred thousand
articles (30 mentions, a few events and a dozen stance rows each) that was most of the
build. Here each leaf field of a chunk becomes one flat list (one comprehension per
field) or one numpy array, and nested columns are assembled from offsets, so per value
only C code runs.

Errors are those of :class:`furat.configs.Encoder`: an unknown label raises
:class:`~furat.errors.FuratError` naming the record and the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from furat.configs import Encoder
from furat.errors import FuratError

Record = Mapping[str, Any]
Column: TypeAlias = list[Any] | npt.NDArray[Any] | pa.Array
Ints: TypeAlias = npt.NDArray[np.int64]


def offsets(counts: Sequence[int] | Ints) -> Ints:
    """``[0, c0, c0 + c1, ...]``: where each owner's items start in the flat list, and the end."""
    out = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def owners(counts: Sequence[int] | Ints) -> Ints:
    """The owner index of each item of a flat list with ``counts`` items per owner."""
    return np.repeat(np.arange(len(counts)), counts)


def list_array(starts: Ints, values: pa.Array, kind: pa.DataType) -> pa.Array:
    """A list column of type ``kind`` whose row ``k`` is ``values[starts[k]:starts[k + 1]]``."""
    return pa.ListArray.from_arrays(pa.array(starts, pa.int32()), values, type=kind)


def struct_array(kind: pa.DataType, columns: Mapping[str, Column]) -> pa.Array:
    """A struct column of type ``kind`` from one column per field (lists, numpy or Arrow)."""
    fields = [kind.field(i) for i in range(kind.num_fields)]
    arrays = [_array(columns[f.name], f.type) for f in fields]
    return pa.StructArray.from_arrays(arrays, fields=fields)


def table(schema: pa.Schema, columns: Mapping[str, Column | pa.ChunkedArray]) -> pa.Table:
    """A table of ``schema`` from one column per field (lists, numpy or Arrow arrays)."""
    return pa.Table.from_arrays([_array(columns[f.name], f.type) for f in schema], schema=schema)


def _array(values: Column | pa.ChunkedArray, kind: pa.DataType) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == kind else values.cast(kind)
    return pa.array(values, kind)


def flatten(sources: Sequence[Record], key: str) -> tuple[list[Any], list[int]]:
    """All ``source[key]`` items of the sources in one list, and how many each had."""
    items: list[Any] = []
    counts: list[int] = []
    for source in sources:
        found = source.get(key) or ()
        items.extend(found)
        counts.append(len(found))
    return items, counts


def encode(
    table: Mapping[Any, int], values: Sequence[Any], what: str, owner: Callable[[int], str]
) -> list[int]:
    """Label codes of ``values``; an unknown one raises, naming the record ``owner(k)``."""
    try:
        return [table[v] for v in values]
    except (KeyError, TypeError):
        for k, value in enumerate(values):
            try:
                table[value]
            except (KeyError, TypeError):
                raise FuratError(f"record {owner(k)}: unknown {what} {value!r}") from None
        raise


def _owner_names(names: Sequence[str], *levels: Sequence[int]) -> Callable[[int], str]:
    """``owner(k)``: the name of the source that item ``k`` of the innermost level belongs to.

    Computed only when an error needs it, so the happy path pays nothing.
    """

    def owner(k: int) -> str:
        index = k
        for counts in reversed(levels):
            index = int(owners(counts)[index])
        return names[index]

    return owner


@dataclass
class Entities:
    """The ``entities`` column of some sources, and its flat fields: the token configs
    look mentions up among the tokens and repeat their fields in ``entity_mentions``."""

    counts: list[int]
    ids: list[str]
    starts: Ints
    ends: Ints
    texts: list[str]
    types: Ints
    column: pa.Array
    fields: dict[str, pa.Array]

    def select(self, keep: npt.NDArray[np.bool_]) -> Entities:
        """The flat fields of the sources where ``keep`` is true (the token configs' records);
        ``column`` stays that of all sources."""
        if keep.all():
            return self
        rows = np.flatnonzero(np.repeat(keep, self.counts))
        return Entities(
            counts=[c for c, k in zip(self.counts, keep.tolist(), strict=True) if k],
            ids=[self.ids[i] for i in rows.tolist()],
            starts=self.starts[rows],
            ends=self.ends[rows],
            texts=[self.texts[i] for i in rows.tolist()],
            types=self.types[rows],
            column=self.column,
            fields={name: array.take(rows) for name, array in self.fields.items()},
        )


@dataclass
class Events:
    """The ``events`` column of some sources, and its flat fields (triggers and arguments),
    which the token configs extend with token offsets."""

    counts: list[int]
    items: list[Record]
    trigger_starts: Ints
    trigger_ends: Ints
    trigger_texts: list[str]
    argument_counts: list[int]
    mention_ids: list[str]
    column: pa.Array
    fields: dict[str, pa.Array]
    argument_fields: dict[str, pa.Array]

    def select(self, keep: npt.NDArray[np.bool_]) -> Events:
        """The flat fields of the sources where ``keep`` is true (the token configs' records);
        ``column`` stays that of all sources."""
        if keep.all():
            return self
        rows = np.flatnonzero(np.repeat(keep, self.counts))
        arguments = np.flatnonzero(np.repeat(np.repeat(keep, self.counts), self.argument_counts))
        return Events(
            counts=[c for c, k in zip(self.counts, keep.tolist(), strict=True) if k],
            items=[self.items[i] for i in rows.tolist()],
            trigger_starts=self.trigger_starts[rows],
            trigger_ends=self.trigger_ends[rows],
            trigger_texts=[self.trigger_texts[i] for i in rows.tolist()],
            argument_counts=[self.argument_counts[i] for i in rows.tolist()],
            mention_ids=[self.mention_ids[i] for i in arguments.tolist()],
            column=self.column,
            fields={name: array.take(rows) for name, array in self.fields.items()},
            argument_fields={name: array.take(arguments) for name, array in self.argument_fields.items()},
        )


class LayerBuilder:
    """The ``entities``, ``events`` and ``stance`` columns of records or annotations.

    ``schema`` is the documents (or annotations) schema, so the nested types are exactly
    the features'.
    """

    def __init__(self, schema: pa.Schema, enc: Encoder) -> None:
        self.enc = enc
        self.entity_list: pa.DataType = schema.field("entities").type
        self.event_list: pa.DataType = schema.field("events").type
        self.stance_list: pa.DataType = schema.field("stance").type

    def entities(self, sources: Sequence[Record], names: Sequence[str]) -> Entities:
        """The ``entities`` column; ``names`` are the sources' ids, for error messages."""
        items, counts = flatten(sources, "entities")
        kind = self.entity_list.value_type
        types = encode(
            self.enc.entity, [e["type"] for e in items], "entity type", _owner_names(names, counts)
        )
        ids = [e["id"] for e in items]
        texts = [e["text"] for e in items]
        starts = np.array([e["start"] for e in items], np.int64)
        ends = np.array([e["end"] for e in items], np.int64)
        fields = {
            "id": pa.array(ids, pa.string()),
            "start": pa.array(starts, pa.int32()),
            "end": pa.array(ends, pa.int32()),
            "text": pa.array(texts, pa.string()),
            "type": pa.array(types, pa.int64()),
            "actor": pa.array([e.get("actor") for e in items], pa.string()),
            "parent": pa.array([e.get("parent") for e in items], pa.string()),
        }
        column = list_array(offsets(counts), struct_array(kind, fields), self.entity_list)
        return Entities(counts, ids, starts, ends, texts, np.array(types, np.int64), column, fields)

    def events(self, sources: Sequence[Record], names: Sequence[str]) -> Events:
        """The ``events`` column (attributes default as the inventory says)."""
        enc = self.enc
        items, counts = flatten(sources, "events")
        owner = _owner_names(names, counts)
        kind = self.event_list.value_type
        triggers = [ev["trigger"] for ev in items]
        trigger_starts = np.array([t["start"] for t in triggers], np.int64)
        trigger_ends = np.array([t["end"] for t in triggers], np.int64)
        trigger_texts = [t["text"] for t in triggers]
        fields: dict[str, Column] = {
            "id": pa.array([ev["id"] for ev in items], pa.string()),
            "type": pa.array(
                encode(enc.event, [ev["type"] for ev in items], "event type", owner), pa.int64()
            ),
            "trigger": struct_array(
                kind.field("trigger").type,
                {"start": trigger_starts, "end": trigger_ends, "text": trigger_texts},
            ),
        }
        for attr, (table, default) in enc.attributes.items():
            values = [ev.get(attr, default) for ev in items]
            fields[attr] = pa.array(encode(table, values, attr, owner), pa.int64())
        arguments, argument_counts = flatten(items, "arguments")
        argument_type = kind.field("arguments").type
        mention_ids = [a["mention_id"] for a in arguments]
        roles = [a["role"] for a in arguments]
        argument_fields = {
            "role": pa.array(
                encode(enc.role, roles, "role", _owner_names(names, counts, argument_counts)), pa.int64()
            ),
            "mention_id": pa.array(mention_ids, pa.string()),
        }
        fields["arguments"] = list_array(
            offsets(argument_counts), struct_array(argument_type.value_type, argument_fields), argument_type
        )
        column = list_array(offsets(counts), struct_array(kind, fields), self.event_list)
        arrays = {name: _array(value, kind.field(name).type) for name, value in fields.items()}
        return Events(
            counts, items, trigger_starts, trigger_ends, trigger_texts, argument_counts, mention_ids,
            column, arrays, argument_fields,
        )  # fmt: skip

    def stance(self, sources: Sequence[Record], names: Sequence[str]) -> pa.Array:
        """The ``stance`` column: the items given, as they are (no ``NOT_MENTIONED`` filling)."""
        enc = self.enc
        items, counts = flatten(sources, "stance")
        owner = _owner_names(names, counts)
        kind = self.stance_list.value_type
        evidence, evidence_counts = flatten(items, "evidence")
        evidence_type = kind.field("evidence").type
        fields = {
            "actor": encode(enc.actor, [s["actor"] for s in items], "stance target", owner),
            "label": encode(enc.stance, [s["label"] for s in items], "stance label", owner),
            "evidence": list_array(
                offsets(evidence_counts), span_array(evidence_type.value_type, evidence), evidence_type
            ),
        }
        return list_array(offsets(counts), struct_array(kind, fields), self.stance_list)


def span_array(kind: pa.DataType, spans: Sequence[Record]) -> pa.Array:
    """A ``{start, end, text}`` struct column from span dicts."""
    return struct_array(
        kind,
        {
            "start": [s["start"] for s in spans],
            "end": [s["end"] for s in spans],
            "text": [s["text"] for s in spans],
        },
    )
