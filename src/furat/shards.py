"""Parquet shards of one config and split: pinned options, fixed row groups, size-capped files.

Builds must be byte-identical (README, "Contracts"), so everything that could make two
writes of the same rows differ is fixed here: :data:`PARQUET_OPTIONS` pins every writer
option, :data:`ROW_GROUP_ROWS` the row group size of each config, and
:class:`ShardedParquet` writes exactly those row groups from contiguous arrays, so page
boundaries never depend on how the rows arrived. A shard is closed once it reaches a
size, so shard counts follow the data's size; files get their Hub names
(``<split>-0000K-of-0000N.parquet``) only when the split is complete.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import pyarrow as pa
import pyarrow.parquet as _pq

pq: Any = _pq  # pyarrow's parquet module is untyped: used through Any (as in furat.corpusstats)

PARQUET_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 1,
    "use_dictionary": True,
    "dictionary_pagesize_limit": 4 << 20,
    # write_statistics: set per schema by parquet_options (scalar columns only)
    "data_page_size": 1 << 20,
    "data_page_version": "1.0",
    "write_batch_size": 1024,
    "store_schema": True,
    "write_page_index": False,
    "use_compliant_nested_type": True,
}
T = TypeVar("T")
ROW_GROUP_ROWS = {"documents": 256, "ner": 512, "events": 256, "stance": 1200, "annotations": 256}


def parquet_options(schema: pa.Schema) -> dict[str, Any]:
    """:data:`PARQUET_OPTIONS` plus statistics for the top-level scalar columns.

    Min/max statistics help readers skip row groups by id, outlet or date; on article
    text and on lists of tokens or mentions they cost a third of the writing time and
    help nobody, so those columns get none.
    """
    scalar = [f.name for f in schema if not pa.types.is_nested(f.type) and f.name != "text"]
    return {**PARQUET_OPTIONS, "write_statistics": scalar}


def release_memory() -> None:
    """Ask Arrow's allocator to return freed memory to the OS.

    The build allocates and frees a chunk's worth of Arrow buffers over and over; the
    default allocator (mimalloc) would otherwise keep the pages, so peak RSS would grow
    with the number of chunks instead of staying flat.
    """
    pa.default_memory_pool().release_unused()


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on a C library without it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()


def release_heap() -> None:
    """:func:`release_memory`, and have the C heap give back its free pages too.

    A parquet writer keeps every row group's metadata on the C heap until it closes, a
    few megabytes per file at 100,000 documents; glibc keeps the freed pages, so without
    this each config's metadata would stay resident while the next config is written.
    """
    release_memory()
    if _TRIM is not None:
        _TRIM(0)


class ShardedParquet:
    """Writes one config/split's row groups, opening a new shard past a size.

    A split without rows gets no file at all (and a config without rows no folder):
    ``datasets`` refuses to load a declared split that has no data, and the card lists
    exactly the splits whose files exist.
    """

    def __init__(self, folder: Path, split: str, schema: pa.Schema, group_rows: int, max_bytes: int):
        self.folder, self.split, self.schema = folder, split, schema
        self.group_rows, self.max_bytes = group_rows, max_bytes
        self.shards: list[Path] = []
        self.sink: Any = None
        self.writer: Any = None

    def _open(self) -> None:
        self.folder.mkdir(exist_ok=True)
        path = self.folder / f".{self.split}-{len(self.shards)}.tmp"
        self.shards.append(path)
        self.sink = pa.OSFile(str(path), "wb")
        self.writer = pq.ParquetWriter(self.sink, self.schema, **parquet_options(self.schema))

    def write_group(self, table: pa.Table) -> None:
        """Write one row group (contiguous arrays, from :class:`RowGroups`)."""
        if self.writer is None:
            self._open()
        self.writer.write_table(table, row_group_size=self.group_rows)
        release_memory()
        if self.sink.tell() >= self.max_bytes:
            self._close_shard()

    def _close_shard(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.sink.close()
            self.writer = None

    def close(self) -> list[Path]:
        """Close, and give the shards their final ``-0000K-of-0000N`` names."""
        self._close_shard()
        total = len(self.shards)
        final = []
        for k, tmp in enumerate(self.shards):
            dest = self.folder / f"{self.split}-{k:05d}-of-{total:05d}.parquet"
            os.replace(tmp, dest)
            final.append(dest)
        return final


class RowGroups:
    """Cuts one split's rows, as they arrive, into row groups of exactly ``group_rows``
    rows (the last one fewer), each made of contiguous arrays: page boundaries must not
    depend on how the rows were batched on their way here."""

    def __init__(self, group_rows: int) -> None:
        self.group_rows = group_rows
        self.pending: list[pa.Table] = []
        self.pending_rows = 0

    def add(self, rows: pa.Table) -> list[pa.Table]:
        """Queue ``rows``; returns the row groups they complete."""
        if rows.num_rows:
            self.pending.append(rows)
            self.pending_rows += rows.num_rows
        if self.pending_rows < self.group_rows:
            return []
        table = pa.concat_tables(self.pending)
        done, full = 0, []
        while self.pending_rows - done >= self.group_rows:
            full.append(table.slice(done, self.group_rows).combine_chunks())
            done += self.group_rows
        rest = table.slice(done)
        self.pending, self.pending_rows = [rest], rest.num_rows
        return full

    def rest(self) -> list[pa.Table]:
        """The last, shorter row group, if any rows are left."""
        return [pa.concat_tables(self.pending).combine_chunks()] if self.pending_rows else []


def one_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items``, each produced by a helper thread while the caller works on the previous one.

    Reading the spool back, taking rows and assembling row groups (copies, which Arrow
    makes without the GIL) then overlap the parquet encoding; one item ahead keeps
    memory flat. Errors reach the caller when it asks for the item that failed.
    """
    done = object()
    with ThreadPoolExecutor(max_workers=1) as ahead:
        upcoming = ahead.submit(next, items, done)
        while (item := upcoming.result()) is not done:
            upcoming = ahead.submit(next, items, done)
            yield cast(T, item)


