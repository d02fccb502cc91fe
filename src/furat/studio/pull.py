"""``furat studio pull``: a snapshot export into ``annotation/exports/``, never edited again.

The snapshot is Label Studio's full JSON export (``projects.exports.create`` + download),
made with options that keep everything the converter and the validator may need:

* annotations of every kind: ordinary, ground truth, and cancelled (skipped) ones;
* drafts and predictions serialised in full, not as ids;
* ``completed_by`` as a user id, not an expanded user with e-mail: exports are committed,
  and annotator identities stay pseudonymous ids.

The file is named after the project and the UTC time (``furat-p3-20261121T234501Z.json``),
streamed to a temporary sibling, checked against the server's MD5, linked into place only
if that name is free (``os.link`` fails rather than overwrite), and made read-only. Its
SHA-256 is appended to ``annotation/exports/SHA256SUMS`` (rewritten atomically), in GNU
``sha256sum`` format. Exports are append-only: a correction is a new pull.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from furat.errors import FuratError
from furat.fsutil import atomic_write_text
from furat.studio.client import StudioClient

SUMS = "SHA256SUMS"
EXPORT_OPTIONS: dict[str, Any] = {
    "serialization_options": {
        "drafts": {"only_id": False},
        "predictions": {"only_id": False},
        "annotations__completed_by": {"only_id": True},
        "include_annotation_history": False,
    },
    "annotation_filter_options": {"usual": True, "ground_truth": True, "skipped": True},
}


@dataclass
class PullReport:
    """The written file and what it holds (cancelled annotations and drafts are kept)."""

    path: Path
    sha256: str = ""
    tasks: int = 0
    annotations: int = 0
    cancelled: int = 0
    ground_truth: int = 0
    drafts: int = 0
    predictions: int = 0
    annotators: set[int] = field(default_factory=set)


def export_name(project_id: int, when: dt.datetime) -> str:
    return f"furat-p{project_id}-{when.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.json"


def iter_array(fh: IO[str], chunk: int = 1 << 20) -> Iterator[Any]:
    """The items of a top-level JSON array, decoded one at a time (bounded memory)."""
    decoder = json.JSONDecoder()
    buf, pos, started = "", 0, False
    while True:
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buf):
                break
            more = fh.read(chunk)
            if not more:
                raise FuratError("export ended before its closing ']'")
            buf, pos = buf[pos:] + more, 0
        if not started:
            if buf[pos] != "[":
                raise FuratError("export is not a JSON array")
            started, pos = True, pos + 1
            continue
        if buf[pos] == "]":
            return
        try:
            item, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError:
            more = fh.read(chunk)
            if not more:
                raise FuratError("export is cut off or not valid JSON") from None
            buf, pos = buf[pos:] + more, 0
            continue
        yield item
        pos = end


def summarise(path: Path, report: PullReport) -> None:
    """Count tasks, annotations by kind, drafts and predictions in the written file."""
    with path.open(encoding="utf-8") as fh:
        for task in iter_array(fh):
            report.tasks += 1
            for ann in task.get("annotations") or []:
                report.annotations += 1
                report.cancelled += bool(ann.get("was_cancelled"))
                report.ground_truth += bool(ann.get("ground_truth"))
                if isinstance(ann.get("completed_by"), int):
                    report.annotators.add(ann["completed_by"])
            report.drafts += len(task.get("drafts") or [])
            report.predictions += len(task.get("predictions") or [])


def append_checksum(folder: Path, name: str, digest: str) -> None:
    """Add ``<sha256>  <name>`` to ``SHA256SUMS``; existing lines are kept as they are."""
    sums = folder / SUMS
    old = sums.read_text(encoding="utf-8") if sums.exists() else ""
    if any(line.endswith(f"  {name}") for line in old.splitlines()):
        raise FuratError(f"{sums}: {name} is already listed")
    if old and not old.endswith("\n"):
        old += "\n"
    atomic_write_text(sums, f"{old}{digest}  {name}\n", mode=0o644)


def pull(client: StudioClient, project_id: int, folder: Path, now: dt.datetime | None = None) -> PullReport:
    """Export the project and write the snapshot; refuse to overwrite an existing file."""
    when = now or dt.datetime.now(dt.UTC)
    name = export_name(project_id, when)
    target = folder / name
    if target.exists():
        raise FuratError(f"{target} already exists; exports are never overwritten — pull again later")
    folder.mkdir(parents=True, exist_ok=True)
    export_id, server_md5 = client.create_export(project_id, f"furat {name}", EXPORT_OPTIONS)
    sha, md5 = hashlib.sha256(), hashlib.md5()  # the server publishes MD5
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            for block in client.download_export(project_id, export_id):
                fh.write(block)
                sha.update(block)
                md5.update(block)
            fh.flush()
            os.fsync(fh.fileno())
        if server_md5 and md5.hexdigest() != server_md5:
            raise FuratError(f"download of export {export_id} is corrupt (MD5 differs); pull again")
        report = PullReport(target, sha.hexdigest())
        summarise(Path(tmp), report)
        os.chmod(tmp, 0o444)
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise FuratError(f"{target} appeared meanwhile; exports are never overwritten") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    append_checksum(folder, name, report.sha256)
    return report
