"""Rows of each dataset config, built from one canonical record at a time: the definition.

Each function returns plain dicts whose keys and nesting are exactly those of
:mod:`furat.features`, with class labels already encoded as their ``ClassLabel`` index,
so they go to ``pyarrow`` with the features' arrow schema and no cast. This is the
readable statement of what every row holds; the build produces the same rows column by
column for a whole chunk at once (:mod:`furat.chunks`), and the tests check the two
against each other.

Which records give rows where:

* ``documents``: every record (annotated or not), all layers, nested mentions included.
* ``ner`` and ``events``: records with gold annotations (``provenance.gold`` is not
  ``"none"``); an unannotated article would otherwise teach a model that it has no
  entities. ``ner`` tags the outermost mentions (``nesting.ner_level`` in the
  inventory); inner levels stay in ``documents`` and ``events``.
* ``stance``: one row per stance-target actor for records with at least one stance item;
  an actor the annotator gave no label is ``NOT_MENTIONED``. No rows otherwise.
* ``annotations``: one row per (article, annotation) from the converter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from furat.errors import FuratError
from furat.labels import Inventory
from furat.tokenize import TokenIndex, split_tokens

Row = dict[str, Any]
Record = Mapping[str, Any]
METADATA_KEYS = (
    "title", "title_source", "outlet", "outlet_source", "date", "date_text", "category",
    "byline", "caption", "url", "language", "text_sha256",
)  # fmt: skip


class Encoder:
    """Label name -> ``ClassLabel`` index for every label column, from the inventory."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.entity = {n: i for i, n in enumerate(inv.entity_ids)}
        self.event = {n: i for i, n in enumerate(inv.event_ids)}
        self.role = {n: i for i, n in enumerate(inv.role_ids)}
        self.actor = {n: i for i, n in enumerate(inv.stance_actor_ids)}
        self.stance = {n: i for i, n in enumerate(inv.stance_ids)}
        self.bio = {n: i for i, n in enumerate(inv.bio_tags)}
        self.attributes = {
            a.id: ({v: i for i, v in enumerate(a.value_ids)}, a.default) for a in inv.attributes
        }
        self.not_mentioned = self.stance["NOT_MENTIONED"]
        self.actor_names = {a: (inv.actor(a).en, inv.actor(a).ar) for a in inv.stance_actor_ids}

    def code(self, table: Mapping[str, int], value: Any, what: str, doc: str) -> int:
        try:
            return table[value]
        except (KeyError, TypeError):
            raise FuratError(f"record {doc}: unknown {what} {value!r}") from None

    def layers(self, source: Record, doc: str) -> Row:
        """Entity, event and stance layers of a record or annotation, labels encoded."""
        code = self.code
        entities = [
            {
                "id": e["id"], "start": e["start"], "end": e["end"], "text": e["text"],
                "type": code(self.entity, e["type"], "entity type", doc),
                "actor": e.get("actor"), "parent": e.get("parent"),
            }
            for e in source.get("entities") or ()
        ]  # fmt: skip
        events = []
        for ev in source.get("events") or ():
            row = {"id": ev["id"], "type": code(self.event, ev["type"], "event type", doc)}
            row["trigger"] = _span(ev["trigger"])
            for attr, (table, default) in self.attributes.items():
                row[attr] = code(table, ev.get(attr, default), attr, doc)
            row["arguments"] = [
                {"role": code(self.role, a["role"], "role", doc), "mention_id": a["mention_id"]}
                for a in ev.get("arguments") or ()
            ]
            events.append(row)
        stance = [
            {
                "actor": code(self.actor, s["actor"], "stance target", doc),
                "label": code(self.stance, s["label"], "stance label", doc),
                "evidence": [_span(x) for x in s.get("evidence") or ()],
            }
            for s in source.get("stance") or ()
        ]
        return {"entities": entities, "events": events, "stance": stance}


def _span(span: Mapping[str, Any]) -> Row:
    return {"start": span["start"], "end": span["end"], "text": span["text"]}


def documents_row(record: Record, enc: Encoder) -> Row:
    """The ``documents`` row: id, flattened metadata, text, paragraphs and all layers."""
    meta = record.get("metadata") or {}
    return {
        "id": record["id"],
        "schema_version": record.get("schema_version"),
        **{key: meta.get(key) for key in METADATA_KEYS},
        "text": record["text"],
        "paragraphs": record.get("paragraphs") or [],
        **enc.layers(record, record["id"]),
    }


def is_annotated(record: Record) -> bool:
    """True when the record carries gold annotations (``provenance.gold`` is not "none")."""
    return str((record.get("provenance") or {}).get("gold", "none")) != "none"


@dataclass
class TokenRows:
    """One record's token columns (shared by ``ner`` and ``events``), its BIO tags, the rest
    of its ``events`` row (without the text), and the spans the tokens cannot represent."""

    tokens: list[str]
    starts: list[int]
    ends: list[int]
    tags: list[int]
    events: Row
    unrepresentable: list[str] = field(default_factory=list)


