"""Inter-annotator agreement between annotations of the same document, layer by layer.

One definition serves the datasheet's agreement block (:mod:`furat.corpusstats`, over
the ``annotations`` config) and the adjudication report (:mod:`furat.compare`, over two
records files), so the figure a reviewer sees while adjudicating is the figure that is
published. Layers are compared as sets of keys; each key is what a system evaluated on
that layer would have to get exactly right:

* **entities**: ``(start, end, type)`` — exact span and type, as in CoNLL/ACE scoring;
  actor links are scored separately, on the mentions both annotators have;
* **triggers**: ``(start, end, type)`` of each event's trigger;
* **arguments**: ``(trigger start, trigger end, role, filler start, filler end)`` — the
  filler by its span, not by its id, since ids differ between annotators;
* **stance**: the label per (document, actor) both annotated, with observed agreement
  and Scott's π over the pooled label distribution.

Span agreement is pairwise F1 (``2·|A∩B| / (|A|+|B|)``), the usual measure for span
layers, where chance agreement is undefined. Works on label names or on class ids alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

Layers = Mapping[str, Any]
SPAN_LAYERS = ("entities", "triggers", "arguments")


def entity_keys(layers: Layers) -> set[tuple[Any, ...]]:
    return {(e["start"], e["end"], e["type"]) for e in layers.get("entities") or ()}


def trigger_keys(layers: Layers) -> set[tuple[Any, ...]]:
    return {(v["trigger"]["start"], v["trigger"]["end"], v["type"]) for v in layers.get("events") or ()}


def argument_keys(layers: Layers) -> set[tuple[Any, ...]]:
    spans = {e["id"]: (e["start"], e["end"]) for e in layers.get("entities") or ()}
    keys = set()
    for event in layers.get("events") or ():
        trig = event["trigger"]
        for arg in event.get("arguments") or ():
            filler = spans.get(arg["mention_id"])
            if filler is not None:
                keys.add((trig["start"], trig["end"], arg["role"], *filler))
    return keys


def actor_links(layers: Layers) -> dict[tuple[Any, Any], Any]:
    """``(start, end)`` → actor id, for the mentions that carry a link."""
    return {(e["start"], e["end"]): e["actor"] for e in layers.get("entities") or () if e.get("actor")}


def stance_labels(layers: Layers) -> dict[Any, Any]:
    return {s["actor"]: s["label"] for s in layers.get("stance") or ()}


KEYS = {"entities": entity_keys, "triggers": trigger_keys, "arguments": argument_keys}


@dataclass
class Tally:
    """Counts of one span layer over all compared pairs."""

    both: int = 0
    only_one: int = 0

    def add(self, a: Set[Any], b: Set[Any]) -> None:
        self.both += len(a & b)
        self.only_one += len(a ^ b)

    @property
    def f1(self) -> float | None:
        total = 2 * self.both + self.only_one
        return 2 * self.both / total if total else None


@dataclass
class PairwiseAgreement:
    """Accumulates agreement over pairs of annotations of the same documents."""

    pairs: int = 0
    spans: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in SPAN_LAYERS})
    actor_same: int = 0
    actor_compared: int = 0
    stance: list[tuple[Hashable, Hashable]] = field(default_factory=list)

    def add(self, a: Layers, b: Layers) -> None:
        """Compare two annotations of one document."""
        self.pairs += 1
        for layer, keys in KEYS.items():
            self.spans[layer].add(keys(a), keys(b))
        # Actor links on mentions both annotated with the same span (a missing link is a
        # disagreement: linking is part of annotating a PER/ORG/GPE/NORP mention).
        links_a, links_b = actor_links(a), actor_links(b)
        shared = {(e[0], e[1]) for e in entity_keys(a) & entity_keys(b)}
        for span in shared & (links_a.keys() | links_b.keys()):
            self.actor_compared += 1
            self.actor_same += links_a.get(span) == links_b.get(span)
        st_a, st_b = stance_labels(a), stance_labels(b)
        self.stance.extend((st_a[k], st_b[k]) for k in sorted(st_a.keys() & st_b.keys(), key=str))

    def f1(self, layer: str) -> float | None:
        return self.spans[layer].f1

    @property
    def actor_agreement(self) -> float | None:
        return self.actor_same / self.actor_compared if self.actor_compared else None

    @property
    def stance_observed(self) -> float | None:
        if not self.stance:
            return None
        return sum(x == y for x, y in self.stance) / len(self.stance)

    @property
    def stance_pi(self) -> float | None:
        """Scott's π: chance agreement from the labels of both annotators pooled."""
        observed = self.stance_observed
        if observed is None:
            return None
        pooled = Counter(label for pair in self.stance for label in pair)
        expected = sum((c / (2 * len(self.stance))) ** 2 for c in pooled.values())
        return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def pairwise(groups: Iterable[Sequence[tuple[str, Layers]]]) -> PairwiseAgreement:
    """Agreement over every pair of different annotators within each document's group."""
    result = PairwiseAgreement()
    for group in groups:
        for i, (who_a, a) in enumerate(group):
            for who_b, b in group[i + 1 :]:
                if who_a != who_b:
                    result.add(a, b)
    return result
