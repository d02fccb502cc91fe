"""``furat schema generate|check``: rewrite or verify everything generated from the inventory."""

from __future__ import annotations

import argparse
from typing import Any

from furat import generate
from furat.paths import find_project


def _generate(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    written = generate.write_all(project)
    for path in written:
        print(f"wrote {path.relative_to(project.root)}")
    if not written:
        print("all generated files are up to date")
    return 0


def _check(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    generate.check(project)
    print("all generated files are up to date")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("schema", help="generate or check files derived from schema/labels.yaml")
    verbs = parser.add_subparsers(dest="schema_command", metavar="<action>", required=True)
    verbs.add_parser("generate", help="rewrite generated files from the inventory").set_defaults(
        func=_generate
    )
    verbs.add_parser("check", help="fail if a generated file is stale").set_defaults(func=_check)