@dataclass
class Written:
    """What one config's shards hold, per split: rows, file paths (relative), data bytes."""

    rows: dict[str, int]
    files: dict[str, list[str]]
    num_bytes: dict[str, int]


def deal(
    chunks: Iterable[Sequence[pa.Table]],
    splits: tuple[str, ...],
    folder: Path,
    schema: pa.Schema,
    group_rows: int,
    max_bytes: int,
) -> Written:
    """Write each chunk's rows, one table per split, into that split's shards.

    Rows keep their order within a split. Everything up to finished row groups happens
    one group ahead in a helper thread (:func:`one_ahead`), so this thread only encodes
    and writes. Paths in the result are relative to ``folder.parent`` (the dataset
    folder), as the card and the Hub expect.
    """
    writers = [ShardedParquet(folder, split, schema, group_rows, max_bytes) for split in splits]
    for code, group in one_ahead(_row_groups(chunks, len(splits), group_rows)):
        writers[code].write_group(group)
    written = Written({}, {}, {})
    for split, writer in zip(splits, writers, strict=True):
        paths = writer.close()
        metas = [pq.read_metadata(p) for p in paths]
        written.rows[split] = sum(m.num_rows for m in metas)
        written.num_bytes[split] = sum(
            m.row_group(g).total_byte_size for m in metas for g in range(m.num_row_groups)
        )
        written.files[split] = [p.relative_to(folder.parent).as_posix() for p in paths]
    release_heap()
    return written


def _row_groups(
    chunks: Iterable[Sequence[pa.Table]], splits: int, group_rows: int
) -> Iterator[tuple[int, pa.Table]]:
    """``(split code, row group)`` in the order the groups fill up, then the last groups."""
    groups = [RowGroups(group_rows) for _ in range(splits)]
    for tables in chunks:
        for code, (cutter, rows) in enumerate(zip(groups, tables, strict=True)):
            for group in cutter.add(rows):
                yield code, group
    for code, cutter in enumerate(groups):
        for group in cutter.rest():
            yield code, group
