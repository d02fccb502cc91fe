"""Canonical records -> ``dataset/<config>/<split>-0000K-of-0000N.parquet``, deterministically.

The build streams: records are read once, in chunks, and each chunk's rows of every
config are built column by column (:mod:`furat.chunks`) and go to temporary Arrow files
tagged with the document's index (:mod:`furat.spool`; written by worker processes with
``jobs > 1``). Only then, when near-duplicate groups and the frozen split assignment are
known, the files are read back in order and dealt into per-split parquet files
(:mod:`furat.shards`). Memory therefore stays flat in the corpus size (a few hundred
bytes of LSH state per document are kept, and Arrow is asked to return freed batches to
the OS), and the records are parsed once.

Same inputs give byte-identical files: row order is record order, the schema is the
features' arrow schema (with the Hugging Face metadata, so ``load_dataset`` restores
class label names), and :mod:`furat.shards` pins row groups and writer options. A shard
is closed once it reaches ``max_shard_bytes``, so shard counts follow the data's size.

Everything is written into a staging folder that replaces ``dataset/`` only when the
whole build succeeded (:func:`furat.fsutil.staged_directory`); an unrepresentable
mention, a near-duplicate pair across train and test, or any other error leaves
``dataset/`` and ``annotation/splits.json`` untouched.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from furat import minhash, spool
from furat.chunks import ChunkBuilder, ChunkResult, init_worker, work_chunk
from furat.errors import FuratError
from furat.features import CONFIGS, DEFAULT_CONFIG, all_features
from furat.fsutil import atomic_write_text, staged_directory
from furat.incidents import IncidentLog
from furat.labels import Inventory, load_project_inventory
from furat.paths import Project
from furat.shards import ROW_GROUP_ROWS, Written, deal
from furat.split import SPLITS, SplitFile, overlap_report, plan_splits, stratum
from furat.version import read_version

MAX_SHARD_BYTES = 256 << 20
BATCH_DOCS = 256  # records per chunk: rows are converted and spooled a chunk at a time
OVERLAP_FILE = "overlap.json"
ESTIMATE_MARGIN = 0.2  # verify candidates whose estimated Jaccard is within this of the threshold

Record = Mapping[str, Any]
Annotations = Callable[[Record], Sequence[Record]]


class BuildFailed(FuratError):
    """The build found errors; ``log`` holds them as incidents and nothing was written."""

    def __init__(self, message: str, log: IncidentLog) -> None:
        super().__init__(message)
        self.log = log


@dataclass
class BuildStats:
    """What a build produced; handed to the card writer and printed by ``furat build``."""

    out_dir: str
    data_version: str
    documents: int
    new_documents: int
    documents_per_split: dict[str, int]
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    files: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    num_bytes: dict[str, dict[str, int]] = field(default_factory=dict)
    overlap: dict[str, Any] = field(default_factory=dict)
    unrepresentable_mentions: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Scan:
    documents: int
    log: IncidentLog
    unrepresentable: int


def _scan(
    records: Iterable[Record], maker: ChunkBuilder, annotations_of: Annotations | None, jobs: int
) -> _Scan:
    """Pass one: sketch every document and spool every config's rows, chunk by chunk.

    With ``jobs > 1`` worker processes turn chunks into spool files (at most ``2 * jobs``
    chunks in flight); results are taken back strictly in order, so the output does not
    depend on ``jobs``. With one job a thread writes each chunk's spool files (Arrow
    compresses and writes without the GIL) while the next chunk is built, one chunk at
    most waiting. Nothing per document stays in this process: ids, strata and sketches
    are read back from the spools afterwards, so memory stays flat.
    """
    scan = _Scan(0, IncidentLog(), 0)

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


def _read_back(work: Path) -> tuple[list[str], list[tuple[str, str]], minhash.LSHIndex]:
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
        index.add_packed(_buffer(table.column("bands")), _buffer(table.column("signature")))
    return ids, strata, index


def _buffer(column: pa.ChunkedArray) -> bytes:
    """The concatenated values of a fixed-size binary column."""
    array = column.combine_chunks()
    width = array.type.byte_width
    data = array.buffers()[1]
    return (
        b"" if data is None else data[array.offset * width : (array.offset + len(array)) * width].to_pybytes()
    )


def _duplicate_ids(ids: list[str], log: IncidentLog) -> None:
    if len(set(ids)) < len(ids):
        for doc, count in sorted(Counter(ids).items()):
            if count > 1:
                log.error("BUILD_DUPLICATE_ID", f"{count} records have this id", record=doc)


def _near_duplicates(
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


def _distribute_config(
    config: str,
    work: Path,
    stage: Path,
    schema: pa.Schema,
    split_of_doc: npt.NDArray[np.int8],
    max_bytes: int,
) -> Written:
    """Read one config's rows back from the spools and deal them into per-split parquet shards.

    Each chunk's rows are split first and then taken once per split, joined columns
    included, so an article's text is copied once per stance row, not three times.
    """
    chunks = (
        [chunk.take(np.flatnonzero(codes == k)) for k in range(len(SPLITS))]
        for chunk in spool.config_chunks(work, config, schema)
        for codes in [split_of_doc[chunk.docs]]
    )
    return deal(chunks, SPLITS, stage / config, schema, ROW_GROUP_ROWS[config], max_bytes)


def _distribute(
    work: Path, stage: Path, features: Mapping[str, Any], codes: Sequence[int], max_bytes: int, jobs: int
) -> dict[str, Written]:
    """Pass two, one config per thread (Arrow releases the GIL while it encodes and writes)."""
    split_of_doc = np.array(codes, np.int8)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
        done = {
            config: threads.submit(
                _distribute_config,
                config,
                work,
                stage,
                features[config].arrow_schema,
                split_of_doc,
                max_bytes,
            )
            for config in CONFIGS
        }
        return {config: future.result() for config, future in done.items()}


def build_dataset(
    records: Iterable[Mapping[str, Any]],
    inv: Inventory,
    out_dir: Path,
    splits_path: Path,
    *,
    data_version: str,
    annotations_of: Annotations | None = None,
    release_files: Callable[[Path], None] | None = None,
    max_shard_bytes: int = MAX_SHARD_BYTES,
    log: IncidentLog | None = None,
    jobs: int = 1,
) -> BuildStats:
    """Build every config into ``out_dir`` (replaced whole) and add new documents to the splits.

    ``records`` is read once, so it may be a generator over a file of any size;
    ``annotations_of(record)`` gives that record's rows of the ``annotations`` config.
    ``release_files(stage)`` adds the card and other release files (the release side's
    hook, :func:`furat.card.write_release_files` in a project); without it a minimal
    card is written so the folder still loads. Errors already in ``log`` (from the
    converter and validator feeding ``records``) fail the build like the build's own.
    ``jobs`` processes share the per-record work and ``jobs`` threads the parquet
    writing; the files are the same for any ``jobs``. Workers are spawned, so a script
    calling this with ``jobs > 1`` needs the usual ``if __name__ == "__main__":`` guard.
    Raises :class:`BuildFailed` (nothing written) when the data cannot be built.
    """
    out_dir, splits_path = Path(out_dir), Path(splits_path)
    assignment = SplitFile.load(splits_path)
    features = all_features(inv)
    with contextlib.ExitStack() as stack, staged_directory(out_dir) as stage:
        work = stage / ".work"
        work.mkdir()
        maker = ChunkBuilder(inv, {c: features[c].arrow_schema for c in CONFIGS}, work)
        scan = _scan(records, maker, annotations_of, jobs)
        if log is not None:
            log.extend(scan.log)
            scan.log = log
        if not scan.documents:
            raise FuratError("no records to build; run `furat ingest` first")
        ids, strata, index = _read_back(work)
        _duplicate_ids(ids, scan.log)
        if scan.log.has_errors:
            raise BuildFailed(f"{len(scan.log.errors)} error(s); nothing was written", scan.log)
        threshold = assignment.near_duplicate_jaccard
        pairs, checked = _near_duplicates(index, work, threshold)
        del index  # free the sketches before the parquet pass
        plan = plan_splits(ids, strata, [(i, j) for i, j, _ in pairs], assignment, data_version)
        report = overlap_report(
            ids,
            plan.split_codes,
            pairs,
            threshold=threshold,
            candidates=checked,
            method=minhash_method(),
        )
        if report["train_test_overlap"]:
            raise BuildFailed("near-duplicates across train and test; nothing was written", _leaks(report))
        new_documents = len(plan.new_entries)
        if new_documents:  # written beside the file now (and freed), renamed into place last
            assignment.entries.update(plan.new_entries)
            pending = _stage_file(splits_path, assignment.dumps())
            stack.callback(pending.unlink, missing_ok=True)
            plan.new_entries.clear()
            assignment.entries.clear()
        written = _distribute(work, stage, features, plan.split_codes, max_shard_bytes, jobs)
        shutil.rmtree(work)
        atomic_write_text(
            stage / OVERLAP_FILE, json.dumps(report, ensure_ascii=False, indent=2) + "\n", mode=0o644
        )
        summary = ("threshold", "candidates_checked", "cross_split_pairs", "train_test_overlap")
        stats = BuildStats(
            out_dir=str(out_dir),
            data_version=data_version,
            documents=len(ids),
            new_documents=new_documents,
            documents_per_split={s: plan.split_codes.count(k) for k, s in enumerate(SPLITS)},
            rows={c: w.rows for c, w in written.items()},
            files={c: w.files for c, w in written.items()},
            num_bytes={c: w.num_bytes for c, w in written.items()},
            overlap={k: report[k] for k in summary} | {"pairs": len(pairs)},
            unrepresentable_mentions=scan.unrepresentable,
        )
        carry_over(out_dir, stage)
        if release_files is not None:
            release_files(stage)
        elif not (stage / "README.md").exists():
            atomic_write_text(stage / "README.md", minimal_card(stats.files), mode=0o644)
        if new_documents:
            os.replace(pending, splits_path)
    return stats


def _stage_file(path: Path, text: str) -> Path:
    """``text`` in a temporary sibling of ``path`` (same file system, so a rename is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(name, 0o644)
    return Path(name)


def _leaks(report: Mapping[str, Any]) -> IncidentLog:
    log = IncidentLog()
    for pair in report["pairs"]:
        if set(pair["splits"]) == {"train", "test"}:
            message = f"near-duplicate of {pair['b']} (Jaccard {pair['jaccard']}) across train and test"
            log.error("BUILD_TRAIN_TEST_OVERLAP", message, record=pair["a"])
    return log


def minhash_method() -> dict[str, Any]:
    """The near-duplicate method's parameters, recorded in ``overlap.json``."""
    return {
        "shingles": f"word-start character {minhash.SHINGLE}-grams of textnorm.fold()ed text",
        "minhash": f"one-permutation, {minhash.BINS} bins",
        "lsh": {"bands": minhash.BANDS, "rows": minhash.ROWS},
        "verified": "exact Jaccard of shingle sets",
    }


def carry_over(previous: Path, stage: Path) -> None:
    """Copy files of the previous ``dataset/`` that the build does not produce (card, ...).

    The release side regenerates them afterwards; copying first means a build never
    loses a hand-edited file even when nothing regenerates it.
    """
    if not previous.is_dir():
        return
    for item in sorted(previous.iterdir()):
        if item.name.startswith(".") or item.name in CONFIGS or item.name == OVERLAP_FILE:
            continue
        if item.is_dir():
            shutil.copytree(item, stage / item.name)
        else:
            shutil.copy2(item, stage / item.name)


def minimal_card(files: Mapping[str, Mapping[str, Sequence[str]]]) -> str:
    """A stand-in card with just the ``configs:`` YAML that ``load_dataset`` needs."""
    lines = ["---", "# minimal card written by furat.build.build_dataset (no release hook)", "configs:"]
    for config in (c for c in CONFIGS if any(files.get(c, {}).values())):
        lines.append(f"- config_name: {config}")
        if config == DEFAULT_CONFIG:
            lines.append("  default: true")
        lines.append("  data_files:")
        for split in (s for s in SPLITS if files[config].get(s)):
            lines += [f"  - split: {split}", f"    path: {config}/{split}-*.parquet"]
    return "\n".join([*lines, "---", "", "# Furat", ""])


def default_data_version(project: Project) -> str:
    """The release new documents are first assigned in: ``DATASET_VERSION`` without ``-dev``."""
    version = read_version(project)
    return f"{version.major}.{version.minor}.{version.patch}"


def project_records(
    project: Project, inv: Inventory, log: IncidentLog, rows_of: dict[str, Sequence[Record]]
) -> Iterator[Record]:
    """Converted, validated records in manifest order, streamed (``furat convert`` + ``validate``).

    Incidents go to ``log``. A record with a new error is not yielded (its rows could not
    be built) but the stream goes on, so one build reports every problem. Each record's
    ``annotations`` rows are left in ``rows_of`` for :func:`build_dataset` to pick up.
    """
    from furat.convert import Converter, display_name, iter_manifest, project_exports
    from furat.validate import RecordValidator

    manifest = display_name(project.manifest, project.root)
    validator = RecordValidator(inv)
    with Converter(inv, log, root=project.root) as conv:
        conv.scan(project_exports(project))
        for record, rows in conv.documents(iter_manifest(project.manifest)):
            found = IncidentLog()
            validator.validate(record, found, source=record["provenance"]["export_file"] or manifest)
            log.extend(found)
            if not found.has_errors:
                rows_of[record["id"]] = rows
                yield record


def build_project(
    project: Project,
    *,
    out_dir: Path | None = None,
    splits_path: Path | None = None,
    data_version: str | None = None,
    log: IncidentLog | None = None,
    jobs: int = 1,
) -> BuildStats:
    """``furat build``: manifest -> convert -> validate -> split -> every config -> card.

    Converter and validator incidents go to ``log``; an error raises
    :class:`BuildFailed` and nothing is written.
    """
    from furat.card import write_release_files

    inv = load_project_inventory(project)
    log = IncidentLog() if log is None else log
    rows_of: dict[str, Sequence[Record]] = {}
    return build_dataset(
        project_records(project, inv, log, rows_of), inv,
        out_dir or project.dataset_dir, splits_path or project.splits_file,
        data_version=data_version or default_data_version(project),
        annotations_of=lambda record: rows_of.pop(record["id"], ()),
        release_files=lambda stage: write_release_files(
            stage, project=project, inv=inv, update_datasheet=out_dir in (None, project.dataset_dir)
        ),
        log=log, jobs=jobs,
    )  # fmt: skip
