"""Canonical records -> ``dataset/<config>/<split>-0000K-of-0000N.parquet``, deterministically.

The build streams: records are read once, in chunks (:mod:`furat.scan`), and each
chunk's rows of every config are built column by column (:mod:`furat.chunks`) and go to
temporary Arrow files tagged with the document's index (:mod:`furat.spool`; written by
worker processes with ``jobs > 1``). Only then, when near-duplicate groups and the frozen split assignment are
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
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from furat import spool
from furat.chunks import ChunkBuilder
from furat.errors import FuratError
from furat.features import CONFIGS, DEFAULT_CONFIG, all_features
from furat.fsutil import atomic_write_text, staged_directory
from furat.incidents import IncidentLog
from furat.labels import Inventory, load_project_inventory
from furat.paths import Project
from furat.scan import Annotations, Record, minhash_method, near_duplicates, read_index, scan_records
from furat.shards import ROW_GROUP_ROWS, Written, deal, release_heap
from furat.split import SPLITS, SplitFile, overlap_report, plan_splits
from furat.version import read_version

MAX_SHARD_BYTES = 256 << 20
OVERLAP_FILE = "overlap.json"


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


def _duplicate_ids(ids: list[str], log: IncidentLog) -> None:
    if len(set(ids)) < len(ids):
        for doc, count in sorted(Counter(ids).items()):
            if count > 1:
                log.error("BUILD_DUPLICATE_ID", f"{count} records have this id", record=doc)


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
    work: Path,
    stage: Path,
    features: Mapping[str, Any],
    split_of_doc: npt.NDArray[np.int8],
    max_bytes: int,
    jobs: int,
) -> dict[str, Written]:
    """Pass two, one config per thread (Arrow releases the GIL while it encodes and writes)."""
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
        scan = scan_records(records, maker, annotations_of, jobs)
        if log is not None:
            log.extend(scan.log)
            scan.log = log
        if not scan.documents:
            raise FuratError("no records to build; run `furat ingest` first")
        ids, strata, index = read_index(work)
        _duplicate_ids(ids, scan.log)
        if scan.log.has_errors:
            raise BuildFailed(f"{len(scan.log.errors)} error(s); nothing was written", scan.log)
        threshold = assignment.near_duplicate_jaccard
        pairs, checked = near_duplicates(index, work, threshold)
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
            assignment.entries.clear()
        split_codes = np.array(plan.split_codes, np.int8)
        documents = len(ids)
        del ids, strata, plan  # per-document Python objects, not needed for the parquet pass
        release_heap()
        written = _distribute(work, stage, features, split_codes, max_shard_bytes, jobs)
        shutil.rmtree(work)
        atomic_write_text(
            stage / OVERLAP_FILE, json.dumps(report, ensure_ascii=False, indent=2) + "\n", mode=0o644
        )
        summary = ("threshold", "candidates_checked", "cross_split_pairs", "train_test_overlap")
        stats = BuildStats(
            out_dir=str(out_dir),
            data_version=data_version,
            documents=documents,
            new_documents=new_documents,
            documents_per_split={s: int(np.count_nonzero(split_codes == k)) for k, s in enumerate(SPLITS)},
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
