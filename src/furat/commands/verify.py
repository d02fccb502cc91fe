"""``furat verify [DIR]``: check a dataset folder against its SHA-256 manifest."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from furat import checksums, croissant
from furat.paths import find_project


def _verify(args: argparse.Namespace) -> int:
    folder = Path(args.dir) if args.dir else find_project(args.root).dataset_dir
    report = checksums.verify(folder)
    problems = report.lines() + croissant.hash_problems(folder)
    for line in problems:
        print(line)
    if problems:
        print(f"{folder}: {len(problems)} problem(s); {report.checked} file(s) listed and present")
        return 1
    print(f"{folder}: {report.checked} file(s) match {checksums.MANIFEST_NAME}")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("verify", help="check dataset files against SHA256SUMS and croissant.json")
    parser.add_argument("dir", nargs="?", help="dataset folder (default: the project's dataset/)")
    parser.set_defaults(func=_verify)
