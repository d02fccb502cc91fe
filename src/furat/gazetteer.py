"""The gazetteer pre-annotator: actor aliases and place names found in an article.

Entries come from ``schema/actors.yaml`` (``aliases`` and ``other_aliases``; a mention of
an actor alias carries the actor link) and ``schema/places.yaml`` (GPE/LOC/FAC names,
no actor). ``furat studio push`` sends what this finds as Label Studio *predictions*,
so annotators start from suggestions instead of an empty page.

How a match is made, and why:

* On folded text (:func:`furat.textnorm.fold_with_offsets`): diacritics, tatweel and
  quote marks are dropped and alef/yaa/taa-marbuta forms unified, so ``“قسد”``,
  ``قسدٌ`` and ``لـ"قسد"`` all reach the entry ``قسد``. The offsets map every folded
  character back to the original code point, so spans are cut from the original text
  and ``text[start:end] == mention.text`` always holds.
* Whole words only. Folded text is split into runs of word characters; an entry must
  cover whole words, except that the first word may carry a proclitic
  (:data:`furat.textnorm.CLITIC_PREFIXES`: و، ف، ب، ل، ك and their combinations). The
  span then starts after the clitic: ``وقسد`` gives ``قسد``. ``لل`` + noun is ``ل`` +
  ``ال`` with the alef elided (``للنظام``), so after a lam-clitic a restored alef is tried
  too; the span is then the word after the clitic (``لنظام``).
* Words of a multi-word entry must be separated by spaces only (quotes were folded away),
  never by punctuation.
* Longest match first: at each word the longest span wins, and matches never overlap
  (``ريف دير الزور الشرقي`` is one LOC, not a LOC around a GPE). Nested mentions are left
  to the annotators.
* Trailing diacritics of the last letter belong to the span; a closing quote is added
  only when the span opened one (``تنظيم “الدولة الإسلامية”``), so spans stay balanced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from furat import lsresults
from furat.errors import FuratError
from furat.fsutil import sha256_bytes
from furat.labels import Inventory
from furat.textnorm import CLITIC_PREFIXES, DIACRITICS, QUOTES, fold, fold_with_offsets

#: Bumped when the matching rules change, so the model version of predictions changes too.
GAZETTEER_VERSION = "1"
PLACE_TYPES = ("GPE", "LOC", "FAC")
_WORD_RE = re.compile(r"\w+")
#: Folded clitics (tatweel spellings fold to the bare letters), longest first.
CLITICS: tuple[str, ...] = tuple(
    sorted({fold(c) for c in CLITIC_PREFIXES if fold(c)}, key=lambda c: (-len(c), c))
)
_CLITIC_START = frozenset(c[0] for c in CLITICS)
_MARKS = frozenset(DIACRITICS)
_QUOTES = frozenset(QUOTES)


@dataclass(frozen=True)
class Entry:
    """One surface form: the entity type it takes and, for actor aliases, the actor."""

    form: str
    type: str
    actor: str | None
    source: str


@dataclass(frozen=True)
class Mention:
    """A match in the original text: ``text == article[start:end]``."""

    start: int
    end: int
    text: str
    type: str
    actor: str | None
    form: str

    @property
    def id(self) -> str:
        """A region id that is stable for the same text and gazetteer."""
        return f"gz-{self.start}-{self.end}"

    def entity(self) -> dict[str, Any]:
        """The canonical entity layer item (the shape :mod:`furat.lsresults` writes)."""
        return {"id": self.id, "start": self.start, "end": self.end, "text": self.text,
                "type": self.type, "actor": self.actor}  # fmt: skip


def _key(form: str) -> tuple[str, ...]:
    return tuple(_WORD_RE.findall(fold(form)))


class Gazetteer:
    """An index of folded word sequences; :meth:`find` returns the mentions in a text."""

    def __init__(self, entries: Iterable[Entry], model_version: str = "gazetteer") -> None:
        self.model_version = model_version
        self._index: dict[tuple[str, ...], Entry] = {}
        self._longest: dict[str, int] = {}
        for entry in entries:
            key = _key(entry.form)
            if not key:
                raise FuratError(f"{entry.source}: {entry.form!r} has no letters to match")
            old = self._index.get(key)
            if old is not None and (old.type, old.actor) != (entry.type, entry.actor):
                raise FuratError(
                    f"{entry.source}: {entry.form!r} reads the same as {old.form!r} "
                    f"({old.source}) but has another type or actor"
                )
            self._index.setdefault(key, entry)
            self._longest[key[0]] = max(self._longest.get(key[0], 0), len(key))

    def __len__(self) -> int:
        return len(self._index)

    def _lookup(self, words: list[str], gaps_ok: list[bool], i: int, head: str) -> tuple[int, Entry] | None:
        """Longest entry whose first word is ``head`` and whose rest follows word ``i``."""
        for n in range(min(self._longest.get(head, 0), len(words) - i), 0, -1):
            if all(gaps_ok[i : i + n - 1]):
                entry = self._index.get((head, *words[i + 1 : i + n]))
                if entry is not None:
                    return n, entry
        return None

    def find(self, text: str) -> list[Mention]:
        """Non-overlapping, longest-first mentions of the gazetteer's entries in ``text``."""
        folded, offs = fold_with_offsets(text)
        spans = [(m.start(), m.end()) for m in _WORD_RE.finditer(folded)]
        words = [folded[s:e] for s, e in spans]
        gaps_ok = [folded[spans[k][1] : spans[k + 1][0]] == " " for k in range(len(spans) - 1)]
        found: list[Mention] = []
        i = 0
        while i < len(words):
            best: tuple[int, int, int, Entry] | None = None  # (start, end, words, entry)
            word = words[i]
            for prefix in ("", *CLITICS) if word[0] in _CLITIC_START else ("",):
                if not word.startswith(prefix) or len(word) == len(prefix):
                    continue
                rest = word[len(prefix) :]
                heads = [rest, "ا" + rest] if prefix.endswith("ل") and rest.startswith("ل") else [rest]
                for head in heads:
                    hit = self._lookup(words, gaps_ok, i, head)
                    if hit is None:
                        continue
                    n, entry = hit
                    start, end = self._span(text, offs, spans[i][0] + len(prefix), spans[i + n - 1][1])
                    if best is None or end - start > best[1] - best[0]:
                        best = (start, end, n, entry)
            if best is None:
                i += 1
                continue
            start, end, n, entry = best
            found.append(Mention(start, end, text[start:end], entry.type, entry.actor, entry.form))
            i += n
        return found

    @staticmethod
    def _span(text: str, offs: list[int], fstart: int, fend: int) -> tuple[int, int]:
        """Original offsets of folded ``[fstart, fend)``, with marks and a balancing quote."""
        start, end = offs[fstart], offs[fend - 1] + 1
        while end < len(text) and text[end] in _MARKS:
            end += 1
        inner_quotes = sum(ch in _QUOTES for ch in text[start:end])
        if inner_quotes % 2 == 1 and end < len(text) and text[end] in _QUOTES:
            end += 1
        return start, end

    def prediction(self, text: str) -> dict[str, Any] | None:
        """A Label Studio prediction for ``text`` (``None`` when nothing matched)."""
        results: list[dict[str, Any]] = []
        for mention in self.find(text):
            results += lsresults.entity_results(mention.entity())
        if not results:
            return None
        return {"model_version": self.model_version, "result": results}


