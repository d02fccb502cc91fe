"""Document-level train/validation/test splits that never move, with near-duplicates kept together.

The assignment is data, committed as ``annotation/splits.json``: one entry per document
(split, near-duplicate group, and the data version it was first assigned in). The build
only ever *adds* entries, so a document never changes split across versions (DESIGN.md,
"Contracts"); the seed, the target ratios and the near-duplicate threshold are stored in
the file's header so the rule that assigned old documents keeps assigning new ones.

**The rule for new documents** (documented here, in the file header and in the card):

1. Near-duplicates (exact Jaccard >= ``near_duplicate_jaccard`` on the shingles of
   :mod:`furat.minhash`, found by LSH, verified exactly) are joined into groups by
   union-find. A group containing an already-assigned document takes that document's
   split (the one with the smallest id if there are several) and its group id.
2. Every other group is a *unit*, identified by its smallest document id.
3. Units are ordered by stratum (outlet, then year-month of the date; missing values
   sort first), and within a stratum by SHA-256 of ``seed + "\\0" + group id``.
4. In that order, each unit goes to the split furthest below its target share of the
   corpus counted so far (existing documents included), measured in documents with
   exact integer arithmetic; ties go to train, then validation, then test. As long as
   a split is empty the next unit goes to the first empty one, so even a tiny corpus
   has a validation and a test document (five documents give 3/1/1).

Dealing units out in stratum order is systematic sampling: every outlet and month gets
its share of each split to within one unit, and strata too small for a share simply
continue the sequence, so no stratum threshold is needed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm
from pathlib import Path
from typing import Any

from furat.errors import FuratError

SPLITS = ("train", "validation", "test")
DEFAULT_RATIOS = {"train": 0.6, "validation": 0.2, "test": 0.2}
DEFAULT_SEED = "furat-splits-1"
DEFAULT_JACCARD = 0.5
FORMAT = 1
ABOUT = (
    "Maintained by `furat build`. Do not edit except to add documents: a document's split "
    "never changes once assigned. New documents are assigned by the rule in `rule`."
)
RULE = (
    "Near-duplicate documents (exact Jaccard >= near_duplicate_jaccard on word-start "
    "character 8-gram shingles of textnorm.fold()ed text, candidates from MinHash LSH) "
    "form one group; a group with an assigned document follows it. Other groups are "
    "ordered by (outlet, year-month of date, sha256(seed + NUL + group id)) and each goes "
    "to the split furthest below its target share of documents (ties: train, validation, "
    "test); while a split is empty, the next group goes to the first empty split."
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One document's assignment."""

    split: str
    group: str
    since: str


@dataclass
class SplitFile:
    """The contents of ``annotation/splits.json``."""

    seed: str = DEFAULT_SEED
    ratios: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATIOS))
    near_duplicate_jaccard: float = DEFAULT_JACCARD
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SplitFile:
        """Read and check the file; a missing file is an empty assignment with the defaults."""
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise FuratError(f"{path}: cannot read split assignment: {err}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise FuratError(f"{path}: not a format-{FORMAT} split assignment")
        ratios = data.get("ratios")
        if not isinstance(ratios, dict) or set(ratios) != set(SPLITS):
            raise FuratError(f"{path}: ratios must give {', '.join(SPLITS)}")
        entries: dict[str, Entry] = {}
        for doc_id, item in _mapping(path, data.get("documents"), "documents").items():
            item = _mapping(path, item, f"documents.{doc_id}")
            split, group, since = (item.get(k) for k in ("split", "group", "since"))
            if split not in SPLITS or not (isinstance(group, str) and group and isinstance(since, str)):
                raise FuratError(f"{path}: documents.{doc_id}: needs split, group and since")
            entries[doc_id] = Entry(str(split), group, since)
        return cls(
            seed=str(data.get("seed", DEFAULT_SEED)),
            ratios={k: float(ratios[k]) for k in SPLITS},
            near_duplicate_jaccard=float(data.get("near_duplicate_jaccard", DEFAULT_JACCARD)),
            entries=entries,
        )

    def dumps(self) -> str:
        """Deterministic JSON: the header, then one sorted line per document."""
        header: dict[str, Any] = {
            "about": ABOUT,
            "format": FORMAT,
            "rule": RULE,
            "seed": self.seed,
            "ratios": self.ratios,
            "near_duplicate_jaccard": self.near_duplicate_jaccard,
        }
        lines = ["{"]
        lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in header.items()]
        items = sorted(self.entries.items())
        body = [
            f"    {json.dumps(doc, ensure_ascii=False)}: "
            f'{{"split": {json.dumps(e.split)}, "group": {json.dumps(e.group, ensure_ascii=False)}, '
            f'"since": {json.dumps(e.since)}}}'
            for doc, e in items
        ]
        lines.append('  "documents": {' + ("" if body else "}"))
        if body:
            lines.append(",\n".join(body))
            lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"


