"""`furat ingest`: the seed articles, the fixture articles, and every bad-input code."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from furat.cli import main
from furat.errors import FuratError
from furat.ingest import ingest, read_manifest
from furat.paths import Project
from furat.textnorm import fold, normalize_text

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "annotation" / "raw"
FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"

TOP_KEYS = ["id", "source_file", "source_sha256", "metadata", "text", "paragraphs"]
TOP_KEYS += ["has_headline", "cleaning"]
META_KEYS = ["title", "title_source", "outlet", "outlet_source", "outlet_evidence", "date"]
META_KEYS += ["date_text", "category", "byline", "caption", "url", "language", "text_sha256"]
FURNITURE = ["شارك", "مشاركة:", "اقرأ أيضاً:", "اقــرأ أيضاً", "زر الذهاب إلى الأعلى"]
FURNITURE += ["اظهر المزيد", "+ الخط -", "المساهمون", "ـــــــ ــ"]

# Expected metadata and cleaning counts for the five seeds (prefix of the id → values).
SEEDS: dict[str, dict[str, Any]] = {
    "000": {
        "title": "تقاسم المناطق بين الأسد وقسد .. تنظيم الدولة ينسحب من البصيرة والشحيل "
        "وحقل التنك لصالح قسد في دير الزور",
        "title_source": "headline", "outlet": "شبكة شام", "outlet_source": "footer",
        "date": "2017-11-13", "date_text": "١٣ نوفمبر ٢٠١٧", "category": "أخبار سورية",
        "byline": "فريق التحرير", "caption": None,
        "cleaning": [3, 2, 0, 2], "paragraphs": 7,
    },
    "001": {
        "title": "ديرالزور: “داعش” يتقهقر.. ويطلب التفاوض",
        "title_source": "headline", "outlet": "صحيفة المدن", "outlet_source": "footer",
        "date": None, "date_text": None, "category": None, "byline": None, "caption": None,
        "cleaning": [2, 1, 0, 1], "paragraphs": 18,
    },
    "002": {
        "title": "3 آلاف انتحاري في دير الزور يتحضرون.. هذا ما سيفعلونه",
        "title_source": "headline", "outlet": "النشرة", "outlet_source": "self-reference",
        "outlet_evidence": "في حديث لـ”النشرة”",
        "date": None, "date_text": None, "category": None, "byline": None, "caption": None,
        "cleaning": [2, 0, 0, 0], "paragraphs": 6,
    },
    "003": {
        "title": '"داعش" يتهاوى بدير الزور وخلاف جديد بين الروس والأميركيين',
        "title_source": "headline", "outlet": "العربي الجديد",
        "outlet_source": "self-reference", "outlet_evidence": 'التي تواصل معها "العربي الجديد"',
        "date": "2017-11-02", "date_text": "02 نوفمبر 2017", "category": None, "byline": None,
        "caption": "النظام ينفذ عمليات انتقام واسعة بحق المدنيين(جورج أورفاليان/فرانس برس)",
        "cleaning": [2, 1, 0, 2], "paragraphs": 15,
    },
    "004": {
        "title": "تأتي المعركة الجديدة",
        "title_source": "lead", "outlet": "العربي الجديد", "outlet_source": "self-reference",
        "outlet_evidence": 'في حديث مع "العربي الجديد"',
        "date": None, "date_text": None, "category": None, "byline": None, "caption": None,
        "cleaning": [2, 0, 9, 0], "paragraphs": 12,
    },
}  # fmt: skip
CLEANING_KEYS = ["furniture_lines", "duplicate_title_lines", "duplicate_paragraphs"]
CLEANING_KEYS += ["metadata_lines"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("seeds") / "articles.jsonl"
    report = ingest(RAW, out)
    assert report.written and not report.log.has_errors
    return {record["id"][:3]: record for record in read_manifest(out)}


def _paragraphs(record: dict[str, Any]) -> list[str]:
    return [record["text"][s:e] for s, e in record["paragraphs"]]


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_metadata(seeds: dict[str, dict[str, Any]], prefix: str) -> None:
    record, expected = seeds[prefix], SEEDS[prefix]
    meta = record["metadata"]
    for key in ("title", "title_source", "outlet", "outlet_source", "date", "date_text"):
        assert meta[key] == expected[key], key
    for key in ("category", "byline", "caption", "outlet_evidence"):
        if key in expected:
            assert meta[key] == expected[key], key
    if meta["outlet_source"] == "footer":
        assert meta["outlet_evidence"].startswith("المصدر:")
    assert meta["url"] is None and meta["language"] == "ar"
    assert [record["cleaning"][k] for k in CLEANING_KEYS] == expected["cleaning"]
    assert len(record["paragraphs"]) == expected["paragraphs"]
    assert record["has_headline"] == (expected["title_source"] == "headline")
    if record["has_headline"]:
        assert _paragraphs(record)[0] == meta["title"]


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_text_is_clean_and_consistent(seeds: dict[str, dict[str, Any]], prefix: str) -> None:
    record = seeds[prefix]
    text, paragraphs = record["text"], _paragraphs(record)
    raw_path = RAW / record["source_file"]
    assert record["source_sha256"] == _sha(raw_path)
    assert record["metadata"]["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert "\n\n".join(paragraphs) == text  # spans tile the text, separated by "\n\n"
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    keys = [fold(p) for p in paragraphs]
    assert len(keys) == len(set(keys)), "a paragraph appears twice"
    furniture = {fold(f) for f in FURNITURE}
    assert not furniture & set(keys)
    for marker in ("المصدر:", "+ الخط -", "ـــــــ", "\u00a0", "\r", "\ufeff", "\u200f"):
        assert marker not in text
    # Kept exactly: every paragraph is a line of the normalised raw text.
    raw_lines = {line.strip() for line in normalize_text(raw_path.read_text("utf-8")).split("\n")}
    assert set(paragraphs) <= raw_lines
    for lifted in filter(None, [record["metadata"]["date_text"], record["metadata"]["caption"]]):
        assert lifted not in text


def test_seed_details(seeds: dict[str, dict[str, Any]]) -> None:
    assert "و خسارات و كنامات" in seeds["000"]["text"]  # inner spaces kept
    assert "نُقِلَ" in seeds["001"]["text"] and "”قسد”" in seeds["001"]["text"]
    assert "وقّع" in seeds["004"]["text"]
    # 004 repeats a block of paragraphs; the first occurrence is kept, in place.
    text = seeds["004"]["text"]
    assert text.count("بريت ماكغورك") == 1
    assert text.index("بريت ماكغورك") < text.index("ويتهم ناشطون")
    assert "مارس/آذار الماضي" in text and seeds["004"]["metadata"]["date"] is None
    # 003's title variant (في دير) is dropped as a repeat of the headline (بدير).
    assert "يتهاوى في دير الزور" not in seeds["003"]["text"]


def test_manifest_format_and_determinism(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    before = {p.name: _sha(p) for p in RAW.glob("*.txt")}
    assert main(["ingest", "--raw", str(RAW), "--out", str(first)]) == 0
    assert main(["ingest", "--raw", str(RAW), "--out", str(second)]) == 0
    data = first.read_bytes()
    assert data == second.read_bytes()
    assert {p.name: _sha(p) for p in RAW.glob("*.txt")} == before  # raw files untouched
    assert data.endswith(b"\n") and b"\r" not in data
    lines = data.decode("utf-8").split("\n")[:-1]
    assert len(lines) == 5
    for line in lines:
        record = json.loads(line)
        assert list(record) == TOP_KEYS
        assert list(record["metadata"]) == META_KEYS
        assert list(record["cleaning"]) == CLEANING_KEYS
        assert json.dumps(record, ensure_ascii=False, separators=(",", ":")) == line
    mtime = first.stat().st_mtime_ns
    report = ingest(RAW, first)
    assert report.unchanged and first.stat().st_mtime_ns == mtime


def test_default_paths_and_committed_manifest_is_current(project_copy: Project) -> None:
    project_copy.manifest.unlink(missing_ok=True)
    assert main(["--root", str(project_copy.root), "ingest"]) == 0
    committed = REPO / "annotation" / "articles.jsonl"
    assert project_copy.manifest.read_bytes() == committed.read_bytes(), (
        "annotation/articles.jsonl is stale: run `furat ingest` and commit it"
    )


@pytest.fixture()
def fixture_articles(tmp_path: Path) -> dict[str, dict[str, Any]]:
    out = tmp_path / "articles.jsonl"
    assert main(["ingest", "--raw", str(VALID), "--out", str(out)]) == 0
    return {record["id"]: record for record in read_manifest(out)}


def test_fixture_with_invisible_characters_and_levantine_date(
    fixture_articles: dict[str, dict[str, Any]],
) -> None:
    record = fixture_articles["100_raqqa"]
    meta, text = record["metadata"], record["text"]
    assert (meta["date"], meta["date_text"]) == ("2016-03-05", "۵ آذار ۲۰۱۶")
    assert (meta["category"], meta["outlet"], meta["byline"]) == (
        "تقارير ميدانية", "عنب بلدي", "أحمد الخطيب"
    )  # fmt: skip
    assert meta["title"] == "قصف جوي على الرقة وريفها الشمالي"  # RLM removed
    assert not any(c in text for c in "\ufeff\r\u00a0\u200b\u200f\u00ad")
    assert "الـرقة" in text and "إنّ" in text and "“سوريا الديمقراطية”" in text
    assert "اليوم، ما أدى" in text  # NBSP → space, not removed
    assert [record["cleaning"][k] for k in CLEANING_KEYS] == [3, 1, 0, 2]


def test_fixture_without_headline_and_two_outlets(
    fixture_articles: dict[str, dict[str, Any]],
) -> None:
    record = fixture_articles["101_aleppo"]
    meta = record["metadata"]
    assert (meta["title"], meta["title_source"]) == ("تواصل قوات النظام السوري", "lead")
    assert not record["has_headline"]
    assert (meta["outlet"], meta["outlet_source"]) == ("زمان الوصل", "self-reference")
    assert meta["outlet_evidence"] == 'في حديث لـ"زمان الوصل"'
    assert meta["date"] is None and "5 آذار 2016" in record["text"]  # body date ignored
    assert record["cleaning"]["duplicate_paragraphs"] == 2


CODES = ["INGEST_EMPTY", "INGEST_NOT_UTF8", "INGEST_NO_ARABIC", "INGEST_DUPLICATE"]
CODES += ["INGEST_BAD_ID"]


def test_every_invalid_fixture_is_named_after_a_tested_code() -> None:
    named = {p.name.split(" ")[0].removesuffix(".txt") for p in INVALID.iterdir()}
    assert named == set(CODES)


def _run_bad(tmp_path: Path, bad: dict[str, bytes], capsys: pytest.CaptureFixture[str]) -> str:
    raw = tmp_path / "raw"
    shutil.copytree(VALID, raw)
    for name, data in bad.items():
        (raw / name).write_bytes(data)
    out = tmp_path / "out" / "articles.jsonl"
    out.parent.mkdir()
    out.write_bytes(b"previous manifest\n")
    assert main(["ingest", "--raw", str(raw), "--out", str(out)]) == 1
    assert out.read_bytes() == b"previous manifest\n"  # left untouched
    assert [p.name for p in out.parent.iterdir()] == ["articles.jsonl"]  # no temp files
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    return captured.err


@pytest.mark.parametrize("code", CODES)
def test_invalid_fixture(code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (fixture,) = [p for p in INVALID.iterdir() if p.name.startswith(code)]
    err = _run_bad(tmp_path, {fixture.name: fixture.read_bytes()}, capsys)
    lines = [line for line in err.splitlines() if f"[{code}]" in line]
    assert len(lines) == 1 and fixture.name in lines[0]
    assert "error(s)" in err


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"  \n\r\n\xef\xbb\xbf\xc2\xa0\n", "INGEST_EMPTY"),  # blank, BOM and NBSP only
        ("شارك\n\nاقرأ أيضاً:\n02 نوفمبر 2017\n".encode(), "INGEST_EMPTY"),  # nothing left
        ("عنوان\n\nنص المقال.".encode("utf-16"), "INGEST_NOT_UTF8"),
        ((VALID / "101_aleppo.txt").read_bytes(), "INGEST_DUPLICATE"),  # exact copy
    ],
)
def test_more_bad_inputs(data: bytes, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _run_bad(tmp_path, {"zz_bad.txt": data}, capsys)
    assert f"zz_bad.txt: error [{code}]" in err


def test_no_manifest_created_on_error(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(b"")
    out = tmp_path / "articles.jsonl"
    assert main(["ingest", "--raw", str(raw), "--out", str(out)]) == 1
    assert not out.exists()


def test_missing_or_empty_raw_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "articles.jsonl"
    assert main(["ingest", "--raw", str(tmp_path / "nope"), "--out", str(out)]) == 1
    assert "nope: raw article folder not found" in capsys.readouterr().err
    assert main(["ingest", "--raw", str(tmp_path), "--out", str(out)]) == 1
    assert "no .txt articles" in capsys.readouterr().err
    assert not out.exists()


def test_read_manifest_rejects_malformed_lines(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    assert ingest(VALID, good).written
    first, second = good.read_text("utf-8").splitlines()
    cases = {
        "JSON": "{not json",
        "object": "[1, 2]",
        "'text'": json.dumps({**json.loads(second), "text": None}),
        "text_sha256": json.dumps({**json.loads(second), "text": "تغيير"}),
        "span": json.dumps({**json.loads(second), "paragraphs": [[0, 10**6]]}),
    }
    for expected, line in cases.items():
        bad = tmp_path / "bad.jsonl"
        bad.write_text(f"{first}\n{line}\n", encoding="utf-8")
        with pytest.raises(FuratError, match=rf"bad\.jsonl:2: .*{expected}"):
            read_manifest(bad)
    with pytest.raises(FuratError, match=r"missing\.jsonl"):
        read_manifest(tmp_path / "missing.jsonl")
    assert len(read_manifest(good)) == 2
