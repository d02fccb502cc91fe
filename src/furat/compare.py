"""Where two annotations of the same articles disagree: the adjudicator's worklist.

Adjudication starts from the disagreements, not from a second full read. For every
article present in both records files this lists, layer by layer, what only one side
has — mentions (a span with its type and actor), mentions with the same span but
another type or actor, triggers and their attributes, arguments (by trigger and filler
*span*, since ids differ between annotators) and stance labels — each with its text,
so a reviewer can decide without opening the editor. The summary uses the same
agreement measures as the datasheet (:mod:`furat.agreement`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from furat import agreement as iaa

Record = Mapping[str, Any]


@dataclass
class DocumentDiff:
    """The disagreements of one article; each item is one printable line."""

    id: str
    items: list[str] = field(default_factory=list)


def _context(text: str, start: int, end: int, width: int = 12) -> str:
    left = text[max(0, start - width) : start].replace("\n", " ")
    right = text[end : end + width].replace("\n", " ")
    return f"…{left}[{text[start:end]}]{right}… @{start}-{end}"


def _mentions(record: Record) -> dict[tuple[int, int], list[tuple[str, str | None]]]:
    out: dict[tuple[int, int], list[tuple[str, str | None]]] = {}
    for e in record.get("entities") or ():
        out.setdefault((e["start"], e["end"]), []).append((e["type"], e.get("actor")))
    return out


def _label(kinds: Sequence[tuple[str, str | None]]) -> str:
    return ", ".join(t + (f"→{a}" if a else "") for t, a in sorted(kinds, key=str))


def _entity_lines(text: str, a: Record, b: Record) -> list[str]:
    ma, mb = _mentions(a), _mentions(b)
    lines = []
    for span in sorted(ma.keys() | mb.keys()):
        ka, kb = sorted(ma.get(span, []), key=str), sorted(mb.get(span, []), key=str)
        if ka == kb:
            continue
        where = _context(text, *span)
        if not kb:
            lines.append(f"entity only in A: {_label(ka)} {where}")
        elif not ka:
            lines.append(f"entity only in B: {_label(kb)} {where}")
        else:
            lines.append(f"entity differs: A {_label(ka)} | B {_label(kb)} {where}")
    return lines


def _events(record: Record) -> dict[tuple[int, int], list[Mapping[str, Any]]]:
    out: dict[tuple[int, int], list[Mapping[str, Any]]] = {}
    for v in record.get("events") or ():
        out.setdefault((v["trigger"]["start"], v["trigger"]["end"]), []).append(v)
    return out


def _event_label(event: Mapping[str, Any]) -> str:
    return f"{event['type']} {event.get('modality')}/{event.get('polarity')}"


def _event_lines(text: str, a: Record, b: Record) -> list[str]:
    ea, eb = _events(a), _events(b)
    lines = []
    for span in sorted(ea.keys() | eb.keys()):
        la = sorted(_event_label(v) for v in ea.get(span, []))
        lb = sorted(_event_label(v) for v in eb.get(span, []))
        if la == lb:
            continue
        where = _context(text, *span)
        side = "only in A" if not lb else "only in B" if not la else "differs"
        lines.append(f"trigger {side}: A {'; '.join(la) or '-'} | B {'; '.join(lb) or '-'} {where}")
    args_a, args_b = iaa.argument_keys(a), iaa.argument_keys(b)
    for key in sorted(args_a ^ args_b):
        side = "A" if key in args_a else "B"
        ts, te, role, fs, fe = key
        lines.append(f"argument only in {side}: [{text[ts:te]}] --{role}--> {_context(text, fs, fe)}")
    return lines


def _stance_lines(text: str, a: Record, b: Record) -> list[str]:
    sa, sb = iaa.stance_labels(a), iaa.stance_labels(b)
    lines = []
    for actor in sorted(sa.keys() | sb.keys()):
        if sa.get(actor) != sb.get(actor):
            lines.append(f"stance {actor}: A {sa.get(actor, '-')} | B {sb.get(actor, '-')}")
    evidence = {
        side: {(s["actor"], e["start"], e["end"]) for s in r.get("stance") or () for e in s["evidence"]}
        for side, r in (("A", a), ("B", b))
    }
    for actor, start, end in sorted(evidence["A"] ^ evidence["B"]):
        side = "A" if (actor, start, end) in evidence["A"] else "B"
        lines.append(f"evidence only in {side}: {actor} {_context(text, start, end)}")
    return lines


def compare(a: Sequence[Record], b: Sequence[Record]) -> tuple[list[DocumentDiff], iaa.PairwiseAgreement]:
    """Disagreements and agreement for the articles both sides annotated (in A's order)."""
    by_id = {r["id"]: r for r in b}
    diffs = []
    groups = []
    for left in a:
        right = by_id.get(left["id"])
        if right is None:
            continue
        text = left["text"]
        diff = DocumentDiff(left["id"])
        diff.items = _entity_lines(text, left, right) + _event_lines(text, left, right)
        diff.items += _stance_lines(text, left, right)
        diffs.append(diff)
        groups.append([("A", left), ("B", right)])
    return diffs, iaa.pairwise(groups)


def summary(result: iaa.PairwiseAgreement) -> dict[str, float | int | None]:
    """The agreement figures as one flat mapping (printed, or emitted as JSON)."""
    return {
        "documents": result.pairs,
        "entity_f1": result.f1("entities"),
        "actor_agreement": result.actor_agreement,
        "trigger_f1": result.f1("triggers"),
        "argument_f1": result.f1("arguments"),
        "stance_items": len(result.stance),
        "stance_observed": result.stance_observed,
        "stance_pi": result.stance_pi,
    }
