"""``furat build``: deterministic parquet per config and split, frozen splits, nothing half-written."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Features

from furat import scan as scan_module
from furat import shards
from furat.build import BuildFailed, BuildStats, build_dataset
from furat.cli import main
from furat.features import CONFIGS, all_features
from furat.labels import Inventory
from furat.paths import Project
from furat.split import Entry, SplitFile

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "records"
EXPORTS = REPO / "tests" / "fixtures" / "exports"
INVALID = REPO / "tests" / "fixtures" / "invalid"


def load_records() -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in (FIXTURES / "records.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def load_annotations() -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for line in (FIXTURES / "annotations.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows.setdefault(row["id"], []).append(row)
    return rows


def build(
    folder: Path, inv: Inventory, records: list[dict[str, Any]] | None = None, **kwargs: Any
) -> BuildStats:
    annotations = load_annotations()
    return build_dataset(
        load_records() if records is None else records,
        inv,
        folder / "dataset",
        folder / "splits.json",
        data_version="0.1.0",
        annotations_of=lambda record: annotations.get(record["id"], ()),
        **kwargs,
    )


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def rows(folder: Path, config: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((folder / config).glob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            yield path.name.split("-")[0], row


def test_two_builds_are_byte_identical_however_the_work_is_split(
    tmp_path: Path, inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(tmp_path / "a", inventory)
    monkeypatch.setattr(scan_module, "BATCH_DOCS", 2)
    build(tmp_path / "b", inventory, jobs=2)  # chunks of two records, in two worker processes
    first = files(tmp_path / "a" / "dataset")
    assert first == files(tmp_path / "b" / "dataset")
    assert (tmp_path / "a" / "splits.json").read_bytes() == (tmp_path / "b" / "splits.json").read_bytes()
    stats = build(tmp_path / "a", inventory)  # again, now with the frozen assignment
    assert stats.new_documents == 0
    assert files(tmp_path / "a" / "dataset") == first
    parquet = {f"{c}/{s}-00000-of-00001.parquet" for c in CONFIGS for s in ("train", "validation", "test")}
    assert set(first) == {"README.md", "overlap.json"} | parquet - {"stance/train-00000-of-00001.parquet"}


def test_files_carry_the_features_and_pinned_layout(tmp_path: Path, inventory: Inventory) -> None:
    stats = build(tmp_path, inventory)
    features = all_features(inventory)
    for config in CONFIGS:
        for split, paths in stats.files[config].items():
            for name in paths:
                parquet = pq.ParquetFile(tmp_path / "dataset" / name)
                assert Features.from_arrow_schema(parquet.schema_arrow) == features[config]
                assert parquet.metadata.num_rows == stats.rows[config][split]
                column = parquet.metadata.row_group(0).column(0)
                assert column.compression == "ZSTD" and column.statistics is not None


def test_row_groups_are_fixed_and_shards_follow_size(
    tmp_path: Path, inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(shards.ROW_GROUP_ROWS, "stance", 5)
    stats = build(tmp_path, inventory, max_shard_bytes=1)
    paths = stats.files["stance"]["validation"]
    assert paths == [f"stance/validation-{k:05d}-of-00005.parquet" for k in range(5)]
    assert [pq.ParquetFile(tmp_path / "dataset" / s).metadata.num_rows for s in paths] == [5, 5, 5, 5, 4]
    assert stats.rows["stance"]["validation"] == 24


def by_id(folder: Path, config: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {row["id"]: (split, row) for split, row in rows(folder, config)}


def test_offsets_match_the_text_and_every_mention_is_a_token_span(
    tmp_path: Path, inventory: Inventory
) -> None:
    stats = build(tmp_path / "out", inventory)
    assert stats.unrepresentable_mentions == 0
    folder = tmp_path / "out" / "dataset"
    documents = by_id(folder, "documents")
    assert documents.keys() == {r["id"] for r in load_records()}
    spans = 0
    for _split, doc in documents.values():
        text = doc["text"]
        for item in [*doc["entities"], *(e["trigger"] for e in doc["events"])]:
            assert text[item["start"] : item["end"]] == item["text"]
            spans += 1
    events = by_id(folder, "events")
    for _split, row in events.values():
        for item in [*row["entity_mentions"], *(e["trigger"] for e in row["events"])]:
            assert row["text"][item["start"] : item["end"]] == item["text"]
            assert row["token_starts"][item["token_start"]] == item["start"]
            assert row["token_ends"][item["token_end"] - 1] == item["end"]
            spans -= 1
    assert spans == 0 < len(events)
    assert "fx_003_unannotated" not in events and "fx_003_unannotated" not in by_id(folder, "ner")


def test_ner_tags_the_outermost_mentions_behind_clitics(tmp_path: Path, inventory: Inventory) -> None:
    build(tmp_path, inventory)
    _split, row = by_id(tmp_path / "dataset", "ner")["fx_001_wire"]
    names = inventory.bio_tags
    tagged = [(tok, names[tag]) for tok, tag in zip(row["tokens"], row["ner_tags"], strict=True)]
    text = " ".join(f"{tok}/{tag}" for tok, tag in tagged)
    assert "و/O قسد/B-ORG" in text
    assert 'لـ/O "/O المدن/B-ORG "/O' in text
    assert "بـ/O 14/B-QUANTITY شاحنة/I-QUANTITY" in text
    assert "80/B-QUANTITY %/I-QUANTITY" in text
    assert "ريف/B-LOC دير/I-LOC الزور/I-LOC الشرقي/I-LOC" in text  # not the nested GPE
    assert "قرية/B-GPE السوسة/I-GPE" in text


def test_stance_rows_fill_not_mentioned_only_for_stance_annotated_records(
    tmp_path: Path, inventory: Inventory
) -> None:
    build(tmp_path, inventory)
    stance = [row for _split, row in rows(tmp_path / "dataset", "stance")]
    assert sorted({r["id"] for r in stance}) == ["fx_001_wire", "fx_002_reprint", "fx_004_russia"]
    wire = {inventory.stance_actor_ids[r["actor"]]: r for r in stance if r["id"] == "fx_001_wire"}
    assert list(wire) == list(inventory.stance_actor_ids)
    label = {a: inventory.stance_ids[r["label"]] for a, r in wire.items()}
    assert label["sdf"] == "NEUTRAL" and label["isis"] == "AGAINST"
    assert {label[a] for a in wire if a not in ("sdf", "isis")} == {"NOT_MENTIONED"}
    assert wire["isis"]["evidence"][0]["text"] == 'تنظيم "داعش"' and wire["isis"]["actor_ar"]


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [0, 2, 3, 4, 1]])
def test_near_duplicates_land_in_one_split_and_are_reported(
    tmp_path: Path, inventory: Inventory, order: list[int]
) -> None:
    records = load_records()
    stats = build(tmp_path, inventory, records=[records[k] for k in order])  # the copy may come late
    report = json.loads((tmp_path / "dataset" / "overlap.json").read_text(encoding="utf-8"))
    assert [(p["a"], p["b"]) for p in report["pairs"]] == [("fx_001_wire", "fx_002_reprint")]
    assert report["pairs"][0]["splits"][0] == report["pairs"][0]["splits"][1]
    assert report["pairs"][0]["jaccard"] > 0.7
    assert report["train_test_overlap"] == stats.overlap["train_test_overlap"] == 0
    entries = SplitFile.load(tmp_path / "splits.json").entries
    assert entries["fx_002_reprint"].group == entries["fx_001_wire"].group == "fx_001_wire"


def test_new_documents_never_move_old_ones(tmp_path: Path, inventory: Inventory) -> None:
    records = load_records()
    build(tmp_path, inventory, records=records[2:])
    before = SplitFile.load(tmp_path / "splits.json").entries
    stats = build(tmp_path, inventory, records=records)
    after = SplitFile.load(tmp_path / "splits.json").entries
    assert stats.new_documents == 2
    assert {k: after[k] for k in before} == before
    assert set(after) == {r["id"] for r in records}


def keep_out(folder: Path) -> dict[str, bytes]:
    """A previous dataset folder whose content a failing build must leave alone."""
    (folder / "dataset" / "documents").mkdir(parents=True)
    (folder / "dataset" / "documents" / "train-00000-of-00001.parquet").write_bytes(b"old")
    (folder / "dataset" / "README.md").write_text("old card", encoding="utf-8")
    return files(folder)


def test_an_unrepresentable_mention_fails_and_writes_nothing(tmp_path: Path, inventory: Inventory) -> None:
    before = keep_out(tmp_path)
    records = load_records()
    bad = copy.deepcopy(records)
    mention = bad[0]["entities"][1]  # قسد in و+قسد: move its start onto the preceding space
    mention["start"] -= 2
    mention["text"] = bad[0]["text"][mention["start"] : mention["end"]]
    with pytest.raises(BuildFailed) as failure:
        build(tmp_path, inventory, records=bad)
    assert [i.code for i in failure.value.log.errors] == ["BUILD_UNREPRESENTABLE_SPAN"]
    assert files(tmp_path) == before
    assert not any(p.name.startswith(".dataset") for p in tmp_path.iterdir())


def test_train_test_overlap_fails_the_build(tmp_path: Path, inventory: Inventory) -> None:
    wire, reprint = "fx_001_wire", "fx_002_reprint"
    frozen = SplitFile(
        entries={wire: Entry("train", wire, "0.0.1"), reprint: Entry("test", reprint, "0.0.1")}
    )
    (tmp_path / "splits.json").write_text(frozen.dumps(), encoding="utf-8")
    before = keep_out(tmp_path)
    with pytest.raises(BuildFailed, match="across train and test") as failure:
        build(tmp_path, inventory)
    assert [i.code for i in failure.value.log.errors] == ["BUILD_TRAIN_TEST_OVERLAP"]
    assert files(tmp_path) == before


@pytest.fixture()
def project(project_copy: Project) -> Project:
    """A project whose manifest and exports are the export fixtures (converted for real)."""
    shutil.copy(EXPORTS / "manifest.jsonl", project_copy.manifest)
    for path in EXPORTS.glob("*.json"):
        shutil.copy(path, project_copy.exports_dir / path.name)
    project_copy.splits_file.unlink(missing_ok=True)
    return project_copy


def test_cli_builds_a_project_with_its_card_and_rebuilds_identically(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["--root", str(project.root), "build", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "built 4 documents (4 newly assigned)" in printed
    assert "train/test overlap: 0" in printed and "unrepresentable mentions: 0" in printed
    assert (out / "README.md").read_text(encoding="utf-8").startswith("---\n")
    assert {"SHA256SUMS", "croissant.json", "overlap.json"} <= {p.name for p in out.iterdir()}
    splits = project.splits_file.read_text(encoding="utf-8")
    parquet = {k: v for k, v in files(out).items() if k.endswith(".parquet")}
    assert main(["--root", str(project.root), "build", "--out", str(out)]) == 0
    assert "(0 newly assigned)" in capsys.readouterr().out
    assert {k: v for k, v in files(out).items() if k.endswith(".parquet")} == parquet
    assert project.splits_file.read_text(encoding="utf-8") == splits


def test_cli_reports_record_errors_and_writes_nothing(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(
        INVALID / "SPAN_TEXT_MISMATCH.json", project.exports_dir / "project-1-at-2030-01-01-00-00-bad.json"
    )
    before = keep_out(tmp_path)
    assert main(["--root", str(project.root), "build", "--out", str(tmp_path / "dataset")]) == 1
    captured = capsys.readouterr()
    assert "[SPAN_TEXT_MISMATCH]" in captured.err and "nothing was written" in captured.err
    assert files(tmp_path) == before
    assert not project.splits_file.exists()


def test_read_ahead_keeps_order_and_passes_errors_on() -> None:
    tables = [[pa.table({"k": [k]})] for k in range(5)]
    assert [t[0]["k"][0].as_py() for t in shards.one_ahead(iter(tables))] == list(range(5))

    def failing() -> Iterator[list[pa.Table]]:
        yield tables[0]
        raise OSError("spool gone")

    with pytest.raises(OSError, match="spool gone"):
        list(shards.one_ahead(failing()))
