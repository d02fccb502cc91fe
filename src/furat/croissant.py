"""Croissant JSON-LD (``dataset/croissant.json``) with the Responsible-AI fields.

Croissant makes the release machine-readable outside the Hugging Face ecosystem: every
parquet file is a ``FileObject`` with its SHA-256, every config a ``FileSet`` and a
``RecordSet`` whose fields mirror :mod:`furat.features` (nested lists as repeated
sub-fields, ClassLabels as integers with their names in the description), and the
split of a record is read from its file path against a ``cr:Split`` record set.

The file is written as plain JSON with no timestamps, so it is byte-identical across
rebuilds of a tag; ``mlcroissant`` (a test dependency) validates it in the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.compute as _pc
from datasets import ClassLabel, LargeList, List, Value

from furat import cardtext, corpusstats
from furat.features import CONFIGS, all_features
from furat.fsutil import atomic_write_text, sha256_file
from furat.labels import Inventory
from furat.version import Version

pc: Any = _pc  # generated at import time; the stubs do not list the functions
CROISSANT_FILE = "croissant.json"
CONFORMS_TO = ["http://mlcommons.org/croissant/1.0", "http://mlcommons.org/croissant/RAI/1.0"]
SPLITS_SET = "splits"
_CR_KEYS = ["citeAs", "column", "data", "dataType", "equivalentProperty", "examples", "extract",
            "field", "fileProperty", "fileObject", "fileSet", "format", "includes", "isLiveDataset",
            "jsonPath", "key", "md5", "parentField", "path", "recordSet", "references", "regex",
            "repeated", "replace", "samplingRate", "separator", "source", "subField",
            "transform"]  # fmt: skip
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/",
    "sc": "https://schema.org/",
    **{key: f"cr:{key}" for key in _CR_KEYS},
    "conformsTo": "dct:conformsTo",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "examples": {"@id": "cr:examples", "@type": "@json"},
}
_DATA_TYPES = {"string": "sc:Text", "bool": "sc:Boolean", "float32": "sc:Float", "float64": "sc:Float"}

RAI_TEXT = {
    "rai:dataCollection": (
        "News articles in Arabic about the Syrian conflict were selected by hand from the "
        "websites of Syrian and pan-Arab outlets and saved as plain text; ingestion removes "
        "page furniture and repeated headlines and records title, outlet and date."
    ),
    "rai:dataCollectionType": ["Manual Human Curator", "Document analysis"],
    "rai:dataCollectionMissingData": (
        "Outlet, date and URL are null when the saved page did not state them; source URLs "
        "were not kept for the seed articles. Layers of articles nobody has annotated yet "
        "are empty lists, never guessed."
    ),
    "rai:dataCollectionRawData": (
        "Raw text files in annotation/raw/ of the code repository; the clean text and a "
        "SHA-256 of it are in every row, and offsets point into that clean text."
    ),
    "rai:dataPreprocessingProtocol": [
        "Unicode normalisation once at ingest (docs/normalisation.md); the text is never "
        "changed afterwards, so character offsets stay valid.",
        "Removal of page furniture, share buttons and duplicate headline/paragraph lines.",
    ],
    "rai:dataAnnotationProtocol": [
        "Entities (11 types, nested), events (ACLED-aligned types with trigger, arguments, "
        "modality, polarity) and document-level stance toward canonical actors, following "
        "annotation/guidelines.md generated from schema/labels.yaml.",
        "Documents annotated twice (the seed articles: two independent passes each) are "
        "adjudicated: the adjudication resolves the disagreements by the guidelines and is "
        "marked ground truth (the published gold); every pass is published in the "
        "annotations config. rai:annotationsPerItem gives the counts.",
    ],
    "rai:dataAnnotationPlatform": ["Label Studio (local server), exports kept unchanged"],
    "rai:machineAnnotationTools": [
        "Dictionary pre-annotations from the actor aliases in schema/actors.yaml, shown to "
        "annotators as suggestions to accept, correct or delete."
    ],
    "rai:annotatorDemographics": [
        "Not recorded; annotators appear only as pseudonymous Label Studio user ids."
    ],
    "rai:dataBiases": [
        "Very few outlets (a Syrian opposition network, two pan-Arab outlets, a Lebanese site), "
        "one governorate (Deir ez-Zor), 2016-2017: stance labels describe those articles' "
        "framing, not a balance of the war's viewpoints.",
    ],
    "rai:dataUseCases": [
        "Research on Arabic NER, event extraction and target stance; benchmarking models on "
        "conflict news. Not for decisions about individuals, targeting or attributing blame.",
    ],
    "rai:dataLimitations": [
        "Very small (seed articles); splits are too small for reliable scores; nested "
        "mentions are flattened to the outermost level in the ner config.",
    ],
    "rai:dataSocialImpact": (
        "Helps study how Arabic media report a war; misuse could profile people named in "
        "the news or automate propaganda analysis for one side."
    ),
    "rai:personalSensitiveInformation": [
        "Names of public figures, officials, fighters and sometimes civilians or activists "
        "as printed in published news, with political and violent contexts. Takedown: "
        f"issue label '{cardtext.TAKEDOWN_LABEL}' at {cardtext.CODE_URL} or {cardtext.TAKEDOWN_EMAIL}.",
    ],
    "rai:dataReleaseMaintenancePlan": (
        "Semantic versions; each release is a git tag vX.Y.Z and a Hub revision with a "
        "SHA-256 manifest and a CHANGELOG entry; corrections and takedowns ship as new versions."
    ),
}


def _field(config: str, ids: list[str], feature: Any, fileset: str, parent: list[str]) -> dict[str, Any]:
    """A Field for ``ids`` (column, then nested keys); ``parent`` is the JSONPath above it.

    The column's own list is iterated by Croissant readers; a list nested deeper needs
    ``[*]`` in the path of its sub-fields (``arguments[*].role``).
    """
    out: dict[str, Any] = {"@type": "cr:Field", "@id": "/".join([config, *ids]), "name": ids[-1]}
    repeated = False
    while isinstance(feature, (List, LargeList)):
        repeated, feature = True, feature.feature
    source: dict[str, Any] = {"fileSet": {"@id": fileset}, "extract": {"column": ids[0]}}
    if len(ids) > 1:
        source["transform"] = {"jsonPath": ".".join([*parent, ids[-1]])}
    if isinstance(feature, dict):
        below = [] if len(ids) == 1 else [*parent, ids[-1] + ("[*]" if repeated else "")]
        out["subField"] = [_field(config, [*ids, k], v, fileset, below) for k, v in feature.items()]
    elif isinstance(feature, ClassLabel):
        out["dataType"] = "sc:Integer"
        out["description"] = "ClassLabel index: " + ", ".join(
            f"{i}={name}" for i, name in enumerate(feature.names)
        )
        out["source"] = source
    else:
        dtype = feature.dtype if isinstance(feature, Value) else "string"
        out["dataType"] = _DATA_TYPES.get(dtype, "sc:Integer" if "int" in dtype else "sc:Text")
        out["source"] = source
    if repeated:
        out["repeated"] = True
    return out


def _record_set(config: str, features: Any, splits: list[str]) -> dict[str, Any]:
    fileset = f"{config}-parquet"
    # Matches the file path and, as mlcroissant applies it again on the join, the split name.
    pattern = f"^(?:.*/)?({'|'.join(splits)})(?:-\\d{{5}}-of-\\d{{5}}\\.parquet)?$"
    split = {
        "@type": "cr:Field", "@id": f"{config}/split", "name": "split", "dataType": "sc:Text",
        "source": {"fileSet": {"@id": fileset}, "extract": {"fileProperty": "fullpath"},
                   "transform": {"regex": pattern}},
        "references": {"field": {"@id": f"{SPLITS_SET}/name"}},
    }  # fmt: skip
    return {
        "@type": "cr:RecordSet", "@id": config, "name": config,
        "description": f"Rows of the `{config}` config (see the card's Dataset Structure).",
        "field": [split, *(_field(config, [k], v, fileset, []) for k, v in features.items())],
    }  # fmt: skip


def _timeframe(dataset_dir: Path) -> list[str]:
    dates: list[str] = []
    for paths in corpusstats.shard_files(dataset_dir, "documents").values():
        column = corpusstats.read_split(paths, ["date"]).column("date").drop_null()
        if len(column):
            dates += [pc.min(column).as_py(), pc.max(column).as_py()]
    return [min(dates), max(dates)] if dates else []


def build(
    dataset_dir: Path, *, inv: Inventory, version: Version, date: str | None,
    stats: corpusstats.CorpusStats,
) -> dict[str, Any]:  # fmt: skip
    """The JSON-LD document describing the parquet files now in ``dataset_dir``."""
    configs = [c for c in CONFIGS if c in stats.sizes]
    files, filesets = [], []
    for config in configs:
        for paths in corpusstats.shard_files(dataset_dir, config).values():
            for path in paths:
                rel = path.relative_to(dataset_dir).as_posix()
                files.append({
                    "@type": "cr:FileObject", "@id": rel, "name": rel, "contentUrl": rel,
                    "contentSize": f"{path.stat().st_size} B",
                    "encodingFormat": "application/x-parquet", "sha256": sha256_file(path),
                })  # fmt: skip
        filesets.append({
            "@type": "cr:FileSet", "@id": f"{config}-parquet", "name": f"{config}-parquet",
            "description": f"Parquet shards of the `{config}` config, one or more per split.",
            "encodingFormat": "application/x-parquet", "includes": f"{config}/*.parquet",
        })  # fmt: skip
    splits_set = {
        "@type": "cr:RecordSet", "@id": SPLITS_SET, "name": SPLITS_SET, "dataType": "cr:Split",
        "key": {"@id": f"{SPLITS_SET}/name"},
        "field": [{"@type": "cr:Field", "@id": f"{SPLITS_SET}/name", "name": "name",
                   "dataType": "sc:Text"}],
        "data": [{f"{SPLITS_SET}/name": split} for split in stats.splits],
    }  # fmt: skip
    features = all_features(inv)
    doc: dict[str, Any] = {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CONFORMS_TO,
        "name": "furat", "alternateName": ["الفرات", cardtext.PRETTY_NAME],
        "description": (
            "Arabic news articles on the Syrian conflict with nested named entities, "
            "ACLED-aligned events with arguments, and document-level stance toward actors."
        ),
        "version": str(version), "inLanguage": ["ar"],
        "url": f"https://huggingface.co/datasets/{cardtext.HUB_REPO_ID}",
        "citeAs": cardtext.citation(version, date).removeprefix("```bibtex\n").removesuffix("\n```"),
        "creator": {"@type": "sc:Organization", "name": cardtext.CREATOR, "url": cardtext.CODE_URL},
        "license": [
            {"@type": "sc:CreativeWork", "name": f"{cardtext.ANNOTATION_LICENSE} (annotations)",
             "url": cardtext.ANNOTATION_LICENSE_URL},
            {"@type": "sc:CreativeWork", "name": "Article texts: publishers' copyright",
             "description": cardtext.LICENSE_SUMMARY},
        ],
        "keywords": list(cardtext.TAGS),
        **RAI_TEXT,
        "rai:dataAnnotationAnalysis": [corpusstats.agreement_text(stats.agreement)],
        "rai:annotationsPerItem": _annotations_per_item(stats),
        "distribution": files + filesets,
        "recordSet": [splits_set, *(_record_set(c, features[c], stats.splits) for c in configs)],
    }  # fmt: skip
    if date:
        doc["datePublished"] = date
    timeframe = _timeframe(dataset_dir)
    if timeframe:
        doc["rai:dataCollectionTimeframe"] = timeframe
    return doc


def _annotations_per_item(stats: corpusstats.CorpusStats) -> str:
    agreement = stats.agreement
    if agreement is None or agreement.shared_documents == 0:
        return "One annotation per annotated document (no double annotation yet)."
    total = sum(stats.sizes.get("documents", {}).values())
    rest = agreement.annotated_documents - agreement.shared_documents
    adjudicated = f", {agreement.adjudicated} of them adjudicated" if agreement.adjudicated else ""
    others = f"; {rest} once" if rest > 0 else ""
    unannotated = total - agreement.annotated_documents
    none = f"; {unannotated} not annotated" if unannotated > 0 else ""
    return (f"{agreement.shared_documents} of {total} document(s) annotated independently by two or "
            f"more annotators{adjudicated}{others}{none}.")  # fmt: skip


def write(
    dataset_dir: Path, *, inv: Inventory, version: Version, date: str | None,
    stats: corpusstats.CorpusStats,
) -> Path:  # fmt: skip
    doc = build(dataset_dir, inv=inv, version=version, date=date, stats=stats)
    path = dataset_dir / CROISSANT_FILE
    atomic_write_text(path, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    return path


def hash_problems(dataset_dir: Path) -> list[str]:
    """Files whose SHA-256 differs from the one ``croissant.json`` declares (or are gone)."""
    path = dataset_dir / CROISSANT_FILE
    if not path.exists():
        return [f"missing: {CROISSANT_FILE}"]
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        return [f"croissant: {CROISSANT_FILE} is not valid JSON ({err})"]
    problems = []
    for item in doc.get("distribution", []):
        if item.get("@type") != "cr:FileObject" or "sha256" not in item:
            continue
        target = dataset_dir / item["contentUrl"]
        if not target.is_file():
            problems.append(f"croissant: {item['contentUrl']} is declared but missing")
        elif sha256_file(target) != item["sha256"]:
            problems.append(f"croissant: {item['contentUrl']} differs from its declared sha256")
    return problems
