"""``furat build``: records -> splits -> every dataset config, card and overlap report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from furat.build import BuildFailed, BuildStats, build_project
from furat.features import CONFIGS
from furat.incidents import IncidentLog
from furat.paths import find_project
from furat.split import SPLITS


def _run(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    log = IncidentLog()
    try:
        stats = build_project(
            project,
            out_dir=Path(args.out) if args.out else None,
            splits_path=Path(args.splits) if args.splits else None,
            data_version=args.data_version,
            log=log,
            jobs=args.jobs,
        )
    except BuildFailed:
        log.write_text(sys.stderr)
        raise
    if log.warnings:
        log.write_text(sys.stdout, cap_per_code=5)
    _print(stats, project.root)
    return 0


def _print(stats: BuildStats, root: Path) -> None:
    out = Path(stats.out_dir)
    shown = out.relative_to(root) if out.is_relative_to(root) else out
    print(f"built {stats.documents} documents ({stats.new_documents} newly assigned) into {shown}/")
    width = max(len(c) for c in CONFIGS)
    print(f"  {'rows':<{width}}  " + "  ".join(f"{s:>10}" for s in SPLITS))
    for config in CONFIGS:
        counts = stats.rows.get(config, {})
        print(f"  {config:<{width}}  " + "  ".join(f"{counts.get(s, 0):>10}" for s in SPLITS))
    overlap = stats.overlap
    cross = ", ".join(f"{k} {v}" for k, v in overlap["cross_split_pairs"].items())
    print(
        f"near-duplicates: {overlap['pairs']} pair(s) with Jaccard >= {overlap['threshold']} "
        f"({overlap['candidates_checked']} candidate(s) checked); across splits: {cross}"
    )
    print(f"train/test overlap: {overlap['train_test_overlap']}")
    print(f"unrepresentable mentions: {stats.unrepresentable_mentions}")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "build",
        help="build the dataset: splits, parquet configs, card, overlap report",
        description="Convert and validate the annotations, assign new documents to splits "
        "(annotation/splits.json), and write every config as parquet into the dataset folder.",
    )
    parser.add_argument("--out", metavar="DIR", help="dataset folder to (re)write (default: dataset/)")
    parser.add_argument(
        "--splits",
        metavar="FILE",
        help="split assignment to use and extend (default: annotation/splits.json)",
    )
    parser.add_argument(
        "--data-version",
        metavar="X.Y.Z",
        help="release recorded for newly assigned documents (default: DATASET_VERSION without -dev)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="worker processes for the rows and threads for the parquet files (default: 1); "
        "the output is the same for any N",
    )
    parser.set_defaults(func=_run)
