"""The document JSON Schema as msgspec types: decoding that validates at parse speed.

Validation has to keep up with reading (issue: validation adds at most half the time of
plain JSON parsing). An interpreting validator walks every record twice — once to parse,
once to check — and ``jsonschema`` manages about 400 realistic records a second. msgspec
decodes JSON straight into typed structs and checks types, required and unknown fields,
enums, lengths, patterns and bounds while it parses, in C, faster than ``json.loads``
builds plain dicts.

String ``pattern`` constraints are the exception: msgspec calls ``re.search`` once per
value, and a document has a hundred ids, which made patterns half the cost of decoding.
They are left out of the types and checked per record in bulk (:class:`CompiledSchema`):
the values under each pattern are gathered with C-level ``map``/``chain`` and, for the
usual ``^[class]+$`` form, joined and matched by one regex. The verdict is the same as
per-value ``re.search`` — which is what ``jsonschema`` does too, including Python's
``$`` accepting one trailing newline.

The types are *derived from* the generated 2020-12 schema (:mod:`furat.docschema`), not
written by hand, so the inventory stays the one source of every label set. Only the
subset of JSON Schema the document schema uses is translated; any other keyword raises
:class:`UnsupportedSchema`, so a schema change can never silently drop a check. One
place where msgspec is stricter than JSON Schema, and :mod:`furat.validate` reports it
as ``SCHEMA_VIOLATION`` after ``jsonschema`` found nothing: an integer written as
``1.0`` (JSON Schema counts it as an integer). ``format: date`` becomes msgspec's RFC
3339 date, a real calendar day, as jsonschema's format checker demands.
"""

from __future__ import annotations

import datetime
import keyword
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Optional

import msgspec

#: Keywords that describe but never constrain.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "examples", "default"})


class UnsupportedSchema(ValueError):
    """The schema uses a keyword this translation does not implement."""


#: How to get from a record to the values a pattern constrains: ``("attr", name)``,
#: ``("index", k)``, ``("items", None)`` (every element of a list) or ``("present", None)``
#: (skip ``null``).
Step = tuple[str, Any]
_SIMPLE = re.compile(r"\^(\[(?:[^\]\\]|\\.)+\](?:\+|\{\d+\}))\$")
_SEP = "\x00"
Gather = Callable[[Any], list[str]]


def _path_source(steps: tuple[Step, ...], roots: str = "(d,)") -> str:
    """A comprehension that lists the values ``steps`` reach from each of ``roots`` (a
    record ``d`` alone by default), as Python source."""
    current, clauses = "x0", [f"for x0 in {roots}"]
    for kind, arg in steps:
        if kind == "attr":
            current = f"{current}.{arg}"
        elif kind == "index":
            current = f"{current}[{int(arg)}]"
        elif kind == "items":
            clauses.append(f"for x{len(clauses)} in {current}")
            current = f"x{len(clauses) - 1}"
        else:
            clauses.append(f"if {current} is not None")
    return f"[{current} {' '.join(clauses)}]"


