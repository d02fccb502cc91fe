"""Raw article files → clean documents → ``annotation/articles.jsonl`` (the manifest).

Every later step reads the manifest, and every offset in the project points into its
``text``; so this is the only place text is normalised (see :mod:`furat.textnorm` and
``docs/normalisation.md``) and the text is otherwise kept exactly as written.

Cleaning works line by line (the rules are in :mod:`furat.cleaning`); each kept
non-blank line is one paragraph.

Incident codes: INGEST_EMPTY (empty, or nothing left after cleaning), INGEST_NOT_UTF8,
INGEST_NO_ARABIC, INGEST_DUPLICATE (same clean text or near-identical body as an
earlier file), INGEST_BAD_ID (file stem not a valid id), INGEST_UNREADABLE. Any error
means nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from furat.cleaning import Cleaning, lead_title, parse_lines, self_reference
from furat.errors import FuratError
from furat.fsutil import atomic_write_bytes, sha256_bytes
from furat.incidents import IncidentLog
from furat.textnorm import fold, has_arabic, normalize_text

NEAR_DUPLICATE_OVERLAP = 0.8  # share of the larger body's paragraphs found in the other
ID_RE = re.compile(r"^[A-Za-z0-9_.-]+$")  # document ids (file stems), as in document.schema

TitleSource = Literal["headline", "lead"]
OutletSource = Literal["footer", "self-reference"]


@dataclass
class Metadata:
    """Document metadata; field order is the manifest's key order."""

    title: str
    title_source: TitleSource
    outlet: str | None = None
    outlet_source: OutletSource | None = None
    outlet_evidence: str | None = None
    date: str | None = None
    date_text: str | None = None
    category: str | None = None
    byline: str | None = None
    caption: str | None = None
    url: str | None = None
    language: str = "ar"
    text_sha256: str = ""



