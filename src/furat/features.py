"""Hugging Face ``datasets.Features`` of every dataset config, built from the inventory.

Label columns are ``ClassLabel`` so that ``load_dataset`` users get label names, and the
names come from :class:`~furat.labels.Inventory` so they can never drift from the
annotation scheme. The same features are written to the card's ``dataset_info`` and to
``schema/features.json`` (generated), and the build casts every table to them.
"""

from __future__ import annotations

from typing import Any

from datasets import ClassLabel, Features, List, Value

from furat.labels import Inventory

CONFIGS = ("documents", "ner", "events", "stance", "annotations")
DEFAULT_CONFIG = "documents"


def _span() -> dict[str, Any]:
    return {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}


def _metadata() -> dict[str, Any]:
    return {
        "title": Value("string"),
        "title_source": Value("string"),
        "outlet": Value("string"),
        "outlet_source": Value("string"),
        "date": Value("string"),
        "date_text": Value("string"),
        "category": Value("string"),
        "byline": Value("string"),
        "caption": Value("string"),
        "url": Value("string"),
        "language": Value("string"),
        "text_sha256": Value("string"),
    }


def _layers(inv: Inventory) -> dict[str, Any]:
    """Entity, event and stance layers as nested features (documents and annotations)."""
    entity_type = ClassLabel(names=list(inv.entity_ids))
    attributes = {a.id: ClassLabel(names=list(a.value_ids)) for a in inv.attributes}
    return {
        "entities": List(
            {
                "id": Value("string"),
                "start": Value("int32"),
                "end": Value("int32"),
                "text": Value("string"),
                "type": entity_type,
                "actor": Value("string"),
                "parent": Value("string"),
            }
        ),
        "events": List(
            {
                "id": Value("string"),
                "type": ClassLabel(names=list(inv.event_ids)),
                "trigger": _span(),
                **attributes,
                "arguments": List(
                    {"role": ClassLabel(names=list(inv.role_ids)), "mention_id": Value("string")}
                ),
            }
        ),
        "stance": List(
            {
                "actor": ClassLabel(names=list(inv.stance_actor_ids)),
                "label": ClassLabel(names=list(inv.stance_ids)),
                "evidence": List(_span()),
            }
        ),
    }


def documents_features(inv: Inventory) -> Features:
    """One row per article with its text, metadata and every annotation layer."""
    return Features(
        {
            "id": Value("string"),
            "schema_version": Value("string"),
            **_metadata(),
            "text": Value("string"),
            "paragraphs": List(List(Value("int32"))),
            **_layers(inv),
        }
    )


def ner_features(inv: Inventory) -> Features:
    """Tokens with BIO tags (outermost mentions) and each token's character offsets."""
    return Features(
        {
            "id": Value("string"),
            "tokens": List(Value("string")),
            "ner_tags": List(ClassLabel(names=list(inv.bio_tags))),
            "token_starts": List(Value("int32")),
            "token_ends": List(Value("int32")),
        }
    )


def _token_span() -> dict[str, Any]:
    return {**_span(), "token_start": Value("int32"), "token_end": Value("int32")}


def events_features(inv: Inventory) -> Features:
    """ACE/RAMS-style event rows: tokens, mentions and events with token and char offsets.

    ``token_end`` is exclusive, like ``end``.
    """
    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "tokens": List(Value("string")),
            "token_starts": List(Value("int32")),
            "token_ends": List(Value("int32")),
            "entity_mentions": List(
                {
                    "id": Value("string"),
                    **_token_span(),
                    "type": ClassLabel(names=list(inv.entity_ids)),
                    "actor": Value("string"),
                }
            ),
            "events": List(
                {
                    "id": Value("string"),
                    "type": ClassLabel(names=list(inv.event_ids)),
                    "trigger": _token_span(),
                    **{a.id: ClassLabel(names=list(a.value_ids)) for a in inv.attributes},
                    "arguments": List(
                        {
                            "role": ClassLabel(names=list(inv.role_ids)),
                            "mention_id": Value("string"),
                            **_token_span(),
                        }
                    ),
                }
            ),
        }
    )


def stance_features(inv: Inventory) -> Features:
    """One row per (article, stance-target actor), ``NOT_MENTIONED`` included."""
    return Features(
        {
            "id": Value("string"),
            "actor": ClassLabel(names=list(inv.stance_actor_ids)),
            "actor_en": Value("string"),
            "actor_ar": Value("string"),
            "title": Value("string"),
            "text": Value("string"),
            "label": ClassLabel(names=list(inv.stance_ids)),
            "evidence": List(_span()),
        }
    )


def annotations_features(inv: Inventory) -> Features:
    """Every annotator's raw layers, one row per (article, annotation), for agreement studies."""
    return Features(
        {
            "id": Value("string"),
            "task_id": Value("int64"),
            "annotation_id": Value("int64"),
            "annotator": Value("string"),
            "ground_truth": Value("bool"),
            "was_cancelled": Value("bool"),
            "export_file": Value("string"),
            **_layers(inv),
        }
    )


def all_features(inv: Inventory) -> dict[str, Features]:
    """Features of every config, keyed by config name, in :data:`CONFIGS` order."""
    return {
        "documents": documents_features(inv),
        "ner": ner_features(inv),
        "events": events_features(inv),
        "stance": stance_features(inv),
        "annotations": annotations_features(inv),
    }