def _mapping(path: Path, node: Any, where: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise FuratError(f"{path}: {where}: expected an object")
    return node


class UnionFind:
    """Disjoint sets of the documents that occur in near-duplicate pairs.

    Only paired documents get an entry, so memory follows the number of pairs, not the
    corpus; a document's root is the smallest index in its set.
    """

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        self.parent.setdefault(ra, ra)
        self.parent.setdefault(rb, rb)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> dict[int, list[int]]:
        """Root -> members (sorted) of every set."""
        out: dict[int, list[int]] = {}
        for x in sorted(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return out


@dataclass
class Plan:
    """The split of every document of a build, and what is new."""

    split_codes: list[int]  # index into SPLITS, per document
    groups: list[str]
    new_entries: dict[str, Entry]


def _weights(ratios: Mapping[str, float]) -> list[int]:
    """Integer weights proportional to the ratios (0.6/0.2/0.2 -> 3/1/1), for exact sums."""
    fractions = [Fraction(str(ratios[s])).limit_denominator(10_000) for s in SPLITS]
    if any(f < 0 for f in fractions) or sum(fractions) == 0:
        raise FuratError(f"split ratios must be non-negative and not all zero: {dict(ratios)}")
    denominator = lcm(*(f.denominator for f in fractions))
    return [int(f * denominator) for f in fractions]


def deal(units: Sequence[tuple[str, int]], counts: Sequence[int], ratios: Mapping[str, float]) -> list[int]:
    """Split index for each ``(key, size)`` unit, dealt in the given order (rule step 4)."""
    weights = _weights(ratios)
    total_weight = sum(weights)
    counts = list(counts)
    total = sum(counts)
    out = []
    for _key, size in units:
        empty = [s for s in range(len(SPLITS)) if counts[s] == 0 and weights[s] > 0]
        if empty:
            choice = empty[0]
        else:
            choice = max(
                range(len(SPLITS)),
                key=lambda s: (weights[s] * (total + size) - total_weight * counts[s], -s),
            )
        counts[choice] += size
        total += size
        out.append(choice)
    return out


def _rank(seed: str, key: str) -> bytes:
    return hashlib.sha256(f"{seed}\0{key}".encode()).digest()[:16]


def plan_splits(
    ids: Sequence[str],
    strata: Sequence[tuple[str, str]],
    pairs: Sequence[tuple[int, int]],
    assignment: SplitFile,
    data_version: str,
) -> Plan:
    """Apply the rule: keep existing entries, group near-duplicates, deal out new units."""
    n = len(ids)
    uf = UnionFind()
    for a, b in pairs:
        uf.union(a, b)
    members = uf.groups()
    entries = assignment.entries
    codes = [-1] * n
    groups = [""] * n
    for i, doc_id in enumerate(ids):
        entry = entries.get(doc_id)
        if entry is not None:
            codes[i], groups[i] = SPLITS.index(entry.split), entry.group
    units: list[tuple[tuple[str, str], bytes, str, list[int]]] = []
    for i in range(n):
        group = members.get(i, [i])
        if (i in uf.parent and uf.find(i) != i) or all(codes[k] >= 0 for k in group):
            continue  # a non-root member (handled with its root), or nothing new
        frozen = sorted((ids[k], k) for k in group if codes[k] >= 0)
        if frozen:  # new near-duplicates of assigned documents follow them
            anchor = frozen[0][1]
            for k in group:
                if codes[k] < 0:
                    codes[k], groups[k] = codes[anchor], groups[anchor]
            continue
        first = min(group, key=ids.__getitem__)
        units.append((strata[first], _rank(assignment.seed, ids[first]), ids[first], group))
    units.sort(key=lambda u: (u[0], u[1]))
    counts = [codes.count(k) for k in range(len(SPLITS))]
    dealt = deal([(key, len(group)) for _s, _r, key, group in units], counts, assignment.ratios)
    for (_stratum, _rank_key, key, group), code in zip(units, dealt, strict=True):
        for k in group:
            codes[k], groups[k] = code, key
    new_entries = {
        ids[i]: Entry(SPLITS[codes[i]], groups[i], data_version) for i in range(n) if ids[i] not in entries
    }
    return Plan(codes, groups, new_entries)


def stratum(metadata: Mapping[str, Any]) -> tuple[str, str]:
    """(outlet, year-month) of a document; missing values are empty strings."""
    return (str(metadata.get("outlet") or ""), str(metadata.get("date") or "")[:7])


def overlap_report(
    ids: Sequence[str],
    codes: Sequence[int],
    pairs: Sequence[tuple[int, int, float]],
    *,
    threshold: float,
    candidates: int,
    method: Mapping[str, Any],
) -> dict[str, Any]:
    """The content of ``overlap.json``: every verified pair with its splits, and counts."""
    cross = {f"{a}/{b}": 0 for n, a in enumerate(SPLITS) for b in SPLITS[n + 1 :]}
    listed = []
    for i, j, score in sorted(pairs, key=lambda p: (ids[p[0]], ids[p[1]])):
        a, b = sorted((i, j), key=lambda k: ids[k])
        sa, sb = SPLITS[codes[a]], SPLITS[codes[b]]
        if sa != sb:
            key = "/".join(sorted((sa, sb), key=SPLITS.index))
            cross[key] += 1
        listed.append({"a": ids[a], "b": ids[b], "jaccard": round(score, 4), "splits": [sa, sb]})
    return {
        "about": "Generated by `furat build`: near-duplicate document pairs and where they are.",
        "method": dict(method),
        "threshold": threshold,
        "documents": len(ids),
        "candidates_checked": candidates,
        "pairs": listed,
        "cross_split_pairs": cross,
        "train_test_overlap": cross["train/test"],
    }