@dataclass
class Article:
    """One manifest line; ``text[s:e]`` for each ``(s, e)`` in ``paragraphs`` is a paragraph."""

    id: str
    source_file: str
    source_sha256: str
    metadata: Metadata
    text: str
    paragraphs: list[tuple[int, int]]
    has_headline: bool
    cleaning: Cleaning

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["paragraphs"] = [[s, e] for s, e in self.paragraphs]
        return out

    def to_json_line(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


@dataclass
class IngestReport:
    """What :func:`ingest` did; ``written`` is False whenever ``log`` has errors."""

    articles: list[Article] = field(default_factory=list)
    log: IncidentLog = field(default_factory=IncidentLog)
    out_path: Path | None = None
    written: bool = False
    unchanged: bool = False



class BadInput(Exception):
    """A raw file that cannot become a document; ``code`` is the incident code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise BadInput("INGEST_NOT_UTF8", "contains NUL bytes (UTF-16?); expected UTF-8")
    try:
        text = normalize_text(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise BadInput("INGEST_NOT_UTF8", f"not UTF-8 (byte {err.start}: {err.reason})") from None
    if not text.strip():
        raise BadInput("INGEST_EMPTY", "file is empty")
    if not has_arabic(text):
        raise BadInput("INGEST_NO_ARABIC", "contains no Arabic letters")
    return text


def build_article(path: Path, data: bytes) -> Article:
    """Clean one raw file (its name and bytes); raise :class:`BadInput` for bad input."""
    if not ID_RE.match(path.stem):
        raise BadInput("INGEST_BAD_ID", f"file name must match {ID_RE.pattern} (.txt)")
    parsed = parse_lines(_decode(data))
    if not parsed.paragraphs:
        raise BadInput("INGEST_EMPTY", "no body paragraph left after cleaning")
    blocks = ([parsed.headline] if parsed.headline else []) + parsed.paragraphs
    text = "\n\n".join(blocks)
    spans: list[tuple[int, int]] = []
    for block in blocks:
        start = spans[-1][1] + 2 if spans else 0
        spans.append((start, start + len(block)))
    meta: dict[str, Any] = dict(parsed.meta)  # keys are Metadata field names
    if "outlet" in meta:
        meta["outlet_source"] = "footer"
    elif (ref := self_reference(parsed.paragraphs)) is not None:
        meta.update(outlet=ref[0], outlet_source="self-reference", outlet_evidence=ref[1])
    metadata = Metadata(
        title=parsed.headline or lead_title(parsed.paragraphs[0]),
        title_source="headline" if parsed.headline else "lead",
        text_sha256=sha256_bytes(text.encode("utf-8")),
        **meta,
    )
    return Article(
        id=path.stem,
        source_file=path.name,
        source_sha256=sha256_bytes(data),
        metadata=metadata,
        text=text,
        paragraphs=spans,
        has_headline=parsed.headline is not None,
        cleaning=parsed.cleaning,
    )


class DuplicateIndex:
    """Finds an earlier article with the same clean text or a near-identical body.

    Bodies are compared as sets of folded-paragraph hashes through an inverted index,
    so checking one article costs its own paragraphs, not the size of the corpus.
    """

    def __init__(self) -> None:
        self._by_sha: dict[str, str] = {}
        self._by_paragraph: dict[bytes, list[int]] = {}
        self._names: list[str] = []
        self._sizes: list[int] = []

    @staticmethod
    def _body(article: Article) -> set[bytes]:
        skip = int(article.has_headline)
        return {
            hashlib.blake2b(fold(article.text[s:e]).encode(), digest_size=12).digest()
            for s, e in article.paragraphs[skip:]
        }

    def find(self, article: Article) -> str | None:
        """The ``source_file`` of the article this one duplicates, if any."""
        if article.metadata.text_sha256 in self._by_sha:
            return self._by_sha[article.metadata.text_sha256]
        body = self._body(article)
        shared = Counter(i for key in body for i in self._by_paragraph.get(key, ()))
        for i, count in sorted(shared.items()):
            if count >= NEAR_DUPLICATE_OVERLAP * max(len(body), self._sizes[i]):
                return self._names[i]
        return None

    def add(self, article: Article) -> None:
        index = len(self._names)
        self._by_sha[article.metadata.text_sha256] = article.source_file
        self._names.append(article.source_file)
        body = self._body(article)
        self._sizes.append(len(body))
        for key in body:
            self._by_paragraph.setdefault(key, []).append(index)


def ingest(raw_dir: Path, out_path: Path) -> IngestReport:
    """Clean every ``raw_dir/*.txt`` (by name) and write the manifest if all pass."""
    raw_dir, out_path = Path(raw_dir), Path(out_path)
    if not raw_dir.is_dir():
        raise FuratError(f"{raw_dir}: raw article folder not found")
    files = sorted(
        (p for p in raw_dir.glob("*.txt") if p.is_file() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    if not files:
        raise FuratError(f"{raw_dir}: no .txt articles to ingest")
    report = IngestReport(out_path=out_path)
    duplicates = DuplicateIndex()
    for path in files:
        try:
            article = build_article(path, path.read_bytes())
        except OSError as err:
            report.log.error("INGEST_UNREADABLE", f"cannot read: {err.strerror}", file=str(path))
            continue
        except BadInput as err:
            report.log.error(err.code, str(err), file=str(path))
            continue
        original = duplicates.find(article)
        if original is not None:
            message = f"duplicate of {original} (same clean text or near-identical body)"
            report.log.error("INGEST_DUPLICATE", message, file=str(path))
            continue
        duplicates.add(article)
        report.articles.append(article)
    if report.log.has_errors:
        return report
    content = "".join(a.to_json_line() + "\n" for a in report.articles).encode("utf-8")
    try:
        if out_path.is_file() and out_path.read_bytes() == content:
            report.unchanged = True  # keep the file (and its mtime) as it is
        else:
            atomic_write_bytes(out_path, content)
    except OSError as err:
        raise FuratError(f"{out_path}: cannot write manifest: {err}") from None
    report.written = True
    return report


_REQUIRED = {"id": str, "source_file": str, "metadata": dict, "text": str, "paragraphs": list}


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """Load the manifest; a malformed line raises :class:`FuratError` naming file:line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as err:
        raise FuratError(f"{path}: cannot read manifest ({err}); run `furat ingest`") from None
    if lines and lines[-1] == "":
        lines.pop()
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise FuratError(f"{path}:{number}: not a JSON object: {err.msg}") from None
        if not isinstance(record, dict):
            raise FuratError(f"{path}:{number}: not a JSON object")
        for key, kind in _REQUIRED.items():
            if not isinstance(record.get(key), kind):
                raise FuratError(f"{path}:{number}: missing or invalid {key!r}")
        text = record["text"]
        digest = sha256_bytes(text.encode("utf-8"))
        if record["metadata"].get("text_sha256") != digest:
            raise FuratError(f"{path}:{number}: text does not match metadata.text_sha256")
        for span in record["paragraphs"]:
            if not (
                isinstance(span, list)
                and len(span) == 2
                and all(isinstance(x, int) for x in span)
                and 0 <= span[0] <= span[1] <= len(text)
            ):
                raise FuratError(f"{path}:{number}: bad paragraph span {span!r}")
        records.append(record)
    return records
