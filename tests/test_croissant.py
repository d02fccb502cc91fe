"""``dataset/croissant.json``: valid for mlcroissant, complete RAI fields, readable records."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest
from test_card_data import release_files

from furat import croissant
from furat.labels import Inventory
from furat.paths import Project

RAI_FIELDS = (
    "rai:dataCollection", "rai:dataCollectionType", "rai:dataCollectionMissingData",
    "rai:dataCollectionRawData", "rai:dataCollectionTimeframe", "rai:dataPreprocessingProtocol",
    "rai:dataAnnotationProtocol", "rai:dataAnnotationPlatform", "rai:dataAnnotationAnalysis",
    "rai:annotationsPerItem", "rai:annotatorDemographics", "rai:machineAnnotationTools",
    "rai:dataBiases", "rai:dataUseCases", "rai:dataLimitations", "rai:dataSocialImpact",
    "rai:personalSensitiveInformation", "rai:dataReleaseMaintenancePlan",
)  # fmt: skip


@pytest.fixture()
def released(project_copy: Project, inventory: Inventory) -> Path:
    """A sample 0.1.0 release whose changelog gives the release date."""
    project_copy.changelog.write_text("# Changelog\n\n## Dataset 0.1.0 - 2025-03-01\n", encoding="utf-8")
    return release_files(project_copy, inventory, "0.1.0")


def test_mlcroissant_cli_validates_the_file(released: Path) -> None:
    proc = subprocess.run(
        ["mlcroissant", "validate", "--jsonld", str(released / croissant.CROISSANT_FILE)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Done." in proc.stderr


def test_no_warnings_for_a_dated_release(released: Path) -> None:
    dataset = mlc.Dataset(str(released / croissant.CROISSANT_FILE))
    assert dataset.metadata.ctx.issues.errors == set()
    assert dataset.metadata.ctx.issues.warnings == set()
    assert dataset.metadata.version == "0.1.0"


def test_every_record_set_reads_the_parquet_rows_with_their_split(released: Path) -> None:
    dataset = mlc.Dataset(str(released / croissant.CROISSANT_FILE))
    read = {}
    for config in ("documents", "ner", "events", "stance", "annotations"):
        records = read[config] = list(dataset.records(config))
        per_split: dict[str, int] = {}
        for record in records:
            split = record[f"{config}/split"].decode()
            per_split[split] = per_split.get(split, 0) + 1
        files = (released / config).glob("*.parquet")
        on_disk = {p.name.split("-")[0]: pq.ParquetFile(p).metadata.num_rows for p in files}
        assert per_split == on_disk, config
    entity = read["documents"][0]["documents/entities"][0]
    assert entity["documents/entities/type"] in range(11)
    assert entity["documents/entities/end"] > entity["documents/entities/start"]


def test_file_objects_carry_the_sha256_of_each_parquet_file(released: Path) -> None:
    doc = json.loads((released / croissant.CROISSANT_FILE).read_text(encoding="utf-8"))
    objects = [d for d in doc["distribution"] if d["@type"] == "cr:FileObject"]
    assert len(objects) == 15  # five configs x three splits
    assert croissant.hash_problems(released) == []
    target = released / objects[0]["contentUrl"]
    target.write_bytes(target.read_bytes() + b"x")
    assert croissant.hash_problems(released) == [
        f"croissant: {objects[0]['contentUrl']} differs from its declared sha256"
    ]


def test_rai_fields_are_all_filled(released: Path) -> None:
    doc = json.loads((released / croissant.CROISSANT_FILE).read_text(encoding="utf-8"))
    assert "http://mlcommons.org/croissant/RAI/1.0" in doc["conformsTo"]
    assert [f for f in RAI_FIELDS if not doc.get(f)] == []
    assert doc["rai:dataCollectionTimeframe"] == ["2017-11-10", "2017-11-14"]
    assert "not yet measured" in doc["rai:dataAnnotationAnalysis"][0]
    assert doc["datePublished"] == "2025-03-01"


def test_two_annotators_turn_agreement_into_numbers(project_copy: Project, inventory: Inventory) -> None:
    from test_card_data import write_sample_dataset

    from furat.card import write_release_files

    write_sample_dataset(project_copy.dataset_dir, inventory, annotators=("annotator-1", "annotator-2"))
    write_release_files(project_copy.dataset_dir, project=project_copy, inv=inventory, version="0.1.0")
    doc = json.loads((project_copy.dataset_dir / croissant.CROISSANT_FILE).read_text(encoding="utf-8"))
    analysis = doc["rai:dataAnnotationAnalysis"][0]
    assert "Measured on 5 document(s)" in analysis and "pairwise F1: 1.000" in analysis
    expected = "5 of 5 document(s) annotated independently by two or more annotators."
    assert doc["rai:annotationsPerItem"] == expected
