"""The chunk screen never clears a record the exact semantic checks would report.

:class:`furat.screen.Screen` decides for a whole chunk which records need
:meth:`furat.semantic.SemanticChecker.check`; a record it clears is never checked again,
so a wrong "clean" would let a broken record through ``furat validate``. Real records
are mutated in the ways annotation goes wrong (offsets, texts, parents, links, roles,
references, stance, duplicates, the text itself), one to three mutations at a time, and
put in chunks with clean records: every record the screen clears must have no problem.
The mutants must also reach every semantic incident code, or the test proves little; and
clean records must be cleared, or the screen would save nothing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from furat.incidents import IncidentLog
from furat.labels import Inventory
from furat.validate import RecordValidator

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "convert" / "records.jsonl"
INVALID = REPO / "tests" / "fixtures" / "invalid"
SEMANTIC_CODES = {
    "TEXT_MISMATCH", "SPAN_OUT_OF_RANGE", "SPAN_TEXT_MISMATCH", "SPAN_EMPTY", "SPAN_WHITESPACE_EDGE",
    "SPAN_SPLITS_WORD", "ID_DUPLICATE", "ACTOR_LINK_TYPE", "SPAN_DUPLICATE", "SPAN_CROSSING",
    "PARENT_MISMATCH", "ROLE_NOT_ALLOWED", "REFERENCE_UNRESOLVED", "FILLER_TYPE_NOT_ALLOWED",
    "ARGUMENT_DUPLICATE", "STANCE_DUPLICATE", "STANCE_UNMENTIONED_ACTOR",
    "STANCE_NOT_MENTIONED_CONTRADICTED", "STANCE_INCOMPLETE",
}  # fmt: skip


def golden() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]


def _spans(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        *r["entities"],
        *(ev["trigger"] for ev in r["events"]),
        *(span for item in r["stance"] for span in item["evidence"]),
    ]


def _shift(r: dict[str, Any], rng: random.Random) -> None:
    span = rng.choice(_spans(r))
    key = rng.choice(["start", "end", "both"])
    delta = rng.choice([-2, -1, 1, 2, 40, 10_000])
    for k in ("start", "end") if key == "both" else (key,):
        span[k] = max(0, span[k] + delta)
    if rng.random() < 0.7:  # keep the slice invariant, so the word-edge rules are reached
        span["text"] = r["text"][span["start"] : span["end"]] or span["text"]


def _retext(r: dict[str, Any], rng: random.Random) -> None:
    span = rng.choice(_spans(r))
    if rng.random() < 0.2:  # onto a space, slice and all
        span["start"] = rng.choice([k for k, ch in enumerate(r["text"]) if ch.isspace()])
        span["end"] = span["start"] + 1
        span["text"] = r["text"][span["start"]]
        return
    span["text"] = rng.choice([" " + span["text"], span["text"] + " ", span["text"][::-1], "x", " "])


def _parent(r: dict[str, Any], rng: random.Random) -> None:
    ent = rng.choice(r["entities"])
    ent["parent"] = rng.choice([None, *(e["id"] for e in r["entities"]), "nowhere"])


def _link(r: dict[str, Any], rng: random.Random) -> None:
    ent = rng.choice(r["entities"])
    ent["actor"] = rng.choice([None, "sdf", "ypg", "isis", "russia", "syrian_government"])


def _retype(r: dict[str, Any], rng: random.Random) -> None:
    if r["entities"]:
        rng.choice(r["entities"])["type"] = rng.choice(["PER", "ORG", "GPE", "LOC", "DATE"])


def _copy_entity(r: dict[str, Any], rng: random.Random) -> None:
    ent = dict(rng.choice(r["entities"]))
    if rng.random() < 0.5:
        ent["id"] = ent["id"] + "_copy"
    r["entities"].append(ent)


def _nest(r: dict[str, Any], rng: random.Random) -> None:
    """A new mention around, inside or across existing ones (a word-aligned extent)."""
    words = [(m.start(), m.end()) for m in __import__("re").finditer(r"\S+", r["text"])]
    a = rng.randrange(len(words))
    b = min(len(words) - 1, a + rng.randrange(4))
    start, end = words[a][0], words[b][1]
    text = r["text"][start:end]
    if any(ch in text for ch in ".,،\n") or text != text.strip():
        return
    parent = rng.choice([None, *(e["id"] for e in r["entities"])])
    r["entities"].append({"id": f"new{a}", "start": start, "end": end, "text": text,
                          "type": rng.choice(["ORG", "GPE"]), "actor": None, "parent": parent})  # fmt: skip


def _argument(r: dict[str, Any], rng: random.Random) -> None:
    if not r["events"]:
        return
    ev = rng.choice(r["events"])
    arg = {
        "role": rng.choice(["place", "attacker", "target", "agent", "victim", "time", "mediator"]),
        "mention_id": rng.choice([*(e["id"] for e in r["entities"]), "gone"]),
    }
    if ev["arguments"] and rng.random() < 0.3:
        arg = dict(rng.choice(ev["arguments"]))
    ev["arguments"].append(arg)


def _event(r: dict[str, Any], rng: random.Random) -> None:
    if not r["events"]:
        return
    ev = rng.choice(r["events"])
    if rng.random() < 0.5:
        ev["type"] = rng.choice(["ARMED_CLASH", "NEGOTIATION", "WITHDRAWAL", "ARREST"])
    else:
        r["events"].append(copy.deepcopy(ev))


def _stance(r: dict[str, Any], rng: random.Random) -> None:
    if not r["stance"]:
        return
    item = rng.choice(r["stance"])
    action = rng.choice(["label", "drop", "copy", "evidence"])
    if action == "label":
        item["label"] = rng.choice(["FAVOR", "AGAINST", "NEUTRAL", "NOT_MENTIONED"])
    elif action == "drop":
        r["stance"].remove(item)
    elif action == "copy":
        r["stance"].append(copy.deepcopy(item))
    elif item["evidence"]:
        item["evidence"].append(dict(item["evidence"][0]))


def _gold(r: dict[str, Any], rng: random.Random) -> None:
    r["provenance"]["gold"] = rng.choice(["ground_truth", "single_annotation", "none"])


def _text(r: dict[str, Any], rng: random.Random) -> None:
    if rng.random() < 0.5:
        r["paragraphs"].append([0, len(r["text"]) + rng.choice([0, 1])])
    else:
        r["text"] = r["text"][:-1] + "!"


MUTATIONS: list[Callable[[dict[str, Any], random.Random], None]] = [
    _shift, _retext, _parent, _link, _retype, _copy_entity, _nest, _argument, _event, _stance,
    _gold, _text,
]  # fmt: skip


def _struct(validator: RecordValidator, record: dict[str, Any]) -> Any:
    try:
        doc = msgspec.convert(record, validator._type)
    except msgspec.ValidationError:
        return None
    return doc if validator._compiled.pattern_error(doc) is None else None


def test_the_screen_never_clears_a_record_with_a_problem(inventory: Inventory) -> None:
    validator = RecordValidator(inventory)
    screen, checker = validator._screen, validator._semantic
    clean = [_struct(validator, r) for r in golden()]
    rng = random.Random(20261122)
    codes: Counter[str] = Counter()
    cleared_mutants = broken = 0
    annotated = [r for r in golden() if r["entities"]]
    for _ in range(2500):
        record = copy.deepcopy(rng.choice(annotated))
        for _ in range(rng.randint(1, 3)):
            rng.choice(MUTATIONS)(record, rng)
        doc = _struct(validator, record)
        if doc is None:
            continue  # a schema error: the screen never sees it
        chunk = [*rng.sample(clean, 2), doc, *rng.sample(clean, 1)]
        suspects = screen.suspects(chunk)
        problems = checker.check(doc)
        codes.update(code for code, _, _ in problems)
        broken += bool(problems)
        if 2 not in suspects:
            assert problems == [], (problems, record)
            cleared_mutants += 1
        assert not suspects - {2}, "a clean neighbour was flagged because of a broken record"
    # the mutants reach every rule, and the screen still clears the harmless ones
    assert set(codes) == SEMANTIC_CODES, SEMANTIC_CODES - set(codes)
    assert broken > 1000 and cleared_mutants > 100


def test_clean_records_are_cleared_and_flagged_ones_are_exactly_the_broken(inventory: Inventory) -> None:
    validator = RecordValidator(inventory)
    screen, checker = validator._screen, validator._semantic
    clean = [_struct(validator, r) for r in golden()]
    assert screen.suspects(clean) == set()
    assert screen.suspects([]) == set()
    fixtures = [
        _struct(validator, json.loads(line))
        for path in sorted(INVALID.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    broken = [doc for doc in fixtures if doc is not None]
    assert len(broken) == 13 and all(checker.check(doc) for doc in broken)
    chunk = [*clean, *broken, *clean]
    assert screen.suspects(chunk) == set(range(len(clean), len(clean) + len(broken)))


def test_records_without_entities_events_or_stance(inventory: Inventory) -> None:
    validator = RecordValidator(inventory)
    empty = []
    for record in golden():
        record.update(entities=[], events=[], stance=[])
        record["provenance"]["gold"] = "none"
        empty.append(_struct(validator, record))
    assert all(doc is not None and validator._semantic.check(doc) == [] for doc in empty)
    assert validator._screen.suspects(empty) == set()
    record = golden()[0]
    record.update(events=[], stance=[])  # annotated, but no stance: incomplete
    doc = _struct(validator, record)
    assert validator._screen.suspects([doc]) == {0}


@pytest.mark.parametrize("chunk", [1, 3, 128])
def test_validate_lines_reports_what_validate_json_reports(inventory: Inventory, chunk: int) -> None:
    """Chunked validation: the same incidents, in the same order, as one line at a time."""
    lines = [line.encode("utf-8") for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    for path in sorted(INVALID.glob("*.jsonl")):
        lines += [line.encode("utf-8") for line in path.read_text(encoding="utf-8").splitlines()]
    lines += [b'{"id": "x", ', lines[0], b"[]"]  # malformed, a duplicate record, not an object
    numbered = list(enumerate(lines, 1))
    one_by_one, chunked = IncidentLog(), IncidentLog()
    single = RecordValidator(inventory)
    parsed = sum(single.validate_json(raw, one_by_one, source="f", line=n) for n, raw in numbered)
    together = RecordValidator(inventory)
    count = sum(
        together.validate_lines(numbered[k : k + chunk], chunked, source="f")
        for k in range(0, len(numbered), chunk)
    )
    assert count == parsed == len(lines) - 1
    assert [(i.code, i.location) for i in chunked] == [(i.code, i.location) for i in one_by_one]
    assert len(list(chunked)) > 15


def _prefixed(record: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``record`` with ``prefix`` before its text and every offset moved past it."""
    out = copy.deepcopy(record)
    shift = len(prefix)
    out["text"] = prefix + out["text"]
    out["metadata"]["text_sha256"] = hashlib.sha256(out["text"].encode("utf-8")).hexdigest()
    out["paragraphs"] = [[0, end + shift] if k == 0 else [start + shift, end + shift]
                         for k, (start, end) in enumerate(out["paragraphs"])]  # fmt: skip
    for span in _spans(out):
        span["start"] += shift
        span["end"] += shift
    return out


