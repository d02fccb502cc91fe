"""Subcommands of ``furat``: one module per verb, each with ``register(subparsers)``.

A module here adds its parser with ``subparsers.add_parser(...)`` and sets
``func=<callable(args) -> int>``; :mod:`furat.cli` discovers the modules by name.
Command modules stay thin: they parse arguments and call the library module that does
the work.
"""
