"""Validation of canonical records (``furat validate``): schema, then semantics.

Each record goes through three stages:

1. A fastjsonschema validator compiled once from the inventory's schema — generated
   Python, an order of magnitude faster than an interpreting validator — decides pass
   or fail. Nearly every record passes, so this is the whole schema cost in practice.
2. Only for a failing record, :class:`jsonschema.Draft202012Validator` lists *every*
   error with its path. Errors that mean "a value outside the inventory" get the same
   codes the converter uses (``LABEL_UNKNOWN``, ``ROLE_UNKNOWN``, ``ATTRIBUTE_UNKNOWN``,
   ``ACTOR_UNKNOWN``, ``SPAN_EMPTY``), so an annotator sees one vocabulary; the rest are
   ``SCHEMA_VIOLATION``.
3. Records that pass the schema get the semantic checks of :mod:`furat.semantic`.
   Records that fail it do not: their fields cannot be trusted to exist, and the
   semantic incidents appear once the schema errors are fixed.

fastjsonschema implements drafts 4–7, not 2020-12, so the compiled copy of the schema
has ``prefixItems`` rewritten to the draft-7 ``items`` + ``additionalItems``, and its
nullable ``anyOf`` folded into types and enums (:func:`to_draft7`); the schema on disk
and in jsonschema stays 2020-12. A test checks both validators agree.

Validation streams: besides the record at hand, it remembers only a 64-bit digest per
record id (:mod:`furat.intmap`), to catch duplicate records.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from furat.codes import report
from furat.convert import Converter, display_name, iter_manifest, project_exports
from furat.docschema import document_schema
from furat.errors import FuratError
from furat.exports import iter_jsonl
from furat.incidents import IncidentLog, Location
from furat.intmap import IntMap, digest
from furat.labels import Inventory
from furat.paths import Project
from furat.semantic import SemanticChecker

DRAFT7 = "http://json-schema.org/draft-07/schema#"
_LABEL_LEAVES = {("entities", "type"), ("events", "type"), ("stance", "label")}


def _nullable(node: dict[str, Any]) -> dict[str, Any] | None:
    """``{"anyOf": [S, {"type": "null"}]}`` as one schema without ``anyOf``, if possible.

    fastjsonschema tries ``anyOf`` branches by raising and catching exceptions, which made
    every ``null`` actor or parent cost an exception object; folding ``null`` into the
    type (string keywords such as ``pattern`` ignore non-strings) or the enum means the
    same and costs nothing.
    """
    branches = node.get("anyOf")
    if len(node) != 1 or not isinstance(branches, list) or len(branches) != 2:
        return None
    schema, null = branches
    if null != {"type": "null"} or not isinstance(schema, dict):
        return None
    if set(schema) == {"enum"}:
        return {"enum": [*schema["enum"], None]}
    if isinstance(schema.get("type"), str) and schema["type"] != "null":
        return {**schema, "type": [schema["type"], "null"]}
    return None


def to_draft7(schema: Any) -> Any:
    """A copy of a 2020-12 schema that fastjsonschema reads with the same meaning, fast."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items()}
            if "prefixItems" in out:
                rest = out.pop("items", True)
                out["items"] = out.pop("prefixItems")
                out["additionalItems"] = rest
            return _nullable(out) or out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = walk(copy.deepcopy(schema))
    out["$schema"] = DRAFT7
    return out


class RecordValidator:
    """Validates records one at a time; remembers ids to catch duplicate records."""

    def __init__(self, inv: Inventory) -> None:
        schema = document_schema(inv)
        self._fast: Callable[[Any], Any] = fastjsonschema.compile(to_draft7(schema))
        self._full = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        self._semantic = SemanticChecker(inv)
        self._attributes = {a.id for a in inv.attributes}
        # record ids seen, as 64-bit digests (16 bytes each instead of ~100 for a str set);
        # a false "duplicate" needs a digest collision: p < 1e-7 at ten million records
        self._seen = IntMap()

    def validate(self, record: Any, log: IncidentLog, *, source: str, line: int | None = None) -> None:
        """Add every incident of ``record`` to ``log``."""
        base = _location(record, source, line)
        rid = base.record
        if rid is not None:
            key = digest(rid)
            if self._seen.get(key) is not None:
                report(log, "ID_DUPLICATE", f"a second record with id {rid!r}", base)
            self._seen[key] = 1
        try:
            self._fast(record)
        except fastjsonschema.JsonSchemaException as fast_error:
            errors = sorted(self._full.iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path])
            for err in errors:
                code, region = self._classify(record, err)
                path = "/".join(str(p) for p in err.absolute_path) or "(record)"
                report(log, code, f"{path}: {err.message}", _at(base, region))
            if not errors:
                report(log, "SCHEMA_VIOLATION", str(fast_error), base)
            return
        for code, message, region in self._semantic.check(record):
            report(log, code, message, _at(base, region))

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
    for line, record in iter_jsonl(path, log, display=name):
        validator.validate(record, log, source=name, line=line)
        count += 1
    return log, count


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
