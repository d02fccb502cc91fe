"""``furat studio push``: the manifest's articles as Label Studio tasks, with pre-annotations.

The server is the only record of what was pushed: every push first lists the project's
tasks (a few pages of thousands) and imports only the articles whose ``doc_id`` is not
there. That makes a push idempotent (a second run imports nothing) and resumable: if the
server dies mid-push, each bulk import is one database transaction on the server, so a
batch is either wholly stored or not at all, and the next push imports exactly what is
missing. No local ledger can disagree with the server, and a remote server shared by a
team works the same way.

An article already on the server with *different* text (same ``doc_id``, another
``text_sha256``) stops the push before anything is written, with a non-zero exit: its
annotations' offsets point into the old text, so neither a silent duplicate nor a silent
skip is safe, and a warning scrolls away in a long log. ``--skip-changed`` pushes the
other articles and reports the changed ones (the decision is the team's: a new id for a
new text, or delete the old task).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from furat.errors import FuratError
from furat.gazetteer import Gazetteer
from furat.studio import configcheck
from furat.studio.client import ProjectInfo, StudioClient

BATCH_TASKS = 500
BATCH_BYTES = 32 * 1024 * 1024
LIST_PAGE = 5000
Progress = Callable[[str], None]


@dataclass
class PushReport:
    """What a push found and did; printed by the command, asserted by the tests."""

    project_id: int = 0
    created: bool = False
    config_updated: bool = False
    on_server: int = 0
    imported: int = 0
    predictions: int = 0
    batches: int = 0
    changed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    foreign: int = 0


def task_for(record: Mapping[str, Any], gaz: Gazetteer | None) -> dict[str, Any]:
    """The Label Studio task of one manifest record (data contract in docs/architecture.md)."""
    meta = record["metadata"]
    task: dict[str, Any] = {
        "data": {
            "text": record["text"],
            "doc_id": record["id"],
            "text_sha256": meta["text_sha256"],
            "title": meta.get("title"),
            "outlet": meta.get("outlet"),
            "date": meta.get("date"),
        }
    }
    prediction = gaz.prediction(record["text"]) if gaz is not None else None
    if prediction is not None:
        task["predictions"] = [prediction]
    return task


def batches(
    tasks: Iterable[dict[str, Any]], max_tasks: int, max_bytes: int
) -> Iterator[list[dict[str, Any]]]:
    """Consecutive groups of at most ``max_tasks`` tasks and about ``max_bytes`` of JSON."""
    batch: list[dict[str, Any]] = []
    size = 0
    for task in tasks:
        task_size = len(json.dumps(task, ensure_ascii=False).encode("utf-8"))
        if batch and (len(batch) >= max_tasks or size + task_size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(task)
        size += task_size
    if batch:
        yield batch


def server_index(client: StudioClient, project_id: int, report: PushReport) -> dict[str, str]:
    """``doc_id`` → ``text_sha256`` of the tasks already in the project."""
    index: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for page in client.task_pages(project_id, LIST_PAGE):
        for task in page:
            data = task.get("data") or {}
            doc_id = data.get("doc_id")
            if not isinstance(doc_id, str):
                report.foreign += 1
                continue
            counts[doc_id] += 1
            index.setdefault(doc_id, str(data.get("text_sha256", "")))
    report.on_server = sum(counts.values()) + report.foreign
    report.duplicates = sorted(d for d, n in counts.items() if n > 1)
    return index


def ensure_project(
    client: StudioClient, title: str, config: str, model_version: str, force: bool, report: PushReport
) -> ProjectInfo | None:
    """Create the project, or bring its config and model version up to date."""
    info = client.find_project(title)
    if info is None:
        report.project_id = client.create_project(title, config, model_version)
        report.created = True
        return None
    report.project_id = info.id
    update: dict[str, str] = {}
    if info.label_config.strip() != config.strip():  # the server strips the final newline
        if not force and info.task_number:
            used: Counter[tuple[str, str]] = Counter()
            for page in client.task_pages(info.id, LIST_PAGE // 5, full=True):
                for task in page:
                    used.update(configcheck.used_values(configcheck.task_results(task)))
            lost = configcheck.orphans(config, used)
            if lost:
                raise FuratError(
                    f"the new labeling config would orphan existing annotations in project "
                    f"{title!r}: {', '.join(lost[:8])}{' …' if len(lost) > 8 else ''}; "
                    "keep those labels, or pass --force if that is really intended"
                )
        update["label_config"] = config
        report.config_updated = True
    if model_version and info.model_version != model_version:
        update["model_version"] = model_version
    if update:
        client.update_project(info.id, **update)
    return info


def push(
    client: StudioClient,
    title: str,
    records: Sequence[Mapping[str, Any]],
    config: str,
    gaz: Gazetteer | None,
    *,
    force: bool = False,
    skip_changed: bool = False,
    batch_tasks: int = BATCH_TASKS,
    progress: Progress | None = None,
) -> PushReport:
    """Create/update the project and import every manifest article it does not hold yet."""
    say = progress or (lambda _msg: None)
    report = PushReport()
    model_version = gaz.model_version if gaz is not None else ""
    info = ensure_project(client, title, config, model_version, force, report)
    index = server_index(client, report.project_id, report) if info is not None else {}
    missing = []
    for record in records:
        sha = record["metadata"]["text_sha256"]
        known = index.get(record["id"])
        if known is None:
            missing.append(record)
        elif known != sha:
            report.changed.append(record["id"])
    if report.changed and not skip_changed:
        shown = ", ".join(report.changed[:5]) + (" …" if len(report.changed) > 5 else "")
        raise FuratError(
            f"{len(report.changed)} article(s) changed since they were pushed (same id, other "
            f"text): {shown}. Their annotations point into the old text: give a changed "
            "article a new id, or delete its task in Label Studio; --skip-changed pushes the rest"
        )
    tasks = (task_for(record, gaz) for record in missing)
    for batch in batches(tasks, batch_tasks, BATCH_BYTES):
        try:
            created = client.import_tasks(report.project_id, batch)
        except FuratError as err:
            raise FuratError(
                f"{err} — {report.imported} of {len(missing)} new tasks were imported before "
                "this; run the push again: it imports only what is missing"
            ) from None
        if created != len(batch):
            raise FuratError(f"Label Studio created {created} of {len(batch)} tasks in a batch")
        report.imported += created
        report.predictions += sum(len(t.get("predictions", ())) for t in batch)
        report.batches += 1
        say(f"imported {report.imported}/{len(missing)} tasks")
    return report
