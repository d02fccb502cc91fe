"""The dataset card: metadata ``datasets`` reads back, kept prose, regenerated blocks, datasheet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard
from test_card_data import release_files, write_sample_dataset

from furat import card, cardtext
from furat.errors import FuratError
from furat.features import all_features
from furat.labels import Inventory
from furat.markers import block_names
from furat.paths import Project

REPO = Path(__file__).resolve().parents[1]


def test_front_matter_is_what_datasets_reads_back(project_copy: Project, inventory: Inventory) -> None:
    folder = release_files(project_copy, inventory)
    data = DatasetCard.load(folder / card.CARD_FILE).data
    infos = DatasetInfosDict.from_dataset_card_data(data)
    assert {name: info.features for name, info in infos.items()} == all_features(inventory)
    assert {s: i.num_examples for s, i in infos["stance"].splits.items()} == {
        "train": 36,
        "validation": 12,
        "test": 12,
    }
    configs = MetadataConfigs.from_dataset_card_data(data)
    assert configs.get_default_config_name() == "documents"
    assert configs["ner"]["data_files"][0] == {"split": "train", "path": "ner/train-*.parquet"}
    assert data["license"] == "other" and "CC BY 4.0" in data["license_details"]
    assert data["language"] == ["ar"] and data["size_categories"] == ["n<1K"]


def test_hand_written_prose_survives_and_blocks_are_regenerated(
    project_copy: Project, inventory: Inventory
) -> None:
    release_files(project_copy, inventory)
    current = project_copy.dataset_dir / card.CARD_FILE
    text = current.read_text(encoding="utf-8").replace(
        "### Direct Use\n", "### Direct Use\n\nA sentence an editor wrote by hand.\n"
    )
    current.write_text(text.replace("| `ner` | 3 | 1 | 1 | 5 |", "| `ner` | 99 |"), encoding="utf-8")
    stage = project_copy.root / "stage"
    write_sample_dataset(stage, inventory, n=4)
    card.write_release_files(stage, project=project_copy, inv=inventory, version="0.2.0-dev")
    rebuilt = (stage / card.CARD_FILE).read_text(encoding="utf-8")
    assert "A sentence an editor wrote by hand." in rebuilt
    assert "| `ner` | 3 | 1 | 0 | 4 |" in rebuilt and "| `ner` | 99 |" not in rebuilt
    assert "**Dataset version 0.2.0-dev**: a development build" in rebuilt
    assert set(cardtext.SECTION_BLOCKS["Dataset Structure"]) <= set(block_names(rebuilt))


def test_a_deleted_block_is_an_error_not_a_silent_gap(project_copy: Project, inventory: Inventory) -> None:
    release_files(project_copy, inventory)
    current = project_copy.dataset_dir / card.CARD_FILE
    text = current.read_text(encoding="utf-8")
    start = text.index("<!-- furat:begin agreement")
    end = text.index("<!-- furat:end agreement -->") + len("<!-- furat:end agreement -->")
    current.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(FuratError, match="no generated block markers for: agreement"):
        card.write_release_files(
            project_copy.dataset_dir, project=project_copy, inv=inventory, version="0.1.0"
        )


def test_release_files_are_deterministic(project_copy: Project, inventory: Inventory) -> None:
    folder = release_files(project_copy, inventory)
    first = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    card.write_release_files(folder, project=project_copy, inv=inventory, version="0.1.0")
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == first
    assert set(first) == {"README.md", "croissant.json", "SHA256SUMS"}


def test_release_date_and_citation_come_from_the_changelog(
    project_copy: Project, inventory: Inventory
) -> None:
    project_copy.changelog.write_text("# Changelog\n\n## Dataset 0.1.0 - 2025-03-01\n", encoding="utf-8")
    text = (release_files(project_copy, inventory) / card.CARD_FILE).read_text(encoding="utf-8")
    assert "**Dataset version 0.1.0**, released 2025-03-01." in text
    assert "year         = {2025}" in text and "@misc{furat_0_1_0," in text
    assert 'load_dataset("ORG/furat", "ner", revision="v0.1.0")' in text
    assert "git worktree add /tmp/furat-v0.1.0 v0.1.0" in text


def test_datasheet_blocks_are_rewritten(project_copy: Project, inventory: Inventory) -> None:
    shutil.copy2(REPO / "DATASHEET.md", project_copy.datasheet)
    release_files(project_copy, inventory)
    sheet = project_copy.datasheet.read_text(encoding="utf-8")
    assert set(card.DATASHEET_BLOCKS) <= set(block_names(sheet))
    assert "| documents | 3 | 1 | 1 | 5 |" in sheet
    assert "| شبكة شام | 1 | 0 | 0 | 1 |" in sheet
    assert "**not yet measured**" in sheet


def test_without_a_card_a_complete_skeleton_is_written(project_copy: Project, inventory: Inventory) -> None:
    text = (release_files(project_copy, inventory) / card.CARD_FILE).read_text(encoding="utf-8")
    _, body = card.split_front_matter(text)
    for _, title in cardtext.SECTIONS:
        assert f" {title}\n" in body
    assert "No hand-written card was found" in body


def test_the_committed_card_keeps_the_blocks_the_build_fills() -> None:
    text = (REPO / "dataset" / card.CARD_FILE).read_text(encoding="utf-8")
    names = set(block_names(text))
    expected = {name for names_ in cardtext.SECTION_BLOCKS.values() for name in names_} | {"version"}
    assert expected <= names
    meta = yaml.safe_load(card.split_front_matter(text)[0] or "")
    assert meta["license"] == "other" and meta["language"] == ["ar"]


def test_size_categories() -> None:
    assert [card.size_category(n) for n in (0, 999, 1000, 99_999, 100_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M",
    ]  # fmt: skip


def test_agreement_numbers_on_a_worked_example() -> None:
    """Two annotators: one of two mentions typed differently, one of two stances differs.

    Entity F1 = 2·1 / (2·1 + 2) = 0.5. Stance: observed 1/2; pooled labels FAVOR 2/4,
    AGAINST 1/4, NEUTRAL 1/4 give expected 0.375, so Scott's π = 0.125 / 0.625 = 0.2.
    Both have the same trigger (F1 1.0); a gives it one argument, b that one and another
    (F1 = 2·1 / (2·1 + 1) = 2/3). The shared mention carries the same actor (1.0). The
    adjudicator's ground-truth row and a cancelled row are left out of every figure.
    """
    import pyarrow as pa

    from furat.corpusstats import agreement

    def row(who: str, second_type: int, second_label: int, *, truth: bool = False,
            cancelled: bool = False, extra_argument: bool = False) -> dict[str, object]:
        arguments = [{"role": "place", "mention_id": "m1"}]
        if extra_argument:
            arguments.append({"role": "time", "mention_id": "m2"})
        return {
            "id": "d1", "annotator": who, "ground_truth": truth, "was_cancelled": cancelled,
            "entities": [{"id": "m1", "start": 0, "end": 3, "type": 0, "actor": "sdf"},
                         {"id": "m2", "start": 5, "end": 8, "type": second_type, "actor": None}],
            "events": [{"type": 3, "trigger": {"start": 10, "end": 15}, "arguments": arguments}],
            "stance": [{"actor": 0, "label": 0}, {"actor": 1, "label": second_label}],
        }  # fmt: skip

    rows = [row("a", 1, 1), row("b", 2, 2, extra_argument=True), row("c", 2, 2, cancelled=True),
            row("lead", 0, 0, truth=True)]  # fmt: skip
    result = agreement(pa.Table.from_pylist(rows))
    assert (result.annotators, result.shared_documents, result.pairs, result.adjudicated) == (2, 1, 1, 1)
    assert result.entity_f1 == pytest.approx(0.5)
    assert result.stance_observed == pytest.approx(0.5) and result.stance_pi == pytest.approx(0.2)
    assert result.trigger_f1 == pytest.approx(1.0) and result.argument_f1 == pytest.approx(2 / 3)
    assert result.actor_agreement == pytest.approx(1.0)


def test_a_pass_picked_as_ground_truth_is_still_compared() -> None:
    """Two passes, a reviewer marks one as gold: both are independent, nothing adjudicated.

    A third document has one annotation (counted once) and none is shared with it.
    """
    import pyarrow as pa

    from furat.corpusstats import agreement

    def row(doc: str, who: str, end: int, truth: bool) -> dict[str, object]:
        return {"id": doc, "annotator": who, "ground_truth": truth, "was_cancelled": False,
                "entities": [{"id": "m1", "start": 0, "end": end, "type": 0, "actor": None}],
                "events": [], "stance": []}  # fmt: skip

    rows = [row("d1", "a", 3, True), row("d1", "b", 4, False), row("d2", "c", 3, False)]
    result = agreement(pa.Table.from_pylist(rows))
    assert (result.shared_documents, result.pairs, result.adjudicated) == (1, 1, 0)
    assert (result.annotators, result.annotated_documents) == (3, 2)
    assert result.entity_f1 == pytest.approx(0.0)
