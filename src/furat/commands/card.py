"""``furat card check [PATH]``: check a dataset card offline (metadata, sections, files)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from furat import cardcheck
from furat.card import CARD_FILE
from furat.errors import FuratError
from furat.labels import Inventory, load_project_inventory
from furat.paths import find_project


def _check(args: argparse.Namespace) -> int:
    inv: Inventory | None = None
    if args.path is None:
        project = find_project(args.root)
        target = project.dataset_dir
        inv = load_project_inventory(project)
    else:
        target = Path(args.path)
        try:
            inv = load_project_inventory(find_project(args.root))
        except FuratError:
            inv = None  # a card outside a project: no feature comparison
    card = target / CARD_FILE if target.is_dir() else target
    if not card.is_file():
        raise FuratError(f"{card}: no such card")
    log = cardcheck.check_card(card, inv=inv, dataset_dir=card.parent)
    if args.format == "json":
        log.write_json(sys.stdout)
    else:
        log.write_text(sys.stdout)
        for field, how in cardcheck.UNCHECKED.items():
            print(f"note: {field}: {how}", file=sys.stderr)
    return 1 if log.has_errors else 0


def register(sub: Any) -> None:
    parser = sub.add_parser("card", help="check the dataset card (dataset/README.md)")
    verbs = parser.add_subparsers(dest="card_command", metavar="<action>", required=True)
    check = verbs.add_parser("check", help="validate metadata, sections and files, offline")
    check.add_argument("path", nargs="?", help="a card or a dataset folder (default: dataset/)")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(func=_check)
