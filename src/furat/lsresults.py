"""Canonical record layers → Label Studio result items (predictions, round trips).

Label Studio stores a labelled span as a result item ``{id, from_name, to_name, type,
value}``; a per-region choice (actor link, event attribute) is a second item with the
*same id* and ``type: "choices"``; an argument is a ``relation`` item from the trigger's
id to the mention's id with the role as its label; a document-level stance is a
``choices`` item without offsets. This module writes that shape from canonical layers;
:mod:`furat.convert` reads it back, and the round trip is tested to be lossless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from furat import lsconfig

Result = dict[str, Any]


def _region(region_id: str, from_name: str, start: int, end: int, text: str, label: str) -> Result:
    return {
        "id": region_id,
        "from_name": from_name,
        "to_name": lsconfig.TEXT,
        "type": "labels",
        "origin": "manual",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }


def _region_choice(region_id: str, from_name: str, start: int, end: int, text: str, choice: str) -> Result:
    return {
        "id": region_id,
        "from_name": from_name,
        "to_name": lsconfig.TEXT,
        "type": "choices",
        "origin": "manual",
        "value": {"start": start, "end": end, "text": text, "choices": [choice]},
    }


def entity_results(entity: Mapping[str, Any]) -> list[Result]:
    """The span item of one mention, plus its actor link if it has one."""
    s, e, t, rid = entity["start"], entity["end"], entity["text"], entity["id"]
    out = [_region(rid, lsconfig.ENTITY, s, e, t, entity["type"])]
    if entity.get("actor"):
        out.append(_region_choice(rid, lsconfig.ACTOR, s, e, t, entity["actor"]))
    return out


def event_results(event: Mapping[str, Any], attribute_ids: Sequence[str]) -> list[Result]:
    """The trigger span, its attribute choices and one relation per argument."""
    trig, rid = event["trigger"], event["id"]
    s, e, t = trig["start"], trig["end"], trig["text"]
    out = [_region(rid, lsconfig.TRIGGER, s, e, t, event["type"])]
    for attr in attribute_ids:
        if event.get(attr):
            out.append(_region_choice(rid, attr, s, e, t, event[attr]))
    for arg in event.get("arguments", ()):
        out.append(
            {
                "from_id": rid,
                "to_id": arg["mention_id"],
                "type": "relation",
                "direction": "right",
                "labels": [arg["role"]],
            }
        )
    return out


def stance_results(item: Mapping[str, Any], counter: int) -> list[Result]:
    """The document-level choice for one actor plus its evidence spans."""
    actor = item["actor"]
    out: list[Result] = [
        {
            "id": f"stance-{actor}",
            "from_name": lsconfig.stance_control(actor),
            "to_name": lsconfig.TEXT,
            "type": "choices",
            "origin": "manual",
            "value": {"choices": [item["label"]]},
        }
    ]
    for k, ev in enumerate(item.get("evidence", ())):
        rid = f"ev-{actor}-{counter}-{k}"
        out.append(_region(rid, lsconfig.EVIDENCE, ev["start"], ev["end"], ev["text"], actor))
    return out


def record_to_results(record: Mapping[str, Any], attribute_ids: Sequence[str]) -> list[Result]:
    """All layers of a canonical record as one Label Studio ``result`` list."""
    out: list[Result] = []
    for entity in record.get("entities", ()):
        out += entity_results(entity)
    for event in record.get("events", ()):
        out += event_results(event, attribute_ids)
    for k, item in enumerate(record.get("stance", ())):
        out += stance_results(item, k)
    return out