@dataclass
class CompiledSchema:
    """A schema as a msgspec type plus the pattern checks kept out of it (see above).

    The values under one pattern are gathered by a generated function — one list
    comprehension per place, as Python source built from attribute names the translator
    already required to be identifiers — because walking the paths step by step at run
    time cost more than the regex.
    """

    type: Any = None
    patterns: dict[str, list[tuple[str, tuple[Step, ...]]]] = field(default_factory=dict)
    _checks: list[tuple[str, Gather, Callable[[list[str]], object]]] = field(
        default_factory=list
    )
    _chunk_checks: list[tuple[list[tuple[str, Gather]], Callable[[list[str]], object]]] = field(
        default_factory=list
    )

    def finish(self) -> None:
        """Compile one check per pattern: a bulk regex where the pattern allows it."""
        for pattern, places in self.patterns.items():
            where = f"{', '.join(name for name, _ in places)}: a value does not match {pattern}"
            source = " + ".join(_path_source(steps) for _, steps in places)
            gather = eval(f"lambda d: {source}", {})  # source built above from identifiers only
            check = _pattern_check(pattern)
            self._checks.append((where, gather, check))
            per_place = [
                (name, eval(f"lambda docs: {_path_source(steps, 'docs')}", {}))
                for name, steps in places
            ]
            self._chunk_checks.append((per_place, check))

    def pattern_error(self, doc: Any) -> str | None:
        """The first pattern a value of ``doc`` (an instance of :attr:`type`) breaks, if any."""
        for where, gather, check in self._checks:
            if not check(gather(doc)):
                return where
        return None

    def patterns_hold(self, docs: list[Any], given: Mapping[str, list[str]] | None = None) -> bool:
        """Whether every value of every record in ``docs`` matches its pattern.

        One gather and one regex per pattern for a whole chunk of records, instead of one
        per record; when this is false, :meth:`pattern_error` finds the records. ``given``
        maps places (as named in :attr:`patterns`) to their values already gathered by
        the caller — any superset of the distinct values will do, and one list given for
        several places is checked once; the other places are gathered here.
        """
        given = given or {}
        for places, check in self._chunk_checks:
            values: list[str] = []
            taken: set[int] = set()
            for name, gather in places:
                if name not in given:
                    values += gather(docs)
                elif id(given[name]) not in taken:
                    taken.add(id(given[name]))
                    values += given[name]
            if not check(values):
                return False
        return True


def _pattern_check(pattern: str) -> Callable[[list[str]], object]:
    """A test of many values at once, true when each passes ``re.search(pattern, value)``."""
    simple = _SIMPLE.fullmatch(pattern)
    if simple and not re.fullmatch(simple.group(1), _SEP) and not re.fullmatch(simple.group(1), "\n"):
        one = f"{simple.group(1)}\n?"  # re.search with $: one trailing newline passes
        bulk = re.compile(f"{one}(?:{_SEP}{one})*")
        # ``^[class]+$``: deleting the class's ASCII bytes from the joined values must leave
        # exactly the separators (one table lookup per byte, in C); anything else —
        # non-ASCII, a newline, an empty value — goes to the exact regex.
        charset = simple.group(1)[:-1] if simple.group(1).endswith("+") else None
        allowed = bytes(c for c in range(128) if charset and re.fullmatch(charset, chr(c)))

        rx = re.compile(pattern)

        def joined(values: list[str]) -> object:
            if not values:
                return True
            text = _SEP.join(values)
            if text.count(_SEP) != len(values) - 1:  # a value holds the separator itself
                return all(map(rx.search, values))
            if allowed and text.isascii():
                rest = text.encode("ascii").translate(None, allowed)
                if len(rest) == len(values) - 1 and all(values):
                    return True  # what is left is exactly the separators
            return bulk.fullmatch(text)

        return joined
    rx = re.compile(pattern)

    def each(values: list[str]) -> object:
        return all(map(rx.search, values))

    return each


def compile_schema(schema: Mapping[str, Any], name: str = "Document") -> CompiledSchema:
    """The msgspec type for ``schema`` and its pattern checks; both together accept what it does."""
    out = CompiledSchema()
    out.type = _Translator(out).node(schema, name, ())
    out.finish()
    return out


def struct_type(schema: Mapping[str, Any], name: str = "Document") -> Any:
    """The msgspec type of ``schema`` *without* its pattern checks (see :func:`compile_schema`)."""
    return compile_schema(schema, name).type


def _keys(node: Mapping[str, Any], allowed: set[str], where: str) -> None:
    extra = {k for k in node if k not in _ANNOTATIONS and not k.startswith("x-")} - allowed
    if extra:
        raise UnsupportedSchema(f"{where}: cannot translate {', '.join(sorted(extra))}")


