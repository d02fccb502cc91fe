"""``furat studio submit`` on a real Label Studio server: records in, the same records out.

Two users (an annotator who signs up through the web form, and the admin adjudicating)
submit canonical records through the CLI with their own tokens; a snapshot pull and
the converter must give back exactly the submitted layers, with the admin's annotation
as gold and both in the raw-annotations rows. Refusals (invalid record, changed text,
a second ground truth) must leave the server untouched.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from studio_helpers import OFFSETS_ID, Studio, offsets_layers, signup, span

from furat.convert import convert_exports
from furat.ingest import read_manifest
from furat.labels import load_project_inventory
from furat.studio import pull
from furat.studio.client import StudioClient
from furat.studio.credentials import ENV_TOKEN

pytestmark = [pytest.mark.studio, pytest.mark.slow]
TITLE = "Furat submit"


def _record(studio: Studio, annotator: str) -> dict[str, Any]:
    """A complete canonical record of the offsets article (diacritics, tatweel, emoji)."""
    [article] = [r for r in read_manifest(studio.project.manifest) if r["id"] == OFFSETS_ID]
    text = article["text"]
    layers = offsets_layers(text)
    layers["entities"].append(
        {"id": "e4", **span(text, "الأهالي"), "type": "PER", "actor": "civilians", "parent": None}
    )
    layers["events"].append(
        {
            "id": "v2",
            "type": "WITHDRAWAL",
            "trigger": span(text, "انسحاب"),
            "modality": "ASSERTED",
            "polarity": "POSITIVE",
            "arguments": [{"role": "agent", "mention_id": "e3"}],
        }
    )
    layers["stance"] = [  # AGAINST needs evidence for validation
        {"actor": "sdf", "label": "NEUTRAL", "evidence": []},
        {"actor": "isis", "label": "AGAINST", "evidence": [span(text, "انسحاب تنظيمُ الدولةِ")]},
        {"actor": "civilians", "label": "NEUTRAL", "evidence": []},
    ]
    return {
        "id": OFFSETS_ID,
        "schema_version": "0.1.0",
        "metadata": article["metadata"],
        "text": text,
        "paragraphs": article["paragraphs"],
        **layers,
        "provenance": {
            "task_id": None,
            "annotation_ids": [],
            "annotator_ids": [annotator],
            "export_file": None,
            "gold": "single_annotation",
        },
    }


def _write(path: Path, *records: dict[str, Any]) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def _annotations(client: StudioClient, project_id: int) -> list[dict[str, Any]]:
    tasks = [t for page in client.task_pages(project_id, 1000, full=True) for t in page]
    [task] = [t for t in tasks if t["data"]["doc_id"] == OFFSETS_ID]
    return list(task["annotations"])


def _layers(record: dict[str, Any]) -> dict[str, list[str]]:
    """The three layers, each as a sorted list of items (the converter orders by offset)."""
    return {k: sorted(json.dumps(i, sort_keys=True, ensure_ascii=False) for i in record[k])
            for k in ("entities", "events", "stance")}  # fmt: skip


def test_submit_round_trip_gold_and_refusals(
    studio: Studio, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out = studio.cli("push", "--project", TITLE)
    assert code == 0, out
    annotator_token = signup(
        studio.url, f"annotator-{time.time_ns()}@furat.local", "Submit-annotator-pw-2026"
    )
    first = _record(studio, "annotator-a")
    gold = copy.deepcopy(first)  # the adjudicated version: one more mention, one stance changed
    reuters = span(first["text"], "Reuters")
    gold["entities"].append({"id": "e5", **reuters, "type": "ORG", "actor": None, "parent": None})
    gold["stance"][0] = {"actor": "sdf", "label": "NEUTRAL", "evidence": [first["events"][0]["trigger"]]}

    # An invalid record refuses the whole file before anything reaches the server.
    bad = copy.deepcopy(first)
    bad["entities"][0]["text"] = "قسدد"
    monkeypatch.setenv(ENV_TOKEN, annotator_token)
    code, out = studio.cli("submit", "--project", TITLE, _write(tmp_path / "bad.jsonl", bad))
    assert code == 1 and "SPAN_TEXT_MISMATCH" in out and "nothing was submitted" in out, out

    # A record whose text is not the task's text (a changed article) is refused as well.
    changed = copy.deepcopy(first)
    changed["text"] = changed["text"].replace("بخير", "بخيرٍ")
    changed["metadata"]["text_sha256"] = hashlib.sha256(changed["text"].encode()).hexdigest()
    code, out = studio.cli("submit", "--project", TITLE, _write(tmp_path / "changed.jsonl", changed))
    assert code == 1 and "differs from task" in out, out

    with studio.client() as admin:
        info = admin.find_project(TITLE)
        assert info is not None
        assert _annotations(admin, info.id) == []

        code, out = studio.cli("submit", "--project", TITLE, _write(tmp_path / "a.jsonl", first))
        assert code == 0 and "created 1 annotation(s)" in out, out
        code, out = studio.cli("submit", "--project", TITLE, str(tmp_path / "a.jsonl"))
        assert code == 0 and "created 0 annotation(s)" in out and "1 article(s) already" in out, out

        # Gold over the annotator's own ordinary annotation would be skipped: refused.
        code, out = studio.cli("submit", "--project", TITLE, "--ground-truth", str(tmp_path / "a.jsonl"))
        assert code == 1 and "already has an ordinary annotation" in out, out

        monkeypatch.delenv(ENV_TOKEN)  # the admin's own (stored) token: the adjudicator
        code, out = studio.cli(
            "submit", "--project", TITLE, "--ground-truth", _write(tmp_path / "g.jsonl", gold)
        )
        assert code == 0 and "created 1 ground-truth annotation(s)" in out, out
        annotations = _annotations(admin, info.id)
        assert sorted(bool(a["ground_truth"]) for a in annotations) == [False, True]

        # A second user's ground truth on the same task is refused (two would block gold).
        other = signup(studio.url, f"annotator-{time.time_ns()}@furat.local", "Submit-other-pw-2026")
        monkeypatch.setenv(ENV_TOKEN, other)
        code, out = studio.cli("submit", "--project", TITLE, "--ground-truth", str(tmp_path / "a.jsonl"))
        assert code == 1 and "already has a ground-truth annotation" in out, out
        assert len(_annotations(admin, info.id)) == 2

        report = pull.pull(admin, info.id, tmp_path / "exports")
    for text in studio.outputs:
        assert annotator_token not in text and other not in text

    manifest = read_manifest(studio.project.manifest)
    inv = load_project_inventory(studio.project)
    conversion = convert_exports([report.path], manifest, inv)
    assert not conversion.incidents.has_errors, [str(i) for i in conversion.incidents]
    [record] = [r for r in conversion.records if r["id"] == OFFSETS_ID]
    assert record["provenance"]["gold"] == "ground_truth"
    assert _layers(record) == _layers(gold)
    rows = [r for r in conversion.annotations if r["id"] == OFFSETS_ID]
    assert len(rows) == 2
    assert sorted(json.dumps(_layers(r)) for r in rows) == sorted(
        json.dumps(_layers(r)) for r in (first, gold)
    )
