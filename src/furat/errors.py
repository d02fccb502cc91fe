"""Exceptions that end a command with one clear line instead of a traceback.

Anything the user can fix (a bad file, an unreachable server, a stale generated file)
is raised as :class:`FuratError`; the CLI prints its message and exits non-zero.
Programming errors are left to propagate so that they stay visible.
"""

from __future__ import annotations


class FuratError(Exception):
    """A failure the user can act on; ``str(err)`` is the one line shown to them."""

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
