"""The annotation workflow end to end on a real Label Studio server.

up (session fixture) → push (tasks + gazetteer predictions) → two annotators annotate
through the API → pull → the snapshot holds every region, relation and choice with
offsets that cut the same text out of the article.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from studio_helpers import OFFSETS_ID, Studio, offsets_layers, signup

from furat import gazetteer, lsresults
from furat.errors import FuratError
from furat.fsutil import sha256_file
from furat.ingest import read_manifest
from furat.labels import load_project_inventory
from furat.studio import pull, push
from furat.studio.client import StudioClient

pytestmark = [pytest.mark.studio, pytest.mark.slow]
TITLE = "Furat"
TASK_KEYS = {"text", "doc_id", "text_sha256", "title", "outlet", "date"}


def _gaz(studio: Studio) -> gazetteer.Gazetteer:
    return gazetteer.from_project(load_project_inventory(studio.project), studio.project)


def _all_tasks(client: StudioClient, project_id: int) -> list[dict[str, Any]]:
    return [t for page in client.task_pages(project_id, 1000, full=True) for t in page]


def _spans(task: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every result item with offsets in a task's annotations, drafts and predictions."""
    for key in ("annotations", "drafts", "predictions"):
        for item in task.get(key) or []:
            for result in item.get("result") or []:
                if "start" in (result.get("value") or {}):
                    yield result


def test_push_imports_every_article_with_predictions_once(studio: Studio) -> None:
    code, out = studio.cli("push")
    assert code == 0, out
    records = read_manifest(studio.project.manifest)
    gaz = _gaz(studio)
    with studio.client() as client:
        info = client.find_project(TITLE)
        assert info is not None and info.model_version == gaz.model_version
        tasks = _all_tasks(client, info.id)
        assert sorted(t["data"]["doc_id"] for t in tasks) == sorted(r["id"] for r in records)
        by_id = {r["id"]: r for r in records}
        for task in tasks:
            record = by_id[task["data"]["doc_id"]]
            assert set(task["data"]) == TASK_KEYS
            assert task["data"]["text"] == record["text"]
            assert task["data"]["text_sha256"] == record["metadata"]["text_sha256"]
            [prediction] = task["predictions"]
            assert prediction["model_version"] == gaz.model_version
            expected = gaz.prediction(record["text"])
            assert expected is not None and prediction["result"] == expected["result"]
            for result in _spans(task):
                value = result["value"]
                assert task["data"]["text"][value["start"] : value["end"]] == value["text"]

        before = client.requests
        report = push.push(client, TITLE, records, studio.project.label_config.read_text(), gaz)
        assert (report.imported, report.batches, report.on_server) == (0, 0, len(records))
        assert client.requests - before <= 3  # find project, one page of tasks
    code, out = studio.cli("push")
    assert code == 0 and "imported 0 in 0 batch(es)" in out, out


