"""The dataset card (``dataset/README.md``) and the release files the build writes.

The card is a hand-written document: its prose is edited in ``dataset/README.md`` and
kept by every build. Two parts are generated and rewritten each time, so they cannot
drift from the data: the YAML front matter (``configs`` and ``dataset_info`` are
produced by ``datasets``' own serialisers from :mod:`furat.features`, so
``load_dataset`` reads back exactly the inventory's features) and the blocks between
:mod:`furat.markers` markers (version, statistics, label names, examples, citation,
contact). The same statistics blocks are rewritten in the root ``DATASHEET.md``.

:func:`write_release_files` is the build's hook: after the parquet files are in the
(staged) dataset folder it adds the card, ``croissant.json`` and ``SHA256SUMS``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from datasets import ClassLabel, LargeList, List, Value
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCardData

from furat import cardtext, checksums, corpusstats, croissant
from furat.errors import FuratError
from furat.features import CONFIGS, DEFAULT_CONFIG, all_features
from furat.fsutil import atomic_write_text
from furat.labels import Inventory
from furat.markers import md_table, replace_blocks
from furat.paths import Project
from furat.version import Version, project_release_date, read_version

CARD_FILE = "README.md"
COMMAND = "furat build"
DATASHEET_BLOCKS = ("version", "split-sizes", "layer-counts", "label-counts", "outlet-counts",
                    "agreement", "contact")  # fmt: skip
_SIZE_BOUNDS = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))  # fmt: skip


def size_category(n: int) -> str:
    """The Hub's size category for ``n`` examples (the documents config's rows)."""
    for bound, name in _SIZE_BOUNDS:
        if n < bound:
            return name
    return "10M<n<100M"


def _download_size(dataset_dir: Path, config: str) -> int:
    paths = [p for shards in corpusstats.shard_files(dataset_dir, config).values() for p in shards]
    return sum(p.stat().st_size for p in paths)


def _uncompressed_bytes(paths: list[Path]) -> int:
    """Uncompressed size of a split's row groups (``num_bytes``), from the footers only."""
    total = 0
    for path in paths:
        meta = corpusstats.pq.ParquetFile(path).metadata
        total += sum(meta.row_group(g).total_byte_size for g in range(meta.num_row_groups))
    return total


