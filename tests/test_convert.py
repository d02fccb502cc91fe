"""Unit tests of the converter: streaming reader, export order, gold rule, conversion rules."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from furat.convert import Conversion, convert_exports, convert_project, iter_manifest
from furat.errors import FuratError
from furat.exports import export_order, iter_array, iter_jsonl, name_timestamp
from furat.gold import annotator_id, choose_gold
from furat.incidents import IncidentLog
from furat.labels import Inventory
from furat.paths import Project

REPO = Path(__file__).resolve().parents[1]
EXPORTS = REPO / "tests" / "fixtures" / "exports"
NEWER = EXPORTS / "project-1-at-2024-05-03-18-30-b71d04aa.json"
OLDER = EXPORTS / "project-1-at-2024-05-01-09-00-3f2a9c1e.json"


def manifest() -> list[dict[str, Any]]:
    return [dict(a) for a in iter_manifest(EXPORTS / "manifest.jsonl")]


def convert(tasks: list[dict[str, Any]], tmp_path: Path, inv: Inventory) -> Conversion:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return convert_exports([path], manifest(), inv)


def newer_tasks() -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = json.loads(NEWER.read_text(encoding="utf-8"))
    return tasks


# --- streaming reader -------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096, 1 << 20])
def test_streaming_reader_matches_json_load_at_any_chunk_size(chunk: int) -> None:
    log = IncidentLog()
    got = [task for _, task in iter_array(NEWER, log, chunk=chunk)]
    assert got == json.loads(NEWER.read_text(encoding="utf-8"))
    assert len(log) == 0


def test_streaming_reader_reports_task_start_lines(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text('\ufeff[\n {"id": 1},\n\n {"id": 2}\n]\n', encoding="utf-8")
    log = IncidentLog()
    assert list(iter_array(path, log, chunk=3)) == [(2, {"id": 1}), (4, {"id": 2})]
    assert len(log) == 0


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("", "JSON_TRUNCATED"),
        ("   \n", "JSON_TRUNCATED"),
        ('[{"id": 1}, {"id": 2', "JSON_TRUNCATED"),
        ('[{"id": 1}, {"id": 2}', "JSON_TRUNCATED"),
        ('[{"id": 1}, {"data": "unterminated', "JSON_TRUNCATED"),
        ('[{"id": 1} {"id": 2}]', "JSON_MALFORMED"),
        ('[{"id": 1},]', "JSON_MALFORMED"),
        ('[{"id": 1}] trailing', "JSON_MALFORMED"),
        ('[{"id": tru}]', "JSON_MALFORMED"),
        ('{"id": 1}', "EXPORT_STRUCTURE"),
    ],
)
def test_broken_files_are_one_incident_never_an_exception(tmp_path: Path, content: str, code: str) -> None:
    path = tmp_path / "e.json"
    path.write_text(content, encoding="utf-8")
    for chunk in (2, 1 << 20):
        log = IncidentLog()
        list(iter_array(path, log, chunk=chunk))
        assert [i.code for i in log] == [code], (chunk, [str(i) for i in log])


def test_every_truncation_of_an_export_is_reported(tmp_path: Path) -> None:
    data = NEWER.read_bytes()
    path = tmp_path / "cut.json"
    for cut in range(1, len(data) - 2, 997):
        path.write_bytes(data[:cut])
        log = IncidentLog()
        list(iter_array(path, log, chunk=512))
        assert [i.code for i in log] in (["JSON_TRUNCATED"], ["JSON_MALFORMED"]), cut


def test_non_utf8_export_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('[{"id": 1, "data": {"text": "é"}}]'.encode("latin-1"))
    log = IncidentLog()
    assert list(iter_array(path, log)) == []
    assert [i.code for i in log] == ["JSON_MALFORMED"]


def test_a_download_cut_inside_an_arabic_letter_is_truncated_at_its_line(tmp_path: Path) -> None:
    """An interrupted download of Arabic text usually stops inside a two-byte letter."""
    data = json.dumps([{"id": 1}, {"id": 2, "data": {"text": "قسد\nتسيطر"}}], ensure_ascii=False, indent=1)
    raw = data.encode("utf-8")
    cut = raw.index("تسيطر".encode()) + 1  # inside the first letter
    path = tmp_path / "cut.json"
    path.write_bytes(raw[:cut])
    for chunk in (1, 5, 1 << 20):
        log = IncidentLog()
        assert [t for _, t in iter_array(path, log, chunk=chunk)] == [{"id": 1}]
        [incident] = list(log)
        assert incident.code == "JSON_TRUNCATED" and f"byte {cut - 1}" in incident.message
        assert incident.location.line == data[: data.index("تسيطر")].count("\n") + 1


def test_a_bad_byte_is_located_by_line_and_byte(tmp_path: Path) -> None:
    raw = '[\n {"id": 1},\n {"id": 2, "data": {"text": "دير"}}\n]'.encode()
    bad = raw.index("دير".encode())  # the first byte of a letter
    path = tmp_path / "bad.json"
    path.write_bytes(raw[:bad] + b"\xff" + raw[bad + 1 :])
    for chunk in (1, 4, 1 << 20):
        log = IncidentLog()
        list(iter_array(path, log, chunk=chunk))
        [incident] = list(log)
        assert (incident.code, incident.location.line) == ("JSON_MALFORMED", 3)
        assert f"invalid start byte at byte {bad}" in incident.message


@pytest.mark.parametrize(
    ("content", "code", "line"),
    [
        ("[\n" + "[" * 100_000 + "]" * 100_000 + "\n]", "JSON_MALFORMED", 2),  # nesting, no RecursionError
        ('[\n {"id": 1},\n\n', "JSON_TRUNCATED", 2),  # ends after a comma: at the comma's line
    ],
)
def test_pathological_files_are_incidents(tmp_path: Path, content: str, code: str, line: int) -> None:
    path = tmp_path / "e.json"
    path.write_text(content, encoding="utf-8")
    log = IncidentLog()
    list(iter_array(path, log))
    assert [(i.code, i.location.line) for i in log] == [(code, line)]


def test_jsonl_reader_reports_each_bad_line_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"a": 1}\n{broken\n\n\xff\xfe\n{"a": 2}\n')
    log = IncidentLog()
    assert list(iter_jsonl(path, log)) == [(1, {"a": 1}), (5, {"a": 2})]
    assert [(i.code, i.location.line) for i in log] == [("JSON_MALFORMED", 2), ("JSON_MALFORMED", 4)]


# --- export order ------------------------------------------------------------------------


def test_newest_export_first_by_file_name_timestamp() -> None:
    names = [
        "project-1-at-2024-05-03-18-30-b71d04aa.json",
        "furat-p1-20240601T090000Z.json",
        "project-1-at-2024-05-01-09-00-3f2a9c1e.json",
        "manual.json",
    ]
    order = [p.name for p in export_order(Path(n) for n in names)]
    assert order == [names[1], names[0], names[2], names[3]]
    assert name_timestamp(Path(names[0])) == (2024, 5, 3, 18, 30, 0)
    assert name_timestamp(Path("manual.json")) is None
    assert name_timestamp(Path("furat-p2024-20240503T183000Z.json")) == (2024, 5, 3, 18, 30, 0)
    assert name_timestamp(Path("project-12-at-2024-05-03-18-30-20241231.json")) == (2024, 5, 3, 18, 30, 0)


def test_newer_export_wins_and_older_only_tasks_are_kept(tmp_path: Path, inventory: Inventory) -> None:
    conv = convert_exports([OLDER, NEWER], manifest(), inventory, root=REPO)
    by_id = {r["id"]: r for r in conv.records}
    assert len(by_id["fx_001"]["entities"]) == 9  # the older export had 2
    assert by_id["fx_001"]["provenance"]["export_file"] == NEWER.relative_to(REPO).as_posix()
    assert by_id["fx_002"]["provenance"] == {
        "task_id": 3,
        "annotation_ids": [],
        "annotator_ids": [],
        "export_file": OLDER.relative_to(REPO).as_posix(),
        "gold": "none",
    }
    # order of the arguments does not matter, only the names
    again = convert_exports([NEWER, OLDER], manifest(), inventory, root=REPO)
    assert again.records == conv.records


# --- gold rule ---------------------------------------------------------------------------


def ann(aid: int, **flags: bool) -> dict[str, Any]:
    return {"id": aid, "was_cancelled": flags.get("cancelled", False), "ground_truth": flags.get("gt", False)}


def test_gold_rule() -> None:
    assert choose_gold([]).rule == "none"
    assert choose_gold([ann(1, cancelled=True)]).rule == "none"
    single = choose_gold([ann(1), ann(2, cancelled=True)])
    assert (single.rule, single.annotation and single.annotation["id"]) == ("single_annotation", 1)
    truth = choose_gold([ann(1), ann(2, gt=True), ann(3)])
    assert (truth.rule, truth.annotation and truth.annotation["id"]) == ("ground_truth", 2)
    cancelled_truth = choose_gold([ann(1), ann(2, gt=True, cancelled=True)])
    assert cancelled_truth.rule == "single_annotation"
    assert choose_gold([ann(1), ann(2)]).refusal is not None
    assert choose_gold([ann(1), ann(2)]).refusal[0] == "GOLD_AMBIGUOUS"  # type: ignore[index]
    several = choose_gold([ann(1, gt=True), ann(2, gt=True)])
    assert several.refusal is not None and several.refusal[0] == "GOLD_MULTIPLE_GROUND_TRUTH"
    assert several.annotation is None


def test_annotators_are_pseudonymous(inventory: Inventory) -> None:
    assert annotator_id(7) == "annotator-7"
    assert annotator_id({"id": 3, "email": "a@b.c"}) == "annotator-3"
    assert annotator_id("a@b.c") is None
    assert annotator_id(True) is None
    conv = convert_exports([NEWER], manifest(), inventory)
    dumped = json.dumps([conv.records, conv.annotations], ensure_ascii=False)
    assert "@" not in dumped and "annotator-1" in dumped


def test_drafts_and_predictions_never_become_rows_or_gold(inventory: Inventory) -> None:
    conv = convert_exports([OLDER, NEWER], manifest(), inventory)
    assert [(r["id"], r["annotation_id"]) for r in conv.annotations] == [
        ("fx_000", 11),
        ("fx_000", 12),
        ("fx_000", 13),
        ("fx_001", 21),
        ("fx_001", 22),
    ]
    assert all(e["id"] != "p_dez" for r in conv.records for e in r["entities"])


def test_refused_task_gives_a_placeholder_and_an_error(tmp_path: Path, inventory: Inventory) -> None:
    tasks = newer_tasks()
    tasks[0]["annotations"][0]["ground_truth"] = False
    conv = convert(tasks, tmp_path, inventory)
    assert [i.code for i in conv.incidents] == ["GOLD_AMBIGUOUS"]
    assert conv.incidents.has_errors
    assert conv.records[0]["entities"] == [] and conv.records[0]["provenance"]["gold"] == "none"
    assert len(conv.annotations) == 5  # the raw layers stay available


# --- conversion rules --------------------------------------------------------------------


def test_one_record_per_manifest_article_in_manifest_order(inventory: Inventory) -> None:
    conv = convert_exports([NEWER], manifest(), inventory)
    assert [r["id"] for r in conv.records] == ["fx_000", "fx_001", "fx_002", "fx_003"]
    for record, article in zip(conv.records, manifest(), strict=True):
        assert (record["text"], record["metadata"]) == (article["text"], article["metadata"])


def test_attributes_default_and_relations_any_direction(inventory: Inventory) -> None:
    record = convert_exports([NEWER], manifest(), inventory).records[0]
    events = {e["id"]: e for e in record["events"]}
    assert (events["a_withdraw"]["modality"], events["a_withdraw"]["polarity"]) == ("ASSERTED", "POSITIVE")
    assert events["a_evacuate"]["modality"] == "REPORTED"
    assert {"role": "participant", "mention_id": "a_qsd1"} in events["a_share"]["arguments"]


def test_parent_is_smallest_strict_container(inventory: Inventory) -> None:
    record = convert_exports([NEWER], manifest(), inventory).records[0]
    parents = {e["id"]: e["parent"] for e in record["entities"]}
    assert parents["a_dez2"] == "a_rif" and parents["a_qsd3"] == "a_forces"
    assert parents["a_rif"] is None and parents["a_qsd1"] is None


def test_stance_follows_inventory_order_with_evidence(inventory: Inventory) -> None:
    record = convert_exports([NEWER], manifest(), inventory).records[0]
    assert [s["actor"] for s in record["stance"]] == list(inventory.stance_actor_ids)
    sdf = next(s for s in record["stance"] if s["actor"] == "sdf")
    assert sdf == {
        "actor": "sdf",
        "label": "AGAINST",
        "evidence": [{"start": 215, "end": 234, "text": "قوات قسد الانفصالية"}],
    }


def test_same_annotation_shuffled_gives_the_same_record(tmp_path: Path, inventory: Inventory) -> None:
    tasks = newer_tasks()
    shuffled = copy.deepcopy(tasks)
    shuffled[0]["annotations"][0]["result"].reverse()
    assert convert(shuffled, tmp_path, inventory).records == convert(tasks, tmp_path, inventory).records


def test_region_past_the_text_is_dropped_with_one_incident(tmp_path: Path, inventory: Inventory) -> None:
    tasks = newer_tasks()
    result = tasks[1]["annotations"][0]["result"]
    region = next(i for i in result if i.get("id") == "b_river" and i["from_name"] == "entity")
    region["value"]["end"] = 10_000
    result.append({"from_id": "b_advance", "to_id": "b_river", "type": "relation", "labels": ["place"]})
    conv = convert(tasks, tmp_path, inventory)
    assert [(i.code, i.location.region) for i in conv.incidents] == [("SPAN_OUT_OF_RANGE", "b_river")]
    assert all(e["id"] != "b_river" for e in conv.records[1]["entities"])


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.update(annotations="oops"),
        lambda t: t["annotations"][0].update(result={"not": "a list"}),
        lambda t: t["annotations"][0].pop("completed_by"),
        lambda t: t["annotations"][0]["result"].append("a string"),
        lambda t: t["annotations"][0]["result"].append({"from_name": "entity", "to_name": "text"}),
        lambda t: t["annotations"][0]["result"].append({"type": "relation", "from_id": 1}),
        lambda t: t["data"].pop("doc_id"),
        lambda t: t.update(id="2"),
    ],
)
def test_odd_shapes_are_export_structure_incidents(tmp_path: Path, inventory: Inventory, mangle: Any) -> None:
    tasks = newer_tasks()[1:]
    mangle(tasks[0])
    conv = convert(tasks, tmp_path, inventory)
    assert "EXPORT_STRUCTURE" in {i.code for i in conv.incidents}, [str(i) for i in conv.incidents]


def test_offsets_in_code_points_with_emoji_and_combining_marks(tmp_path: Path, inventory: Inventory) -> None:
    """A Label Studio that counted UTF-16 units would put this span one unit off."""
    art = manifest()[3]
    text = "😀 قوات «قسد» 👨‍👩‍👧 في دير الزورِ"
    art["text"] = text
    art["metadata"] = dict(art["metadata"], text_sha256=hashlib.sha256(text.encode()).hexdigest())
    start = text.index("دير")
    end = len(text)
    task = {
        "id": 5,
        "data": {"text": text, "doc_id": art["id"]},
        "annotations": [
            {
                "id": 50,
                "completed_by": 1,
                "result": [
                    {
                        "id": "r1",
                        "from_name": "entity",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": start, "end": end, "text": "دير الزورِ", "labels": ["GPE"]},
                    },
                ],
            }
        ],
    }
    path = tmp_path / "e.json"
    path.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    conv = convert_exports([path], [art], inventory)
    assert list(conv.incidents) == []
    (entity,) = conv.records[0]["entities"]
    assert text[entity["start"] : entity["end"]] == entity["text"] == "دير الزورِ"


def test_convert_project_reads_exports_folder(project_copy: Project, inventory: Inventory) -> None:
    shutil.copy(EXPORTS / "manifest.jsonl", project_copy.manifest)
    for path in (OLDER, NEWER):
        shutil.copy(path, project_copy.exports_dir / path.name)
    conv = convert_project(project_copy, inventory)
    assert list(conv.incidents) == []
    assert conv.records[0]["provenance"]["export_file"] == f"annotation/exports/{NEWER.name}"
    assert len(conv.annotations) == 5


def test_broken_manifest_is_a_furat_error(tmp_path: Path, inventory: Inventory) -> None:
    bad = tmp_path / "articles.jsonl"
    bad.write_text('{"id": "x"}\n{nope\n', encoding="utf-8")
    with pytest.raises(FuratError, match=r"articles\.jsonl:2"):
        list(iter_manifest(bad))
    with pytest.raises(FuratError, match="lacks id, text"):
        convert_exports([], [{"id": "x"}], inventory)


def test_tasks_after_a_refused_duplicate_still_convert(tmp_path: Path, inventory: Inventory) -> None:
    """Checking a duplicate reads the spill; the next task must still be written at its end."""
    first, second = newer_tasks()
    third = json.loads(OLDER.read_text(encoding="utf-8"))[1]
    twin = copy.deepcopy(second)
    twin["id"] = 99
    conv = convert([second, third, twin, first], tmp_path, inventory)
    assert [(i.code, i.location.task) for i in conv.incidents] == [("DOC_MULTIPLE_TASKS", 99)]
    expected = convert([first, second, third], tmp_path, inventory).records
    assert conv.records == expected


def test_a_real_label_studio_snapshot(inventory: Inventory) -> None:
    """A snapshot pulled from Label Studio 1.23.2 by ``furat studio pull`` (integration run):
    ground truth over accepted predictions, a cancelled annotation, a draft, and an
    article with emoji, diacritics and tatweel annotated through the API."""
    folder = EXPORTS / "label-studio-1.23.2"
    conv = convert_exports(sorted(folder.glob("*.json")), iter_manifest(folder / "articles.jsonl"), inventory)
    assert not conv.incidents.has_errors
    by_id = {r["id"]: r for r in conv.records}
    assert [r["provenance"]["gold"] for r in conv.records] == [
        "ground_truth",
        "none",
        "none",
        "none",
        "none",
        "single_annotation",
    ]
    assert [(r["id"][:3], r["annotation_id"], r["was_cancelled"]) for r in conv.annotations] == [
        ("000", 2, False),
        ("002", 3, True),
        ("005", 1, False),
    ]
    offsets = by_id["005_offsets_test"]
    assert [(e["text"], e["type"], e["actor"]) for e in offsets["entities"]] == [
        ("قسد", "ORG", "sdf"),
        ("الرَّقّـــة", "GPE", None),
        ("تنظيمُ الدولةِ", "ORG", "isis"),
    ]
    (event,) = offsets["events"]
    assert (event["type"], event["modality"], event["arguments"]) == (
        "TERRITORY_CAPTURED",
        "REPORTED",
        [{"role": "agent", "mention_id": "e1"}, {"role": "place", "mention_id": "e2"}],
    )
    for record in conv.records:
        for span in [*record["entities"], *(v["trigger"] for v in record["events"])]:
            assert record["text"][span["start"] : span["end"]] == span["text"]


# --- corrupt exports: cut downloads, broken strings, ids out of range ----------------------


def _structure_incidents(conv: Conversion) -> list[tuple[str, int | None, int | None]]:
    return [
        (i.code, i.location.task, i.location.annotation)
        for i in conv.incidents
        if i.code == "EXPORT_STRUCTURE"
    ]


def test_a_lone_surrogate_refuses_the_task_without_a_traceback(tmp_path: Path, inventory: Inventory) -> None:
    """JavaScript slicing can cut an emoji in half; the export then holds "\\ud800"."""
    path = tmp_path / "export.json"
    tasks = newer_tasks()
    tasks[0]["annotations"][0]["result"][0]["id"] = "\ud800"
    path.write_text(json.dumps(tasks), encoding="ascii")  # the escape, as an exporter writes it
    conv = convert_exports([path], manifest(), inventory)
    assert _structure_incidents(conv) == [("EXPORT_STRUCTURE", tasks[0]["id"], None)]
    tasks = newer_tasks()
    tasks[1]["data"]["text"] += "\udc00"
    path.write_text(json.dumps(tasks), encoding="ascii")
    conv = convert_exports([path], manifest(), inventory)
    assert _structure_incidents(conv) == [("EXPORT_STRUCTURE", tasks[1]["id"], None)]


@pytest.mark.parametrize("task_id", [2**63, -(2**63) - 1, 2**64])
def test_a_task_id_beyond_64_bits_is_refused_in_any_export(
    tmp_path: Path, inventory: Inventory, task_id: int
) -> None:
    tasks = newer_tasks()
    tasks[0]["id"] = task_id
    conv = convert(tasks, tmp_path, inventory)
    [incident] = [i for i in conv.incidents if i.code == "EXPORT_STRUCTURE"]
    assert str(task_id) in incident.message and conv.incidents.has_errors


def test_an_annotation_without_completed_by_is_located_at_its_id(
    tmp_path: Path, inventory: Inventory
) -> None:
    tasks = newer_tasks()
    del tasks[0]["annotations"][1]["completed_by"]
    conv = convert(tasks, tmp_path, inventory)
    assert _structure_incidents(conv) == [
        ("EXPORT_STRUCTURE", tasks[0]["id"], tasks[0]["annotations"][1]["id"])
    ]


def test_a_span_without_value_text_is_refused(tmp_path: Path, inventory: Inventory) -> None:
    """Offsets from another tool (UTF-16, bytes) can only be caught against value.text."""
    tasks = newer_tasks()
    region = tasks[0]["annotations"][0]["result"][0]
    del region["value"]["text"]
    conv = convert(tasks, tmp_path, inventory)
    found = [(i.code, i.location.region) for i in conv.incidents if i.code == "SPAN_TEXT_MISMATCH"]
    assert found == [("SPAN_TEXT_MISMATCH", region["id"])]


@pytest.mark.parametrize(("field", "value"), [("id", 2**64 + 5), ("completed_by", 2**63)])
def test_annotation_and_user_ids_beyond_64_bits_are_refused(
    tmp_path: Path, inventory: Inventory, field: str, value: int
) -> None:
    tasks = newer_tasks()
    tasks[0]["annotations"][0][field] = value
    conv = convert(tasks, tmp_path, inventory)
    assert [i.code for i in conv.incidents if str(value) in i.message] == ["EXPORT_STRUCTURE"]
