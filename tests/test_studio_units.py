"""Pieces of push and pull that need no server: batching, task shape, config check, files."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from furat import gazetteer
from furat.errors import FuratError
from furat.labels import Inventory
from furat.paths import Project
from furat.studio import configcheck, pull, push

RECORD = {
    "id": "doc_1",
    "text": "سيطرت قسد على الرقة",
    "metadata": {"title": "عنوان", "outlet": "شبكة شام", "date": "2017-11-13", "text_sha256": "ab" * 32},
}


def test_task_data_follows_the_contract(repo: Project, inventory: Inventory) -> None:
    gaz = gazetteer.from_project(inventory, repo)
    task = push.task_for(RECORD, gaz)
    assert task["data"] == {"text": RECORD["text"], "doc_id": "doc_1", "text_sha256": "ab" * 32,
                            "title": "عنوان", "outlet": "شبكة شام", "date": "2017-11-13"}  # fmt: skip
    [prediction] = task["predictions"]
    assert prediction["model_version"] == gaz.model_version and len(prediction["result"]) == 3
    assert "predictions" not in push.task_for(RECORD, None)
    assert "predictions" not in push.task_for({**RECORD, "text": "لا شيء"}, gaz)


def test_batches_respect_count_and_size() -> None:
    tasks = [{"data": {"text": "ن" * 100, "i": i}} for i in range(1050)]
    sizes = [len(b) for b in push.batches(tasks, 500, 10**9)]
    assert sizes == [500, 500, 50]
    one = len(json.dumps(tasks[0], ensure_ascii=False).encode())
    by_bytes = list(push.batches(tasks[:10], 500, 3 * one))
    assert [len(b) for b in by_bytes] == [3, 3, 3, 1]
    assert [t for b in by_bytes for t in b] == tasks[:10]


def test_config_check_names_what_would_be_orphaned(repo: Project) -> None:
    config = repo.label_config.read_text(encoding="utf-8")
    vocab = configcheck.vocabulary(config)
    assert {"ORG", "GPE"} <= (vocab["entity"] or set()) and "agent" in (vocab[configcheck.RELATIONS] or set())
    task = {
        "annotations": [{"result": [
            {"id": "a", "from_name": "entity", "type": "labels", "value": {"labels": ["ORG"]}},
            {"id": "a", "from_name": "actor", "type": "choices", "value": {"choices": ["sdf"]}},
            {"from_id": "a", "to_id": "a", "type": "relation", "labels": ["agent"]},
        ]}],
        "drafts": [{"result": [
            {"from_name": "stance_sdf", "type": "choices", "value": {"choices": ["FAVOR"]}},
        ]}],
        "predictions": [{"result": [
            {"from_name": "entity", "type": "labels", "value": {"labels": ["LOC"]}},
        ]}],
    }  # fmt: skip
    used = configcheck.used_values(configcheck.task_results(task))
    assert used == Counter({("entity", "ORG"): 1, ("actor", "sdf"): 1, (configcheck.RELATIONS, "agent"): 1,
                            ("stance_sdf", "FAVOR"): 1})  # fmt: skip
    assert configcheck.orphans(config, used) == []
    smaller = (
        config.replace('<Label value="ORG"', '<Label value="ORGANISATION"')
        .replace('<Relation value="agent"', '<Relation value="actor_role"')
        .replace('name="stance_sdf"', 'name="stance_sdf_v2"')
    )
    assert configcheck.orphans(smaller, used) == [
        "control 'stance_sdf' (1 use)",
        "(relations)='agent' (1 use)",
        "entity='ORG' (1 use)",
    ]
    with pytest.raises(FuratError, match="not valid XML"):
        configcheck.vocabulary("<View>")


def test_streaming_reader_handles_chunks_and_reports_broken_files() -> None:
    items = [{"id": i, "data": {"text": "نص " * i}} for i in range(200)]
    text = json.dumps(items, ensure_ascii=False)
    assert list(pull.iter_array(io.StringIO(text), chunk=13)) == items
    assert list(pull.iter_array(io.StringIO(" [ ] "))) == []
    with pytest.raises(FuratError, match="not a JSON array"):
        list(pull.iter_array(io.StringIO('{"a": 1}')))
    with pytest.raises(FuratError, match="cut off"):
        list(pull.iter_array(io.StringIO(text[: len(text) // 2]), chunk=64))


def test_checksums_are_appended_never_rewritten(tmp_path: Path) -> None:
    pull.append_checksum(tmp_path, "a.json", "1" * 64)
    (tmp_path / "SHA256SUMS").write_text(f"{'1' * 64}  a.json")  # a hand edit lost the newline
    pull.append_checksum(tmp_path, "b.json", "2" * 64)
    assert (tmp_path / "SHA256SUMS").read_text() == f"{'1' * 64}  a.json\n{'2' * 64}  b.json\n"
    with pytest.raises(FuratError, match="already listed"):
        pull.append_checksum(tmp_path, "a.json", "3" * 64)


def test_export_names_say_project_and_utc_time() -> None:
    when = dt.datetime(2026, 11, 21, 23, 45, 1, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert pull.export_name(3, when) == "furat-p3-20261121T204501Z.json"
