"""``furat studio submit``: canonical records as one user's annotations in Label Studio.

Annotation does not always happen in the web editor: a reviewer adjudicates two passes
in a script, a team brings layers from an earlier tool, a correction is prepared as a
record. Those layers still have to enter the corpus the one way every annotation does —
as an annotation in Label Studio, by a named user, exported in a snapshot — so that
provenance, gold selection and the append-only exports stay the single path to a
release. This module writes them there.

The identity is the API token's user (``FURAT_LS_TOKEN``): an annotator submits with
their own token, never on someone else's behalf, so ``completed_by`` in the export is
true. Before anything is sent:

* every record is validated (schema and semantic rules); one error refuses the whole
  file, so a submit never leaves half a corpus with known-bad layers;
* every record's article must be a task of the project, with the same text
  (``text_sha256`` and the text itself): offsets into another text would be silently
  wrong;
* ``--ground-truth`` is refused for a task that already has a ground-truth annotation by
  someone else (two would make the converter refuse the task).

A task where this user already has a completed annotation is skipped, so a submit that
was interrupted (or run twice) can be run again and creates only what is missing — except
that ``--ground-truth`` over an ordinary annotation of the same user is refused, since
skipping it would leave the task without gold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from furat import gold
from furat.errors import FuratError
from furat.labels import Inventory
from furat.lsresults import record_to_results
from furat.studio.client import StudioClient

LIST_PAGE = 1000
Progress = Callable[[str], None]


@dataclass
class SubmitReport:
    """What a submit found and did; printed by the command, asserted by the tests."""

    user_id: int = 0
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Task:
    id: int
    text: str
    text_sha256: str
    mine: bool  # this user already has a completed (not cancelled) annotation
    mine_is_truth: bool  # ... and it is marked ground truth
    truth_by_others: bool


def _index(client: StudioClient, project_id: int, me: int) -> dict[str, list[_Task]]:
    """``doc_id`` → the project's tasks for it, with what the submit needs to know."""
    index: dict[str, list[_Task]] = {}
    for page in client.task_pages(project_id, LIST_PAGE, full=True):
        for task in page:
            data = task.get("data") or {}
            doc_id = data.get("doc_id")
            if not isinstance(doc_id, str):
                continue
            live = [a for a in task.get("annotations") or () if not a.get("was_cancelled")]
            by_me = [gold.user_id(a.get("completed_by")) == me for a in live]
            truth = [bool(a.get("ground_truth")) for a in live]
            index.setdefault(doc_id, []).append(
                _Task(
                    id=int(task["id"]),
                    text=str(data.get("text", "")),
                    text_sha256=str(data.get("text_sha256", "")),
                    mine=any(by_me),
                    mine_is_truth=any(m and t for m, t in zip(by_me, truth, strict=True)),
                    truth_by_others=any(t and not m for m, t in zip(by_me, truth, strict=True)),
                )
            )
    return index


def _target(doc_id: str, record: Mapping[str, Any], index: Mapping[str, list[_Task]], where: str) -> _Task:
    """The one task of ``doc_id``, checked to hold exactly the record's text."""
    tasks = index.get(doc_id, [])
    if not tasks:
        raise FuratError(f"{where}: article {doc_id} is not a task of the project; run `furat studio push`")
    if len(tasks) > 1:
        ids = ", ".join(str(t.id) for t in tasks)
        raise FuratError(f"{where}: article {doc_id} is on several tasks ({ids}); delete the extra ones")
    task = tasks[0]
    text = str(record.get("text", ""))
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if task.text != text or task.text_sha256 != sha:
        raise FuratError(
            f"{where}: the text of {doc_id} differs from task {task.id} on the server; the "
            "record's offsets would point into another text"
        )
    return task


def submit(
    client: StudioClient,
    project_id: int,
    records: Sequence[tuple[str, Mapping[str, Any]]],
    inv: Inventory,
    *,
    ground_truth: bool = False,
    progress: Progress | None = None,
) -> SubmitReport:
    """Create one annotation per record as the token's user; ``records`` are validated.

    ``records`` pairs each record with where it came from (``file:line``, for messages).
    Every check runs before the first annotation is created.
    """
    say = progress or (lambda _msg: None)
    with client.call("reading the API token's user"):
        user_id = int(client.sdk.users.whoami().id or 0)
    report = SubmitReport(user_id=user_id)
    index = _index(client, project_id, user_id)
    seen: set[str] = set()
    plan: list[tuple[str, _Task, Mapping[str, Any]]] = []
    for where, record in records:
        doc_id = str(record.get("id", ""))
        if doc_id in seen:
            raise FuratError(f"{where}: a second record for article {doc_id}")
        seen.add(doc_id)
        task = _target(doc_id, record, index, where)
        if task.mine and ground_truth and not task.mine_is_truth:
            # Skipping would silently leave the task without gold: the user's existing
            # annotation is an ordinary pass, not the adjudication being submitted.
            raise FuratError(
                f"{where}: this user already has an ordinary annotation of task {task.id} "
                f"({doc_id}); adjudicate with another account, or mark that annotation as "
                "ground truth in Label Studio"
            )
        if task.mine:
            report.skipped.append(doc_id)
            continue
        if ground_truth and task.truth_by_others:
            raise FuratError(
                f"{where}: task {task.id} ({doc_id}) already has a ground-truth annotation by "
                "another user; unmark it in Label Studio first, so exactly one stays gold"
            )
        plan.append((doc_id, task, record))
    attributes = [a.id for a in inv.attributes]
    for doc_id, task, record in plan:
        results = record_to_results(record, attributes)
        with client.call(f"creating the annotation of task {task.id} ({doc_id})"):
            client.sdk.annotations.create(task.id, result=results, ground_truth=ground_truth)
        report.created.append(doc_id)
        say(f"annotated {len(report.created)}/{len(plan)}: {doc_id} (task {task.id})")
    return report
