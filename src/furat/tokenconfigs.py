"""The token columns of the ``ner`` and ``events`` configs for a chunk of annotated records.

Same rows as :func:`furat.configs.token_rows` (the definition, which the tests compare
with), built for a whole chunk at once: :func:`furat.tokenize.tokenize_batch` gives every
token of the chunk as arrays, mention and trigger spans are looked up among them with
one sorted search, the outermost mentions are found with a running maximum, and BIO
tags are painted with a cumulative sum. Only resolving argument ids (and choosing the
outermost mentions in a chunk where two mentions cross) walks mentions one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from furat.columns import Entities, Events, Ints, list_array, offsets, owners, struct_array
from furat.configs import Encoder
from furat.errors import FuratError
from furat.tokenize import TokenBatch, tokenize_batch

_KEY_SHIFT = 32  # a token edge's sort key: its text's index above, its offset below


@dataclass
class Spans:
    """Token spans of character spans: ``first``/``end`` index the text's tokens (``end``
    exclusive); ``found`` says the span is a token span, ``ok`` also that the text matches."""

    first: Ints
    end: Ints
    found: npt.NDArray[np.bool_]
    ok: npt.NDArray[np.bool_]

    def local(self) -> tuple[Ints, Ints]:
        """Token start and end as stored: ``-1`` for a span that is not ``ok``."""
        return np.where(self.ok, self.first, -1), np.where(self.ok, self.end, -1)


class TokenIndexes:
    """Looks up character spans among the tokens of a :class:`TokenBatch`."""

    def __init__(self, batch: TokenBatch, texts: Sequence[str]) -> None:
        self.batch = batch
        self.texts = texts
        self.lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        text_of = owners(batch.counts) << _KEY_SHIFT
        self.start_keys = text_of | batch.starts
        self.end_keys = text_of | batch.ends

    def spans(self, text_of: Ints, starts: Ints, ends: Ints, wanted: Sequence[str]) -> Spans:
        """Spans ``[starts, ends)`` of texts ``text_of``; ``wanted`` are their expected texts."""
        inside = (
            (starts >= 0) & (ends >= 0) & (starts <= self.lengths[text_of]) & (ends <= self.lengths[text_of])
        )
        key = text_of << _KEY_SHIFT
        first = np.searchsorted(self.start_keys, key | np.where(inside, starts, 0))
        last = np.searchsorted(self.end_keys, key | np.where(inside, ends, 0))
        total = len(self.start_keys)
        found = inside & (first < total) & (last < total) & (first <= last)
        if total:
            found &= self.start_keys[np.minimum(first, total - 1)] == (key | starts)
            found &= self.end_keys[np.minimum(last, total - 1)] == (key | ends)
        texts = self.texts
        matches = [
            texts[t][s:e] == w
            for t, s, e, w in zip(text_of.tolist(), starts.tolist(), ends.tolist(), wanted, strict=True)
        ]
        base = self.batch.first[text_of]
        return Spans(first - base, last + 1 - base, found, found & np.array(matches, bool))


def token_columns(
    names: Sequence[str],
    texts: Sequence[str],
    utf8: bytes | None,
    ents: Entities,
    evs: Events,
    enc: Encoder,
    kinds: Mapping[str, pa.DataType],
) -> tuple[dict[str, pa.Array], list[tuple[str, str]]]:
    """Columns of the ``tokens`` spool for these annotated records, and the spans (document
    id, what) their tokens cannot represent. ``ents`` and ``evs`` are theirs alone."""
    ent_text, ev_text = owners(ents.counts), owners(evs.counts)
    bound_text = np.concatenate([ent_text, ent_text, ev_text, ev_text])
    bound_at = np.concatenate([ents.starts, ents.ends, evs.trigger_starts, evs.trigger_ends])
    batch = tokenize_batch(texts, bound_text, bound_at, utf8)
    index = TokenIndexes(batch, texts)
    mentions = index.spans(ent_text, ents.starts, ents.ends, ents.texts)
    triggers = index.spans(ev_text, evs.trigger_starts, evs.trigger_ends, evs.trigger_texts)
    bad = _unrepresentable(names, ents, evs, mentions, triggers)
    token_strings = pa.StringArray.from_buffers(
        len(batch.starts), pa.py_buffer(batch.offsets), pa.py_buffer(batch.utf8)
    )
    starts = offsets(batch.counts)
    tags = _bio(ents, ent_text, mentions, batch, enc)
    columns = {
        "id": pa.array(names, pa.string()),
        "tokens": list_array(starts, token_strings, kinds["tokens"]),
        "ner_tags": list_array(starts, pa.array(tags), kinds["ner_tags"]),
        "token_starts": list_array(starts, pa.array(batch.starts), kinds["token_starts"]),
        "token_ends": list_array(starts, pa.array(batch.ends), kinds["token_ends"]),
    }
    columns |= _mentions_and_events(names, ents, evs, mentions, triggers, kinds)
    return columns, bad


def _bio(ents: Entities, text_of: Ints, spans: Spans, batch: TokenBatch, enc: Encoder) -> Ints:
    """BIO tags of the outermost mentions, as :func:`furat.configs._bio` chooses them."""
    chosen = _outermost(text_of, ents.starts, ents.ends, spans.found)
    total = len(batch.starts)
    first = (spans.first + batch.first[text_of])[chosen]
    end = (spans.end + batch.first[text_of])[chosen]
    names = enc.inv.entity_ids
    begin = np.array([enc.bio[f"B-{t}"] for t in names], np.int64)[ents.types[chosen]]
    inside = np.array([enc.bio[f"I-{t}"] for t in names], np.int64)[ents.types[chosen]]
    marks = np.zeros(total + 1, np.int64)
    np.add.at(marks, first + 1, inside)
    np.add.at(marks, end, -inside)
    tags = np.cumsum(marks[:total])
    tags[first] = begin
    return tags


def _outermost(text_of: Ints, starts: Ints, ends: Ints, found: npt.NDArray[np.bool_]) -> Ints:
    """The mentions that get BIO tags: per text, by start and then longest first, each
    representable one that starts at or after the end of the last one chosen.

    Without crossing mentions (two that overlap, neither inside the other) the end of
    the last chosen mention is the largest end so far, a running maximum; a chunk with
    crossing mentions is walked one mention at a time instead.
    """
    order = np.lexsort((np.arange(len(text_of)), -ends, starts, text_of))
    text, start, end, ok = text_of[order], starts[order], ends[order], found[order]
    span = int(ends.max(initial=0)) + 2  # texts' ends kept apart in one running maximum
    shifted = np.where(ok, end, -1) + text * span
    reach = np.empty_like(shifted)
    reach[:1] = -1
    reach[1:] = np.maximum.accumulate(shifted)[:-1]
    covered = np.where(reach >= text * span - 1, reach - text * span, -1)  # within the same text
    if not (ok & (start < covered) & (end > covered)).any():
        picked: Ints = order[ok & (start >= covered)]
        return picked
    chosen: list[int] = []
    current, covered_to = -1, -1
    for k, t, s, e, good in zip(
        order.tolist(), text.tolist(), start.tolist(), end.tolist(), ok.tolist(), strict=True
    ):
        if t != current:
            current, covered_to = t, -1
        if s < covered_to or not good:
            continue
        covered_to = e
        chosen.append(k)
    return np.array(chosen, np.int64)


def _mentions_and_events(
    names: Sequence[str],
    ents: Entities,
    evs: Events,
    mentions: Spans,
    triggers: Spans,
    kinds: Mapping[str, pa.DataType],
) -> dict[str, pa.Array]:
    """``entity_mentions`` (one per mention id, the last one of an id winning, in the order
    ids first appear) and ``events`` with their arguments' mentions resolved."""
    ent_first, ev_first = offsets(ents.counts).tolist(), offsets(evs.counts).tolist()
    arg_first = offsets(evs.argument_counts).tolist()
    kept: list[int] = []
    kept_counts: list[int] = []
    targets: list[int] = []
    for doc, name in enumerate(names):
        a, b = ent_first[doc], ent_first[doc + 1]
        by_id = dict(zip(ents.ids[a:b], range(a, b), strict=True))
        kept.extend(by_id.values())
        kept_counts.append(len(by_id))
        for v in range(ev_first[doc], ev_first[doc + 1]):
            for g in range(arg_first[v], arg_first[v + 1]):
                target = by_id.get(evs.mention_ids[g])
                if target is None:
                    raise FuratError(
                        f"record {name}: event {evs.items[v]['id']} argument points at unknown "
                        f"mention {evs.mention_ids[g]!r}"
                    )
                targets.append(target)
    token_start, token_end = mentions.local()
    rows, to = np.array(kept, np.int64), np.array(targets, np.int64)
    fields = ents.fields
    mention_kind, event_kind = kinds["entity_mentions"], kinds["events"]
    mention_columns = {
        name: fields[name].take(rows) for name in ("id", "start", "end", "text", "type", "actor")
    }
    mention_columns |= {"token_start": token_start[rows], "token_end": token_end[rows]}
    trigger_start, trigger_end = triggers.local()
    event = event_kind.value_type
    trigger = {
        "start": evs.trigger_starts, "end": evs.trigger_ends, "text": evs.trigger_texts,
        "token_start": trigger_start, "token_end": trigger_end,
    }  # fmt: skip
    arguments = {name: fields[name].take(to) for name in ("start", "end", "text")}
    arguments |= evs.argument_fields | {"token_start": token_start[to], "token_end": token_end[to]}
    argument_list = event.field("arguments").type
    event_columns = {
        name: array for name, array in evs.fields.items() if name not in ("trigger", "arguments")
    }
    event_columns["trigger"] = struct_array(event.field("trigger").type, trigger)
    event_columns["arguments"] = list_array(
        offsets(evs.argument_counts), struct_array(argument_list.value_type, arguments), argument_list
    )
    return {
        "entity_mentions": list_array(
            offsets(kept_counts), struct_array(mention_kind.value_type, mention_columns), mention_kind
        ),
        "events": list_array(offsets(evs.counts), struct_array(event, event_columns), event_kind),
    }


