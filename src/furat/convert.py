"""Label Studio exports + the manifest → canonical records (``furat convert``).

Two passes keep memory flat however large the project is:

1. :meth:`Converter.scan` streams every export file, newest first (see
   :func:`furat.exports.export_order`); the first time a task id is seen wins, so a task
   in several exports is taken from the newest one. Each task's annotations are
   converted (:mod:`furat.layers`), the gold annotation is chosen (:mod:`furat.gold`),
   and the result is *spilled* to a temporary file, indexed by ``doc_id``. Only the
   index stays in memory, about 50 bytes per document (:mod:`furat.intmap`).
2. :meth:`Converter.documents` walks the manifest in order and joins each article with
   its spilled task, so records come out one per article, in manifest order, with the
   manifest's text and metadata. A task whose text does not hash to the manifest's
   ``text_sha256`` is refused (``TEXT_MISMATCH``): its offsets point into another text.

Incidents found inside a task are held with the spilled task and reported in pass 2,
after the text check, so a wrong text yields one clear incident instead of a cascade of
offset errors, and incidents come out in manifest order whatever the file order.

Records of a run with errors are placeholders for refused tasks (empty layers, gold
``none``) and must not be written anywhere: check ``incidents.has_errors`` first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeGuard

from furat.codes import make, report
from furat.errors import FuratError
from furat.exports import export_order, iter_array
from furat.gold import annotator_id, choose_gold, user_id
from furat.incidents import Incident, IncidentLog, Location
from furat.intmap import IntMap, digest
from furat.labels import Inventory
from furat.layers import ResultReader
from furat.paths import Project

Record = dict[str, Any]


@dataclass
class Conversion:
    """Records (one per manifest article, in order), raw annotation rows, incidents."""

    records: list[Record]
    annotations: list[Record]
    incidents: IncidentLog


_INT64 = (-(2**63), 2**63 - 1)
_SURROGATE = re.compile("[\ud800-\udfff]")
_HALF = "a lone UTF-16 surrogate (half of a character, e.g. an emoji cut by the exporting tool)"


def _in_range(value: Any) -> bool:
    """An integer that fits the 64-bit id columns of the dataset (Label Studio ids do)."""
    return _is_int(value) and _INT64[0] <= value <= _INT64[1]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def display_name(path: Path, root: Path | None) -> str:
    """``path`` relative to the project root when inside it, else its file name.

    The name ends up in record provenance, so it must not depend on where the checkout
    lives (absolute paths would break byte-identical rebuilds and leak local folders).
    """
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name if path.is_absolute() else path.as_posix()


def iter_manifest(path: Path) -> Iterator[Mapping[str, Any]]:
    """Stream the manifest (JSON lines); a broken manifest is a :class:`FuratError`."""
    try:
        fh = path.open("rb")
    except OSError as err:
        raise FuratError(f"{path}: cannot read the manifest ({err.strerror}); run `furat ingest`") from err
    with fh:
        for lineno, raw in enumerate(fh, 1):
            if raw.strip():
                try:
                    yield json.loads(raw.decode("utf-8"))
                except ValueError as err:
                    raise FuratError(f"{path}:{lineno}: not a JSON line ({err})") from err


class Converter:
    """Two-pass conversion with an on-disk spill; use as a context manager."""

    def __init__(self, inv: Inventory, log: IncidentLog, *, root: Path | None = None) -> None:
        self.inv = inv
        self.log = log
        self.root = root
        self.reader = ResultReader(inv)
        # closed by __exit__; a `with` block cannot span the two passes
        self.spill: IO[bytes] = tempfile.TemporaryFile(prefix="furat-convert-")  # noqa: SIM115
        # Per-document memory is ~50 bytes (furat.intmap), so a million documents fit.
        self.tasks = IntMap()  # task id -> index (in newest-first order) of its export file
        self.docs = IntMap()  # digest(doc_id) -> slot
        self.exact: dict[str, int] = {}  # doc_id -> slot, only for 64-bit digest collisions
        self.offsets = array("q")  # slot -> spill offset
        self.lengths = array("q")  # slot -> spilled length
        self.used = bytearray()  # slot -> joined with a manifest article in pass 2

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.spill.close()

    def scan(self, export_paths: Iterable[Path]) -> None:
        """Pass 1: read every export (newest first) and spill each task's conversion."""
        for file_index, path in enumerate(export_order(export_paths)):
            name = display_name(path, self.root)
            for line, task in iter_array(path, self.log, display=name):
                self._task(task, Location(file=name, line=line), file_index)

    def _task(self, task: Any, where: Location, file_index: int) -> None:
        raw_tid = task.get("id") if isinstance(task, dict) else None
        data = task.get("data") if isinstance(task, dict) else None
        if not (
            isinstance(task, dict)
            and _is_int(raw_tid)
            and isinstance(data, dict)
            and isinstance(data.get("text"), str)
            and isinstance(data.get("doc_id"), str)
        ):
            report(
                self.log,
                "EXPORT_STRUCTURE",
                "a task needs an integer id, data.text and data.doc_id (export in Label Studio's "
                "JSON format, from a Furat project)",
                dataclasses.replace(where, task=raw_tid if _is_int(raw_tid) else None),
            )
            return
        tid = raw_tid
        if not _in_range(tid):
            message = f"task id {tid} is outside the 64-bit range of Label Studio ids"
            report(self.log, "EXPORT_STRUCTURE", message, where)
            return
        if _SURROGATE.search(data["doc_id"]) or _SURROGATE.search(data["text"]):
            message = f"data.text or data.doc_id of task {tid} holds {_HALF}"
            report(self.log, "EXPORT_STRUCTURE", message, dataclasses.replace(where, task=tid))
            return
        where = dataclasses.replace(where, task=tid, record=data["doc_id"])
        seen_in = self.tasks.get(tid)
        if seen_in is not None:
            if seen_in == file_index:
                report(self.log, "TASK_DUPLICATE", f"task {tid} appears twice in this export", where)
            return  # otherwise a newer export already supplied this task
        self.tasks[tid] = file_index
        doc = data["doc_id"]
        slot = self._slot(doc)
        if slot is not None:
            other = self._entry(slot)["where"]["task"]
            report(self.log, "DOC_MULTIPLE_TASKS", f"tasks {other} and {tid} both hold {doc}", where)
            return
        entry = self._convert_task(task, data, where)
        try:
            blob = json.dumps(entry, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            report(self.log, "EXPORT_STRUCTURE", f"an id, label or text of this task holds {_HALF}", where)
            return
        slot = len(self.offsets)
        self.offsets.append(self.spill.seek(0, os.SEEK_END))  # reads may have moved it
        self.lengths.append(len(blob))
        self.used.append(0)
        self.spill.write(blob)
        key = digest(doc)
        if self.docs.get(key) is None:
            self.docs[key] = slot
        else:
            self.exact[doc] = slot  # another document has the same digest

    def _entry(self, slot: int) -> Record:
        self.spill.seek(self.offsets[slot])
        entry: Record = json.loads(self.spill.read(self.lengths[slot]))
        return entry

    def _slot(self, doc: str) -> int | None:
        """The slot of ``doc``'s spilled task, or ``None``."""
        if doc in self.exact:
            return self.exact[doc]
        slot = self.docs.get(digest(doc))
        if slot is None or self._entry(slot)["doc"] != doc:
            return None
        return slot

    def _convert_task(self, task: Mapping[str, Any], data: Mapping[str, Any], where: Location) -> Record:
        text: str = data["text"]
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        found: list[Incident] = []
        entry: Record = {
            "doc": data["doc_id"],
            "sha": sha,
            "where": _loc(where),
            "gold": "none",
            "gold_row": None,
            "rows": [],
        }
        declared = data.get("text_sha256")
        annotations = task.get("annotations", [])
        if declared is not None and declared != sha:
            found.append(make("TEXT_MISMATCH", "data.text does not hash to data.text_sha256", where))
            annotations = []
        elif not isinstance(annotations, list):
            found.append(make("EXPORT_STRUCTURE", "task.annotations is not a list", where))
            annotations = []
        valid: list[Mapping[str, Any]] = []
        for ann in annotations:
            aid = ann.get("id") if isinstance(ann, dict) else None
            user = user_id(ann.get("completed_by")) if isinstance(ann, dict) else None
            if not (isinstance(ann, dict) and _is_int(aid) and user is not None):
                msg = "an annotation needs an integer id and completed_by (a user id)"
                at = dataclasses.replace(where, annotation=aid) if _in_range(aid) else where
                found.append(make("EXPORT_STRUCTURE", msg, at))
                continue
            annotator = annotator_id(user)
            if not (_in_range(aid) and _in_range(user)):
                msg = f"annotation id {aid} or user id {user} is outside the 64-bit range of Label Studio ids"
                found.append(make("EXPORT_STRUCTURE", msg, where))
                continue
            layers = self.reader.read(
                ann.get("result", []), text, dataclasses.replace(where, annotation=aid), found
            )
            entry["rows"].append(
                {
                    "id": data["doc_id"],
                    "task_id": where.task,
                    "annotation_id": aid,
                    "annotator": annotator,
                    "ground_truth": bool(ann.get("ground_truth")),
                    "was_cancelled": bool(ann.get("was_cancelled")),
                    "export_file": where.file,
                    "entities": layers.entities,
                    "events": layers.events,
                    "stance": layers.stance,
                }
            )
            valid.append(ann)
        entry["rows"].sort(key=lambda row: row["annotation_id"])
        choice = choose_gold(valid)
        if choice.refusal is not None:
            found.append(make(choice.refusal[0], choice.refusal[1], where))
        elif choice.annotation is not None:
            entry["gold"] = choice.rule
            entry["gold_row"] = next(
                k for k, r in enumerate(entry["rows"]) if r["annotation_id"] == choice.annotation["id"]
            )
        entry["incidents"] = [[i.code, i.message, _loc(i.location)] for i in found]
        return entry

    def documents(self, manifest: Iterable[Mapping[str, Any]]) -> Iterator[tuple[Record, list[Record]]]:
        """Pass 2: ``(record, annotation rows)`` per manifest article, in manifest order."""
        for article in manifest:
            record = self._base(article)
            slot = self._slot(record["id"])
            if slot is None or self.used[slot]:
                yield record, []
                continue
            self.used[slot] = 1
            entry = self._entry(slot)
            where = Location(**entry["where"])
            if entry["sha"] != record["metadata"]["text_sha256"]:
                report(
                    self.log,
                    "TEXT_MISMATCH",
                    "the task's text differs from the manifest's (SHA-256 "
                    f"{entry['sha'][:12]}… vs {record['metadata']['text_sha256'][:12]}…); "
                    "its offsets cannot be trusted — push the task again",
                    where,
                )
                yield record, []
                continue
            for code, message, loc in entry["incidents"]:
                self.log.add(make(code, message, Location(**loc)))
            prov = record["provenance"]
            prov["task_id"], prov["export_file"], prov["gold"] = where.task, where.file, entry["gold"]
            if entry["gold_row"] is not None:
                gold = entry["rows"][entry["gold_row"]]
                record.update(copy_layers(gold))
                prov["annotation_ids"], prov["annotator_ids"] = [gold["annotation_id"]], [gold["annotator"]]
            yield record, entry["rows"]
        for slot, joined in enumerate(self.used):
            if not joined:
                entry = self._entry(slot)
                msg = f"doc_id {entry['doc']!r} is not in the manifest"
                report(self.log, "DOC_UNKNOWN", msg, Location(**entry["where"]))

    def _base(self, article: Any) -> Record:
        meta = article.get("metadata") if isinstance(article, Mapping) else None
        if not (
            isinstance(article, Mapping)
            and isinstance(article.get("id"), str)
            and isinstance(article.get("text"), str)
            and isinstance(meta, Mapping)
            and isinstance(meta.get("text_sha256"), str)
        ):
            name = article.get("id") if isinstance(article, Mapping) else article
            raise FuratError(f"manifest entry {name!r} lacks id, text or metadata.text_sha256")
        return {
            "id": article["id"],
            "schema_version": self.inv.schema_version,
            "metadata": meta,
            "text": article["text"],
            "paragraphs": article.get("paragraphs", []),
            "entities": [],
            "events": [],
            "stance": [],
            "provenance": {
                "task_id": None,
                "annotation_ids": [],
                "annotator_ids": [],
                "export_file": None,
                "gold": "none",
            },
        }


def copy_layers(row: Mapping[str, Any]) -> Record:
    """Fresh copies of a row's layers, so a record and its row never share a list or dict.

    A structural copy of the known shape: several times cheaper than ``copy.deepcopy``
    or a second JSON round trip of the spilled row.
    """
    return {
        "entities": [dict(e) for e in row["entities"]],
        "events": [
            {**v, "trigger": dict(v["trigger"]), "arguments": [dict(a) for a in v["arguments"]]}
            for v in row["events"]
        ],
        "stance": [{**s, "evidence": [dict(e) for e in s["evidence"]]} for s in row["stance"]],
    }


def _loc(location: Location) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(location).items() if v is not None}


def convert_exports(
    export_paths: Iterable[Path],
    manifest: Iterable[Mapping[str, Any]],
    inv: Inventory,
    *,
    root: Path | None = None,
) -> Conversion:
    """Convert exports against a manifest; file names are shown relative to ``root``."""
    log = IncidentLog()
    records: list[Record] = []
    rows: list[Record] = []
    with Converter(inv, log, root=root) as conv:
        conv.scan(export_paths)
        for record, annotation_rows in conv.documents(manifest):
            records.append(record)
            rows.extend(annotation_rows)
    return Conversion(records, rows, log)


def project_exports(project: Project) -> list[Path]:
    """The export files of a project (``annotation/exports/*.json``)."""
    return sorted(project.exports_dir.glob("*.json")) if project.exports_dir.is_dir() else []


def convert_project(project: Project, inv: Inventory) -> Conversion:
    """Convert every export of ``project`` against its manifest."""
    return convert_exports(project_exports(project), iter_manifest(project.manifest), inv, root=project.root)
