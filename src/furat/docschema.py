"""JSON Schema (draft 2020-12) of one canonical document record, built from the inventory.

The schema is the structural contract of a record: field names and types, and every
enumeration (entity types, event types, roles, attribute values, actor ids, stance
labels) taken from :class:`~furat.labels.Inventory`. Unknown fields are rejected at every
level. What a schema cannot express (offsets matching the text, references resolving,
the role allowed for the event type) is checked by :mod:`furat.validate`.
"""

from __future__ import annotations

from typing import Any

from furat.labels import Inventory

#: An absolute URI (RFC 3986: a scheme, then no spaces). ``format: uri`` alone is checked
#: only where an optional package is installed, so the schema says it in a pattern too.
URI_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$"
SCHEMA_ID = "https://furat.invalid/schema/document.schema.json"
GENERATED_NOTE = (
    "generated — do not edit; run `furat schema generate` to rewrite it from "
    "schema/labels.yaml and schema/actors.yaml"
)


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def document_schema(inv: Inventory) -> dict[str, Any]:
    """The JSON Schema of a canonical record for this inventory."""
    offset = {"type": "integer", "minimum": 0}
    span = _obj({"start": offset, "end": offset, "text": {"type": "string", "minLength": 1}})
    region_id = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[A-Za-z0-9_.:-]+$"}
    actor_id = {"enum": list(inv.actor_ids)}
    metadata = _obj(
        {
            "title": {"type": "string", "minLength": 1},
            "title_source": {"enum": ["headline", "lead"]},
            "outlet": _nullable({"type": "string", "minLength": 1}),
            "outlet_source": _nullable({"enum": ["footer", "self-reference"]}),
            "outlet_evidence": _nullable({"type": "string"}),
            "date": _nullable({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
            "date_text": _nullable({"type": "string"}),
            "category": _nullable({"type": "string"}),
            "byline": _nullable({"type": "string"}),
            "caption": _nullable({"type": "string"}),
            "url": _nullable({"type": "string", "format": "uri", "pattern": URI_PATTERN}),
            "language": {"const": "ar"},
            "text_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        }
    )
    entity = _obj(
        {
            "id": region_id,
            "start": offset,
            "end": offset,
            "text": {"type": "string", "minLength": 1},
            "type": {"enum": list(inv.entity_ids)},
            "actor": _nullable(actor_id),
            "parent": _nullable(region_id),
        }
    )
    attr_props = {a.id: {"enum": list(a.value_ids)} for a in inv.attributes}
    event = _obj(
        {
            "id": region_id,
            "type": {"enum": list(inv.event_ids)},
            "trigger": span,
            **attr_props,
            "arguments": {
                "type": "array",
                "items": _obj({"role": {"enum": list(inv.role_ids)}, "mention_id": region_id}),
            },
        }
    )
    stance = _obj(
        {
            "actor": {"enum": list(inv.stance_actor_ids)},
            "label": {"enum": list(inv.stance_ids)},
            "evidence": {"type": "array", "items": span},
        }
    )
    provenance = _obj(
        {
            "task_id": _nullable({"type": "integer"}),
            "annotation_ids": {"type": "array", "items": {"type": "integer"}},
            "annotator_ids": {"type": "array", "items": {"type": "string"}},
            "export_file": _nullable({"type": "string"}),
            "gold": {"enum": ["ground_truth", "single_annotation", "none"]},
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "$comment": GENERATED_NOTE,
        "title": "Furat canonical document record",
        "description": (
            "One annotated article. Offsets are Python code points into `text`, which is "
            "normalised once at ingest; text[start:end] equals the span's text."
        ),
        "x-furat-schema-version": inv.schema_version,
        "x-furat-actors-version": inv.actors_version,
        **_obj(
            {
                "id": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]+$"},
                "schema_version": {"const": inv.schema_version},
                "metadata": metadata,
                "text": {"type": "string", "minLength": 1},
                "paragraphs": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "prefixItems": [offset, offset],
                        "items": False,
                        "minItems": 2,
                    },
                },
                "entities": {"type": "array", "items": entity},
                "events": {"type": "array", "items": event},
                "stance": {"type": "array", "items": stance},
                "provenance": provenance,
            }
        ),
    }
