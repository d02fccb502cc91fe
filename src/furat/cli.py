"""The one command line, ``furat <verb>``.

Each verb lives in its own module under :mod:`furat.commands` and exposes
``register(subparsers)``; this module only discovers them, parses arguments and turns
:class:`~furat.errors.FuratError` into one line on stderr and a non-zero exit, so no
user mistake ends in a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from furat import __version__
from furat.errors import FuratError


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every subcommand registered (sorted, for a stable --help)."""
    parser = argparse.ArgumentParser(
        prog="furat",
        description="Build, check, publish and benchmark the Furat corpus of Arabic news.",
    )
    parser.add_argument("--version", action="version", version=f"furat {__version__}")
    parser.add_argument(
        "--root",
        default=None,
        help="project folder (default: $FURAT_ROOT or the nearest folder with schema/labels.yaml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    import furat.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"furat.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``furat`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        code = func(args)
    except FuratError as err:
        print(f"furat {args.command}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"furat {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
