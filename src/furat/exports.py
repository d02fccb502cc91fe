"""Reading Label Studio export files without loading them whole.

A Label Studio full-JSON export (or snapshot) is one top-level JSON array of tasks; a
project of a million articles gives a file of tens of gigabytes. :func:`iter_array`
walks such an array with :meth:`json.JSONDecoder.raw_decode` over chunks of text, so
memory is bounded by the largest single task, not by the file. Every way the file can be
broken (not UTF-8, not JSON, cut off, not an array) becomes an incident with the file
and line, never an exception: a truncated download must say "truncated at line N", not
print a traceback.

:func:`export_order` decides which export wins when a task appears in several files:
the newest by the timestamp in its *file name* (``furat-p1-20240501T102200Z.json`` from
``furat studio pull``, ``project-1-at-2024-05-01-10-22-….json`` from the web UI),
because file names survive copies and checkouts while modification times do not. Files
without a timestamp in the name count as oldest.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from furat.codes import report
from furat.incidents import IncidentLog, Location

CHUNK_BYTES = 1 << 20
_TIMESTAMP_RE = re.compile(
    r"(?<!\d)(?=(\d{4})-?(\d{2})-?(\d{2})(?:[T_ -]?(\d{2})[-:]?(\d{2})(?:[-:]?(\d{2}))?)?(?!\d))"
)
_WS_RE = re.compile(r"[ \t\n\r]*")


def name_timestamp(path: Path) -> tuple[int, ...] | None:
    """The timestamp written in an export's file name, as a sortable tuple, or ``None``.

    Among the plausible date(-time)s in the name, one with a time of day wins, then the
    last one, so neither a project number that looks like a year
    (``furat-p2024-20240503T183000Z.json``) nor an all-digit hash suffix is taken for it.
    """
    best: tuple[tuple[bool, int], tuple[int, ...]] | None = None
    for match in _TIMESTAMP_RE.finditer(path.name):
        stamp = tuple(int(part) if part else 0 for part in match.groups())
        month, day, hour, minute, second = stamp[1:]
        if 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61:
            rank = (match.group(4) is not None, match.start())
            if best is None or rank > best[0]:
                best = (rank, stamp)
    return None if best is None else best[1]


def export_order(paths: Iterable[Path]) -> list[Path]:
    """Export files newest first: by file-name timestamp, then by name (untimed last)."""

    def key(path: Path) -> tuple[int, tuple[int, ...], str]:
        stamp = name_timestamp(path)
        return (0 if stamp is None else 1, stamp or (), path.name)

    return sorted(paths, key=key, reverse=True)


class BadBytes(Exception):
    """The file is not UTF-8 at ``byte`` (on ``line``); ``cut`` if it ends inside a character."""

    def __init__(self, byte: int, line: int, reason: str, *, cut: bool) -> None:
        super().__init__(reason)
        self.byte, self.line, self.reason, self.cut = byte, line, reason, cut


class _Buffer:
    """Decoded text of a file read in chunks, with the line number of the read position.

    Bytes are decoded here, incrementally, rather than by a text-mode file, so that a bad
    byte can be located by line and byte offset, and a file cut inside a multi-byte
    character (an interrupted download of Arabic text stops there more often than not)
    is told apart from a file that is not UTF-8 at all.
    """

    def __init__(self, fh: Any, chunk: int) -> None:
        self.fh = fh
        self.chunk = chunk
        self.text = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._bytes = 0  # bytes read so far

    def _decode(self, data: bytes, *, final: bool) -> str:
        pending = self._decoder.getstate()[0]
        try:
            return str(self._decoder.decode(data, final=final))
        except UnicodeDecodeError as err:
            start = self._bytes - len(data) - len(pending) + err.start
            good = (pending + data)[: err.start].decode("utf-8", "replace")
            line = self.line_of(len(self.text)) + good.count("\n")
            cut = final and err.end >= len(pending + data)
            raise BadBytes(start, line, err.reason, cut=cut) from None

    def fill(self, at_least: int = 0) -> bool:
        """Append more text (dropping what was consumed); ``False`` at end of file.

        ``at_least`` is in bytes; callers pass a character count, which is never more
        bytes than those characters took, so the buffer still grows geometrically.
        """
        if self.eof:
            return False
        data = self.fh.read(max(self.chunk, at_least))
        self._bytes += len(data)
        text = self._decode(data, final=not data)
        if not data:
            self.eof = True
            return False
        self.text = self.text[self.pos :] + text
        self.pos = 0
        return True

    def advance(self, end: int) -> None:
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end

    def skip_ws(self) -> str:
        """Skip JSON whitespace and return the next character ('' at end of file)."""
        while True:
            match = _WS_RE.match(self.text, self.pos)
            end = match.end() if match else self.pos
            self.advance(end)
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""

    def line_of(self, index: int) -> int:
        return self.line + self.text.count("\n", self.pos, index)


def _decode_one(buf: _Buffer, decoder: json.JSONDecoder) -> tuple[Any, int] | json.JSONDecodeError:
    """Decode the value at the read position, reading more text until it is complete."""
    while True:
        try:
            value, end = decoder.raw_decode(buf.text, buf.pos)
        except RecursionError:
            return json.JSONDecodeError("values nested too deeply to read", buf.text, buf.pos)
        except json.JSONDecodeError as err:
            if buf.fill(at_least=len(buf.text) - buf.pos):
                continue
            return err
        if end == len(buf.text) and buf.fill():
            continue  # a bare number may continue in the next chunk
        return value, end


def iter_array(
    path: Path, log: IncidentLog, *, display: str | None = None, chunk: int = CHUNK_BYTES
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, element)`` for each element of the top-level JSON array in ``path``.

    Problems are added to ``log`` (located at ``display``, default ``str(path)``) and end
    the iteration; elements already yielded stay valid.
    """
    name = display or str(path)
    decoder = json.JSONDecoder()
    try:
        with path.open("rb") as fh:
            yield from _walk(_Buffer(fh, chunk), decoder, log, name)
    except BadBytes as err:
        where = Location(file=name, line=err.line)
        if err.cut:
            message = f"the file ends inside a character (byte {err.byte}): an interrupted download?"
            report(log, "JSON_TRUNCATED", message, where)
        else:
            report(log, "JSON_MALFORMED", f"not UTF-8 text ({err.reason} at byte {err.byte})", where)
    except OSError as err:
        report(log, "JSON_MALFORMED", f"cannot read the file: {err.strerror}", Location(file=name))


