"""Pass one of the build: records -> spooled chunks; then what split planning needs.

:func:`scan_records` reads the records once, chunk by chunk, and has each chunk's rows of every
config built and spooled (:mod:`furat.chunks`, :mod:`furat.spool`), in this process or
in worker processes. Afterwards :func:`read_index` reads back the ids, strata and
near-duplicate sketches, and :func:`near_duplicates` verifies the LSH candidates on the
exact shingle sets, reading texts back one chunk at a time.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from furat import minhash, spool
from furat.chunks import ChunkBuilder, ChunkResult, init_worker, work_chunk
from furat.incidents import IncidentLog
from furat.split import stratum

BATCH_DOCS = 256  # records per chunk: rows are converted and spooled a chunk at a time
ESTIMATE_MARGIN = 0.2  # verify candidates whose estimated Jaccard is within this of the threshold

Record = Mapping[str, Any]
Annotations = Callable[[Record], Sequence[Record]]


@dataclass
class Scan:
    """What pass one found: how many documents, incidents, unrepresentable spans."""

    documents: int
    log: IncidentLog
    unrepresentable: int


def scan_records(
    records: Iterable[Record], maker: ChunkBuilder, annotations_of: Annotations | None, jobs: int
) -> Scan:
    """Pass one: sketch every document and spool every config's rows, chunk by chunk.

    With ``jobs > 1`` worker processes turn chunks into spool files (at most ``2 * jobs``
    chunks in flight); results are taken back strictly in order, so the output does not
    depend on ``jobs``. With one job a thread writes each chunk's spool files (Arrow
    writes without holding the GIL) while the next chunk is built, one chunk at most
    waiting. Nothing per document stays in this process: ids, strata and sketches
    are read back from the spools afterwards, so memory stays flat.
    """
    scan = Scan(0, IncidentLog(), 0)

    def take(result: ChunkResult) -> None:
        for doc, what in result.unrepresentable:
            scan.log.error("BUILD_UNREPRESENTABLE_SPAN", f"not a token span: {what}", record=doc)
        scan.unrepresentable += len(result.unrepresentable)

    with contextlib.ExitStack() as stack:
        pool = None
        if jobs > 1:
            context = multiprocessing.get_context("spawn")  # fork is unsafe once Arrow threads run
            pool = stack.enter_context(context.Pool(jobs, initializer=init_worker, initargs=(maker,)))
        writer = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        pending: deque[Any] = deque()
        chunk: list[tuple[Record, Sequence[Record]]] = []

        def submit() -> None:
            first = scan.documents - len(chunk)
            if pool is None:
                tables, result = maker.tables(first, chunk)
                while pending:  # the previous chunk's files, before this one's go
                    pending.popleft().result()
                pending.append(writer.submit(maker.store, first, tables))
                take(result)
            else:
                pending.append(pool.apply_async(work_chunk, (first, list(chunk))))
                while len(pending) > 2 * jobs:
                    take(pending.popleft().get())
            chunk.clear()

        for record in records:
            scan.documents += 1
            chunk.append((record, annotations_of(record) if annotations_of else ()))
            if len(chunk) == BATCH_DOCS:
                submit()
        if chunk:
            submit()
        while pending:
            done = pending.popleft()
            if pool is None:
                done.result()
            else:
                take(done.get())
    return scan


def read_index(work: Path) -> tuple[list[str], list[tuple[str, str]], minhash.LSHIndex]:
    """Ids, strata and the LSH index of the scanned documents, from the index spool, in order."""
    ids: list[str] = []
    strata: list[tuple[str, str]] = []
    shared: dict[tuple[str, str], tuple[str, str]] = {}
    index = minhash.LSHIndex()
    for _first, table in spool.read(work, "index"):
        ids += table.column("id").to_pylist()
        outlets, dates = table.column("outlet").to_pylist(), table.column("date").to_pylist()
        for outlet, date in zip(outlets, dates, strict=True):
            key = stratum({"outlet": outlet, "date": date})
            strata.append(shared.setdefault(key, key))
        index.add_packed(_values(table.column("bands")), _values(table.column("signature")))
    return ids, strata, index


def _values(column: pa.ChunkedArray) -> bytes:
    """The concatenated values of a fixed-size binary column."""
    array = column.combine_chunks()
    width = array.type.byte_width
    data = array.buffers()[1]
    return (
        b"" if data is None else data[array.offset * width : (array.offset + len(array)) * width].to_pybytes()
    )


def near_duplicates(
    index: minhash.LSHIndex, work: Path, threshold: float
) -> tuple[list[tuple[int, int, float]], int]:
    """Verified near-duplicate pairs ``(i, j, jaccard)`` and the number of candidates checked.

    Texts are read back from the documents spool in record order and a document's exact
    shingle set is kept only until its last candidate partner has been seen, so memory
    follows the candidates that are open at once, not all of them.
    """
    candidates = index.candidates(max(0.0, threshold - ESTIMATE_MARGIN))
    partners: dict[int, list[int]] = {}
    last: dict[int, int] = {}
    for i, j in candidates:
        partners.setdefault(j, []).append(i)
        last[i] = max(last.get(i, j), j)
        last[j] = max(last.get(j, j), j)
    sets: dict[int, set[int]] = {}
    found = []
    for _first, table in spool.read(work, "documents", (spool.DOC, "text")) if candidates else ():
        texts = table.column("text")
        for k, doc in enumerate(table.column(spool.DOC).to_pylist()):
            if doc not in last:
                continue
            sets[doc] = minhash.shingles(texts[k].as_py())
            for i in partners.get(doc, ()):
                score = minhash.jaccard(sets[i], sets[doc])
                if score >= threshold:
                    found.append((i, doc, score))
            for done in [x for x in (doc, *partners.get(doc, ())) if last[x] <= doc]:
                sets.pop(done, None)
    return sorted(found), len(candidates)


def minhash_method() -> dict[str, Any]:
    """The near-duplicate method's parameters, recorded in ``overlap.json``."""
    return {
        "shingles": f"word-start character {minhash.SHINGLE}-grams of textnorm.fold()ed text",
        "minhash": f"one-permutation, {minhash.BINS} bins",
        "lsh": {"bands": minhash.BANDS, "rows": minhash.ROWS},
        "verified": "exact Jaccard of shingle sets",
    }
