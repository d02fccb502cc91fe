"""The label inventory: ``schema/labels.yaml`` and ``schema/actors.yaml`` as typed data.

This is the one place labels are defined (DESIGN.md, "One source of truth"); the JSON
Schema, the Label Studio config, the dataset features and the guideline tables are all
generated from the :class:`Inventory` this module loads. Loading also checks the
inventory's internal consistency (unique ids, role fillers that are entity types,
actor parents that exist), so a broken inventory fails with one message naming the
file and the entry instead of producing a broken schema downstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from furat.errors import FuratError

SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")
ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Label:
    """A label with its names in both languages, its definition and seed examples."""

    id: str
    en: str
    ar: str
    definition: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntityType(Label):
    ace: str | None = None
    wojood: str | None = None


@dataclass(frozen=True)
class EventType(Label):
    """An event type: its ACLED and ACE mappings and, per role, the allowed filler types."""

    acled_event_type: str | None = None
    acled_sub_event_type: str | None = None
    ace: str | None = None
    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def role_ids(self) -> tuple[str, ...]:
        return tuple(role for role, _ in self.roles)

    def fillers(self, role: str) -> tuple[str, ...]:
        """Entity types allowed to fill ``role`` for this event type (empty if not allowed)."""
        return dict(self.roles).get(role, ())


@dataclass(frozen=True)
class Attribute:
    """An event attribute (modality, polarity) with its values and default."""

    id: str
    en: str
    ar: str
    default: str
    values: tuple[Label, ...]

    @property
    def value_ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.values)


@dataclass(frozen=True)
class Actor:
    """A canonical actor; ``aliases`` map a surface form to the entity type it takes."""

    id: str
    en: str
    ar: str
    acled_category: str
    parent: str | None
    stance_target: bool
    aliases: tuple[tuple[str, str], ...]
    other_aliases: tuple[tuple[str, str], ...]
    descriptors: tuple[str, ...]

    def all_aliases(self) -> tuple[tuple[str, str], ...]:
        return self.aliases + self.other_aliases


@dataclass(frozen=True)
class Inventory:
    """Everything ``labels.yaml`` and ``actors.yaml`` define, checked for consistency."""

    schema_version: str
    actors_version: str
    entity_types: tuple[EntityType, ...]
    nesting_policy: str
    ner_level: str
    actor_link_types: tuple[str, ...]
    roles: tuple[Label, ...]
    attributes: tuple[Attribute, ...]
    event_types: tuple[EventType, ...]
    stance_definition: str
    stance_labels: tuple[Label, ...]
    actors: tuple[Actor, ...]
    acled_categories: tuple[str, ...]

    @cached_property
    def entity_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entity_types)

    @cached_property
    def event_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.event_types)

    @cached_property
    def role_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.roles)

    @cached_property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actors)

    @cached_property
    def stance_actor_ids(self) -> tuple[str, ...]:
        """Actors each article gets a stance label for, in inventory order."""
        return tuple(a.id for a in self.actors if a.stance_target)

    @cached_property
    def stance_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stance_labels)

    def attribute(self, attr_id: str) -> Attribute:
        for attr in self.attributes:
            if attr.id == attr_id:
                return attr
        raise KeyError(attr_id)

    def event_type(self, type_id: str) -> EventType:
        for event in self.event_types:
            if event.id == type_id:
                return event
        raise KeyError(type_id)

    def actor(self, actor_id: str) -> Actor:
        for actor in self.actors:
            if actor.id == actor_id:
                return actor
        raise KeyError(actor_id)

    @cached_property
    def bio_tags(self) -> tuple[str, ...]:
        """BIO tag names for token classification: O, then B-/I- per entity type."""
        tags = ["O"]
        for ent in self.entity_ids:
            tags += [f"B-{ent}", f"I-{ent}"]
        return tuple(tags)


class _Reader:
    """Pulls typed fields out of parsed YAML, naming file and path on any problem."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> FuratError:
        return FuratError(f"{self.path}: {where}: {message}")

    def mapping(self, node: Any, where: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise self.fail(where, "expected a mapping")
        return node

    def seq(self, node: Any, where: str) -> list[Any]:
        if not isinstance(node, list):
            raise self.fail(where, "expected a list")
        return node

    def text(self, node: dict[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
        value = node.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "expected a non-empty string")
        return value.strip()

    def label(self, node: Any, where: str, *, examples_required: bool = True) -> dict[str, Any]:
        node = self.mapping(node, where)
        label_id = self.text(node, "id", where)
        if not ID_RE.match(label_id):
            raise self.fail(where, f"id {label_id!r} must match {ID_RE.pattern}")
        examples = tuple(str(x) for x in self.seq(node.get("examples", []), f"{where}.examples"))
        if examples_required and not examples:
            raise self.fail(f"{where} ({label_id})", "needs at least one example from the seeds")
        return {
            "id": label_id,
            "en": self.text(node, "en", where),
            "ar": self.text(node, "ar", where),
            "definition": self.text(node, "definition", where),
            "examples": examples,
        }


def _unique(reader: _Reader, ids: list[str], where: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise reader.fail(where, f"duplicate id {item!r}")
        seen.add(item)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise FuratError(f"{path}: missing") from err
    except yaml.YAMLError as err:
        raise FuratError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise FuratError(f"{path}: expected a mapping at the top level")
    return data


def _version(reader: _Reader, data: dict[str, Any]) -> str:
    version = str(data.get("schema_version", ""))
    if not SEMVER_RE.match(version):
        raise reader.fail("schema_version", f"{version!r} is not a semantic version X.Y.Z")
    return version


def load_inventory(labels_path: Path, actors_path: Path) -> Inventory:
    """Load and cross-check the inventory; raise :class:`FuratError` naming what is wrong."""
    r = _Reader(labels_path)
    data = _load_yaml(labels_path)
    version = _version(r, data)

    entities = tuple(
        EntityType(**r.label(n, f"entity_types[{i}]"), ace=n.get("ace"), wojood=n.get("wojood"))
        for i, n in enumerate(r.seq(data.get("entity_types"), "entity_types"))
    )
    entity_ids = [e.id for e in entities]
    _unique(r, entity_ids, "entity_types")

    nesting = r.mapping(data.get("nesting"), "nesting")
    link_types = tuple(r.seq(data.get("actor_link_types"), "actor_link_types"))
    for t in link_types:
        if t not in entity_ids:
            raise r.fail("actor_link_types", f"{t!r} is not an entity type")

    roles = tuple(
        Label(**r.label(n, f"argument_roles[{i}]", examples_required=False))
        for i, n in enumerate(r.seq(data.get("argument_roles"), "argument_roles"))
    )
    role_ids = [x.id for x in roles]
    _unique(r, role_ids, "argument_roles")

    attributes = []
    for attr_id, node in r.mapping(data.get("event_attributes"), "event_attributes").items():
        where = f"event_attributes.{attr_id}"
        node = r.mapping(node, where)
        values = tuple(
            Label(**r.label(v, f"{where}.values[{i}]"))
            for i, v in enumerate(r.seq(node.get("values"), f"{where}.values"))
        )
        _unique(r, [v.id for v in values], f"{where}.values")
        default = r.text(node, "default", where)
        if default not in {v.id for v in values}:
            raise r.fail(where, f"default {default!r} is not one of its values")
        attributes.append(
            Attribute(attr_id, r.text(node, "en", where), r.text(node, "ar", where), default, values)
        )

    groups = {
        name: tuple(r.seq(types, f"filler_groups.{name}"))
        for name, types in r.mapping(data.get("filler_groups"), "filler_groups").items()
    }
    for name, types in groups.items():
        for t in types:
            if t not in entity_ids:
                raise r.fail(f"filler_groups.{name}", f"{t!r} is not an entity type")

    events = []
    for i, n in enumerate(r.seq(data.get("event_types"), "event_types")):
        where = f"event_types[{i}]"
        base = r.label(n, where)
        role_map = r.mapping(n.get("roles"), f"{where}.roles")
        role_items = []
        for role, group in role_map.items():
            if role not in role_ids:
                raise r.fail(f"{where}.roles", f"{role!r} is not an argument role")
            if group not in groups:
                raise r.fail(f"{where}.roles.{role}", f"{group!r} is not a filler group")
            role_items.append((role, groups[group]))
        acled = n.get("acled") or {}
        events.append(
            EventType(
                **base,
                acled_event_type=acled.get("event_type"),
                acled_sub_event_type=acled.get("sub_event_type"),
                ace=n.get("ace"),
                roles=tuple(role_items),
            )
        )
    _unique(r, [e.id for e in events], "event_types")

    stance = r.mapping(data.get("stance"), "stance")
    stance_labels = tuple(
        Label(**r.label(n, f"stance.labels[{i}]", examples_required=n.get("id") != "NOT_MENTIONED"))
        for i, n in enumerate(r.seq(stance.get("labels"), "stance.labels"))
    )
    _unique(r, [s.id for s in stance_labels], "stance.labels")
    if "NOT_MENTIONED" not in {s.id for s in stance_labels}:
        raise r.fail("stance.labels", "needs an explicit NOT_MENTIONED label")

    actors_version, actors, categories = _load_actors(actors_path, set(entity_ids))
    return Inventory(
        schema_version=version,
        actors_version=actors_version,
        entity_types=entities,
        nesting_policy=r.text(nesting, "policy", "nesting"),
        ner_level=r.text(nesting, "ner_level", "nesting"),
        actor_link_types=link_types,
        roles=roles,
        attributes=tuple(attributes),
        event_types=tuple(events),
        stance_definition=r.text(stance, "definition", "stance"),
        stance_labels=stance_labels,
        actors=actors,
        acled_categories=categories,
    )


def _load_actors(
    path: Path, entity_ids: set[str]
) -> tuple[str, tuple[Actor, ...], tuple[str, ...]]:
    r = _Reader(path)
    data = _load_yaml(path)
    version = _version(r, data)
    categories = tuple(str(c) for c in r.seq(data.get("acled_categories"), "acled_categories"))
    actors = []
    for i, n in enumerate(r.seq(data.get("actors"), "actors")):
        where = f"actors[{i}]"
        n = r.mapping(n, where)
        actor_id = r.text(n, "id", where)
        if not re.match(r"^[a-z][a-z0-9_]*$", actor_id):
            raise r.fail(where, f"actor id {actor_id!r} must be lower_snake_case")
        category = r.text(n, "acled_category", where)
        if category not in categories:
            raise r.fail(f"{where} ({actor_id})", f"unknown ACLED category {category!r}")

        def alias_pairs(
            key: str, n: dict[str, Any] = n, actor_id: str = actor_id
        ) -> tuple[tuple[str, str], ...]:
            node = r.mapping(n.get(key) or {}, f"actors ({actor_id}).{key}")
            for form, etype in node.items():
                if etype not in entity_ids:
                    raise r.fail(f"actors ({actor_id}).{key}", f"{form!r}: unknown type {etype!r}")
            return tuple((str(form), str(etype)) for form, etype in node.items())

        actors.append(
            Actor(
                id=actor_id,
                en=r.text(n, "en", where),
                ar=r.text(n, "ar", where),
                acled_category=category,
                parent=n.get("parent"),
                stance_target=bool(n.get("stance_target", False)),
                aliases=alias_pairs("aliases"),
                other_aliases=alias_pairs("other_aliases"),
                descriptors=tuple(str(d) for d in n.get("descriptors") or ()),
            )
        )
    ids = [a.id for a in actors]
    _unique(r, ids, "actors")
    for actor in actors:
        if actor.parent is not None and actor.parent not in ids:
            raise r.fail(f"actors ({actor.id})", f"parent {actor.parent!r} is not an actor")
        if not actor.aliases and not actor.other_aliases:
            raise r.fail(f"actors ({actor.id})", "needs at least one alias")
    return version, tuple(actors), categories


def load_project_inventory(project: Any) -> Inventory:
    """Inventory of a :class:`furat.paths.Project`."""
    return load_inventory(project.labels_file, project.actors_file)
