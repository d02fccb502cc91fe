"""One Label Studio ``result`` list → canonical layers (entities, events, stance).

This is the inverse of :func:`furat.lsresults.record_to_results`, following the naming
contract of :mod:`furat.lsconfig`:

- ``entity`` / ``trigger`` / ``evidence`` label items are spans; their region id becomes
  the mention id or event id, so a record → results → record round trip is lossless.
- A per-region ``choices`` item shares its span's id: ``actor`` on a mention becomes its
  actor link; ``modality`` / ``polarity`` on a trigger become event attributes, and an
  attribute nobody chose takes the inventory default (the annotation interface leaves
  the default unticked, so "no choice" means "the default").
- A ``relation`` between a trigger and a mention becomes an argument ``{role,
  mention_id}`` of the event; the arrow's direction is not trusted, only which end is
  the trigger.
- A document-level ``stance_<actor>`` choice becomes a stance item; ``evidence`` spans
  labelled with that actor id become its evidence.

Everything that cannot be converted is an incident located at the region, and the
region is dropped; references *to* a dropped region are dropped silently so one mistake
is reported once, not once per relation that touches it. Layers come out in a canonical
order (by offsets, then label and id) so that two exports of the same annotation give
byte-identical records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from furat import lsconfig
from furat.codes import make
from furat.incidents import Incident, Location
from furat.labels import Inventory
from furat.spans import entity_key, nest

Layer = list[dict[str, Any]]


@dataclass
class Layers:
    """The three annotation layers of one annotation, in canonical order."""

    entities: Layer = field(default_factory=list)
    events: Layer = field(default_factory=list)
    stance: Layer = field(default_factory=list)


def sort_events(events: Layer) -> Layer:
    """Canonical event order: by trigger start, longer first, then type and id."""
    return sorted(events, key=lambda e: (e["trigger"]["start"], -e["trigger"]["end"], e["type"], e["id"]))


class ResultReader:
    """Converts result lists for one inventory (label sets are computed once)."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.span_labels: dict[str, frozenset[str]] = {
            lsconfig.ENTITY: frozenset(inv.entity_ids),
            lsconfig.TRIGGER: frozenset(inv.event_ids),
            lsconfig.EVIDENCE: frozenset(inv.stance_actor_ids),
        }
        self.attributes = {a.id: frozenset(a.value_ids) for a in inv.attributes}
        self.defaults = {a.id: a.default for a in inv.attributes}
        self.region_choices = {lsconfig.ACTOR, *self.attributes}
        self.stance_controls = {lsconfig.stance_control(a): a for a in inv.stance_actor_ids}
        self.actor_ids = frozenset(inv.actor_ids)
        self.stance_ids = frozenset(inv.stance_ids)
        self.role_rank = {r: k for k, r in enumerate(inv.role_ids)}

    def read(self, result: Any, text: str, where: Location, out: list[Incident]) -> Layers:
        """Layers of one annotation's ``result``; problems are appended to ``out``."""
        run = _Run(self, text, where, out)
        if not isinstance(result, list):
            run.fail("EXPORT_STRUCTURE", "the annotation's result is not a list", None)
            return Layers()
        relations: list[tuple[int, Mapping[str, Any]]] = []
        for k, item in enumerate(result):
            if not isinstance(item, dict):  # parsed JSON: dict, and faster than Mapping
                run.fail("EXPORT_STRUCTURE", "a result item is not an object", f"result[{k}]")
            elif item.get("type") == "relation":
                relations.append((k, item))
            else:
                run.item(k, item)
        return run.build(relations)