def _unrepresentable(
    names: Sequence[str], ents: Entities, evs: Events, mentions: Spans, triggers: Spans
) -> list[tuple[str, str]]:
    """``(document id, what)`` of every span that is not a token span, in record order:
    a document's mentions, then its event triggers (the messages of ``token_rows``)."""
    bad_mentions = np.flatnonzero(~mentions.ok).tolist()
    bad_triggers = np.flatnonzero(~triggers.ok).tolist()
    if not bad_mentions and not bad_triggers:
        return []
    ent_text, ev_text = owners(ents.counts), owners(evs.counts)
    found: list[tuple[int, int, str]] = []
    for k in bad_mentions:
        s, e = int(ents.starts[k]), int(ents.ends[k])
        found.append((int(ent_text[k]), 0, f"mention {ents.ids[k]} [{s}, {e}) {ents.texts[k]!r}"))
    for k in bad_triggers:
        s, e = int(evs.trigger_starts[k]), int(evs.trigger_ends[k])
        what = f"trigger of {evs.items[k]['id']} [{s}, {e}) {evs.trigger_texts[k]!r}"
        found.append((int(ev_text[k]), 1, what))
    found.sort(key=lambda item: (item[0], item[1]))  # stable: mentions and triggers keep their order
    return [(names[doc], f"{names[doc]}: {what}") for doc, _kind, what in found]
