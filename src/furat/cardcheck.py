"""Offline check of a dataset card (``furat card check``).

The Hub validates card metadata only on push; this module checks it before, without a
network, against the vocabularies the installed libraries ship: ``datasets``'
``utils/resources`` (languages, creators, multilinguality, size categories), its
``known_task_ids`` (task categories) and ``huggingface_hub``'s dataset card template
(the section headings). Lists the packages do not ship (task ids, license ids) are
checked for form only and named in :data:`UNCHECKED`, so nobody mistakes that for
validation. ``configs`` and ``dataset_info`` are parsed by ``datasets``' own readers,
so a card that passes is one ``load_dataset`` understands; with a data folder, the
globs, split sizes and (given the inventory) features are compared with the files.

Problems are incidents with stable ``CARD_*`` codes, as everywhere in Furat.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs, known_task_ids
from huggingface_hub import DatasetCardData

from furat import cardtext, corpusstats
from furat.card import size_category, split_front_matter
from furat.features import DEFAULT_CONFIG, all_features
from furat.incidents import Incident, IncidentLog, Location, Severity
from furat.labels import Inventory

CODES: dict[str, tuple[Severity, str]] = {
    "CARD_NO_METADATA": ("error", "the card has no YAML front matter between --- lines"),
    "CARD_YAML_INVALID": ("error", "the front matter is not a YAML mapping, or repeats a key"),
    "CARD_FIELD_MISSING": ("error", "a metadata field Furat requires is absent or empty"),
    "CARD_VALUE_UNKNOWN": ("error", "a value outside the vocabulary shipped with datasets/huggingface_hub"),
    "CARD_VALUE_FORMAT": ("error", "a value of a field without a shipped vocabulary has the wrong form"),
    "CARD_LICENSE": ("error", "license 'other' without license_name and license_link/license_details"),
    "CARD_CONFIGS_INVALID": ("error", "configs that datasets cannot read, or not exactly one default"),
    "CARD_DATASET_INFO_INVALID": ("error", "dataset_info that datasets cannot read"),
    "CARD_FEATURES_STALE": ("error", "dataset_info features differ from furat.features"),
    "CARD_SPLITS_MISMATCH": (
        "error",
        "configs, dataset_info and the parquet files disagree on splits or sizes",
    ),
    "CARD_DATA_FILES_MISSING": ("error", "a data_files pattern matches no file in the folder"),
    "CARD_DATA_FILE_UNREADABLE": ("error", "a parquet file in the folder cannot be read"),
    "CARD_SIZE_CATEGORY": ("error", "size_categories does not match the number of documents"),
    "CARD_SECTION_MISSING": ("error", "a section of the Hub card template (or Furat's) is missing"),
    "CARD_SECTION_EMPTY": ("warning", "a required section has no text of its own"),
    "CARD_PLACEHOLDER": ("warning", "a placeholder of the publication identity is still in the card"),
}
REQUIRED_FIELDS = ("pretty_name", "language", "license", "annotations_creators", "language_creators",
                   "multilinguality", "size_categories", "source_datasets", "task_categories",
                   "task_ids", "configs", "dataset_info")  # fmt: skip
FURAT_SECTIONS = ("Annotations", "Personal and Sensitive Information", "Licensing", "Citation")
UNCHECKED = {
    "task_ids": "no list ships with datasets or huggingface_hub; checked for lowercase-hyphen form",
    "license": "no license list ships; 'other' needs license_name and license_link/license_details",
    "source_datasets": "no list ships; must be 'original' or start with 'extended'",
}
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def _resource(package: str, *parts: str) -> str:
    return resources.files(package).joinpath(*parts).read_text(encoding="utf-8")


def vocabularies() -> dict[str, set[str]]:
    """Field → allowed values, from the files the installed packages ship."""
    res = "datasets.utils.resources"
    creators = json.loads(_resource(res, "creators.json"))
    return {
        "language": set(json.loads(_resource(res, "languages.json"))),
        "annotations_creators": set(creators["annotations"]),
        "language_creators": set(creators["language"]),
        "multilinguality": set(json.loads(_resource(res, "multilingualities.json"))),
        "size_categories": set(json.loads(_resource(res, "size_categories.json"))),
        "task_categories": set(known_task_ids),
    }


def template_sections() -> list[str]:
    """Non-optional headings (level ≥ 2) of huggingface_hub's dataset card template."""
    _, body = split_front_matter(_resource("huggingface_hub", "templates", "datasetcard_template.md"))
    required, optional_level = [], 99
    for line in body.splitlines():
        match = _HEADING_RE.match(line)
        if not match or len(match.group(1)) < 2:
            continue
        level, title = len(match.group(1)), match.group(2)
        if level <= optional_level:
            optional_level = 99
        if title.endswith("[optional]"):
            optional_level = min(optional_level, level)
        elif level < optional_level:
            required.append(title)
    return required


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses repeated keys (the Hub's parser does too)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
        if repeated:
            raise yaml.constructor.ConstructorError(None, None, f"repeated key(s): {', '.join(repeated)}")
        return super().construct_mapping(node, deep=deep)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class CardChecker:
    """Runs every check on one card and collects the incidents."""

    def __init__(self, path: Path, inv: Inventory | None, dataset_dir: Path | None) -> None:
        self.path, self.inv, self.dataset_dir = path, inv, dataset_dir
        self.log = IncidentLog()

    def report(self, code: str, message: str) -> None:
        self.log.add(Incident(code, CODES[code][0], message, Location(file=str(self.path))))

    def run(self) -> IncidentLog:
        text = self.path.read_text(encoding="utf-8")
        raw, body = split_front_matter(text)
        if raw is None:
            self.report("CARD_NO_METADATA", "no front matter; the Hub would show no metadata")
        else:
            try:
                meta = yaml.load(raw, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
            except yaml.YAMLError as err:
                self.report("CARD_YAML_INVALID", f"front matter: {err}".replace("\n", " "))
                meta = None
            if meta is not None and not isinstance(meta, dict):
                self.report("CARD_YAML_INVALID", "front matter is not a mapping")
            elif isinstance(meta, dict):
                self.metadata(meta)
        self.sections(body)
        for mark in cardtext.PLACEHOLDER_MARKS:
            if mark in text:
                self.report("CARD_PLACEHOLDER", f"{mark!r} is a placeholder (set it in furat/cardtext.py)")
        return self.log

    def metadata(self, meta: dict[str, Any]) -> None:
        for name in REQUIRED_FIELDS:
            if meta.get(name) in (None, "", []):
                self.report("CARD_FIELD_MISSING", f"{name} is required")
        for name, allowed in vocabularies().items():
            for value in _as_list(meta.get(name) or []):
                if value not in allowed:
                    self.report("CARD_VALUE_UNKNOWN", f"{name}: {value!r} is not a known value")
        for value in _as_list(meta.get("task_ids") or []):
            if not isinstance(value, str) or not _SLUG_RE.match(value):
                self.report("CARD_VALUE_FORMAT", f"task_ids: {value!r} is not lowercase-hyphen")
        for value in _as_list(meta.get("source_datasets") or []):
            if value != "original" and not str(value).startswith("extended"):
                self.report(
                    "CARD_VALUE_FORMAT", f"source_datasets: {value!r} is neither original nor extended"
                )
        named = meta.get("license_name") and (meta.get("license_link") or meta.get("license_details"))
        if "other" in _as_list(meta.get("license")) and not named:
            self.report(
                "CARD_LICENSE", "license other needs license_name and license_link or license_details"
            )
        for info in _as_list(meta.get("dataset_info") or []):
            for split in (info.get("splits") or []) if isinstance(info, dict) else []:
                if not isinstance(split, dict) or {"name", "num_examples", "num_bytes"} - set(split):
                    self.report(
                        "CARD_DATASET_INFO_INVALID", f"split {split!r} needs name, num_examples, num_bytes"
                    )
        card_data = DatasetCardData(**meta)
        try:
            configs = MetadataConfigs.from_dataset_card_data(card_data)
            default = configs.get_default_config_name()
        except (ValueError, TypeError, KeyError) as err:
            self.report("CARD_CONFIGS_INVALID", str(err).strip().splitlines()[0])
            return
        if default != DEFAULT_CONFIG:
            self.report("CARD_CONFIGS_INVALID", f"default config is {default!r}, expected {DEFAULT_CONFIG!r}")
        try:
            infos = DatasetInfosDict.from_dataset_card_data(card_data)
        except (ValueError, TypeError, KeyError) as err:
            self.report("CARD_DATASET_INFO_INVALID", str(err).strip().splitlines()[0])
            return
        documents = self.consistency(configs, infos)
        expected = size_category(documents)
        if expected not in _as_list(meta.get("size_categories") or []):
            self.report("CARD_SIZE_CATEGORY", f"{documents} documents is {expected!r}")

    def consistency(self, configs: MetadataConfigs, infos: DatasetInfosDict) -> int:
        """Compare configs, dataset_info, features and files; return the document count."""
        if set(configs) != set(infos):
            self.report("CARD_SPLITS_MISMATCH", f"configs {sorted(configs)} vs dataset_info {sorted(infos)}")
        expected = all_features(self.inv) if self.inv is not None else {}
        documents = 0
        for name, info in infos.items():
            if name in expected and info.features != expected[name]:
                self.report("CARD_FEATURES_STALE", f"{name}: features differ from the inventory's")
            declared = {f["split"]: f["path"] for f in configs.get(name, {}).get("data_files", [])}
            sizes = {split: s.num_examples for split, s in (info.splits or {}).items()}
            if set(declared) != set(sizes):
                self.report(
                    "CARD_SPLITS_MISMATCH", f"{name}: data_files {sorted(declared)} vs splits {sorted(sizes)}"
                )
            if name == DEFAULT_CONFIG:
                documents = sum(sizes.values())
            if self.dataset_dir is not None:
                self.files(name, declared, sizes)
        return documents

    def files(self, config: str, declared: dict[str, Any], sizes: dict[str, int]) -> None:
        assert self.dataset_dir is not None
        on_disk = corpusstats.shard_files(self.dataset_dir, config)
        for split, pattern in declared.items():
            for glob in _as_list(pattern):
                if not list(self.dataset_dir.glob(glob)):
                    self.report("CARD_DATA_FILES_MISSING", f"{config}/{split}: {glob} matches no file")
            try:
                rows = sum(corpusstats.pq.ParquetFile(p).metadata.num_rows for p in on_disk.get(split, []))
            except (pa.ArrowException, OSError) as err:
                self.report("CARD_DATA_FILE_UNREADABLE", f"{config}/{split}: {err}")
                continue
            if split in sizes and rows != sizes[split]:
                self.report(
                    "CARD_SPLITS_MISMATCH", f"{config}/{split}: card says {sizes[split]}, files hold {rows}"
                )

    def sections(self, body: str) -> None:
        """Required headings present, each with text or a subsection (code fences skipped)."""
        lines = body.splitlines()
        heads: list[tuple[int, int, str]] = []
        fenced = False
        for i, line in enumerate(lines):
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced and (match := _HEADING_RE.match(line)):
                heads.append((i, len(match.group(1)), match.group(2)))
        for title in [*template_sections(), *FURAT_SECTIONS]:
            index = next((k for k, head in enumerate(heads) if head[2] == title), None)
            if index is None:
                self.report("CARD_SECTION_MISSING", f"no section titled {title!r}")
                continue
            start, level, _ = heads[index]
            following = heads[index + 1] if index + 1 < len(heads) else (len(lines), 0, "")
            own_text = any(line.strip() for line in lines[start + 1 : following[0]])
            if not own_text and following[1] <= level:
                self.report("CARD_SECTION_EMPTY", f"section {title!r} has no text")


def check_card(path: Path, *, inv: Inventory | None = None, dataset_dir: Path | None = None) -> IncidentLog:
    """Incidents of the card at ``path``; with ``dataset_dir``, compared with its files."""
    return CardChecker(path, inv, dataset_dir).run()


__all__ = ["CODES", "UNCHECKED", "check_card", "size_category", "template_sections", "vocabularies"]
