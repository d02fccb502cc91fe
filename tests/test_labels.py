"""The inventory: consistent, complete for the issue's requirements, examples from the seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from furat.errors import FuratError
from furat.labels import Inventory, load_inventory
from furat.paths import Project

REQUIRED_ENTITY_TYPES = {
    "PER", "ORG", "GPE", "LOC", "FAC", "NORP", "DATE", "QUANTITY", "MONEY", "WEAPON", "VEHICLE",
}
REQUIRED_EVENT_TYPES = {
    "ARMED_CLASH", "AIR_STRIKE", "SHELLING", "SUICIDE_BOMB", "LANDMINE_IED",
    "ATTACK_ON_CIVILIANS", "TERRITORY_CAPTURED", "WITHDRAWAL", "NEGOTIATION", "ARREST",
    "DISPLACEMENT", "PROTEST", "CASUALTY_REPORT",
}
REQUIRED_ACTORS = {
    "syrian_government", "pro_government_militias", "sdf", "deir_ezzor_military_council",
    "isis", "russia", "us_led_coalition", "syrian_opposition", "turkey", "iran", "civilians",
}


@pytest.fixture(scope="module")
def seeds(repo: Project) -> str:
    """The clean seed texts annotators see (examples must be quotable from them)."""
    texts = [json.loads(line)["text"] for line in repo.manifest.read_text(encoding="utf-8").splitlines()]
    assert len(texts) == 5
    return "\n".join(texts)


def test_required_labels_present(inventory: Inventory) -> None:
    assert REQUIRED_ENTITY_TYPES <= set(inventory.entity_ids)
    assert REQUIRED_EVENT_TYPES <= set(inventory.event_ids)
    assert REQUIRED_ACTORS <= set(inventory.actor_ids)
    assert {"ASSERTED", "REPORTED", "ALLEGED", "HYPOTHETICAL"} == set(
        inventory.attribute("modality").value_ids
    )
    assert {"POSITIVE", "NEGATIVE"} == set(inventory.attribute("polarity").value_ids)
    assert {"FAVOR", "AGAINST", "NEUTRAL", "NOT_MENTIONED"} == set(inventory.stance_ids)


def test_every_example_is_quoted_from_a_seed(inventory: Inventory, seeds: str) -> None:
    labels = [*inventory.entity_types, *inventory.event_types, *inventory.stance_labels]
    labels += [v for a in inventory.attributes for v in a.values]
    missing = [(label.id, ex) for label in labels for ex in label.examples if ex not in seeds]
    assert missing == []
    assert all(label.examples for label in labels if label.id != "NOT_MENTIONED")


def test_actor_aliases_are_spelled_as_in_the_seeds(inventory: Inventory, seeds: str) -> None:
    missing = [
        (a.id, form)
        for a in inventory.actors
        for form in (*(f for f, _ in a.aliases), *a.descriptors)
        if form not in seeds
    ]
    assert missing == []
    sdf = dict(inventory.actor("sdf").aliases)
    # spelling variants the corpus really has
    assert {"قوات سوريا الديموقراطية", "قوات سوريا الديمقراطية", "قوات سورية الديمقراطية"} <= set(sdf)
    assert inventory.actor("deir_ezzor_military_council").parent == "sdf"


def test_event_roles_are_directed_and_typed(inventory: Inventory) -> None:
    clash = inventory.event_type("ARMED_CLASH")
    assert "attacker" in clash.role_ids and "target" in clash.role_ids
    assert "DATE" not in clash.fillers("attacker")
    assert clash.fillers("time") == ("DATE",)
    withdrawal = inventory.event_type("WITHDRAWAL")
    assert withdrawal.acled_sub_event_type == "Non-violent transfer of territory"
    for event in inventory.event_types:
        assert event.roles, event.id
        for role, fillers in event.roles:
            assert role in inventory.role_ids
            assert set(fillers) <= set(inventory.entity_ids)


def _write_inventory(tmp_path: Path, repo: Project, edit: str, old: str, new: str) -> Path:
    labels = tmp_path / "labels.yaml"
    actors = tmp_path / "actors.yaml"
    labels.write_text(repo.labels_file.read_text(encoding="utf-8"), encoding="utf-8")
    actors.write_text(repo.actors_file.read_text(encoding="utf-8"), encoding="utf-8")
    target = labels if edit == "labels" else actors
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("edit", "old", "new", "message"),
    [
        ("labels", "schema_version: 0.1.0", "schema_version: one", "not a semantic version"),
        ("labels", "  - id: LOC\n", "  - id: GPE\n", "duplicate id 'GPE'"),
        ("labels", "roles: {agent: actor, recipient: actor,", "roles: {agent: actor, donor: actor,",
         "'donor' is not an argument role"),
        ("labels", "  time: [DATE]", "  time: [TIME]", "'TIME' is not an entity type"),
        ("actors", "    parent: sdf\n", "    parent: qsd\n", "parent 'qsd' is not an actor"),
        ("actors", "acled_category: Civilians\n", "acled_category: Bystanders\n",
         "unknown ACLED category"),
        ("labels", "examples: [مظاهرات, تظاهرات]", "examples: []", "needs at least one example"),
    ],
)
def test_broken_inventory_names_file_and_entry(
    tmp_path: Path, repo: Project, edit: str, old: str, new: str, message: str
) -> None:
    folder = _write_inventory(tmp_path, repo, edit, old, new)
    with pytest.raises(FuratError) as err:
        load_inventory(folder / "labels.yaml", folder / "actors.yaml")
    assert message in str(err.value)
    assert str(folder / f"{edit}.yaml") in str(err.value)


def test_inventory_yaml_has_no_label_defined_elsewhere(repo: Project) -> None:
    """The label config, schema and features mention no label the inventory lacks."""
    data = yaml.safe_load(repo.labels_file.read_text(encoding="utf-8"))
    assert data["schema_version"].count(".") == 2