class _Run:
    """State of converting one result list."""

    def __init__(self, reader: ResultReader, text: str, where: Location, out: list[Incident]):
        self.r = reader
        self.text = text
        self.where = where
        self.out = out
        self.spans: dict[str, tuple[str, int, int, str, str]] = {}
        self.choices: dict[str, dict[str, str]] = {}
        self.doc_choices: dict[str, str] = {}
        self.bad: set[str] = set()

    def fail(self, code: str, message: str, region: str | None) -> None:
        self.out.append(make(code, message, dataclasses.replace(self.where, region=region)))

    def one(self, values: Any, what: str, region: str) -> str | None:
        if isinstance(values, list) and len(values) == 1 and isinstance(values[0], str):
            return values[0]
        self.fail("LABEL_COUNT", f"{what} needs exactly one value, has {values!r}", region)
        return None

    def item(self, k: int, item: Mapping[str, Any]) -> None:
        rid, control = item.get("id"), item.get("from_name")
        region = rid if isinstance(rid, str) and rid else f"result[{k}]"
        known = control in self.r.span_labels or control in self.r.region_choices
        if not (known or control in self.r.stance_controls) or item.get("to_name") != lsconfig.TEXT:
            self.bad.add(region)
            self.fail(
                "EXPORT_UNKNOWN_CONTROL",
                f"control {control!r} → {item.get('to_name')!r} is not in the Furat labeling "
                "config (an export of another project, or a stale config?)",
                region,
            )
            return
        value = item.get("value")
        if not isinstance(value, dict) or region != rid:
            self.bad.add(region)
            self.fail("EXPORT_STRUCTURE", "a result item needs a string id and a value object", region)
            return
        if control in self.r.span_labels:
            self.span(region, control, value)
        elif control in self.r.region_choices:
            choice = self.one(value.get("choices"), f"choice {control!r}", region)
            if choice is not None:
                if control in self.choices.setdefault(region, {}):
                    self.fail("LABEL_COUNT", f"region has two {control!r} choices", region)
                self.choices[region][control] = choice
        else:
            actor = self.r.stance_controls[str(control)]
            label = self.one(value.get("choices"), f"stance toward {actor}", region)
            if label is None:
                return
            if label not in self.r.stance_ids:
                self.fail("LABEL_UNKNOWN", f"stance label {label!r} is not in the inventory", region)
            elif actor in self.doc_choices:
                self.fail("STANCE_DUPLICATE", f"two stance choices toward {actor}", region)
            else:
                self.doc_choices[actor] = label

    def span(self, rid: str, control: str, value: Mapping[str, Any]) -> None:
        raw_start, raw_end, n = value.get("start"), value.get("end"), len(self.text)
        if (
            isinstance(raw_start, bool)
            or isinstance(raw_end, bool)
            or not (isinstance(raw_start, int) and isinstance(raw_end, int))
        ):
            self.bad.add(rid)
            msg = f"offsets must be integers, got {raw_start!r}..{raw_end!r}"
            self.fail("SPAN_OUT_OF_RANGE", msg, rid)
            return
        start, end = raw_start, raw_end
        label = None
        if not 0 <= start <= end <= n:
            self.fail("SPAN_OUT_OF_RANGE", f"offsets {start}..{end} are outside the text (0..{n})", rid)
        elif start == end:
            self.fail("SPAN_EMPTY", f"zero-length span at {start}", rid)
        elif not isinstance(value.get("text"), str):
            # Without it, offsets in UTF-16 or bytes (other tools) would pass unnoticed.
            self.fail("SPAN_TEXT_MISMATCH", "value.text is missing: the offsets cannot be checked", rid)
        elif value.get("text") != self.text[start:end]:
            self.fail(
                "SPAN_TEXT_MISMATCH",
                f"value.text {value.get('text')!r} but text[{start}:{end}] is "
                f"{self.text[start:end]!r} (offsets not in code points?)",
                rid,
            )
        else:
            label = self.one(value.get("labels"), f"{control} span", rid)
        if label is None:
            self.bad.add(rid)
            return
        if label not in self.r.span_labels[control]:
            self.bad.add(rid)
            self.fail("LABEL_UNKNOWN", f"{control} label {label!r} is not in the inventory", rid)
        elif rid in self.spans:
            self.bad.add(rid)
            other = self.spans.pop(rid)[0]
            self.fail("ID_DUPLICATE", f"region id used by both an {other} span and a {control} span", rid)
        elif rid not in self.bad:
            self.spans[rid] = (control, start, end, self.text[start:end], label)

    def build(self, relations: list[tuple[int, Mapping[str, Any]]]) -> Layers:
        layers = Layers()
        events: dict[str, dict[str, Any]] = {}
        evidence: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for rid, (control, start, end, text, label) in self.spans.items():
            chosen = self.choices.pop(rid, {})
            if control == lsconfig.ENTITY:
                layers.entities.append(self.entity(rid, start, end, text, label, chosen))
            elif control == lsconfig.TRIGGER:
                events[rid] = self.event(rid, start, end, text, label, chosen)
            else:
                for name in chosen:
                    self.fail("CHOICE_ORPHAN", f"choice {name!r} on a stance evidence span", rid)
                evidence.setdefault(label, []).append((rid, {"start": start, "end": end, "text": text}))
        for rid, chosen in self.choices.items():
            if rid not in self.bad:
                for name in chosen:
                    self.fail("CHOICE_ORPHAN", f"choice {name!r} for a region that is not a span", rid)
        for k, rel in relations:
            self.relation(k, rel, events)
        parents, _ = nest(*([e[key] for e in layers.entities] for key in ("start", "end", "type", "id")))
        for ent in layers.entities:
            ent["parent"] = parents[ent["id"]]
        layers.entities.sort(key=entity_key)
        starts = {e["id"]: (e["start"], -e["end"]) for e in layers.entities}
        for ev in events.values():
            ev["arguments"].sort(
                key=lambda a: (self.r.role_rank[a["role"]], *starts[a["mention_id"]], a["mention_id"])
            )
        layers.events = sort_events(list(events.values()))
        for actor in self.r.inv.stance_actor_ids:
            if actor in self.doc_choices:
                spans = sorted((s for _, s in evidence.pop(actor, [])), key=lambda s: (s["start"], s["end"]))
                layers.stance.append({"actor": actor, "label": self.doc_choices[actor], "evidence": spans})
        for actor, items in evidence.items():
            for rid, _ in items:
                self.fail("EVIDENCE_ORPHAN", f"evidence for {actor} but no stance choice toward it", rid)
        return layers

    def entity(
        self, rid: str, start: int, end: int, text: str, label: str, chosen: dict[str, str]
    ) -> dict[str, Any]:
        actor = None
        for name, value in chosen.items():
            if name != lsconfig.ACTOR:
                self.fail("CHOICE_ORPHAN", f"event attribute {name!r} on an entity mention", rid)
            elif value not in self.r.actor_ids:
                self.fail("ACTOR_UNKNOWN", f"actor {value!r} is not in schema/actors.yaml", rid)
            else:
                actor = value
        return {
            "id": rid,
            "start": start,
            "end": end,
            "text": text,
            "type": label,
            "actor": actor,
            "parent": None,
        }

    def event(
        self, rid: str, start: int, end: int, text: str, label: str, chosen: dict[str, str]
    ) -> dict[str, Any]:
        attrs = dict(self.r.defaults)
        for name, value in chosen.items():
            if name not in self.r.attributes:
                self.fail("CHOICE_ORPHAN", f"choice {name!r} on an event trigger", rid)
            elif value not in self.r.attributes[name]:
                self.fail("ATTRIBUTE_UNKNOWN", f"{name} {value!r} is not in the inventory", rid)
            else:
                attrs[name] = value
        trigger = {"start": start, "end": end, "text": text}
        return {"id": rid, "type": label, "trigger": trigger, **attrs, "arguments": []}

    def relation(self, k: int, rel: Mapping[str, Any], events: dict[str, dict[str, Any]]) -> None:
        src, dst = rel.get("from_id"), rel.get("to_id")
        region = f"{src}->{dst}"
        if not (isinstance(src, str) and isinstance(dst, str)):
            self.fail("EXPORT_STRUCTURE", f"relation result[{k}] needs from_id and to_id", region)
            return
        if src in self.bad or dst in self.bad:
            return
        missing = [x for x in (src, dst) if x not in self.spans]
        if missing:
            self.fail("REFERENCE_UNRESOLVED", f"relation points at missing region(s) {missing}", region)
            return
        kinds = (self.spans[src][0], self.spans[dst][0])
        if kinds == (lsconfig.TRIGGER, lsconfig.ENTITY):
            trigger, mention = src, dst
        elif kinds == (lsconfig.ENTITY, lsconfig.TRIGGER):
            trigger, mention = dst, src
        else:
            msg = f"relation joins {kinds[0]} and {kinds[1]} spans, not a trigger and a mention"
            self.fail("RELATION_ENDPOINTS", msg, region)
            return
        role = self.one(rel.get("labels"), "relation role", region)
        if role is None:
            return
        if role not in self.r.role_rank:
            self.fail("ROLE_UNKNOWN", f"role {role!r} is not in the inventory", region)
            return
        events[trigger]["arguments"].append({"role": role, "mention_id": mention})
