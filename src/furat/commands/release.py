"""``furat release X.Y.Z``: build, update the changelog, commit and tag a dataset release."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from furat.paths import find_project
from furat.release import release


def _release(args: argparse.Namespace) -> int:
    from furat.build import BuildFailed  # the build is only needed when releasing

    project = find_project(args.root)
    try:
        done = release(project, args.version)
    except BuildFailed as err:
        err.log.write_text(sys.stderr)
        raise
    since = f"since {done.previous.tag}" if done.previous else "first release"
    print(f"released {done.version.tag} at {done.commit[:12]} ({since})")
    print(done.section)
    print("publish it with: furat publish --hub <org>/<name> and/or --git-remote <url>")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("release", help="build, commit and tag dataset release vX.Y.Z")
    parser.add_argument("version", help="the new version, X.Y.Z, greater than the last tag")
    parser.set_defaults(func=_release)
