"""``furat card check``: a good card passes; one broken card per incident code is caught.

The table :data:`BROKEN` maps every ``CARD_*`` code to the smallest edit of a good card
that must trigger it (udtools-style: one invalid case per check), and a test keeps the
table and :data:`furat.cardcheck.CODES` in step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_card_data import release_files

from furat import cardcheck
from furat.card import CARD_FILE, dump_front_matter, split_front_matter
from furat.cli import main
from furat.labels import Inventory
from furat.paths import Project

Edit = Callable[[dict[str, Any], str, Path], tuple[dict[str, Any] | None, str]]


def _meta(change: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(meta: dict[str, Any], body: str, folder: Path) -> tuple[dict[str, Any] | None, str]:
        change(meta)
        return meta, body

    return edit


def _body(old: str, new: str) -> Edit:
    def edit(meta: dict[str, Any], body: str, folder: Path) -> tuple[dict[str, Any] | None, str]:
        assert old in body
        return meta, body.replace(old, new, 1)

    return edit


def _info(meta: dict[str, Any], config: str) -> dict[str, Any]:
    return next(i for i in meta["dataset_info"] if i["config_name"] == config)


def _corrupt(meta: dict[str, Any], body: str, folder: Path) -> tuple[dict[str, Any] | None, str]:
    (folder / "ner" / "test-00000-of-00001.parquet").write_bytes(b"not parquet")
    return meta, body


def _rename_label(meta: dict[str, Any]) -> None:
    features = _info(meta, "stance")["features"]
    next(f for f in features if f["name"] == "label")["dtype"]["class_label"]["names"]["0"] = "PRO"


BROKEN: dict[str, Edit] = {
    "CARD_NO_METADATA": lambda meta, body, folder: (None, body),
    "CARD_YAML_INVALID": lambda meta, body, folder: (
        {**meta, "__raw__": "language: [ar]\nlanguage: [en]"},
        body,
    ),
    "CARD_FIELD_MISSING": _meta(lambda m: m.pop("task_categories")),
    "CARD_VALUE_UNKNOWN": _meta(lambda m: m.update(language=["arabic"])),
    "CARD_VALUE_FORMAT": _meta(lambda m: m.update(task_ids=["Named Entity Recognition"])),
    "CARD_LICENSE": _meta(lambda m: [m.pop("license_name"), m.pop("license_link"), m.pop("license_details")]),
    "CARD_CONFIGS_INVALID": _meta(lambda m: m["configs"][1].update(default=True)),
    "CARD_DATASET_INFO_INVALID": _meta(lambda m: _info(m, "ner")["splits"][0].pop("num_bytes")),
    "CARD_FEATURES_STALE": _meta(_rename_label),
    "CARD_SPLITS_MISMATCH": _meta(lambda m: _info(m, "ner")["splits"][0].update(num_examples=4)),
    "CARD_DATA_FILES_MISSING": _meta(
        lambda m: m["configs"][1]["data_files"][0].update(path="ner/training-*.parquet")
    ),
    "CARD_DATA_FILE_UNREADABLE": _corrupt,
    "CARD_SIZE_CATEGORY": _meta(lambda m: m.update(size_categories=["1K<n<10K"])),
    "CARD_SECTION_MISSING": _body("### Out-of-Scope Use\n", "### Misuse\n"),
    "CARD_SECTION_EMPTY": _body(
        "### Recommendations\n\nReport the", "### Recommendations\n\n## Later\n\nReport the"
    ),
    "CARD_PLACEHOLDER": lambda meta, body, folder: (meta, body + "\nMirror: https://example.invalid/furat\n"),
}


@pytest.fixture()
def good(project_copy: Project, inventory: Inventory, repo: Project) -> Path:
    """The committed card's prose, regenerated over the sample data."""
    project_copy.dataset_dir.mkdir(parents=True, exist_ok=True)
    (project_copy.dataset_dir / CARD_FILE).write_bytes((repo.dataset_dir / CARD_FILE).read_bytes())
    return release_files(project_copy, inventory)


def _write(folder: Path, meta: dict[str, Any] | None, body: str) -> Path:
    path = folder / CARD_FILE
    if meta is None:
        path.write_text(body, encoding="utf-8")
    elif "__raw__" in meta:
        path.write_text(f"---\n{meta['__raw__']}\n---\n{body}", encoding="utf-8")
    else:
        path.write_text(dump_front_matter(meta) + body, encoding="utf-8")
    return path


def test_every_code_has_a_broken_card() -> None:
    assert set(BROKEN) == set(cardcheck.CODES)


def test_the_generated_card_has_no_errors(good: Path, inventory: Inventory) -> None:
    log = cardcheck.check_card(good / CARD_FILE, inv=inventory, dataset_dir=good)
    assert [i.code for i in log] == ["CARD_PLACEHOLDER", "CARD_PLACEHOLDER"]


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_each_broken_card_is_caught(code: str, good: Path, inventory: Inventory) -> None:
    raw, body = split_front_matter((good / CARD_FILE).read_text(encoding="utf-8"))
    meta, body = BROKEN[code](yaml.safe_load(raw or ""), body, good)
    path = _write(good, meta, body)
    log = cardcheck.check_card(path, inv=inventory, dataset_dir=good)
    assert code in log.codes(), [str(i) for i in log]
    assert log.has_errors == (cardcheck.CODES[code][0] == "error")


def test_vocabularies_come_from_the_installed_packages() -> None:
    vocab = cardcheck.vocabularies()
    assert "ar" in vocab["language"] and "arabic" not in vocab["language"]
    assert {"token-classification", "text-classification"} <= vocab["task_categories"]
    assert "expert-generated" in vocab["annotations_creators"]
    assert "n<1K" in vocab["size_categories"]
    assert "Out-of-Scope Use" in cardcheck.template_sections()
    assert "Citation" not in cardcheck.template_sections()  # optional in the Hub template


def test_cli_exit_codes_and_json(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["card", "check", str(good)]) == 0
    assert "0 error(s), 2 warning(s)" in capsys.readouterr().out
    raw, body = split_front_matter((good / CARD_FILE).read_text(encoding="utf-8"))
    meta = yaml.safe_load(raw or "")
    meta["multilinguality"] = ["bilingual"]
    _write(good, meta, body)
    assert main(["card", "check", str(good), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 1 and report["incidents"][0]["code"] == "CARD_VALUE_UNKNOWN"
