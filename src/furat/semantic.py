"""What a JSON Schema cannot say about a record: the semantic invariants.

The schema (:mod:`furat.docschema`) fixes shapes and label sets; this module checks the
relations between values, for records that already pass the schema (so every field
exists with the right type). Records arrive as the typed structs of
:mod:`furat.structschema`. Validation must cost less than half of parsing, so each rule
first runs in bulk over columns (``zip``/``map``/sets, in C) and only a record where the
bulk test fails is walked item by item to name each problem:

- spans: inside the text, equal to their slice, no whitespace edges, no word cut except
  at a clitic boundary — for mentions, triggers and evidence (:mod:`furat.placement`);
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
import itertools
import operator
from collections.abc import Sequence
from typing import Any

from furat.labels import Inventory
from furat.placement import Placement, Problem
from furat.spans import nest


def _entity_columns(entities: list[Any]) -> tuple[tuple[Any, ...], ...]:
    """``types, ids, actors, parents`` of the mentions, transposed in C."""
    return tuple(zip(*map(_ENTITY_FIELDS, entities), strict=True))


_ENTITY_FIELDS = operator.attrgetter("type", "id", "actor", "parent")
NOT_MENTIONED = "NOT_MENTIONED"


class SemanticChecker:
    """Semantic checks for one inventory; lookup tables are built once."""

    def __init__(self, inv: Inventory) -> None:
        self.link_types = frozenset(inv.actor_link_types)
        self.roles = {ev.id: {role: frozenset(types) for role, types in ev.roles} for ev in inv.event_types}
        #: every allowed (event type, role, filler entity type): one set lookup per argument
        self.allowed = frozenset(
            (event, role, kind)
            for event, roles in self.roles.items()
            for role, kinds in roles.items()
            for kind in kinds
        )
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

    def check(self, record: Any) -> list[Problem]:
        """Every semantic problem of one schema-valid record (a :mod:`furat.structschema` struct)."""
        out: list[Problem] = []
        text: str = record.text
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != record.metadata.text_sha256:
            # offsets into another text: checking them would only echo this one problem
            msg = "text does not hash to metadata.text_sha256 (edited after annotation?)"
            return [("TEXT_MISMATCH", msg, None)]
        size = len(text)
        for k, (start, end) in enumerate(record.paragraphs):
            if not start <= end <= size:
                msg = f"paragraph {start}..{end} is outside the text (0..{size})"
                out.append(("SPAN_OUT_OF_RANGE", msg, f"paragraphs[{k}]"))
        entities, events, stance = record.entities, record.events, record.stance
        triggers = [ev.trigger for ev in events]
        evidence = [span for item in stance for span in item.evidence]
        placed = Placement(text, [*entities, *triggers, *evidence])
        n_ent = len(entities)
        types, ids, links, given = _entity_columns(entities) if entities else ((), (), (), ())
        self._ids(ids, events, out)
        if placed.problems:
            for k, ent in enumerate(entities):
                placed.report(k, ent.id, out)
        ent_starts, ent_ends = placed.starts[:n_ent], placed.ends[:n_ent]
        link_types = self.link_types
        if any(links) and not all(t in link_types for t, a in set(zip(types, links, strict=True)) if a):
            for ent in entities:
                if ent.actor is not None and ent.type not in link_types:
                    msg = f"a {ent.type} mention cannot carry an actor ({ent.actor})"
                    out.append(("ACTOR_LINK_TYPE", msg, ent.id))
        if len(set(zip(ent_starts, ent_ends, types, strict=True))) != n_ent:
            _duplicates([((e.start, e.end, e.type), e.id) for e in entities], out)
        columns: tuple[Sequence[Any], ...] = (ent_starts, ent_ends, types, ids)
        if placed.bad:
            kept = [k not in placed.bad for k in range(n_ent)]
            columns = tuple(list(itertools.compress(column, kept)) for column in columns)
        self._nesting(ids, given, columns, out)

        type_of = dict(zip(ids, types, strict=True))
        rows = [(ev.id, ev.type, arg.role, arg.mention_id) for ev in events for arg in ev.arguments]
        exact = len(set(rows)) != len(rows) or not self.allowed.issuperset(
            [(kind, role, type_of.get(mention)) for _, kind, role, mention in rows]
        )
        if placed.problems or exact:
            for k, ev in enumerate(events, n_ent):
                placed.report(k, ev.id, out)
                if exact:
                    self._arguments(ev, type_of, out)
        if len(events) > 1:
            _duplicates([((v.trigger.start, v.trigger.end, v.type), v.id) for v in events], out)
        self._stance(stance, set(links) - {None}, placed, n_ent + len(events), out)
        if record.provenance.gold != "none":
            answered = {item.actor for item in stance}
            missing = [a for a in self.stance_targets if a not in answered]
            if missing:
                msg = f"no stance choice toward: {', '.join(missing)}"
                out.append(("STANCE_INCOMPLETE", msg, None))
        return out

    @staticmethod
    def _ids(ids: Sequence[str], events: list[Any], out: list[Problem]) -> None:
        """Report every mention or event id used a second time."""
        event_ids = [ev.id for ev in events]
        every = set(ids)
        every.update(event_ids)
        if len(every) == len(ids) + len(event_ids):
            return  # the common case: every id unique
        seen: set[str] = set()
        for item_id in (*ids, *event_ids):
            if item_id in seen:
                out.append(("ID_DUPLICATE", f"id {item_id!r} is used twice", item_id))
            seen.add(item_id)

    @staticmethod
    def _nesting(
        ids: Sequence[str], given: Sequence[str | None], placed: tuple[Sequence[Any], ...], out: list[Problem]
    ) -> None:
        """Crossings, and each ``parent`` (``given``) against :func:`nest` over the placed mentions."""
        parents, crossings = nest(*placed)
        for first, second in crossings:
            out.append(("SPAN_CROSSING", f"mention crosses mention {first}", second))
        if len(parents) == len(ids) and list(map(parents.get, ids)) == list(given):
            return  # the common case: every parent as computed
        extent = dict(zip(placed[3], zip(placed[0], placed[1], strict=True), strict=True))
        for rid, parent in zip(ids, given, strict=True):
            expected = parents.get(rid, parent)  # a misplaced mention: reported already
            if parent == expected:
                continue
            other = extent.get(parent) if parent is not None else None
            if other is not None and expected is not None and other == extent.get(expected):
                continue  # an equally small container of another type is just as right
            msg = f"parent is {parent!r}; the smallest strictly enclosing mention is {expected!r}"
            out.append(("PARENT_MISMATCH", msg, rid))

    def _arguments(self, event: Any, type_of: dict[str, str], out: list[Problem]) -> None:
        """The exact argument rules of one event (``type_of``: mention id -> entity type)."""
        allowed = self.roles[event.type]
        seen: set[tuple[str, str]] = set()
        for arg in event.arguments:
            role, mention = arg.role, arg.mention_id
            if (role, mention) in seen:
                out.append(("ARGUMENT_DUPLICATE", f"{role} → {mention} appears twice", event.id))
                continue
            seen.add((role, mention))
            fillers = allowed.get(role)
            filler = type_of.get(mention)
            if fillers is None:
                msg = f"{event.type} takes no {role!r} (roles: {', '.join(allowed)})"
                out.append(("ROLE_NOT_ALLOWED", msg, event.id))
            elif filler is None:
                msg = f"argument {role} points at {mention!r}, which is not a mention"
                out.append(("REFERENCE_UNRESOLVED", msg, event.id))
            elif filler not in fillers:
                msg = (
                    f"{role} of {event.type} cannot be a {filler} "
                    f"({mention}); allowed: {', '.join(sorted(fillers))}"
                )
                out.append(("FILLER_TYPE_NOT_ALLOWED", msg, event.id))

    def _stance(
        self, stance: list[Any], actors: set[str], placed: Placement, k: int, out: list[Problem]
    ) -> None:
        """Stance items against the linked actors and their parents; ``k``: first evidence index."""
        lineage = self.lineage
        mentioned: set[str] = set()
        for actor in actors:
            mentioned.update(lineage.get(actor, ()))
        if not placed.problems and self._stance_fine(stance, mentioned, placed.starts, placed.ends, k):
            return
        answered: set[str] = set()
        for item in stance:
            actor, label = item.actor, item.label
            region = f"stance/{actor}"
            if actor in answered:
                out.append(("STANCE_DUPLICATE", f"two stance items toward {actor}", region))
                k += len(item.evidence)
                continue
            answered.add(actor)
            if label == NOT_MENTIONED:
                if actor in mentioned:
                    msg = f"NOT_MENTIONED, but a mention is linked to {actor} (or a component of it)"
                    out.append(("STANCE_NOT_MENTIONED_CONTRADICTED", msg, region))
            elif actor not in mentioned:
                msg = f"{label} toward {actor}, but no mention is linked to it; link one or use NOT_MENTIONED"
                out.append(("STANCE_UNMENTIONED_ACTOR", msg, region))
            if item.evidence:
                seen: dict[tuple[int, int], str] = {}
                for j, span in enumerate(item.evidence):
                    where = f"{region}/evidence[{j}]"
                    if placed.problems:
                        placed.report(k, where, out)
                    k += 1
                    key = (span.start, span.end)
                    if key in seen:
                        out.append(("SPAN_DUPLICATE", f"same evidence as {seen[key]}", where))
                    seen.setdefault(key, where)


    @staticmethod
    def _stance_fine(
        stance: list[Any], mentioned: set[str], starts: Sequence[int], ends: Sequence[int], k: int
    ) -> bool:
        """The common case in bulk: one item per actor, NOT_MENTIONED exactly for the
        actors not mentioned, no evidence span twice in an item (``k``: first evidence)."""
        targets = [item.actor for item in stance]
        silent = {item.actor for item in stance if item.label == NOT_MENTIONED}
        if len(set(targets)) != len(targets) or silent != set(targets) - mentioned:
            return False
        for item in stance:
            n = len(item.evidence)
            if n > 1 and len(set(zip(starts[k : k + n], ends[k : k + n], strict=True))) != n:
                return False
            k += n
        return True


def _duplicates(items: list[tuple[tuple[int, int, str], str]], out: list[Problem]) -> None:
    """Report each ``(start, end, label)`` key seen before, at the later region."""
    if len({key for key, _ in items}) == len(items):
        return
    seen: dict[tuple[int, int, str], str] = {}
    for key, region in items:
        if key in seen:
            msg = f"same span and label as {seen[key]} ({key[0]}..{key[1]} {key[2]})"
            out.append(("SPAN_DUPLICATE", msg, region))
        else:
            seen[key] = region
