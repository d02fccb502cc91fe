"""What a JSON Schema cannot say about a record: the semantic invariants.

The schema (:mod:`furat.docschema`) fixes shapes and label sets; this module checks the
relations between values, for records that already pass the schema (so every field
exists with the right type and the checks can stay simple and fast):

- spans: ``0 <= start < end <= len(text)``, ``text[start:end] == span text``, not
  whitespace-only or whitespace-edged, and not cutting a word except at a clitic
  boundary (:func:`furat.spans.word_cut`) — for mentions, triggers and evidence;
- ids unique across mentions and events; no exact duplicate spans; mentions nest but
  never cross, and ``parent`` is the smallest strictly enclosing mention;
- each argument's role is one the event type takes, its ``mention_id`` resolves, and
  the filler's entity type is allowed for the role; an actor link only on an entity type
  listed in ``actor_link_types``;
- stance: one item per actor; FAVOR/AGAINST/NEUTRAL only toward an actor the article
  mentions (a mention linked to the actor or to one of its components, e.g. a YPG
  mention counts for the SDF), NOT_MENTIONED only toward one it does not; an annotated
  article answers every stance target;
- the text hashes to ``metadata.text_sha256`` (the manifest's), so offsets refer to the
  text that was annotated; if it does not, that is the only incident of the record.

Each problem is ``(code, message, region)``; :mod:`furat.validate` adds the location.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from furat.labels import Inventory
from furat.spans import SEPARATORS, nest, word_cut

Problem = tuple[str, str, str | None]
NOT_MENTIONED = "NOT_MENTIONED"


class SemanticChecker:
    """Semantic checks for one inventory; lookup tables are built once."""

    def __init__(self, inv: Inventory) -> None:
        self.link_types = frozenset(inv.actor_link_types)
        self.roles = {ev.id: {role: frozenset(types) for role, types in ev.roles} for ev in inv.event_types}
        parent = {a.id: a.parent for a in inv.actors}
        self.lineage: dict[str, tuple[str, ...]] = {}
        for actor_id in parent:
            chain: list[str] = []
            node: str | None = actor_id
            while node is not None and node not in chain:
                chain.append(node)
                node = parent.get(node)
            self.lineage[actor_id] = tuple(chain)
        self.stance_targets = inv.stance_actor_ids

    def check(self, record: Mapping[str, Any]) -> list[Problem]:
        """Every semantic problem of one schema-valid record."""
        out: list[Problem] = []
        text: str = record["text"]
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != record["metadata"]["text_sha256"]:
            # offsets into another text: checking them would only echo this one problem
            msg = "text does not hash to metadata.text_sha256 (edited after annotation?)"
            return [("TEXT_MISMATCH", msg, None)]
        for k, (start, end) in enumerate(record["paragraphs"]):
            if not start <= end <= len(text):
                msg = f"paragraph {start}..{end} is outside the text (0..{len(text)})"
                out.append(("SPAN_OUT_OF_RANGE", msg, f"paragraphs[{k}]"))
        entities = record["entities"]
        self._ids(record, out)
        good = [e for e in entities if self._span(e, text, e["id"], out)]
        for ent in entities:
            if ent["actor"] is not None and ent["type"] not in self.link_types:
                msg = f"a {ent['type']} mention cannot carry an actor ({ent['actor']})"
                out.append(("ACTOR_LINK_TYPE", msg, ent["id"]))
        self._duplicates([((e["start"], e["end"], e["type"]), e["id"]) for e in entities], out)
        self._nesting(good, out)
        by_id = {e["id"]: e for e in entities}
        for ev in record["events"]:
            self._span(ev["trigger"], text, ev["id"], out)
            self._arguments(ev, by_id, out)
        self._duplicates(
            [((v["trigger"]["start"], v["trigger"]["end"], v["type"]), v["id"]) for v in record["events"]],
            out,
        )
        self._stance(record, entities, text, out)
        return out

    @staticmethod
    def _ids(record: Mapping[str, Any], out: list[Problem]) -> None:
        seen: set[str] = set()
        for item in (*record["entities"], *record["events"]):
            if item["id"] in seen:
                out.append(("ID_DUPLICATE", f"id {item['id']!r} is used twice", item["id"]))
            seen.add(item["id"])

    @staticmethod
    def _span(span: Mapping[str, Any], text: str, region: str, out: list[Problem]) -> bool:
        """Offsets and text of one span; ``False`` if it cannot be placed in the text."""
        start, end, surface = span["start"], span["end"], span["text"]
        if not start <= end <= len(text):
            msg = f"offsets {start}..{end} are outside the text (0..{len(text)})"
            out.append(("SPAN_OUT_OF_RANGE", msg, region))
            return False
        if text[start:end] != surface:
            msg = f"text[{start}:{end}] is {text[start:end]!r}, the span says {surface!r}"
            out.append(("SPAN_TEXT_MISMATCH", msg, region))
            return False
        if surface[0].isspace() or surface[-1].isspace():
            if surface.isspace():
                out.append(("SPAN_EMPTY", f"span {start}..{end} is only whitespace", region))
                return False
            out.append(("SPAN_WHITESPACE_EDGE", f"span {surface!r} has whitespace at an edge", region))
        if (start and text[start - 1] not in SEPARATORS) or (end < len(text) and text[end] not in SEPARATORS):
            cut = word_cut(text, start, end)  # only when a neighbour may be part of a word
            if cut is not None:
                out.append(("SPAN_SPLITS_WORD", f"span {surface!r} {cut}", region))
        return True

    @staticmethod
    def _duplicates(items: list[tuple[tuple[int, int, str], str]], out: list[Problem]) -> None:
        """Report each ``(start, end, label)`` key seen before, at the later region."""
        seen: dict[tuple[int, int, str], str] = {}
        for key, region in items:
            if key in seen:
                msg = f"same span and label as {seen[key]} ({key[0]}..{key[1]} {key[2]})"
                out.append(("SPAN_DUPLICATE", msg, region))
            else:
                seen[key] = region

    @staticmethod
    def _nesting(entities: list[Mapping[str, Any]], out: list[Problem]) -> None:
        parents, crossings = nest(entities)
        for first, second in crossings:
            out.append(("SPAN_CROSSING", f"mention crosses mention {first}", second))
        by_id = {e["id"]: e for e in entities}
        for ent in entities:
            given, expected = ent["parent"], parents[ent["id"]]
            if given == expected:
                continue
            other = by_id.get(given) if given is not None else None
            want = by_id.get(expected) if expected is not None else None
            if other is not None and want is not None and _same_extent(other, want):
                continue  # an equally small container of another type is just as right
            msg = f"parent is {given!r}; the smallest strictly enclosing mention is {expected!r}"
            out.append(("PARENT_MISMATCH", msg, ent["id"]))

    def _arguments(
        self, event: Mapping[str, Any], by_id: Mapping[str, Mapping[str, Any]], out: list[Problem]
    ) -> None:
        allowed = self.roles[event["type"]]
        seen: set[tuple[str, str]] = set()
        for arg in event["arguments"]:
            role, mention = arg["role"], arg["mention_id"]
            if (role, mention) in seen:
                out.append(("ARGUMENT_DUPLICATE", f"{role} → {mention} appears twice", event["id"]))
                continue
            seen.add((role, mention))
            filler = by_id.get(mention)
            if role not in allowed:
                msg = f"{event['type']} takes no {role!r} (roles: {', '.join(allowed)})"
                out.append(("ROLE_NOT_ALLOWED", msg, event["id"]))
            elif filler is None:
                msg = f"argument {role} points at {mention!r}, which is not a mention"
                out.append(("REFERENCE_UNRESOLVED", msg, event["id"]))
            elif filler["type"] not in allowed[role]:
                msg = (
                    f"{role} of {event['type']} cannot be a {filler['type']} "
                    f"({mention}); allowed: {', '.join(sorted(allowed[role]))}"
                )
                out.append(("FILLER_TYPE_NOT_ALLOWED", msg, event["id"]))

    def _stance(self, record: Mapping[str, Any], entities: list[Any], text: str, out: list[Problem]) -> None:
        mentioned: set[str] = set()
        for ent in entities:
            if ent["actor"] is not None:
                mentioned.update(self.lineage.get(ent["actor"], ()))
        answered: set[str] = set()
        for item in record["stance"]:
            actor, label, region = item["actor"], item["label"], f"stance/{item['actor']}"
            if actor in answered:
                out.append(("STANCE_DUPLICATE", f"two stance items toward {actor}", region))
                continue
            answered.add(actor)
            if label == NOT_MENTIONED and actor in mentioned:
                msg = f"NOT_MENTIONED, but a mention is linked to {actor} (or a component of it)"
                out.append(("STANCE_NOT_MENTIONED_CONTRADICTED", msg, region))
            elif label != NOT_MENTIONED and actor not in mentioned:
                msg = f"{label} toward {actor}, but no mention is linked to it; link one or use NOT_MENTIONED"
                out.append(("STANCE_UNMENTIONED_ACTOR", msg, region))
            seen: dict[tuple[int, int, str], str] = {}
            for k, span in enumerate(item["evidence"]):
                where = f"{region}/evidence[{k}]"
                self._span(span, text, where, out)
                key = (span["start"], span["end"], actor)
                if key in seen:
                    out.append(("SPAN_DUPLICATE", f"same evidence as {seen[key]}", where))
                seen.setdefault(key, where)
        if record["provenance"]["gold"] != "none":
            missing = [a for a in self.stance_targets if a not in answered]
            if missing:
                msg = f"no stance choice toward: {', '.join(missing)}"
                out.append(("STANCE_INCOMPLETE", msg, None))


def _same_extent(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return bool(a["start"] == b["start"] and a["end"] == b["end"])
