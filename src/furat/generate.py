"""Everything generated from the inventory, written by ``furat schema generate``.

One function computes the expected content of every generated file (and of the
generated blocks in the guidelines) from :class:`~furat.labels.Inventory`; writing and
staleness checking both use it, so ``furat schema check`` (and the test that runs it)
fails exactly when a committed file differs from what the inventory says.
"""

from __future__ import annotations

import json
from pathlib import Path

from furat.docschema import document_schema
from furat.errors import FuratError
from furat.features import all_features
from furat.fsutil import atomic_write_text
from furat.labels import Inventory, load_project_inventory
from furat.lsconfig import label_config
from furat.markers import md_table, replace_blocks
from furat.paths import Project

COMMAND = "furat schema generate"


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def features_json(inv: Inventory) -> str:
    """``schema/features.json``: the features of every config, as ``Features.to_dict()``."""
    return _json(
        {
            "$comment": "generated — do not edit; run `furat schema generate`",
            "schema_version": inv.schema_version,
            "configs": {name: f.to_dict() for name, f in all_features(inv).items()},
        }
    )


def _examples(values: tuple[str, ...]) -> str:
    return "، ".join(f"«{v}»" for v in values) if values else "—"


def guideline_blocks(inv: Inventory) -> dict[str, str]:
    """The label tables shown in ``annotation/guidelines.md``."""
    entities = md_table(
        ["Label", "English", "العربية", "Definition", "Examples from the seeds"],
        [[f"`{e.id}`", e.en, e.ar, e.definition, _examples(e.examples)] for e in inv.entity_types],
    )
    events = md_table(
        ["Label", "English", "العربية", "ACLED", "ACE 2005", "Roles (fillers)", "Examples"],
        [
            [
                f"`{e.id}`",
                e.en,
                e.ar,
                f"{e.acled_event_type} / {e.acled_sub_event_type}" if e.acled_event_type else "—",
                e.ace or "—",
                "; ".join(f"`{role}`: {', '.join(types)}" for role, types in e.roles),
                _examples(e.examples),
            ]
            for e in inv.event_types
        ],
    )
    roles = md_table(
        ["Role", "English", "العربية", "Definition"],
        [[f"`{r.id}`", r.en, r.ar, r.definition] for r in inv.roles],
    )
    attributes = "\n\n".join(
        f"**{a.en} ({a.ar})**, default `{a.default}`:\n\n"
        + md_table(
            ["Value", "English", "العربية", "Definition", "Examples"],
            [[f"`{v.id}`", v.en, v.ar, v.definition, _examples(v.examples)] for v in a.values],
        )
        for a in inv.attributes
    )
    stance = md_table(
        ["Label", "English", "العربية", "Definition", "Examples"],
        [[f"`{s.id}`", s.en, s.ar, s.definition, _examples(s.examples)] for s in inv.stance_labels],
    )
    actors = md_table(
        ["Actor id", "English", "العربية", "ACLED category", "Part of", "Stance", "Aliases in the corpus"],
        [
            [
                f"`{a.id}`",
                a.en,
                a.ar,
                a.acled_category,
                f"`{a.parent}`" if a.parent else "—",
                "yes" if a.stance_target else "—",
                "، ".join(f"{form} ({etype})" for form, etype in a.aliases) or "—",
            ]
            for a in inv.actors
        ],
    )
    return {
        "entity-types": entities,
        "event-types": events,
        "argument-roles": roles,
        "event-attributes": attributes,
        "stance-labels": stance,
        "actors": actors,
    }


def expected_files(project: Project, inv: Inventory | None = None) -> dict[Path, str]:
    """Path → the content the inventory says it must have."""
    inv = inv or load_project_inventory(project)
    files = {
        project.document_schema: _json(document_schema(inv)),
        project.features_file: features_json(inv),
        project.label_config: label_config(inv),
    }
    if project.guidelines.exists():
        current = project.guidelines.read_text(encoding="utf-8")
        files[project.guidelines] = replace_blocks(
            current, guideline_blocks(inv), source=str(project.guidelines), command=COMMAND
        )
    return files


def stale_files(project: Project) -> list[Path]:
    """Generated files whose committed content differs from what the inventory gives."""
    stale = []
    for path, content in expected_files(project).items():
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(path)
    return stale


def write_all(project: Project) -> list[Path]:
    """Rewrite every generated file that changed; return the ones written."""
    written = []
    for path, content in expected_files(project).items():
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            atomic_write_text(path, content)
            written.append(path)
    return written


def check(project: Project) -> None:
    """Raise :class:`FuratError` listing stale generated files."""
    stale = stale_files(project)
    if stale:
        names = ", ".join(str(p.relative_to(project.root)) for p in stale)
        raise FuratError(f"generated files are stale: {names}; run `{COMMAND}`")
