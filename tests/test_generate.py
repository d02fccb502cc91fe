"""Generated files: fresh, valid for their consumers, and carrying every inventory label."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from datasets import ClassLabel, Features
from label_studio_sdk.label_interface import LabelInterface

from furat import generate
from furat.cli import main
from furat.docschema import document_schema
from furat.errors import FuratError
from furat.labels import Inventory
from furat.lsconfig import label_config, stance_control
from furat.paths import Project


def test_committed_generated_files_are_fresh(repo: Project) -> None:
    assert generate.stale_files(repo) == []


def test_generated_files_say_so(repo: Project) -> None:
    for path in (repo.document_schema, repo.features_file, repo.label_config):
        assert "generated — do not edit" in path.read_text(encoding="utf-8")[:400], path


def test_check_fails_when_a_generated_file_is_edited(project_copy: Project) -> None:
    path = project_copy.label_config
    path.write_text(path.read_text(encoding="utf-8").replace('value="PER"', 'value="PERSON"'))
    with pytest.raises(FuratError, match=r"stale: annotation/label_config\.xml"):
        generate.check(project_copy)
    assert main(["--root", str(project_copy.root), "schema", "check"]) == 1
    assert main(["--root", str(project_copy.root), "schema", "generate"]) == 0
    generate.check(project_copy)


def test_check_fails_when_the_inventory_changes(project_copy: Project) -> None:
    labels = project_copy.labels_file
    text = labels.read_text(encoding="utf-8")
    operation = (
        "  - id: OPERATION\n    en: Military operation\n    ar: عملية عسكرية\n"
        "    definition: A named military operation.\n    examples: [عاصفة الجزيرة]\n\nnesting:"
    )
    labels.write_text(text.replace("\nnesting:", "\n" + operation, 1), encoding="utf-8")
    stale = {p.name for p in generate.stale_files(project_copy)}
    assert {"document.schema.json", "features.json", "label_config.xml"} <= stale


def test_document_schema_is_valid_and_complete(repo: Project, inventory: Inventory) -> None:
    schema = json.loads(repo.document_schema.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    flat = json.dumps(schema, ensure_ascii=False)
    for label in (
        *inventory.entity_ids, *inventory.event_ids, *inventory.role_ids,
        *inventory.actor_ids, *inventory.stance_ids,
        *(v for a in inventory.attributes for v in a.value_ids),
    ):
        assert f'"{label}"' in flat, label


def _record(inventory: Inventory) -> dict[str, object]:
    text = "انسحب تنظيم الدولة من البصيرة لصالح قسد"
    return {
        "id": "doc-1",
        "schema_version": inventory.schema_version,
        "metadata": {
            "title": "عنوان", "title_source": "headline", "outlet": None, "outlet_source": None,
            "outlet_evidence": None, "date": "2017-11-13", "date_text": "١٣ نوفمبر ٢٠١٧",
            "category": None, "byline": None, "caption": None, "url": None, "language": "ar",
            "text_sha256": "0" * 64,
        },
        "text": text,
        "paragraphs": [[0, len(text)]],
        "entities": [
            {"id": "e1", "start": 6, "end": 18, "text": "تنظيم الدولة", "type": "ORG",
             "actor": "isis", "parent": None},
        ],
        "events": [
            {"id": "v1", "type": "WITHDRAWAL", "trigger": {"start": 0, "end": 5, "text": "انسحب"},
             "modality": "ASSERTED", "polarity": "POSITIVE",
             "arguments": [{"role": "agent", "mention_id": "e1"}]},
        ],
        "stance": [{"actor": "isis", "label": "NEUTRAL", "evidence": []}],
        "provenance": {"task_id": 1, "annotation_ids": [1], "annotator_ids": ["annotator-1"],
                       "export_file": None, "gold": "single_annotation"},
    }


def test_document_schema_accepts_a_record_and_rejects_unknowns(inventory: Inventory) -> None:
    validator = jsonschema.Draft202012Validator(document_schema(inventory))
    record = _record(inventory)
    assert list(validator.iter_errors(record)) == []
    bad = json.loads(json.dumps(record))
    bad["entities"][0]["type"] = "PERSON"
    bad["events"][0]["arguments"][0]["role"] = "donor"
    bad["entities"][0]["confidence"] = 0.9
    bad["stance"][0]["actor"] = "deir_ezzor_military_council"  # not a stance target
    paths = sorted("/".join(map(str, e.absolute_path)) for e in validator.iter_errors(bad))
    assert paths == ["entities/0", "entities/0/type", "events/0/arguments/0/role", "stance/0/actor"]


def test_label_config_parses_and_has_every_label(repo: Project, inventory: Inventory) -> None:
    xml = repo.label_config.read_text(encoding="utf-8")
    interface = LabelInterface(xml)
    controls = {c.name: c for c in interface.controls}
    assert set(controls["entity"].labels) == set(inventory.entity_ids)
    assert set(controls["trigger"].labels) == set(inventory.event_ids)
    assert set(controls["evidence"].labels) == set(inventory.stance_actor_ids)
    assert set(controls["actor"].labels) == set(inventory.actor_ids)
    for attr in inventory.attributes:
        assert set(controls[attr.id].labels) == set(attr.value_ids)
    for actor in inventory.stance_actor_ids:
        assert set(controls[stance_control(actor)].labels) == set(inventory.stance_ids)
    for role in inventory.role_ids:
        assert f'<Relation value="{role}"' in xml
    assert "direction: rtl" in xml
    assert label_config(inventory) == xml


def test_features_json_round_trips_to_features(repo: Project, inventory: Inventory) -> None:
    data = json.loads(repo.features_file.read_text(encoding="utf-8"))
    assert set(data["configs"]) == {"documents", "ner", "events", "stance", "annotations"}
    ner = Features.from_dict(data["configs"]["ner"])
    tags = ner["ner_tags"].feature
    assert isinstance(tags, ClassLabel)
    assert tags.names == list(inventory.bio_tags)
    docs = Features.from_dict(data["configs"]["documents"])
    assert docs["entities"].feature["type"].names == list(inventory.entity_ids)
    stance = Features.from_dict(data["configs"]["stance"])
    assert stance["label"].names == list(inventory.stance_ids)


def test_guideline_tables_are_generated(repo: Project, inventory: Inventory) -> None:
    text = repo.guidelines.read_text(encoding="utf-8")
    for name in generate.guideline_blocks(inventory):
        assert f"<!-- furat:begin {name} " in text
    for label in (*inventory.entity_ids, *inventory.event_ids, *inventory.actor_ids):
        assert f"`{label}`" in text


def test_generate_without_guideline_markers_fails_clearly(tmp_path: Path, repo: Project) -> None:
    root = tmp_path / "p"
    shutil.copytree(repo.schema_dir, root / "schema")
    (root / "annotation").mkdir()
    (root / "annotation" / "guidelines.md").write_text("# Guidelines\n\nno markers\n")
    code = main(["--root", str(root), "schema", "generate"])
    assert code == 1
    assert not (root / "annotation" / "label_config.xml").exists()