def _walk(buf: _Buffer, decoder: json.JSONDecoder, log: IncidentLog, name: str) -> Iterator[tuple[int, Any]]:
    first = buf.skip_ws()
    if first == "\ufeff":
        buf.advance(buf.pos + 1)
        first = buf.skip_ws()
    if first == "":
        report(log, "JSON_TRUNCATED", "the file is empty", Location(file=name, line=buf.line))
        return
    if first != "[":
        report(
            log,
            "EXPORT_STRUCTURE",
            "the top level is not a JSON array; a Label Studio JSON export is a list of tasks",
            Location(file=name, line=buf.line),
        )
        return
    buf.advance(buf.pos + 1)
    count = 0
    while True:
        char = buf.skip_ws()
        if char == "]":
            buf.advance(buf.pos + 1)
            break
        if char == "":
            report(
                log,
                "JSON_TRUNCATED",
                f"the file ends after {count} task(s), before the closing ']'",
                Location(file=name, line=buf.line),
            )
            return
        if count > 0:
            if char != ",":
                _malformed(log, name, buf.line, f"expected ',' or ']' after task {count}, found {char!r}")
                return
            comma_line = buf.line
            buf.advance(buf.pos + 1)
            if buf.skip_ws() == "":
                message = f"the file ends after {count} task(s) and a ',', before the closing ']'"
                report(log, "JSON_TRUNCATED", message, Location(file=name, line=comma_line))
                return
        line = buf.line
        outcome = _decode_one(buf, decoder)
        if isinstance(outcome, json.JSONDecodeError):
            rest = buf.text.rstrip()
            if "Unterminated string" in outcome.msg or outcome.pos >= len(rest):
                report(
                    log,
                    "JSON_TRUNCATED",
                    f"the file ends inside task {count + 1} (started at line {line})",
                    Location(file=name, line=buf.line_of(len(rest))),
                )
            else:
                _malformed(log, name, buf.line_of(outcome.pos), f"{outcome.msg} (task {count + 1})")
            return
        value, end = outcome
        buf.advance(end)
        count += 1
        yield line, value
    if buf.skip_ws() != "":
        _malformed(log, name, buf.line, "text after the closing ']'")


def _malformed(log: IncidentLog, name: str, line: int, message: str) -> None:
    report(log, "JSON_MALFORMED", f"not valid JSON: {message}", Location(file=name, line=line))


class _Malformed:
    """The value :func:`parse_line` returns for a line that is not JSON (already reported)."""


MALFORMED: Any = _Malformed()


def iter_lines(path: Path, log: IncidentLog, *, display: str | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line number, raw bytes)`` for each non-blank line of a JSON-lines file.

    Raw, so a caller with a faster typed decoder (:mod:`furat.validate`) can skip building
    dicts; :func:`parse_line` is the reference reading of one line.
    """
    name = display or str(path)
    try:
        fh = path.open("rb")
    except OSError as err:
        report(log, "JSON_MALFORMED", f"cannot read the file: {err.strerror}", Location(file=name))
        return
    with fh:
        for lineno, raw in enumerate(fh, 1):
            if raw.strip():
                yield lineno, raw


def parse_line(raw: bytes, log: IncidentLog, where: Location) -> Any:
    """One JSON-lines line as a value, or :data:`MALFORMED` after a ``JSON_MALFORMED`` incident."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        report(log, "JSON_MALFORMED", f"not UTF-8 text ({err.reason})", where)
    except json.JSONDecodeError as err:
        report(log, "JSON_MALFORMED", f"not valid JSON: {err.msg} (column {err.colno})", where)
    return MALFORMED


def iter_jsonl(path: Path, log: IncidentLog, *, display: str | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for each non-blank line of a JSON-lines file.

    A bad line is a ``JSON_MALFORMED`` incident at its line number; reading goes on, so
    one run reports every bad line.
    """
    name = display or str(path)
    for lineno, raw in iter_lines(path, log, display=name):
        value = parse_line(raw, log, Location(file=name, line=lineno))
        if value is not MALFORMED:
            yield lineno, value
