"""``furat compare A.jsonl B.jsonl``: two annotations of the same articles, side by side.

Both files are validated first (an error in either refuses the comparison: offsets that
do not cut their text would make every line below them wrong). The text output lists
each article's disagreements and ends with the agreement figures; ``--format json``
gives the same as one object. Exit code 0 whether or not the annotators agree.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from furat.commands.validate import records_or_refuse
from furat.compare import compare, summary
from furat.errors import FuratError
from furat.labels import load_project_inventory
from furat.paths import find_project


def _run(args: argparse.Namespace) -> int:
    project = find_project(args.root)
    inv = load_project_inventory(project)
    refusal = "fix them before comparing"
    sides = [
        [r for _where, r in records_or_refuse(project, inv, raw, out=sys.stderr, refusal=refusal)]
        for raw in (args.a, args.b)
    ]
    texts = {r["id"]: r["text"] for r in sides[0]}
    for record in sides[1]:
        if record["id"] in texts and texts[record["id"]] != record["text"]:
            raise FuratError(f"{args.b}: record {record['id']} has another text than in {args.a}")
    ids_b = {r["id"] for r in sides[1]}
    only_a = [r["id"] for r in sides[0] if r["id"] not in ids_b]
    only_b = [r["id"] for r in sides[1] if r["id"] not in texts]
    if len(only_a) == len(sides[0]):
        raise FuratError(f"no article is in both {args.a} and {args.b}: nothing to compare")
    diffs, agreement = compare(sides[0], sides[1])
    figures = summary(agreement)
    if args.format == "json":
        out: dict[str, Any] = {"documents": {d.id: d.items for d in diffs}, "agreement": figures,
                               "only_in_a": only_a, "only_in_b": only_b}  # fmt: skip
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    for side, ids in (("A", only_a), ("B", only_b)):
        if ids:
            print(f"only in {side} (not compared): {', '.join(ids)}")
    for diff in diffs:
        print(f"== {diff.id}: {len(diff.items)} disagreement(s)")
        for item in diff.items:
            print(f"  {item}")
    shown_figures = ", ".join(
        f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {'n/a' if v is None else v}"
        for k, v in figures.items()
    )
    print(f"agreement: {shown_figures}")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "compare",
        help="list where two annotations of the same articles disagree",
        description=(
            "Compare two records files (JSON lines) article by article: mentions, triggers, "
            "arguments and stance that only one side has or labels differently, with their "
            "text, then the agreement figures the datasheet uses."
        ),
    )
    parser.add_argument("a", metavar="A.jsonl", help="first annotation (e.g. annotator 1)")
    parser.add_argument("b", metavar="B.jsonl", help="second annotation")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    parser.set_defaults(func=_run)
