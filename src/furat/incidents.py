"""Structured incidents: every problem found in the data, with a code and a location.

Modelled on the UD validator's incidents: instead of raising on the first problem, a
step collects :class:`Incident` objects, each with a stable ``code`` (documented in
``docs/incidents.md``), a ``severity``, a location (file, task, annotation, region or
record) and a message. Errors stop the step with a non-zero exit before anything is
written downstream; warnings are counted and shown.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Literal, TextIO

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Location:
    """Where an incident happened; unset parts are ``None``."""

    file: str | None = None
    record: str | None = None
    task: int | None = None
    annotation: int | None = None
    region: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        for name in ("record", "task", "annotation", "region"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name} {value}")
        return ", ".join(parts) or "-"


@dataclass(frozen=True)
class Incident:
    """One problem: ``code`` is stable across versions and named in the docs."""

    code: str
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }
        out["location"] = {k: v for k, v in asdict(self.location).items() if v is not None}
        return out

    def __str__(self) -> str:
        return f"{self.location}: {self.severity} [{self.code}] {self.message}"


class IncidentLog:
    """Collects incidents of one step and reports them as text or JSON."""

    def __init__(self) -> None:
        self._items: list[Incident] = []

    def add(self, incident: Incident) -> None:
        self._items.append(incident)

    def error(self, code: str, message: str, **where: object) -> None:
        self.add(Incident(code, "error", message, Location(**where)))  # type: ignore[arg-type]

    def warning(self, code: str, message: str, **where: object) -> None:
        self.add(Incident(code, "warning", message, Location(**where)))  # type: ignore[arg-type]

    def extend(self, incidents: Iterable[Incident]) -> None:
        self._items.extend(incidents)

    def __iter__(self) -> Iterator[Incident]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def errors(self) -> list[Incident]:
        return [i for i in self._items if i.severity == "error"]

    @property
    def warnings(self) -> list[Incident]:
        return [i for i in self._items if i.severity == "warning"]

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self._items)

    def codes(self) -> Counter[str]:
        return Counter(i.code for i in self._items)

    def write_text(self, out: TextIO, *, cap_per_code: int = 20) -> None:
        """One line per incident; after ``cap_per_code`` of one code, a count instead."""
        shown: Counter[str] = Counter()
        for item in self._items:
            shown[item.code] += 1
            if shown[item.code] <= cap_per_code:
                print(str(item), file=out)
        for code, count in sorted(shown.items()):
            if count > cap_per_code:
                print(f"... {count - cap_per_code} more [{code}] not shown", file=out)
        print(
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)",
            file=out,
        )

    def write_json(self, out: TextIO) -> None:
        json.dump(
            {
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "incidents": [i.to_dict() for i in self._items],
            },
            out,
            ensure_ascii=False,
            indent=2,
        )
        out.write("\n")
