"""``furat publish``: upload the tagged release to the Hugging Face Hub and/or a git remote."""

from __future__ import annotations

import argparse
from typing import Any

from furat.errors import FuratError
from furat.paths import find_project
from furat.publish import TOKEN_ENV, publish_git, publish_hub, release_checkout


def _publish(args: argparse.Namespace) -> int:
    if not args.hub and not args.git_remote:
        raise FuratError("nothing to do: give --hub REPO_ID and/or --git-remote URL", exit_code=2)
    with release_checkout(find_project(args.root), args.version) as project:
        if args.hub:
            commit = publish_hub(project, args.hub, private=args.private)
            print(f"published to https://huggingface.co/datasets/{args.hub} (commit {commit[:12]})")
        if args.git_remote:
            commit = publish_git(project, args.git_remote, branch=args.branch)
            print(f"published to {args.git_remote} (branch {args.branch}, commit {commit[:12]})")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "publish",
        help="publish the tagged release in dataset/ to the Hub and/or a git remote",
        description=f"The Hub token is read from ${TOKEN_ENV} and never printed.",
    )
    parser.add_argument("--hub", metavar="REPO_ID", help="Hugging Face dataset repository, e.g. org/furat")
    parser.add_argument("--private", action="store_true", help="create the Hub repository as private")
    parser.add_argument("--git-remote", metavar="URL", help="git remote to push the dataset repository to")
    parser.add_argument("--branch", default="main", help="branch on the git remote (default: main)")
    parser.add_argument(
        "--version", metavar="X.Y.Z", default=None,
        help="release to publish, from its tag (default: the one in dataset/, else the last tag)",
    )  # fmt: skip
    parser.set_defaults(func=_publish)
