"""The Label Studio labeling config, generated from the inventory, and its naming contract.

The control names defined here are the contract between the annotation interface,
``furat studio`` (which sends predictions) and ``furat convert`` (which reads exports):

- ``text``: the article, shown right to left; offsets are code points into it.
- ``entity`` (Labels): entity mentions; ``trigger`` (Labels): event triggers, labelled
  with the event type; ``evidence`` (Labels): stance evidence spans, labelled with the
  actor id the evidence is about.
- Relations from a trigger to an entity mention carry the argument role as their label.
- ``actor`` (per-region Choices, shown for actor-linkable entity types): the canonical
  actor of a mention. One per-region Choices per event attribute (``modality``,
  ``polarity``), shown for triggers.
- ``stance_<actor id>`` (document-level Choices): the article's stance toward the actor.
"""

from __future__ import annotations

import colorsys
import hashlib
from xml.sax.saxutils import quoteattr

from furat.labels import Inventory, Label

TEXT = "text"
ENTITY = "entity"
TRIGGER = "trigger"
EVIDENCE = "evidence"
ACTOR = "actor"
STANCE_PREFIX = "stance_"

GENERATED_NOTE = (
    "generated — do not edit; run `furat schema generate` to rewrite it from "
    "schema/labels.yaml and schema/actors.yaml"
)


def stance_control(actor_id: str) -> str:
    """Name of the document-level Choices holding the stance toward ``actor_id``."""
    return f"{STANCE_PREFIX}{actor_id}"


def colour(key: str) -> str:
    """A stable, readable background colour for a label id (same id, same colour)."""
    hue = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    r, g, b = colorsys.hls_to_rgb(hue, 0.72, 0.65)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def _hint(label: Label) -> str:
    return f"{label.en} — {label.ar}: {label.definition}"


def _attrs(**attrs: str) -> str:
    return "".join(f" {key}={quoteattr(value)}" for key, value in attrs.items())


def label_config(inv: Inventory) -> str:
    """The full ``<View>`` labeling config as text, deterministic for one inventory."""
    out: list[str] = [f"<!-- {GENERATED_NOTE} -->"]
    out.append(f"<!-- Furat schema {inv.schema_version}, actors {inv.actors_version} -->")
    out.append('<View style="display: flex; flex-direction: column; gap: 8px">')
    out.append('  <Header value="Furat — الفرات" size="4"/>')

    out.append("  <!-- Entity mentions -->")
    out.append(f'  <Labels{_attrs(name=ENTITY, toName=TEXT, choice="single")} showInline="true">')
    for ent in inv.entity_types:
        out.append(f"    <Label{_attrs(value=ent.id, background=colour(ent.id), hint=_hint(ent))}/>")
    out.append("  </Labels>")

    out.append("  <!-- Event triggers, labelled with the event type -->")
    out.append(f'  <Labels{_attrs(name=TRIGGER, toName=TEXT, choice="single")} showInline="true">')
    for ev in inv.event_types:
        out.append(f"    <Label{_attrs(value=ev.id, background=colour(ev.id), hint=_hint(ev))}/>")
    out.append("  </Labels>")

    out.append("  <!-- Stance evidence spans, labelled with the actor they are about -->")
    out.append(f'  <Labels{_attrs(name=EVIDENCE, toName=TEXT, choice="single")} showInline="true">')
    for actor_id in inv.stance_actor_ids:
        actor = inv.actor(actor_id)
        hint = f"Stance evidence: {actor.en} — {actor.ar}"
        out.append(f"    <Label{_attrs(value=actor.id, background='#dddddd', hint=hint)}/>")
    out.append("  </Labels>")

    out.append("  <!-- The article, right to left -->")
    out.append(
        '  <View style="direction: rtl; text-align: right; font-size: 1.15em; line-height: 2">'
    )
    out.append(f'    <Text{_attrs(name=TEXT, value="$" + TEXT, granularity="symbol")}/>')
    out.append("  </View>")

    out.append("  <!-- Argument roles: relations from a trigger to an entity mention -->")
    out.append("  <Relations>")
    for role in inv.roles:
        out.append(f"    <Relation{_attrs(value=role.id, hint=_hint(role))}/>")
    out.append("  </Relations>")

    out.append("  <!-- Per-region choices -->")
    link_types = ",".join(inv.actor_link_types)
    out.append(
        f"  <Choices{_attrs(name=ACTOR, toName=TEXT, perRegion='true', choice='single')}"
        f"{_attrs(visibleWhen='region-selected', whenLabelValue=link_types)}"
        ' showInline="true">'
    )
    for actor in inv.actors:
        hint = f"{actor.en} — {actor.ar} ({actor.acled_category})"
        out.append(f"    <Choice{_attrs(value=actor.id, hint=hint)}/>")
    out.append("  </Choices>")
    event_values = ",".join(inv.event_ids)
    for attr in inv.attributes:
        out.append(
            f"  <Choices{_attrs(name=attr.id, toName=TEXT, perRegion='true', choice='single')}"
            f"{_attrs(visibleWhen='region-selected', whenLabelValue=event_values)}"
            ' showInline="true">'
        )
        for value in attr.values:
            out.append(f"    <Choice{_attrs(value=value.id, hint=_hint(value))}/>")
        out.append("  </Choices>")

    out.append("  <!-- Document-level stance, one group per actor -->")
    out.append('  <View style="display: grid; grid-template-columns: 1fr 1fr; gap: 4px">')
    for actor_id in inv.stance_actor_ids:
        actor = inv.actor(actor_id)
        out.append("    <View>")
        out.append(f"      <Header{_attrs(value=f'{actor.ar} — {actor.en}', size='6')}/>")
        out.append(
            f"      <Choices{_attrs(name=stance_control(actor.id), toName=TEXT, choice='single')}"
            ' showInline="true">'
        )
        for label in inv.stance_labels:
            out.append(f"        <Choice{_attrs(value=label.id, hint=_hint(label))}/>")
        out.append("      </Choices>")
        out.append("    </View>")
    out.append("  </View>")
    out.append("</View>")
    return "\n".join(out) + "\n"
