"""``furat convert``: Label Studio exports → canonical records as JSON lines.

Records are written to a temporary file next to the target (or spooled, for stdout)
while they stream out of the converter, and only moved into place when conversion and
validation found no error; otherwise nothing is written and the exit code is 1. The
incidents go to stderr so that ``furat convert > records.jsonl`` stays clean.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TextIO

from furat.errors import FuratError
from furat.incidents import IncidentLog
from furat.labels import load_project_inventory
from furat.paths import find_project
from furat.validate import checked_records


class _Output:
    """A text sink that becomes visible only on :meth:`commit`."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.tmp: str | None = None
        if target == "-":
            # closed by commit() or discard(), called by _output()
            self.fh: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # noqa: SIM115
        else:
            path = Path(target)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            except OSError as err:
                raise FuratError(f"{target}: cannot write here ({err.strerror})") from err
            self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")

    def commit(self) -> None:
        if self.tmp is None:
            self.fh.seek(0)
            shutil.copyfileobj(self.fh, sys.stdout)
            sys.stdout.flush()
            self.fh.close()
            return
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.target)
        self.tmp = None

    def discard(self) -> None:
        self.fh.close()
        if self.tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tmp)


@contextlib.contextmanager
def _output(target: str) -> Iterator[_Output]:
    out = _Output(target)
    try:
        yield out
    finally:
        out.discard()  # no-op after a commit


def report_incidents(log: IncidentLog, fmt: str, stream: TextIO) -> None:
    """Print incidents as text lines (repeats capped) or as one JSON document."""
    if fmt == "json":
        log.write_json(stream)
    else:
        log.write_text(stream)


def _run(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    inv = load_project_inventory(project)
    log = IncidentLog()
    gold: Counter[str] = Counter()
    with _output(args.out) as out:
        try:
            for record in checked_records(project, inv, log):
                gold[record["provenance"]["gold"]] += 1
                out.fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as err:  # e.g. a full disk: the temporary file is removed
            raise FuratError(f"cannot write the records ({err.strerror}); nothing written") from err
        report_incidents(log, args.format, sys.stderr)
        if log.has_errors:
            print("furat convert: nothing written (fix the errors above)", file=sys.stderr)
            return 1
        out.commit()
    summary = ", ".join(f"{n} {rule}" for rule, n in sorted(gold.items()))
    where = "stdout" if args.out == "-" else args.out
    print(f"converted {sum(gold.values())} record(s) ({summary or 'none'}) to {where}", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "convert",
        help="turn Label Studio exports into canonical records (JSON lines)",
        description=(
            "Convert annotation/exports/*.json against annotation/articles.jsonl, validate "
            "the records, and write them only if there is no error. When a task is in "
            "several exports, the newest (by the timestamp in the file name) wins."
        ),
    )
    parser.add_argument("--out", default="-", metavar="FILE.jsonl", help="output file (default: stdout)")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="incident format")
    parser.set_defaults(func=_run)