def actor_entries(inv: Inventory, source: str = "schema/actors.yaml") -> list[Entry]:
    """Every alias and other alias of every actor, with its actor link when allowed."""
    out = []
    for actor in inv.actors:
        for form, etype in actor.all_aliases():
            link = actor.id if etype in inv.actor_link_types else None
            out.append(Entry(form, etype, link, f"{source} ({actor.id})"))
    return out


def load_places(path: Path, entity_ids: Iterable[str]) -> list[Entry]:
    """``schema/places.yaml``: ``places: [{id, en, type, forms, other_forms}]``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise FuratError(f"{path}: cannot read ({err.__class__.__name__}: {err})") from None
    if not isinstance(data, dict):
        raise FuratError(f"{path}: expected a mapping at the top level")
    allowed = set(PLACE_TYPES) & set(entity_ids)
    places = data.get("places")
    if not isinstance(places, list):
        raise FuratError(f"{path}: places: expected a list")
    out: list[Entry] = []
    for n, node in enumerate(places):
        where = f"{path}: places[{n}]"
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            raise FuratError(f"{where}: expected a mapping with an id")
        if node.get("type") not in allowed:
            raise FuratError(f"{where} ({node['id']}): type must be one of {sorted(allowed)}")
        forms = list(node.get("forms") or []) + list(node.get("other_forms") or [])
        if not forms or not all(isinstance(f, str) and f.strip() for f in forms):
            raise FuratError(f"{where} ({node['id']}): needs non-empty forms")
        out += [Entry(f.strip(), str(node["type"]), None, f"{path.name} ({node['id']})") for f in forms]
    return out


def model_version(inv: Inventory, actors_path: Path, places_path: Path) -> str:
    """``gazetteer-<schema version>-<hash of the matcher version and both YAML files>``."""
    digest = sha256_bytes(
        GAZETTEER_VERSION.encode() + b"\0" + actors_path.read_bytes() + b"\0" + places_path.read_bytes()
    )
    return f"gazetteer-{inv.schema_version}-{digest[:12]}"


def from_project(inv: Inventory, project: Any) -> Gazetteer:
    """The gazetteer of a :class:`furat.paths.Project` (actors + ``schema/places.yaml``)."""
    places_path = project.schema_dir / "places.yaml"
    entries = actor_entries(inv) + load_places(places_path, inv.entity_ids)
    return Gazetteer(entries, model_version(inv, project.actors_file, places_path))
