"""``furat ingest``: raw articles → the clean-article manifest (``annotation/articles.jsonl``).

Thin wrapper over :func:`furat.ingest.ingest`: it resolves the default paths from the
project layout, prints one line per bad file (code and reason) and exits 1 without
writing anything if any file is bad.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from furat.ingest import ingest
from furat.paths import find_project


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="clean annotation/raw/*.txt into the manifest annotation/articles.jsonl",
        description=(
            "Normalise and clean every raw article (sorted by name) and write one JSON "
            "line per document. Any bad file (empty, not UTF-8, no Arabic, duplicate) "
            "stops the step and nothing is written."
        ),
    )
    parser.add_argument("--raw", type=Path, default=None, help="folder of raw .txt articles")
    parser.add_argument("--out", type=Path, default=None, help="manifest file to write")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raw: Path | None = args.raw
    out: Path | None = args.out
    if raw is None or out is None:
        project = find_project(args.root)
        raw = raw if raw is not None else project.raw_dir
        out = out if out is not None else project.manifest
    report = ingest(raw, out)
    if report.log.has_errors:
        report.log.write_text(sys.stderr)
        print(f"furat ingest: {out} not written", file=sys.stderr)
        return 1
    state = "unchanged" if report.unchanged else "written"
    print(f"ingested {len(report.articles)} article(s) from {raw}: {out} {state}")
    return 0
