"""Validation of canonical records (``furat validate``): schema, then semantics.

Each record goes through three stages:

1. msgspec, with types derived from the inventory's schema (:mod:`furat.structschema`),
   decides pass or fail. From a JSON-lines file it decodes and validates in one pass in
   C, faster than ``json.loads`` alone; records the converter made as dicts are checked
   with ``msgspec.convert``. Nearly every record passes, so this is the whole schema cost
   in practice.
2. Only for a failing record, :class:`jsonschema.Draft202012Validator` lists *every*
   error with its path. Errors that mean "a value outside the inventory" get the same
   codes the converter uses (``LABEL_UNKNOWN``, ``ROLE_UNKNOWN``, ``ATTRIBUTE_UNKNOWN``,
   ``ACTOR_UNKNOWN``, ``SPAN_EMPTY``), so an annotator sees one vocabulary; the rest are
   ``SCHEMA_VIOLATION``. Where msgspec is stricter than JSON Schema (an integer written
   ``1.0``) and jsonschema finds nothing, msgspec's message is the ``SCHEMA_VIOLATION``.
3. Records that pass the schema get the semantic checks of :mod:`furat.semantic`, on the
   typed struct. Records that fail it do not: their fields cannot be trusted to exist,
   and the semantic incidents appear once the schema errors are fixed. A records file is
   read in chunks: :mod:`furat.screen` clears most records of a chunk at once with array
   operations, and only the records it flags get the exact, per-record checks. The
   chunk's ids are gathered once (:class:`furat.screen.Chunk`) for both the schema's id
   patterns and the screen, and the memory a chunk frees is kept for the next one
   (:mod:`furat.heap`).

Validation streams: besides the record at hand, it remembers only a 64-bit digest per
record id (:mod:`furat.intmap`), to catch duplicate records.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from furat.codes import report
from furat.convert import Converter, display_name, iter_manifest, project_exports
from furat.docschema import document_schema
from furat.errors import FuratError
from furat.exports import MALFORMED, iter_lines, parse_line
from furat.heap import retain_freed_memory
from furat.incidents import IncidentLog, Location
from furat.intmap import IntMap, digest
from furat.labels import Inventory
from furat.paths import Project
from furat.screen import Screen
from furat.semantic import SemanticChecker
from furat.structschema import compile_schema

#: records per chunk of a records file: enough to amortise the screen's array operations,
#: few enough that the chunk's decoded records stay in the CPU cache (512 measured slower)
CHUNK = 128
_LABEL_LEAVES = {("entities", "type"), ("events", "type"), ("stance", "label")}


class RecordValidator:
    """Validates records one at a time; remembers ids to catch duplicate records."""

    def __init__(self, inv: Inventory) -> None:
        schema = document_schema(inv)
        self._compiled = compile_schema(schema)
        self._type = self._compiled.type
        self._decoder = msgspec.json.Decoder(self._type)
        self._full = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        self._semantic = SemanticChecker(inv)
        self._screen = Screen(inv, self._semantic)
        self._attributes = {a.id for a in inv.attributes}
        # record ids seen, as 64-bit digests (16 bytes each instead of ~100 for a str set);
        # a false "duplicate" needs a digest collision: p < 1e-7 at ten million records
        self._seen = IntMap()
        retain_freed_memory()  # chunks reuse the memory the one before freed: no page faults

    def validate(self, record: Any, log: IncidentLog, *, source: str, line: int | None = None) -> None:
        """Add every incident of ``record`` (parsed JSON, e.g. from the converter) to ``log``."""
        try:
            doc = msgspec.convert(record, self._type)
        except msgspec.ValidationError as fast_error:
            self._refuse(record, str(fast_error), log, _location(record, source, line))
            return
        broken = self._compiled.pattern_error(doc)
        if broken is not None:
            self._refuse(record, broken, log, _location(record, source, line))
            return
        self._checked(doc, log, source, line)

    def validate_json(self, raw: bytes, log: IncidentLog, *, source: str, line: int | None = None) -> bool:
        """Add every incident of one JSON text (a line of a records file) to ``log``.

        Returns whether ``raw`` was JSON at all (if not, a ``JSON_MALFORMED`` incident).
        """
        doc = self._decoded(raw)
        if doc is None:
            return self._undecoded(raw, log, source, line)
        self._checked(doc, log, source, line)
        return True

    def validate_lines(self, lines: Iterable[tuple[int, bytes]], log: IncidentLog, *, source: str) -> int:
        """Validate ``(line number, JSON text)`` pairs as one chunk; returns how many were JSON.

        Incidents are the ones :meth:`validate_json` gives line by line, in the same
        order; the semantic rules run first over the whole chunk (:class:`Screen`) and
        exactly only on the records it flags.
        """
        decoded = [(line, raw, self._parsed(raw)) for line, raw in lines]
        docs = [doc for _, _, doc in decoded if doc is not None]
        chunk = self._screen.gather(docs)  # the ids, gathered once for the patterns and the screen
        if not self._compiled.patterns_hold(docs, chunk.pattern_values()):
            broken = self._compiled.pattern_error
            decoded = [(line, raw, None if doc is None or broken(doc) else doc) for line, raw, doc in decoded]
            chunk = self._screen.gather([doc for _, _, doc in decoded if doc is not None])
        suspects = self._screen.flag(chunk)
        count = k = 0
        for line, raw, doc in decoded:
            if doc is None:
                count += self._undecoded(raw, log, source, line)
                continue
            self._checked(doc, log, source, line, exact=k in suspects)
            count += 1
            k += 1
        return count

    def _decoded(self, raw: bytes) -> Any:
        """The typed struct of ``raw``, or ``None`` if it is not a schema-valid record."""
        doc = self._parsed(raw)
        return doc if doc is not None and self._compiled.pattern_error(doc) is None else None

    def _parsed(self, raw: bytes) -> Any:
        """The typed struct of ``raw`` with its string patterns not checked yet, or ``None``."""
        try:
            return self._decoder.decode(raw)
        except msgspec.DecodeError:
            return None

    def _undecoded(self, raw: bytes, log: IncidentLog, source: str, line: int | None) -> bool:
        """Report a line the typed decoder refused: invalid, or not JSON at all. The reference
        parser tells which, and where; the dict path lists every schema error."""
        record = parse_line(raw, log, Location(file=source, line=line))
        if record is MALFORMED:
            return False
        self.validate(record, log, source=source, line=line)
        return True

    def _checked(
        self, doc: Any, log: IncidentLog, source: str, line: int | None, *, exact: bool = True
    ) -> None:
        """Duplicate-id and semantic checks of a record that passed the schema; ``exact=False``
        when :class:`Screen` has already cleared its semantics."""
        again = self._seen_before(doc.id)
        problems = self._semantic.check(doc) if exact else []
        if not (again or problems):
            return  # the common case: no location needed
        prov = doc.provenance
        base = Location(
            file=source,
            line=line,
            record=doc.id,
            task=prov.task_id,
            annotation=prov.annotation_ids[0] if prov.annotation_ids else None,
        )
        if again:
            report(log, "ID_DUPLICATE", f"a second record with id {doc.id!r}", base)
        for code, message, region in problems:
            report(log, code, message, _at(base, region))

    def _seen_before(self, rid: str | None) -> bool:
        """Remember ``rid``; whether an earlier record had it."""
        if rid is None:
            return False
        key = digest(rid)
        if self._seen.get(key) is not None:
            return True
        self._seen[key] = 1
        return False

    def _refuse(self, record: Any, fast_error: str, log: IncidentLog, base: Location) -> None:
        """Report every schema error of a record that failed the fast stage."""
        if self._seen_before(base.record):
            report(log, "ID_DUPLICATE", f"a second record with id {base.record!r}", base)
        errors = sorted(self._full.iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path])
        for err in errors:
            code, region = self._classify(record, err)
            path = "/".join(str(p) for p in err.absolute_path) or "(record)"
            report(log, code, f"{path}: {err.message}", _at(base, region))
        if not errors:
            report(log, "SCHEMA_VIOLATION", fast_error, base)

    def _classify(self, record: Any, err: ValidationError) -> tuple[str, str | None]:
        path = list(err.absolute_path)
        if len(path) < 2 or path[0] not in ("entities", "events", "stance") or not isinstance(path[1], int):
            return "SCHEMA_VIOLATION", None
        item = record[path[0]][path[1]]
        region: str | None = None
        if isinstance(item, Mapping):
            if path[0] == "stance":
                region = f"stance/{item.get('actor')}"
            elif isinstance(item.get("id"), str):
                region = item["id"]
        leaf = path[-1]
        if err.validator in ("enum", "anyOf"):
            if (path[0], leaf) in _LABEL_LEAVES and len(path) == 3:
                return "LABEL_UNKNOWN", region
            if leaf == "role":
                return "ROLE_UNKNOWN", region
            if path[0] == "events" and len(path) == 3 and leaf in self._attributes:
                return "ATTRIBUTE_UNKNOWN", region
            if leaf == "actor" and len(path) == 3:
                return "ACTOR_UNKNOWN", region
        if err.validator == "minLength" and leaf == "text":
            return "SPAN_EMPTY", region
        return "SCHEMA_VIOLATION", region


def _location(record: Any, source: str, line: int | None) -> Location:
    if not isinstance(record, Mapping):
        return Location(file=source, line=line)
    rid = record.get("id") if isinstance(record.get("id"), str) else None
    prov = record.get("provenance")
    task = annotation = None
    if isinstance(prov, Mapping):
        task = prov.get("task_id") if isinstance(prov.get("task_id"), int) else None
        ids = prov.get("annotation_ids")
        if isinstance(ids, list) and ids and isinstance(ids[0], int):
            annotation = ids[0]
    return Location(file=source, line=line, record=rid, task=task, annotation=annotation)


def _at(base: Location, region: str | None) -> Location:
    if region is None:
        return base
    return Location(base.file, base.record, base.task, base.annotation, region, base.line)


def validate_records(records: Iterable[Mapping[str, Any]], inv: Inventory, *, source: str) -> IncidentLog:
    """Validate records (any iterable, consumed once); incidents are located at ``source``."""
    log = IncidentLog()
    validator = RecordValidator(inv)
    for record in records:
        validator.validate(record, log, source=source)
    return log


def validate_file(path: Path, inv: Inventory, *, display: str | None = None) -> tuple[IncidentLog, int]:
    """Validate a JSON-lines records file, streaming; returns the log and the record count."""
    log = IncidentLog()
    validator = RecordValidator(inv)
    name = display or path.as_posix()
    count = 0
    lines = iter_lines(path, log, display=name)
    while chunk := list(itertools.islice(lines, CHUNK)):
        count += validator.validate_lines(chunk, log, source=name)
    return log, count


def read_checked_file(
    path: Path, inv: Inventory, *, display: str | None = None
) -> tuple[list[tuple[str, dict[str, Any]]], IncidentLog]:
    """A small records file's records, each with its ``file:line``, only if it validates.

    For commands that act on a hand-prepared file as a whole (submit, compare): with any
    error the list is empty and the log says why, so nothing downstream sees bad offsets.
    The file is read once (bytes, split on ``\n`` only, as :func:`validate_file` does), and
    the records validated are the records returned.
    """
    name = display or path.as_posix()
    if not path.is_file():
        raise FuratError(f"{name}: no such records file")
    log = IncidentLog()
    validator = RecordValidator(inv)
    out: list[tuple[str, dict[str, Any]]] = []
    for number, raw in iter_lines(path, log, display=name):
        value = parse_line(raw, log, Location(file=name, line=number))
        if value is not MALFORMED:
            validator.validate(value, log, source=name, line=number)
            out.append((f"{name}:{number}", value))
    return ([] if log.has_errors else out), log


def checked_records(project: Project, inv: Inventory, log: IncidentLog) -> Iterator[dict[str, Any]]:
    """Convert the project's exports and validate each record as it is produced.

    This is ``furat convert`` and ``furat validate`` without a file: conversion and
    validation incidents go to one ``log``. A converted record's incidents are located
    at its export file, task and annotation (where an annotator can fix them); an
    unannotated article's at the manifest.
    """
    if not project.manifest.is_file():
        raise FuratError(f"{project.manifest}: no manifest; run `furat ingest` first")
    manifest_name = display_name(project.manifest, project.root)
    validator = RecordValidator(inv)
    with Converter(inv, log, root=project.root) as conv:
        conv.scan(project_exports(project))
        for record, _rows in conv.documents(iter_manifest(project.manifest)):
            source = record["provenance"]["export_file"] or manifest_name
            validator.validate(record, log, source=source)
            yield record