def token_rows(record: Record, enc: Encoder) -> TokenRows:
    """Tokenise with every mention and trigger edge as a boundary, then build both rows."""
    doc, text = record["id"], record["text"]
    entities: Sequence[Record] = record.get("entities") or ()
    events: Sequence[Record] = record.get("events") or ()
    edges = [x for e in entities for x in (e["start"], e["end"])]
    edges += [x for ev in events for x in (ev["trigger"]["start"], ev["trigger"]["end"])]
    tokens, starts, ends = split_tokens(text, edges)
    index = TokenIndex(starts, ends)
    bad: list[str] = []

    def locate(span: Record, kind: str, owner: str) -> tuple[int, int]:
        start, end = span["start"], span["end"]
        found = index.span(start, end)
        if found is None or text[start:end] != span["text"]:
            bad.append(f"{doc}: {kind} {owner} [{start}, {end}) {span['text']!r}")
            return (-1, -1)
        return found

    mentions: dict[str, Row] = {}
    for e in entities:
        first, last = locate(e, "mention", e["id"])
        mentions[e["id"]] = {
            "id": e["id"], **_span(e), "token_start": first, "token_end": last,
            "type": enc.code(enc.entity, e["type"], "entity type", doc), "actor": e.get("actor"),
        }  # fmt: skip
    event_rows = []
    for ev in events:
        first, last = locate(ev["trigger"], "trigger of", ev["id"])
        row: Row = {"id": ev["id"], "type": enc.code(enc.event, ev["type"], "event type", doc)}
        row["trigger"] = {**_span(ev["trigger"]), "token_start": first, "token_end": last}
        for attr, (table, default) in enc.attributes.items():
            row[attr] = enc.code(table, ev.get(attr, default), attr, doc)
        arguments = []
        for arg in ev.get("arguments") or ():
            target = mentions.get(arg["mention_id"])
            if target is None:
                raise FuratError(f"record {doc}: event {ev['id']} argument points at unknown "
                                 f"mention {arg['mention_id']!r}")  # fmt: skip
            arguments.append({
                "role": enc.code(enc.role, arg["role"], "role", doc), "mention_id": arg["mention_id"],
                **{k: target[k] for k in ("start", "end", "text", "token_start", "token_end")},
            })  # fmt: skip
        row["arguments"] = arguments
        event_rows.append(row)
    tags = _bio(entities, index, len(tokens), enc)
    rest = {"id": doc, "entity_mentions": list(mentions.values()), "events": event_rows}
    return TokenRows(tokens, starts, ends, tags, rest, bad)


def _bio(entities: Sequence[Record], index: TokenIndex, n: int, enc: Encoder) -> list[int]:
    """BIO tags of the outermost mentions: longest first at each start, no overlaps.

    Two mentions with the same span but different types are both outermost; the one
    that comes first in the record wins, the other stays in the nested layers.
    """
    tags = [0] * n
    covered_to = -1
    for e in sorted(entities, key=lambda m: (m["start"], -m["end"])):
        if e["start"] < covered_to:
            continue
        span = index.span(e["start"], e["end"])
        if span is None:
            continue  # counted as unrepresentable by the caller
        covered_to = e["end"]
        first, last = span
        tags[first] = enc.bio[f"B-{e['type']}"]
        tags[first + 1 : last] = [enc.bio[f"I-{e['type']}"]] * (last - first - 1)
    return tags


def stance_rows(record: Record, enc: Encoder) -> list[Row]:
    """One row per stance-target actor if the record has any stance item, else none.

    The rows lack ``title`` and ``text``: they are the article's, and the build stores
    them once per article (:mod:`furat.spool`), not once per actor.
    """
    items = record.get("stance") or ()
    if not items:
        return []
    doc = record["id"]
    given = {s["actor"]: s for s in items}
    rows = []
    for actor_id, (actor_en, actor_ar) in enc.actor_names.items():
        item = given.get(actor_id)
        rows.append({
            "id": doc, "actor": enc.actor[actor_id], "actor_en": actor_en, "actor_ar": actor_ar,
            "label": enc.not_mentioned if item is None
            else enc.code(enc.stance, item["label"], "stance label", doc),
            "evidence": [] if item is None else [_span(x) for x in item.get("evidence") or ()],
        })  # fmt: skip
    unknown = set(given) - set(enc.actor)
    if unknown:
        raise FuratError(f"record {doc}: stance for unknown target(s) {sorted(unknown)}")
    return rows


LAYERS = ("entities", "events", "stance")


def row_layers(row: Row) -> Row:
    return {k: row[k] for k in LAYERS}


def annotation_row(annotation: Record, enc: Encoder, *, reuse: tuple[Record, Row] | None = None) -> Row:
    """An ``annotations`` row: one annotator's raw layers and where they came from.

    ``reuse=(record, encoded)`` skips re-encoding when the annotation *is* the gold one:
    the converter hands the record the very layer lists of its gold annotation.
    """
    doc = str(annotation["id"])
    if reuse is not None and all(annotation.get(k) is reuse[0].get(k) for k in LAYERS):
        layers = reuse[1]
    else:
        layers = enc.layers(annotation, doc)
    return {
        "id": doc,
        **{k: annotation.get(k) for k in ("task_id", "annotation_id", "annotator")},
        "ground_truth": bool(annotation.get("ground_truth", False)),
        "was_cancelled": bool(annotation.get("was_cancelled", False)),
        "export_file": annotation.get("export_file"),
        **layers,
    }
