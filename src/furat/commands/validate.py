"""``furat validate [FILE.jsonl]``: schema and semantic checks, as incidents.

With a file, its records are validated as they are read; without one, the project's
exports are converted and the result validated (nothing is written either way). The
exit code is 1 if any incident is an error, so the command can gate a build.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from furat.commands.convert import report_incidents
from furat.convert import display_name
from furat.errors import FuratError
from furat.incidents import IncidentLog
from furat.labels import Inventory, load_project_inventory
from furat.paths import Project, find_project
from furat.validate import checked_records, read_checked_file, validate_file


def records_or_refuse(
    project: Project, inv: Inventory, raw_path: str, *, out: TextIO, refusal: str
) -> list[tuple[str, dict[str, Any]]]:
    """A records file's records for a command that acts on it whole (submit, compare).

    With any validation error the incidents go to ``out`` and the command stops with
    ``refusal`` ("nothing was submitted") after the count of errors.
    """
    shown = display_name(Path(raw_path), project.root)
    records, log = read_checked_file(Path(raw_path), inv, display=shown)
    if log.has_errors:
        report_incidents(log, "text", out)
        raise FuratError(f"{shown}: {len(log.errors)} validation error(s); {refusal}")
    return records


def _run(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    inv = load_project_inventory(project)
    if args.file is not None:
        path = Path(args.file)
        if not path.is_file():
            raise FuratError(f"{path}: no such records file")
        log, count = validate_file(path, inv, display=display_name(path, project.root))
    else:
        log = IncidentLog()
        count = sum(1 for _ in checked_records(project, inv, log))
    report_incidents(log, args.format, sys.stdout)
    if args.format == "text":
        verdict = "FAILED" if log.has_errors else "ok"
        print(f"validated {count} record(s): {verdict}")
    return 1 if log.has_errors else 0


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "validate",
        help="check records against the schema and the semantic rules",
        description=(
            "Validate a records file (JSON lines), or by default the records converted from "
            "the project's Label Studio exports. Incident codes: docs/incidents.md."
        ),
    )
    parser.add_argument("file", nargs="?", metavar="FILE.jsonl", help="records to check")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    parser.set_defaults(func=_run)