def front_matter(dataset_dir: Path, inv: Inventory, stats: corpusstats.CorpusStats) -> dict[str, Any]:
    """The card's YAML metadata; ``configs``/``dataset_info`` cover the configs on disk."""
    features = all_features(inv)
    unknown = sorted(set(stats.sizes) - set(CONFIGS))
    if unknown:
        raise FuratError(f"{dataset_dir}: folders that are not dataset configs: {', '.join(unknown)}")
    configs = [c for c in CONFIGS if c in stats.sizes]
    infos = DatasetInfosDict()
    for config in configs:
        splits = SplitDict()
        shards = corpusstats.shard_files(dataset_dir, config)
        for split, rows in stats.sizes[config].items():
            splits.add(SplitInfo(name=split, num_examples=rows, num_bytes=_uncompressed_bytes(shards[split])))
        infos[config] = DatasetInfo(
            config_name=config, features=features[config], splits=splits,
            download_size=_download_size(dataset_dir, config),
            dataset_size=sum(s.num_bytes for s in splits.values()),
        )  # fmt: skip
    serialised = DatasetCardData()
    infos.to_dataset_card_data(serialised)
    dataset_info = serialised["dataset_info"]
    documents = sum(stats.sizes.get(DEFAULT_CONFIG, {}).values())
    return {
        **cardtext.STATIC_METADATA,
        "size_categories": [size_category(documents)],
        "configs": [
            {
                "config_name": config,
                "data_files": [
                    {"split": split, "path": f"{config}/{split}-*.parquet"} for split in stats.sizes[config]
                ],
                **({"default": True} if config == DEFAULT_CONFIG else {}),
            }
            for config in configs
        ],
        "dataset_info": dataset_info,
    }


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(YAML, body) of a Markdown file; the body is kept byte for byte."""
    lines = text.split("\n")
    if lines and lines[0] == "---" and "---" in lines[1:]:
        end = lines.index("---", 1)
        return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :])
    return None, text


def dump_front_matter(data: dict[str, Any]) -> str:
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{cardtext.FRONT_MATTER_HEADER}{body}---\n"


def _walk(feature: Any, path: str) -> list[tuple[str, ClassLabel]]:
    if isinstance(feature, ClassLabel):
        return [(path, feature)]
    if isinstance(feature, (List, LargeList)):
        return _walk(feature.feature, path)
    if isinstance(feature, dict):
        return [hit for key, sub in feature.items() for hit in _walk(sub, f"{path}.{key}".strip("."))]
    return []


def _type_name(feature: Any) -> str:
    if isinstance(feature, ClassLabel):
        return f"ClassLabel ({feature.num_classes} names)"
    if isinstance(feature, Value):
        return str(feature.dtype)
    if isinstance(feature, (List, LargeList)):
        return f"list of {_type_name(feature.feature)}"
    if isinstance(feature, dict):
        return "{" + ", ".join(f"{k}: {_type_name(v)}" for k, v in feature.items()) + "}"
    return type(feature).__name__


def label_names_block(inv: Inventory) -> str:
    """One table per distinct ClassLabel: index → name with English and Arabic glosses."""
    glosses = cardtext.glosses(inv)
    groups: dict[tuple[str, ...], list[str]] = {}
    for config, features in all_features(inv).items():
        for path, label in _walk(features, ""):
            groups.setdefault(tuple(label.names), []).append(f"`{config}`: `{path}`")
    parts = []
    for names, where in groups.items():
        rows = [[str(i), f"`{n}`", *glosses.get(n, ("", ""))] for i, n in enumerate(names)]
        table = md_table(["Index", "Name", "English", "العربية"], rows)
        parts.append("Used by " + "; ".join(where) + "\n\n" + table)
    return "\n\n".join(parts)


def fields_block(inv: Inventory) -> str:
    parts = []
    for config, features in all_features(inv).items():
        rows = [[f"`{name}`", _type_name(feat)] for name, feat in features.items()]
        parts.append(f"**`{config}`**\n\n" + md_table(["Field", "Type"], rows))
    return "\n\n".join(parts)


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 90:
        return value[:90] + "…"
    if isinstance(value, list):
        head = [_shorten(v) for v in value[:2]]
        return head + ([f"… {len(value) - 2} more"] if len(value) > 2 else [])
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    return value


def _example_json(row: dict[str, Any]) -> str:
    """One top-level field per line, each value as compact JSON (readable, not too tall)."""
    items = [f"  {json.dumps(k)}: {json.dumps(_shorten(v), ensure_ascii=False)}" for k, v in row.items()]
    return "{\n" + ",\n".join(items) + "\n}"


def examples_block(dataset_dir: Path, stats: corpusstats.CorpusStats) -> str:
    """The first row of the first split of every config, long values shortened."""
    parts = []
    for config in (c for c in CONFIGS if c in stats.sizes):
        for split, paths in corpusstats.shard_files(dataset_dir, config).items():
            batches = corpusstats.pq.ParquetFile(paths[0]).iter_batches(batch_size=1)
            rows = next(iter(batches), pa.record_batch([])).to_pylist()
            if rows:
                parts.append(
                    f"**`{config}`** (first row of `{split}`)\n\n```json\n{_example_json(rows[0])}\n```"
                )
                break
    return "\n\n".join(parts)


def card_blocks(
    dataset_dir: Path, inv: Inventory, stats: corpusstats.CorpusStats, version: Version, date: str | None
) -> dict[str, str]:
    return {
        **corpusstats.blocks(stats, inv),
        "version": cardtext.version_text(version, date),
        "fields": fields_block(inv),
        "label-names": label_names_block(inv),
        "examples": examples_block(dataset_dir, stats),
        "citation": cardtext.citation(version, date),
        "contact": cardtext.contact_text(),
        "loading": cardtext.loading_text(version),
    }


def render_card(source: str, front: dict[str, Any], blocks: dict[str, str], *, name: str) -> str:
    """``source`` with its front matter replaced and its generated blocks rewritten."""
    _, body = split_front_matter(source)
    return dump_front_matter(front) + replace_blocks(body, blocks, source=name, command=COMMAND)


def write_release_files(
    dataset_dir: Path,
    *,
    project: Project,
    inv: Inventory,
    version: str | None = None,
    update_datasheet: bool = True,
) -> None:
    """The build's hook: card, Croissant, checksums in ``dataset_dir``; datasheet blocks.

    ``update_datasheet=False`` leaves the project's ``DATASHEET.md`` alone: a build into
    another folder (a test, a comparison with the committed data) must not touch the
    repository.

    ``dataset_dir`` holds the parquet files (``<config>/<split>-NNNNN-of-NNNNN.parquet``),
    typically the build's staging folder. Everything else is read from there and from
    ``project``: the card's prose from the current ``dataset/README.md`` (a skeleton if
    there is none), the version from ``DATASET_VERSION`` unless given, and its release
    date from the changelog. Statistics are counted from the parquet files themselves.
    """
    ver = Version.parse(version) if version is not None else read_version(project)
    date = project_release_date(project, ver)
    stats = corpusstats.compute(dataset_dir, inv)
    blocks = card_blocks(dataset_dir, inv, stats, ver, date)
    current = project.dataset_dir / CARD_FILE
    source = current.read_text(encoding="utf-8") if current.exists() else cardtext.skeleton()
    card = render_card(source, front_matter(dataset_dir, inv, stats), blocks, name=str(current))
    atomic_write_text(dataset_dir / CARD_FILE, card)
    croissant.write(dataset_dir, inv=inv, version=ver, date=date, stats=stats)
    checksums.write_manifest(dataset_dir)
    if update_datasheet and project.datasheet.exists():
        text = project.datasheet.read_text(encoding="utf-8")
        wanted = {name: blocks[name] for name in DATASHEET_BLOCKS}
        updated = replace_blocks(text, wanted, source=str(project.datasheet), command=COMMAND)
        if updated != text:
            atomic_write_text(project.datasheet, updated)