def test_two_annotators_and_the_snapshot_export(studio: Studio) -> None:
    assert studio.cli("push")[0] == 0
    email = f"annotator-{time.time_ns()}@furat.local"
    second_token = signup(studio.url, email, "Second-annotator-pw-2026")
    with studio.client() as admin, studio.client(second_token) as second:
        info = admin.find_project(TITLE)
        assert info is not None
        tasks = {t["data"]["doc_id"]: t for t in _all_tasks(admin, info.id)}
        article = tasks[OFFSETS_ID]
        record = offsets_layers(article["data"]["text"])
        results = lsresults.record_to_results(record, ["modality", "polarity"])
        with second.call("annotating"):
            second.sdk.annotations.create(article["id"], result=results, lead_time=12.5)
            second_id = int(second.sdk.users.whoami().id or 0)
        seed = tasks["000_d9b920595663203e"]
        accepted = seed["predictions"][0]["result"] + lsresults.stance_results(
            {"actor": "sdf", "label": "AGAINST"}, 0
        )
        with admin.call("annotating"):
            admin.sdk.annotations.create(seed["id"], result=accepted, ground_truth=True)
            admin.sdk.annotations.create(tasks["002_e6105bcd15428ba5"]["id"], result=[], was_cancelled=True)
            admin_id = int(admin.sdk.users.whoami().id or 0)
        drafted = tasks["003_77b17fb1c50acb1e"]
        draft_result = drafted["predictions"][0]["result"][:2]
        draft = httpx.post(
            f"{studio.url}/api/tasks/{drafted['id']}/drafts",
            json={"result": draft_result, "lead_time": 3.0},
            headers={"Authorization": f"Token {second_token}"},
        )
        assert draft.status_code == 201, draft.text

    code, out = studio.cli("pull")
    assert code == 0, out
    name = re.search(r"(furat-p\d+-\d{8}T\d{6}Z\.json)", out)
    assert name is not None, out
    path = studio.project.exports_dir / name.group(1)
    assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0
    sums = (studio.project.exports_dir / "SHA256SUMS").read_text().splitlines()
    assert f"{sha256_file(path)}  {path.name}" in sums
    assert "1 cancelled/skipped" in out and "1 ground truth" in out and "drafts" in out

    exported = {t["data"]["doc_id"]: t for t in json.loads(path.read_text(encoding="utf-8"))}
    for task in exported.values():
        for result in _spans(task):
            value = result["value"]
            assert task["data"]["text"][value["start"] : value["end"]] == value["text"]
    [annotation] = [a for a in exported[OFFSETS_ID]["annotations"] if a["completed_by"] == second_id]
    assert annotation["result"] == results  # every region, relation and choice, as sent
    kinds = {(r["type"], r.get("from_name")) for r in annotation["result"]}
    assert {("relation", None), ("choices", "actor"), ("choices", "modality"),
            ("choices", "stance_sdf"), ("choices", "stance_isis")} <= kinds  # fmt: skip
    assert len([r for r in annotation["result"] if r["type"] == "relation"]) == 2
    [gold] = exported["000_d9b920595663203e"]["annotations"]
    assert gold["ground_truth"] is True and gold["completed_by"] == admin_id
    assert [a["was_cancelled"] for a in exported["002_e6105bcd15428ba5"]["annotations"]] == [True]
    [kept_draft] = exported["003_77b17fb1c50acb1e"]["drafts"]
    assert kept_draft["result"] == draft_result

    with studio.client() as client:
        stamp = dt.datetime.strptime(path.name.split("-")[2], "%Y%m%dT%H%M%SZ.json").replace(tzinfo=dt.UTC)
        with pytest.raises(FuratError, match="never overwritten"):
            pull.pull(client, int(path.name.split("-")[1][1:]), studio.project.exports_dir, now=stamp)
    assert path.stat().st_size > 0 and sha256_file(path) in "\n".join(sums)


def test_config_change_orphaning_annotations_needs_force(studio: Studio) -> None:
    title = "Furat config check"
    records = read_manifest(studio.project.manifest)[:2]
    config = studio.project.label_config.read_text()
    with studio.client() as client:
        report = push.push(client, title, records, config, None)
        task = next(client.task_pages(report.project_id, 10))[0]
        text = task["data"]["text"]
        start = text.index("قسد")
        results = [
            {"id": "a", "from_name": "entity", "to_name": "text", "type": "labels",
             "value": {"start": start, "end": start + 3, "text": "قسد", "labels": ["ORG"]}},
            {"from_id": "a", "to_id": "a", "type": "relation", "direction": "right", "labels": ["agent"]},
        ]  # fmt: skip
        with client.call("annotating"):
            client.sdk.annotations.create(task["id"], result=results)
        without_agent = config.replace('<Relation value="agent"', '<Relation value="agent_renamed"')
        with pytest.raises(FuratError, match=r"orphan existing annotations.*\(relations\)='agent'"):
            push.push(client, title, records, without_agent, None)
        info = client.find_project(title)
        assert info is not None and info.label_config.strip() == config.strip()
        forced = push.push(client, title, records, without_agent, None, force=True)
        assert forced.config_updated
        assert push.push(client, title, records, config, None).config_updated  # adding back is safe


def test_changed_article_text_stops_the_push(studio: Studio, tmp_path: Path) -> None:
    title = "Furat changed text"
    records = read_manifest(studio.project.manifest)[:2]
    with studio.client() as client:
        assert push.push(client, title, records, studio.project.label_config.read_text(), None).imported == 2
        changed = json.loads(json.dumps(records))
        changed[0]["metadata"]["text_sha256"] = "0" * 64
        with pytest.raises(FuratError, match=f"1 article.*changed.*{records[0]['id']}"):
            push.push(client, title, changed, studio.project.label_config.read_text(), None)
        report = push.push(client, title, changed, studio.project.label_config.read_text(), None,
                           skip_changed=True)  # fmt: skip
        assert report.changed == [records[0]["id"]] and report.imported == 0
        info = client.find_project(title)
        assert info is not None and info.task_number == 2
