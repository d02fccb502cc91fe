"""The build's temporary store: each chunk's rows, as Arrow IPC files, until splits are known.

Splits can only be assigned once every document has been seen (near-duplicate groups
and strata span the corpus), so the first pass writes each chunk's rows here and the
second reads them back in record order (:func:`config_chunks`) and deals them into
parquet shards. Files are named by the chunk's first record, so name order is record
order whichever process wrote them.

A column shared by several configs is stored once: the article text and title live in
the ``documents`` spool and are joined back into ``events`` and ``stance`` rows when
read (a stance row per actor would otherwise repeat the article a dozen times), and the
token columns of ``ner`` and ``events`` share one ``tokens`` spool. The ``index`` spool
holds what the split planning needs (id, outlet, date, near-duplicate sketch), so it
never has to read the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from furat.minhash import BANDS, BINS

DOC = "__doc"  # spool column: index of the row's document in the build
# Uncompressed: compressing and decompressing the spool cost a fifth of the build's time,
# and uncompressed files are read back memory-mapped, without a copy (about 25 kB of disk
# per article while the build runs).
IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression=None)
INDEX_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("outlet", pa.string()),
        ("date", pa.string()),
        ("bands", pa.binary(8 * BANDS)),
        ("signature", pa.binary(BINS)),
    ]
)
NER_COLUMNS = ("id", "tokens", "ner_tags", "token_starts", "token_ends")
JOINED = {"events": ("text",), "stance": ("title", "text")}  # taken from the documents spool
SOURCE = {  # the spool each config's rows are read from
    "documents": "documents",
    "ner": "tokens",
    "events": "tokens",
    "stance": "stance",
    "annotations": "annotations",
}


def spool_schemas(schemas: Mapping[str, pa.Schema]) -> dict[str, pa.Schema]:
    """The schema of each spool, from the configs' schemas (their metadata dropped)."""
    doc = pa.field(DOC, pa.int32())
    events = schemas["events"]
    tokens = [schemas["ner"].field(n) for n in NER_COLUMNS]
    tokens += [events.field(n) for n in events.names if n not in NER_COLUMNS and n not in JOINED["events"]]
    stance = [f for f in schemas["stance"] if f.name not in JOINED["stance"]]
    return {
        "index": INDEX_SCHEMA,
        "documents": schemas["documents"].remove_metadata().append(doc),
        "tokens": pa.schema([*tokens, doc]),
        "stance": pa.schema([*stance, doc]),
        "annotations": schemas["annotations"].remove_metadata().append(doc),
    }


def write(folder: Path, spool: str, first: int, table: pa.Table) -> None:
    """Store one chunk's table of ``spool``, named by the chunk's first record."""
    (folder / spool).mkdir(exist_ok=True)
    path = folder / spool / f"{first:012d}.arrows"
    with (
        pa.OSFile(str(path), "wb") as sink,
        pa.ipc.new_stream(sink, table.schema, options=IPC_OPTIONS) as out,
    ):
        out.write_table(table)


def read(folder: Path, spool: str, columns: tuple[str, ...] = ()) -> Iterator[tuple[int, pa.Table]]:
    """``(first record, table)`` of each chunk of ``spool``, in record order (only
    ``columns``, if given)."""
    for path in sorted((folder / spool).glob("*.arrows")):
        yield int(path.stem), _read_file(path, columns)


def _read_file(path: Path, columns: tuple[str, ...]) -> pa.Table:
    """A spool file's table, memory-mapped: its buffers point into the file (which the map
    keeps open as long as they are referenced)."""
    table = pa.ipc.open_stream(pa.memory_map(str(path))).read_all()
    return table.select(list(columns)) if columns else table


@dataclass
class ChunkRows:
    """One chunk's rows of a config as spooled: its own columns, and the documents' columns
    joined into it (row ``k`` takes document ``link[k]`` of ``joined``)."""

    own: pa.Table
    joined: pa.Table | None
    link: npt.NDArray[np.int64]
    schema: pa.Schema

    @property
    def docs(self) -> npt.NDArray[np.int64]:
        """Each row's document index in the build."""
        docs: npt.NDArray[np.int64] = self.own.column(DOC).to_numpy().astype(np.int64)
        return docs

    def take(self, rows: npt.NDArray[np.int64]) -> pa.Table:
        """Rows ``rows`` in the config's schema: a single copy of each column, joined ones too."""
        own = self.own.take(rows)
        columns = {name: own.column(name) for name in own.column_names}
        if self.joined is not None:
            joined = self.joined.take(self.link[rows])
            columns |= {name: joined.column(name) for name in joined.column_names}
        return pa.Table.from_arrays([columns[name] for name in self.schema.names], schema=self.schema)


def config_chunks(folder: Path, config: str, schema: pa.Schema) -> Iterator[ChunkRows]:
    """Each chunk's rows of ``config``, in record order, to be taken in ``schema`` (the
    features' own). Joined columns come from the same chunk's documents spool."""
    joined = JOINED.get(config, ())
    for first, table in read(folder, SOURCE[config]):
        if not table.num_rows:
            continue
        link = table.column(DOC).to_numpy().astype(np.int64) - first
        documents = _read_file(folder / "documents" / f"{first:012d}.arrows", joined) if joined else None
        yield ChunkRows(table, documents, link, schema)
