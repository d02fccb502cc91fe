"""Statistics of a built dataset folder, read back from its parquet files.

The card, the datasheet and the changelog all show counts; they are computed here from
the files that ship, not from the build's in-memory records, so a table can never
describe data other than what users download. Counting uses Arrow compute on the
label columns (no Python objects per row), so it stays cheap for a million documents;
the previous release's counts come from the same function applied to the parquet
bytes of its tag (``git show``).

Inter-annotator agreement needs two annotators on the same document (the
``annotations`` config); until then it is reported as not yet measured.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as _pc
import pyarrow.parquet as _pq

from furat import agreement as iaa
from furat.errors import FuratError
from furat.features import CONFIGS
from furat.labels import Inventory
from furat.markers import md_table

SPLIT_ORDER = ("train", "validation", "test")
LAYERS = ("documents", "entities", "events", "stance")
UNKNOWN_OUTLET = "(unknown)"
# Arrow's compute functions are generated at import time and its parquet reader is
# untyped, so the stubs cannot describe them; they are used through Any on purpose.
pc: Any = _pc
pq: Any = _pq
_SHARD_RE = re.compile(r"^(?P<split>[A-Za-z0-9_.]+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.parquet$")


def split_key(split: str) -> tuple[int, str]:
    """Sort key: train, validation, test, then any other split by name."""
    return (SPLIT_ORDER.index(split), "") if split in SPLIT_ORDER else (len(SPLIT_ORDER), split)


def shard_split(filename: str) -> str | None:
    """The split of a shard file name ``<split>-NNNNN-of-NNNNN.parquet``, else None."""
    match = _SHARD_RE.match(filename)
    return match.group("split") if match else None


def shard_files(dataset_dir: Path, config: str) -> dict[str, list[Path]]:
    """Split → its shards ``<config>/<split>-NNNNN-of-NNNNN.parquet``, splits in order."""
    found: dict[str, list[Path]] = {}
    folder = dataset_dir / config
    for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        match = _SHARD_RE.match(path.name)
        if match is None:
            raise FuratError(f"{path}: not named <split>-NNNNN-of-NNNNN.parquet")
        found.setdefault(match.group("split"), []).append(path)
    return {s: found[s] for s in sorted(found, key=split_key)}


def read_split(paths: list[Path], columns: list[str] | None = None) -> pa.Table:
    return pa.concat_tables([pq.read_table(p, columns=columns) for p in paths])


def _flat(table: pa.Table, column: str) -> Any:
    return pc.list_flatten(table.column(column))


def _names(table: pa.Table, column: str, subfield: str, names: tuple[str, ...]) -> Counter[str]:
    """Counts of a ClassLabel inside a list of structs, by label name."""
    values = pc.struct_field(_flat(table, column), subfield)
    counts: Counter[str] = Counter()
    for item in pc.value_counts(values).to_pylist():
        counts[names[item["values"]]] += item["counts"]
    return counts


def layer_counts(documents: pa.Table) -> dict[str, int]:
    """Documents, entity mentions, events and stance items in one documents table."""
    out = {"documents": documents.num_rows}
    for layer in LAYERS[1:]:
        lengths = pc.list_value_length(documents.column(layer))
        out[layer] = int(pc.sum(lengths).as_py() or 0)
    return out


@dataclass(frozen=True)
class Agreement:
    """Pairwise agreement of independent annotations (adjudications excluded), per layer."""

    annotators: int
    shared_documents: int
    pairs: int = 0
    entity_f1: float | None = None
    stance_items: int = 0
    stance_observed: float | None = None
    stance_pi: float | None = None
    trigger_f1: float | None = None
    argument_f1: float | None = None
    actor_agreement: float | None = None
    adjudicated: int = 0
    annotated_documents: int = 0


@dataclass
class CorpusStats:
    """Everything the card, datasheet and changelog tables show."""

    splits: list[str]
    sizes: dict[str, dict[str, int]]
    layers: dict[str, dict[str, int]]
    labels: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)
    outlets: dict[str, Counter[str]] = field(default_factory=dict)
    agreement: Agreement | None = None


def agreement(table: pa.Table) -> Agreement:
    """Agreement of the independent annotations of documents two or more people labelled.

    Two workflows mark gold in Label Studio. A reviewer may mark one of the passes as
    ground truth: it is still an independent pass and is compared. Or an adjudicator adds
    an annotation of their own, made from the passes: a document with a ground-truth
    annotation *and* two or more other annotators is of that kind, and its ground truth is
    left out of the pairs (comparing it with the passes it was made from would inflate
    every figure) and counted as ``adjudicated``. With a single other pass the export
    cannot tell the two apart, and the ground truth is compared as a pass. Cancelled
    annotations never count.
    """
    table = table.filter(pc.invert(table.column("was_cancelled")))
    annotated = pc.count_distinct(table.column("id")).as_py()
    per_doc = table.group_by("id").aggregate([("annotator", "count_distinct")])
    shared_ids = per_doc.filter(pc.greater(per_doc.column("annotator_count_distinct"), 1)).column("id")
    if len(shared_ids) == 0:
        who = pc.count_distinct(table.column("annotator")).as_py()
        return Agreement(who, 0, annotated_documents=annotated)
    shared: dict[str, list[dict[str, Any]]] = {}
    for row in table.filter(pc.is_in(table.column("id"), value_set=shared_ids)).to_pylist():
        shared.setdefault(row["id"], []).append(row)
    groups: list[list[tuple[str, dict[str, Any]]]] = []
    adjudicated = 0
    for doc in sorted(shared):
        rows = shared[doc]
        passes = [r for r in rows if not r.get("ground_truth")]
        if len(passes) < len(rows) and len({r["annotator"] for r in passes}) > 1:
            adjudicated += 1
            rows = passes
        groups.append([(r["annotator"], r) for r in rows])
    # Annotators: whoever made an independent annotation anywhere (an adjudication only
    # exists on a shared document and is not one).
    alone = table.filter(pc.invert(pc.is_in(table.column("id"), value_set=shared_ids)))
    compared = {who for group in groups for who, _row in group}
    annotators = len(compared | set(alone.column("annotator").to_pylist()))
    result = iaa.pairwise(groups)
    return Agreement(
        annotators, len(shared), result.pairs, result.f1("entities"), len(result.stance),
        result.stance_observed, result.stance_pi, result.f1("triggers"), result.f1("arguments"),
        result.actor_agreement, adjudicated, annotated,
    )  # fmt: skip


def compute(dataset_dir: Path, inv: Inventory) -> CorpusStats:
    """Read the built folder and count everything the documents describe."""
    folders = {p.name for p in dataset_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}
    configs = [c for c in CONFIGS if c in folders] + sorted(folders - set(CONFIGS))
    sizes = {
        config: {
            split: sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
            for split, paths in shard_files(dataset_dir, config).items()
        }
        for config in configs
    }
    documents = shard_files(dataset_dir, "documents")
    if not documents:
        raise FuratError(f"{dataset_dir}: no documents/<split>-*.parquet files")
    stats = CorpusStats(splits=list(documents), sizes=sizes, layers={})
    kinds = {
        "entity type": ("entities", "type", inv.entity_ids),
        "event type": ("events", "type", inv.event_ids),
        "stance": ("stance", "label", inv.stance_ids),
    }
    for kind in kinds:
        stats.labels[kind] = {}
    for split, paths in documents.items():
        table = read_split(paths, columns=["outlet", *LAYERS[1:]])
        stats.layers[split] = layer_counts(table)
        for kind, (column, sub, names) in kinds.items():
            stats.labels[kind][split] = _names(table, column, sub, names)
        outlets = table.column("outlet").fill_null(UNKNOWN_OUTLET).to_pylist()
        stats.outlets[split] = Counter(outlets)
    annotations = shard_files(dataset_dir, "annotations")
    if annotations:
        columns = ["id", "annotator", "ground_truth", "was_cancelled", "entities", "events", "stance"]
        stats.agreement = agreement(pa.concat_tables(read_split(p, columns) for p in annotations.values()))
    return stats


def _row(values: dict[str, int], splits: list[str]) -> list[str]:
    return [str(values.get(s, 0)) for s in splits] + [str(sum(values.get(s, 0) for s in splits))]


def _label_names(inv: Inventory) -> dict[str, list[tuple[str, str]]]:
    return {
        "entity type": [(e.id, e.en) for e in inv.entity_types],
        "event type": [(e.id, e.en) for e in inv.event_types],
        "stance": [(s.id, s.en) for s in inv.stance_labels],
    }


def blocks(stats: CorpusStats, inv: Inventory) -> dict[str, str]:
    """Markdown bodies of the statistics blocks shared by the card and the datasheet."""
    splits = stats.splits
    head = [*splits, "total"]
    sizes = md_table(
        ["Config", *head],
        [[f"`{c}`", *_row(stats.sizes[c], splits)] for c in stats.sizes],
    )
    layers = md_table(
        ["Layer", *head],
        [[layer, *_row({s: stats.layers[s][layer] for s in splits}, splits)] for layer in LAYERS],
    )
    labels = []
    for kind, names in _label_names(inv).items():
        per_split = stats.labels[kind]
        rows = [
            [f"`{label}`", en, *_row({s: per_split[s][label] for s in splits}, splits)] for label, en in names
        ]
        labels.append(f"**{kind.capitalize()}**\n\n" + md_table(["Label", "English", *head], rows))
    outlet_names = sorted({o for counts in stats.outlets.values() for o in counts})
    outlets = md_table(
        ["Outlet", *head],
        [[o, *_row({s: stats.outlets[s][o] for s in splits}, splits)] for o in outlet_names],
    )
    return {
        "split-sizes": sizes,
        "layer-counts": layers,
        "label-counts": "\n\n".join(labels),
        "outlet-counts": outlets,
        "agreement": agreement_text(stats.agreement),
    }


def agreement_text(agreement: Agreement | None) -> str:
    """A sentence a reader can trust: numbers only when two annotators overlap."""
    if agreement is None or agreement.shared_documents == 0:
        who = "no annotations" if agreement is None else f"{agreement.annotators} annotator(s)"
        return (
            f"Inter-annotator agreement: **not yet measured** ({who}; no document has been "
            "annotated by two annotators)."
        )

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    adjudicated = (
        f" {agreement.adjudicated} document(s) were then adjudicated; the adjudicated (ground-truth) "
        "annotations are the published gold and are not part of these figures."
        if agreement.adjudicated
        else ""
    )
    return "\n".join(
        [
            f"Measured on {agreement.shared_documents} document(s) annotated independently by two "
            f"or more of {agreement.annotators} annotators ({agreement.pairs} annotation "
            f"pair(s)).{adjudicated}",
            "",
            f"- entity mentions, exact span and type, pairwise F1: {pct(agreement.entity_f1)}",
            f"- actor links on mentions both annotated: agreement {pct(agreement.actor_agreement)}",
            f"- event triggers, exact span and type, pairwise F1: {pct(agreement.trigger_f1)}",
            "- event arguments, trigger span, role and filler span, pairwise F1: "
            f"{pct(agreement.argument_f1)}",
            f"- stance, {agreement.stance_items} (document, actor) pair(s): observed agreement "
            f"{pct(agreement.stance_observed)}, Scott's π {pct(agreement.stance_pi)}",
        ]
    )