def test_texts_beyond_the_basic_plane(inventory: Inventory) -> None:
    """Emoji (astral code points, two UTF-16 units each) in one text of the chunk: the
    screen's code-point arrays switch to 32 bits and offsets stay code points."""
    validator = RecordValidator(inventory)
    screen, checker = validator._screen, validator._semantic
    record = golden()[0]
    astral = _prefixed(record, "\U0001f1f8\U0001f1fe \U0001f600 ")  # a flag and a face
    mutant = copy.deepcopy(astral)
    mutant["entities"][0]["start"] += 1  # one code point off: its text no longer matches
    docs = [_struct(validator, r) for r in (golden()[1], astral, mutant, record)]
    assert all(doc is not None for doc in docs)
    assert checker.check(docs[1]) == [] and checker.check(docs[2]) != []
    assert screen.suspects(docs) == {2}
    # a span whose own text is astral, in a chunk whose other texts are not
    emoji = _prefixed(record, "\U0001f600 ")
    emoji["entities"].append({"id": "emoji", "start": 0, "end": 1, "text": "\U0001f600", "type": "ORG",
                              "actor": None, "parent": None})  # fmt: skip
    doc = _struct(validator, emoji)
    assert doc is not None and checker.check(doc) == []
    assert screen.suspects([docs[0], doc]) == set()
    emoji["entities"][-1]["text"] = "\U0001f601"
    assert screen.suspects([docs[0], _struct(validator, emoji)]) == {1}
