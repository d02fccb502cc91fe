"""``furat studio up|down|status|push|submit|pull|preannotate``: the annotation workflow.

Thin layer over :mod:`furat.studio`: it resolves project paths, prints one short report
per action, and leaves every failure to :class:`~furat.errors.FuratError` (one line, no
traceback). Secrets are only ever printed masked.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from furat import gazetteer
from furat.commands.validate import records_or_refuse
from furat.errors import FuratError
from furat.fsutil import atomic_write_text
from furat.ingest import read_manifest
from furat.labels import load_project_inventory
from furat.paths import Project, find_project
from furat.studio import connect, pull, push, server, submit
from furat.studio.client import StudioClient
from furat.studio.credentials import ENV_URL, StudioState, local_credentials, mask

DEFAULT_TITLE = "Furat"


def _rel(project: Project, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return str(path)


def _source(project: Project, source: str) -> str:
    """An environment variable name as is, a file relative to the project."""
    return source if source.startswith("$") else _rel(project, Path(source))


def _up(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    state = StudioState.for_project(project)
    already = server.running(state)
    creds = local_credentials(state)
    info = server.start(state, creds, port=args.port, timeout=args.timeout)
    client = StudioClient(info.url, creds.token)
    try:
        client.whoami()
    except FuratError:
        if already is None:
            server.stop(state)
        raise FuratError(
            f"the server at {info.url} rejects the API token from {creds.token_source}: its data "
            f"folder {_rel(project, state.data_dir)} was set up with other credentials; use "
            "those (FURAT_LS_TOKEN), or stop the server and move the data folder away"
        ) from None
    finally:
        client.close()
    verb = "already running" if already is not None else "running"
    print(f"Label Studio is {verb} at {info.url} (pid {info.pid}; log {_rel(project, state.log_file)})")
    print(f"log in as {creds.username}; the password is in {_source(project, creds.password_source)}")
    print(f"API token {mask(creds.token)} (from {_source(project, creds.token_source)})")
    print("next: `furat studio push`, then annotate in the browser, then `furat studio pull`")
    return 0


def _down(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    info = server.stop(StudioState.for_project(project))
    if info is None:
        print("no local Label Studio server is running")
    else:
        print(f"stopped Label Studio (pid {info.pid}, {info.url})")
    return 0


def _status(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    state = StudioState.for_project(project)
    info = server.running(state)
    if info is None:
        print("local server: not running")
    else:
        up = time.time() - info.started_at
        print(f"local server: running at {info.url} (pid {info.pid}, up {up / 60:.0f} min)")
    if info is None and not os.environ.get(ENV_URL):
        return 3
    target = connect.resolve(project)
    with connect.connect(project) as client:
        user = client.whoami()
        print(f"Label Studio {client.version()} at {target.url}: token {mask(target.token)} "
              f"(from {_source(project, target.token_source)}) accepted for {user}")  # fmt: skip
        found = client.find_project(args.project)
    if found is None:
        print(f"project {args.project!r}: not created yet (run `furat studio push`)")
    else:
        print(f"project {args.project!r} (id {found.id}): {found.task_number} tasks, "
              f"{found.annotations} annotations, predictions {found.model_version or '-'}")  # fmt: skip
    return 0


def _gazetteer(project: Project, enabled: bool = True) -> gazetteer.Gazetteer | None:
    if not enabled:
        return None
    return gazetteer.from_project(load_project_inventory(project), project)


def _push(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    records = read_manifest(args.manifest or project.manifest)
    try:
        config = project.label_config.read_text(encoding="utf-8")
    except OSError as err:
        raise FuratError(f"{project.label_config}: {err.strerror}; run `furat schema generate`") from None
    gaz = _gazetteer(project, not args.no_predictions)
    with connect.connect(project) as client:
        before = client.requests
        report = push.push(client, args.project, records, config, gaz, force=args.force,
                           skip_changed=args.skip_changed, batch_tasks=args.batch_size,
                           progress=print)  # fmt: skip
        used = client.requests - before
    state = "created" if report.created else ("config updated" if report.config_updated else "up to date")
    print(f"project {args.project!r} (id {report.project_id}): {state}")
    print(f"{len(records)} articles in the manifest; {report.on_server} tasks were on the server; "
          f"imported {report.imported} in {report.batches} batch(es), {report.predictions} with "
          f"predictions ({gaz.model_version if gaz else 'none'}); {used} HTTP requests")  # fmt: skip
    if report.changed:
        print(f"warning: {len(report.changed)} changed article(s) left as they are on the server: "
              f"{', '.join(report.changed)}")  # fmt: skip
    if report.duplicates:
        print(f"warning: doc_id on several tasks (earlier manual imports?): {', '.join(report.duplicates)}")
    if report.foreign:
        print(f"note: {report.foreign} task(s) without a doc_id were left alone")
    return 0


def _existing(client: StudioClient, title: str) -> int:
    """The id of the project ``title`` on the server; an error if it was never pushed."""
    found = client.find_project(title)
    if found is None:
        raise FuratError(f"no project {title!r} on {client.url}: run `furat studio push` first")
    return found.id


def _submit(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    inv = load_project_inventory(project)
    records = records_or_refuse(project, inv, args.records, out=sys.stdout, refusal="nothing was submitted")
    with connect.connect(project) as client:
        target = _existing(client, args.project)
        report = submit.submit(client, target, records, inv, ground_truth=args.ground_truth, progress=print)
    kind = "ground-truth annotation(s)" if args.ground_truth else "annotation(s)"
    print(f"created {len(report.created)} {kind} as user {report.user_id} in project "
          f"{args.project!r}; {len(report.skipped)} article(s) already annotated by this user "
          "were left alone")  # fmt: skip
    return 0


def _pull(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    with connect.connect(project) as client:
        report = pull.pull(client, _existing(client, args.project), project.exports_dir)
    print(f"wrote {_rel(project, report.path)} (read-only; sha256 {report.sha256[:12]}… in {pull.SUMS})")
    print(f"{report.tasks} tasks; {report.annotations} annotations from {len(report.annotators)} "
          f"annotator(s): {report.cancelled} cancelled/skipped, {report.ground_truth} ground truth "
          f"(kept and flagged); {report.drafts} drafts; {report.predictions} predictions")  # fmt: skip
    return 0


def _preannotate(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    records = read_manifest(args.manifest or project.manifest)
    gaz = _gazetteer(project)
    assert gaz is not None
    lines: list[str] = []
    mentions = 0
    for record in records:
        found = gaz.find(record["text"])
        mentions += len(found)
        item: dict[str, Any] = {"doc_id": record["id"], "model_version": gaz.model_version,
                                "entities": [m.entity() for m in found],
                                "prediction": gaz.prediction(record["text"])}  # fmt: skip
        lines.append(json.dumps(item, ensure_ascii=False))
    atomic_write_text(args.out, "".join(f"{line}\n" for line in lines))
    print(f"wrote {args.out}: {mentions} mentions in {len(records)} articles ({gaz.model_version})")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("studio", help="run Label Studio, push tasks, pull exports")
    verbs = parser.add_subparsers(dest="studio_command", metavar="<action>", required=True)

    up = verbs.add_parser("up", help="start a local Label Studio server (data in .furat/studio)")
    up.add_argument("--port", type=int, default=server.DEFAULT_PORT, help="port on 127.0.0.1")
    up.add_argument("--timeout", type=float, default=server.START_TIMEOUT, help="seconds to wait")
    up.set_defaults(func=_up)
    verbs.add_parser("down", help="stop the local server started by `up`").set_defaults(func=_down)

    for name, func, text in (
        ("status", _status, "show the server, the token check and the project"),
        ("push", _push, "create/update the project; import new articles with pre-annotations"),
        ("submit", _submit, "add records (JSON lines) as the token user's annotations"),
        ("pull", _pull, "write a snapshot export to annotation/exports/"),
    ):
        verb = verbs.add_parser(name, help=text)
        verb.add_argument("--project", default=DEFAULT_TITLE, help="project title (default: Furat)")
        verb.set_defaults(func=func)
        if name == "push":
            flag = verb.add_argument
            flag("--manifest", type=Path, default=None, help="default: annotation/articles.jsonl")
            flag("--force", action="store_true", help="apply a config that orphans annotations")
            flag("--skip-changed", action="store_true", help="push the rest when texts changed")
            flag("--no-predictions", action="store_true", help="send tasks without pre-annotations")
            flag("--batch-size", type=int, default=push.BATCH_TASKS, help="tasks per request")
        if name == "submit":
            verb.add_argument("records", metavar="FILE.jsonl", help="canonical records to submit")
            verb.add_argument("--ground-truth", action="store_true",
                              help="mark the annotations as ground truth (adjudicated gold)")  # fmt: skip

    pre = verbs.add_parser("preannotate", help="write the gazetteer's predictions as JSON lines")
    pre.add_argument("--out", type=Path, required=True, help="output .jsonl file")
    pre.add_argument("--manifest", type=Path, default=None, help="default: annotation/articles.jsonl")
    pre.set_defaults(func=_preannotate)
