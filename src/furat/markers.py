"""Generated blocks inside hand-written documents (guidelines, card, datasheet).

A block sits between ``<!-- furat:begin NAME ... -->`` and ``<!-- furat:end NAME -->``
markers; only its inside is rewritten, so the prose around it stays the authors'. This
is weasel's auto-generated README blocks applied to every document that shows labels
or statistics.
"""

from __future__ import annotations

import re

from furat.errors import FuratError

BEGIN = "<!-- furat:begin {name} — generated, do not edit; run `{command}` -->"
END = "<!-- furat:end {name} -->"
_BLOCK_RE = re.compile(
    r"(?P<begin><!-- furat:begin (?P<name>[a-z0-9-]+)[^>]*-->)\n"
    r"(?P<body>.*?)(?P<end><!-- furat:end (?P=name) -->)",
    re.DOTALL,
)


def block(name: str, body: str, command: str) -> str:
    """A complete block (markers included), for writing a new document."""
    return f"{BEGIN.format(name=name, command=command)}\n{body.rstrip()}\n{END.format(name=name)}"


def block_names(text: str) -> list[str]:
    return [m.group("name") for m in _BLOCK_RE.finditer(text)]


def replace_blocks(text: str, bodies: dict[str, str], *, source: str, command: str) -> str:
    """Rewrite the named blocks of ``text``; every name in ``bodies`` must have markers."""
    missing = set(bodies) - set(block_names(text))
    if missing:
        names = ", ".join(sorted(missing))
        raise FuratError(f"{source}: no generated block markers for: {names}")

    def sub(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in bodies:
            return match.group(0)
        begin = BEGIN.format(name=name, command=command)
        return f"{begin}\n{bodies[name].rstrip()}\n{match.group('end')}"

    return _BLOCK_RE.sub(sub, text)


def md_escape(value: str) -> str:
    """Make a value safe inside a Markdown table cell."""
    return value.replace("|", "\\|").replace("\n", " ")


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
