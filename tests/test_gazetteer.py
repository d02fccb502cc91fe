"""The gazetteer pre-annotator on the seed articles and on crafted hard cases (no server)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from furat import gazetteer, lsresults
from furat.errors import FuratError
from furat.gazetteer import Entry, Gazetteer
from furat.ingest import ingest, read_manifest
from furat.labels import Inventory
from furat.paths import Project
from furat.textnorm import DIACRITICS, QUOTES, fold, has_arabic


@pytest.fixture(scope="module")
def gaz(repo: Project, inventory: Inventory) -> Gazetteer:
    return gazetteer.from_project(inventory, repo)


@pytest.fixture(scope="module")
def seeds(repo: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The seed articles as ingest cleans them: id → text."""
    out = tmp_path_factory.mktemp("manifest") / "articles.jsonl"
    assert ingest(repo.raw_dir, out).written
    return {r["id"]: r["text"] for r in read_manifest(out)}


def small(*entries: tuple[str, str, str | None]) -> Gazetteer:
    return Gazetteer(Entry(form, etype, actor, "test") for form, etype, actor in entries)


def test_every_mention_in_the_seeds_cuts_its_text_at_word_or_clitic_boundaries(
    gaz: Gazetteer, seeds: dict[str, str]
) -> None:
    glued = set(DIACRITICS + QUOTES + "ـ")
    total = 0
    for text in seeds.values():
        for m in gaz.find(text):
            total += 1
            assert text[m.start : m.end] == m.text
            start = m.start
            while start > 0 and (has_arabic(text[start - 1]) or text[start - 1] in glued):
                start -= 1
            assert fold(text[start : m.start]) in {"", *gazetteer.CLITICS}, (m, text[start : m.end])
            assert m.end == len(text) or not has_arabic(text[m.end])
    assert total > 300


def test_clitic_conjunction_is_left_outside_the_span(gaz: Gazetteer, seeds: dict[str, str]) -> None:
    headline = seeds["000_d9b920595663203e"].split("\n")[0]
    assert "وقسد" in headline
    [sdf] = [m for m in gaz.find(headline) if m.actor == "sdf"][:1]
    assert sdf.text == "قسد" and headline[sdf.start - 1] == "و"
    assert (sdf.type, sdf.actor) == ("ORG", "sdf")


def test_tatweel_and_quotes_after_a_preposition(gaz: Gazetteer, seeds: dict[str, str]) -> None:
    text = seeds["001_91557add6fe4b47d"]
    at = text.index("لـ”قسد”")
    [m] = [m for m in gaz.find(text) if m.start == at + 3]
    assert m.text == "قسد" and text[m.end] == "”"
    outlet = small(("المدن", "ORG", None)).find("مصدر خاص، أكد لـ”المدن”، أن التنظيم")
    assert [(m.text, m.type) for m in outlet] == [("المدن", "ORG")]


def test_diacritics_and_tatweel_inside_a_name_keep_original_offsets(gaz: Gazetteer) -> None:
    text = "عاجل 🚨 قال Reuters إنّ «قسد» سيطرت على الرَّقّـــة وتنظيمُ الدولةِ انسحب"
    found = {m.text: m for m in gaz.find(text)}
    assert set(found) == {"قسد", "الرَّقّـــة", "تنظيمُ الدولةِ"}
    for m in found.values():
        assert text[m.start : m.end] == m.text
    assert found["تنظيمُ الدولةِ"].actor == "isis"
    assert text[found["تنظيمُ الدولةِ"].start - 1] == "و"


def test_longest_match_wins_and_matches_do_not_overlap(gaz: Gazetteer) -> None:
    found = gaz.find("تقدمت القوات في ريف دير الزور الشرقي وفي دير الزور")
    assert [(m.text, m.type) for m in found] == [("ريف دير الزور الشرقي", "LOC"), ("دير الزور", "GPE")]
    assert [m.text for m in gaz.find("قوات سوريا الديموقراطية في سوريا")] == [
        "قوات سوريا الديموقراطية",
        "سوريا",
    ]


def test_never_cuts_a_word_in_the_middle(gaz: Gazetteer) -> None:
    assert gaz.find("القسدية مقسد قسدهم xقسد") == []
    assert [m.text for m in gaz.find("فقسد وبقسد")] == ["قسد", "قسد"]
    assert gaz.find("دير، الزور") == []  # words of a name are separated by spaces only


def test_lam_lam_restores_the_elided_alef(gaz: Gazetteer) -> None:
    [m] = gaz.find("وكالة سانا التابعة للنظام")
    assert (m.text, m.actor) == ("لنظام", "syrian_government")


def test_quotes_stay_balanced(gaz: Gazetteer) -> None:
    text = "على حساب تنظيم “الدولة الإسلامية”، وقالت “قسد” إن"
    assert [m.text for m in gaz.find(text)] == ["تنظيم “الدولة الإسلامية”", "قسد"]


def test_prediction_uses_the_lsresults_shape(gaz: Gazetteer) -> None:
    text = "سيطرت قسد على الرقة"
    prediction = gaz.prediction(text)
    assert prediction is not None and prediction["model_version"] == gaz.model_version
    expected = [r for m in gaz.find(text) for r in lsresults.entity_results(m.entity())]
    assert prediction["result"] == expected
    assert [r["from_name"] for r in expected] == ["entity", "actor", "entity"]
    assert gaz.prediction("لا شيء هنا") is None


def test_conflicting_entries_are_refused() -> None:
    with pytest.raises(FuratError, match="another type or actor"):
        small(("الرقة", "GPE", None), ("الرقّة", "LOC", None))
    assert len(small(("الرقة", "GPE", None), ("الرقّة", "GPE", None))) == 1


def test_places_forms_are_spelled_as_in_the_seeds(repo: Project) -> None:
    raw = "\n".join(p.read_text(encoding="utf-8") for p in sorted(repo.raw_dir.glob("*.txt")))
    data = yaml.safe_load((repo.schema_dir / "places.yaml").read_text(encoding="utf-8"))
    missing = [f for place in data["places"] for f in place["forms"] if f not in raw]
    assert missing == []
    ids = [place["id"] for place in data["places"]]
    assert len(ids) == len(set(ids))


def test_model_version_follows_the_inputs(repo: Project, inventory: Inventory, tmp_path: Path) -> None:
    shutil.copytree(repo.schema_dir, tmp_path / "schema")
    copy = Project(tmp_path)
    before = gazetteer.from_project(inventory, copy).model_version
    assert before.startswith(f"gazetteer-{inventory.schema_version}-")
    places = copy.schema_dir / "places.yaml"
    places.write_text(places.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert gazetteer.from_project(inventory, copy).model_version != before


def test_bad_places_file_names_the_entry(inventory: Inventory, tmp_path: Path) -> None:
    bad = tmp_path / "places.yaml"
    bad.write_text("places:\n  - {id: x, type: ORG, forms: [الرقة]}\n", encoding="utf-8")
    with pytest.raises(FuratError, match=r"places\[0\] \(x\): type must be one of"):
        gazetteer.load_places(bad, inventory.entity_ids)