class _Translator:
    """Walks the schema; records each pattern with the steps that reach its values."""

    def __init__(self, out: CompiledSchema) -> None:
        self.out = out

    def node(self, node: Mapping[str, Any], where: str, steps: tuple[Step, ...]) -> Any:
        if "anyOf" in node:
            _keys(node, {"anyOf"}, where)
            branches = node["anyOf"]
            if len(branches) != 2 or branches[1] != {"type": "null"}:
                raise UnsupportedSchema(f"{where}: anyOf other than [schema, null]")
            inner = self.node(branches[0], where, (*steps, ("present", None)))
            return Optional[inner]  # noqa: UP045 (a runtime type object)
        if "enum" in node:
            _keys(node, {"enum"}, where)
            return Literal.__getitem__(tuple(node["enum"]))
        if "const" in node:
            _keys(node, {"const"}, where)
            return Literal.__getitem__((node["const"],))
        kind = node.get("type")
        if kind == "object":
            return self.object(node, where, steps)
        if kind == "array":
            return self.array(node, where, steps)
        if kind == "string":
            return self.string(node, where, steps)
        if kind == "integer":
            _keys(node, {"type", "minimum"}, where)
            return Annotated[int, msgspec.Meta(ge=node["minimum"])] if "minimum" in node else int
        raise UnsupportedSchema(f"{where}: type {kind!r}")

    def object(self, node: Mapping[str, Any], where: str, steps: tuple[Step, ...]) -> Any:
        _keys(node, {"type", "properties", "required", "additionalProperties"}, where)
        properties: Mapping[str, Any] = node.get("properties", {})
        if node.get("additionalProperties", True) is not False:
            raise UnsupportedSchema(f"{where}: objects must forbid additional properties")
        if set(node.get("required", ())) != set(properties):
            raise UnsupportedSchema(f"{where}: every property must be required")
        bad = [key for key in properties if not key.isidentifier() or keyword.iskeyword(key)]
        if bad:
            raise UnsupportedSchema(f"{where}: property names that are not identifiers: {bad}")
        fields = [
            (key, self.node(sub, f"{where}.{key}", (*steps, ("attr", key))))
            for key, sub in properties.items()
        ]
        return msgspec.defstruct(
            where.replace(".", "_").replace("[]", "_item"),
            fields,
            forbid_unknown_fields=True,
            frozen=True,
            gc=False,
        )

    def array(self, node: Mapping[str, Any], where: str, steps: tuple[Step, ...]) -> Any:
        if "prefixItems" in node:
            _keys(node, {"type", "prefixItems", "items", "minItems"}, where)
            prefix = node["prefixItems"]
            if node.get("items") is not False or node.get("minItems") != len(prefix):
                raise UnsupportedSchema(f"{where}: prefixItems must fix the length (items false, minItems)")
            members = tuple(
                self.node(sub, f"{where}[{k}]", (*steps, ("index", k))) for k, sub in enumerate(prefix)
            )
            return tuple.__class_getitem__(members)
        _keys(node, {"type", "items"}, where)
        item = self.node(node["items"], f"{where}[]", (*steps, ("items", None)))
        return list[item]  # type: ignore[valid-type]

    def string(self, node: Mapping[str, Any], where: str, steps: tuple[Step, ...]) -> Any:
        _keys(node, {"type", "minLength", "maxLength", "pattern", "format"}, where)
        fmt = node.get("format")
        if fmt == "date":
            # RFC 3339 full-date, a real calendar day; implies the schema's \d{4}-\d{2}-\d{2}
            return datetime.date
        if fmt not in (None, "uri"):
            raise UnsupportedSchema(f"{where}: format {fmt!r}")
        if "pattern" in node:
            self.out.patterns.setdefault(node["pattern"], []).append((where, steps))
        lengths = (("min_length", "minLength"), ("max_length", "maxLength"))
        meta = {key: node[word] for key, word in lengths if word in node}
        return Annotated[str, msgspec.Meta(**meta)] if meta else str
