"""A chunk of records cleared of semantic problems at once, with array operations.

:class:`furat.semantic.SemanticChecker` names every problem of one record; even with its
bulk tests it costs more than parsing the record, because a record has ~60 spans, ~40
mentions to nest and ~20 arguments and every small step has a per-record price. Nearly
every record of a real corpus is clean, so :class:`Screen` answers a weaker question for
hundreds of records together: which ones *might* have a problem. The spans, mentions,
arguments and stance items of the whole chunk become flat columns (one C-level ``map``
per field; ids, parents and references as exact integer codes, see :class:`Chunk`),
texts are laid end to end in one string (and one array of code points) with separators
between them, and every rule becomes a few ``numpy`` operations over those columns.
Only the records it flags go through the exact checker.

The contract is one-sided and tested that way (``tests/test_screen.py``): a record the
screen clears has no semantic problem (:meth:`SemanticChecker.check` returns nothing).
The screen may flag a clean record — a boundary only :func:`furat.spans.word_cut` can
judge (tatweel, diacritics, enclitics), mentions with equal extents, nesting three deep,
a 64-bit key collision between two spans — which costs time, never correctness.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from furat.labels import Inventory
from furat.semantic import NOT_MENTIONED, SemanticChecker
from furat.spans import SEPARATORS

Ints = npt.NDArray[np.int64]
Keys = npt.NDArray[np.uint64]
Bools = npt.NDArray[np.bool_]
_PRIME = np.uint64(0x100000001B3)  # FNV-1's 64-bit prime: mixes columns into one key

#: between two texts (and around them): three separators, so the three characters before
#: any span and the one after it always exist and never belong to another record
_PAD = "\n\n\n"
_SEP, _SPACE, _PROCLITIC, _WA_FA, _BI_LI_KA, _LETTER = 1, 2, 4, 8, 16, 32


def _classes() -> npt.NDArray[np.uint8]:
    """Character classes of the Basic Multilingual Plane, as bit flags (astral: none).

    The same sets as :mod:`furat.placement` (``SEPARATORS``, ``str.isspace``, the
    proclitic letters and ``_LETTER``), so the screen's word-edge test is that module's.
    """
    table = np.zeros(0x10000, dtype=np.uint8)
    for ch in SEPARATORS:
        table[ord(ch)] |= _SEP
    table[[c for c in range(0x10000) if chr(c).isspace()]] |= _SPACE
    for letters, flag in (("وفبلك", _PROCLITIC), ("وف", _WA_FA), ("بلك", _BI_LI_KA)):
        table[[ord(ch) for ch in letters]] |= flag
    for low, high in ((0x0621, 0x063A), (0x0641, 0x064A), (0x30, 0x39), (0x0660, 0x0669), (0x06F0, 0x06F9),
                      (0x41, 0x5A), (0x61, 0x7A)):  # fmt: skip
        table[low : high + 1] |= _LETTER
    return table


def _ints(values: Any, count: int) -> Ints:
    return np.fromiter(values, dtype=np.int64, count=count)


def _bools(values: Any, count: int) -> Bools:
    return np.fromiter(values, dtype=np.bool_, count=count)


def _flatten(lists: Sequence[Sequence[Any]], owner: Ints) -> tuple[list[Any], Ints]:
    """The items of ``lists`` end to end, and for each item the ``owner`` of its list."""
    counts = _ints(map(len, lists), len(lists))
    return list(itertools.chain.from_iterable(lists)), np.repeat(owner, counts)


def _columns(items: list[Any], *fields: str) -> list[list[Any]]:
    """Fields of ``items`` as parallel lists, one C-level ``map`` per field.

    Field by field rather than ``zip(*map(attrgetter(a, b), ...))``: no tuple per item, so
    no garbage-collector passes over the chunk's structs while the columns are built.
    """
    return [list(map(operator.attrgetter(field), items)) for field in fields]


def _code_points(text: str) -> npt.NDArray[np.uint16] | npt.NDArray[np.uint32]:
    """The code points of ``text`` as an array: 16-bit when every one fits (the usual case
    for Arabic), half the memory of UTF-32 for the same indices."""
    utf16 = text.encode("utf-16-le")
    if len(utf16) == 2 * len(text):  # no surrogate pair: each code unit is a code point
        return np.frombuffer(utf16, dtype=np.uint16)
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _mix(*columns: Any) -> Keys:
    """One 64-bit key per row of integer ``columns``: equal rows always give equal keys.

    Distinct rows may collide (odds ~2^-64 per pair); a collision can only make two
    rows look like duplicates, which flags a record and never clears one.
    """
    key: Keys = np.zeros(len(columns[0]), dtype=np.uint64)
    for column in columns:
        key = (key * _PRIME) ^ np.asarray(column).astype(np.uint64)
    return key


def _twice(key: Keys | Ints) -> Ints:
    """Indices of the rows whose key an earlier row (in sorted order) already has."""
    order: Ints = np.argsort(key, kind="stable")
    ordered = key[order]
    repeats: Ints = order[1:][ordered[1:] == ordered[:-1]]
    return repeats


_HEXDIGEST = operator.methodcaller("hexdigest")
_ENTITIES = operator.attrgetter("entities")
_EVENTS = operator.attrgetter("events")
_STANCE = operator.attrgetter("stance")
_PARAGRAPHS = operator.attrgetter("paragraphs")
_TEXT = operator.attrgetter("text")
_SHA = operator.attrgetter("metadata.text_sha256")
_GOLD = operator.attrgetter("provenance.gold")


#: the schema places whose values :class:`Chunk` gathers (see :meth:`Chunk.pattern_values`)
ID_PLACES = (
    "Document.entities[].id",
    "Document.entities[].parent",
    "Document.events[].id",
    "Document.events[].arguments[].mention_id",
)


class Chunk:
    """The mentions, events, arguments and stance items of a chunk of records, with the
    fields that both the schema's id patterns and the screen's rules read, gathered once.

    Every id, parent and argument reference of the chunk gets an exact integer code (equal
    strings, equal codes: one ``dict.setdefault`` per value, in C), so ids are compared,
    sorted and looked up as integers, and each distinct id string is pattern-checked once.
    """

    def __init__(self, docs: Sequence[Any]) -> None:
        self.docs = docs
        everyone = np.arange(len(docs), dtype=np.int64)
        self.entities, self.e_rec = _flatten(list(map(_ENTITIES, docs)), everyone)
        self.events, self.v_rec = _flatten(list(map(_EVENTS, docs)), everyone)
        self.items, self.s_rec = _flatten(list(map(_STANCE, docs)), everyone)
        entity_fields = _columns(self.entities, "type", "id", "actor", "parent")
        self.e_types, e_ids, self.e_actors, e_parents = entity_fields
        event_fields = _columns(self.events, "type", "id", "trigger", "arguments")
        self.v_types, v_ids, self.triggers, arguments = event_fields
        args, self.a_event = _flatten(arguments, np.arange(len(self.events), dtype=np.int64))
        self.roles, mentions = _columns(args, "role", "mention_id")
        strings = itertools.chain(e_ids, e_parents, v_ids, mentions)
        #: id string (``None``: no parent) -> its code; codes follow the order of first sight
        self.ids: dict[str | None, int] = {}
        #: the code of each mention id, mention parent, event id and reference, in that order
        count = 2 * len(e_ids) + len(v_ids) + len(mentions)
        self.codes = _ints(map(self.ids.setdefault, strings, itertools.count()), count)

    def pattern_values(self) -> dict[str, list[str]]:
        """The distinct values at each of :data:`ID_PLACES`, for
        :meth:`furat.structschema.CompiledSchema.patterns_hold` (one list for all four:
        a value breaks the shared pattern wherever it stands)."""
        values = [key for key in self.ids if key is not None]
        return dict.fromkeys(ID_PLACES, values)


class Screen:
    """Flags the records of a chunk that might break a semantic rule; see the module doc."""

    def __init__(self, inv: Inventory, checker: SemanticChecker) -> None:
        self._classes = _classes()
        self._entity_code = {kind: k for k, kind in enumerate(inv.entity_ids)}
        self._event_code = {ev.id: k for k, ev in enumerate(inv.event_types)}
        roles = sorted({role for ev in inv.event_types for role in ev.role_ids})
        self._role_code = {role: k for k, role in enumerate(roles)}
        #: (event type, role, filler type) -> allowed; the last role row is "unknown role"
        self._allowed = np.zeros((len(self._event_code), len(roles) + 1, len(self._entity_code)), np.bool_)
        for event, role, kind in checker.allowed:
            self._allowed[self._event_code[event], self._role_code[role], self._entity_code[kind]] = True
        self._may_link = np.array([kind in checker.link_types for kind in inv.entity_ids], dtype=np.bool_)
        actors = sorted({*checker.lineage, *checker.stance_targets})
        self._actor_code = {actor: k for k, actor in enumerate(actors)}
        #: actor -> the actors a mention of it counts for (itself and what it belongs to)
        self._lineage = np.zeros((len(actors), len(actors)), dtype=np.int64)
        for actor, kin in checker.lineage.items():
            self._lineage[self._actor_code[actor], [self._actor_code[a] for a in kin]] = 1
        self._targeted = np.array([a in checker.stance_targets for a in actors], dtype=np.bool_)
        self._n_targets = len(set(checker.stance_targets))

    def gather(self, docs: Sequence[Any]) -> Chunk:
        """The columns of ``docs`` (schema-valid structs) that the rules read."""
        return Chunk(docs)

    def suspects(self, docs: Sequence[Any]) -> set[int]:
        """Indices of the records of ``docs`` (schema-valid structs) to check exactly."""
        return self.flag(self.gather(docs))

    def flag(self, chunk: Chunk) -> set[int]:
        """Indices of the records of a gathered chunk to check exactly."""
        docs, n = chunk.docs, len(chunk.docs)
        if n == 0:
            return set()
        flagged = np.zeros(n, dtype=np.bool_)
        everyone = np.arange(n, dtype=np.int64)
        texts: list[str] = list(map(_TEXT, docs))
        digests = map(_HEXDIGEST, map(hashlib.sha256, map(str.encode, texts)))
        flagged |= _bools(map(operator.ne, digests, map(_SHA, docs)), n)
        sizes = _ints(map(len, texts), n)
        base = np.zeros(n, dtype=np.int64)  # where each text starts in the joined string
        base[1:] = np.cumsum(sizes[:-1] + len(_PAD))
        base += len(_PAD)
        joined = _PAD + _PAD.join(texts) + _PAD

        paragraphs, p_rec = _flatten(list(map(_PARAGRAPHS, docs)), everyone)
        if paragraphs:
            bounds = np.array(paragraphs, dtype=np.int64).reshape(-1, 2)
            flagged[p_rec[(bounds[:, 0] > bounds[:, 1]) | (bounds[:, 1] > sizes[p_rec])]] = True

        e_rec, v_rec, s_rec = chunk.e_rec, chunk.v_rec, chunk.s_rec
        i_actors, i_labels, evidence_lists = _columns(chunk.items, "actor", "label", "evidence")
        evidence, x_item = _flatten(evidence_lists, np.arange(len(chunk.items), dtype=np.int64))
        spans = [*chunk.entities, *chunk.triggers, *evidence]
        span_rec = np.concatenate([e_rec, v_rec, s_rec[x_item]])
        starts_l, ends_l, surfaces = _columns(spans, "start", "end", "text")
        m = len(spans)
        starts, ends = _ints(starts_l, m), _ints(ends_l, m)
        g_starts, g_ends = base[span_rec] + starts, base[span_rec] + ends
        placed = self._placed(joined, sizes[span_rec], starts, ends, g_starts, surfaces)
        flagged[span_rec[~placed]] = True

        n_e, n_v = len(e_rec), len(v_rec)
        codes, width = chunk.codes, len(chunk.codes) + 1
        e_ids, e_parents = codes[:n_e], codes[n_e : 2 * n_e]
        v_ids, mentions = codes[2 * n_e : 2 * n_e + n_v], codes[2 * n_e + n_v :]
        e_codes = _ints(map(self._entity_code.__getitem__, chunk.e_types), n_e)
        e_starts, e_ends = g_starts[:n_e], g_ends[:n_e]
        id_rec = np.concatenate([e_rec, v_rec])
        flagged[id_rec[_twice(id_rec * width + np.concatenate([e_ids, v_ids]))]] = True
        flagged[e_rec[_twice(_mix(e_starts, e_ends, e_codes))]] = True
        e_actors = chunk.e_actors
        linked = _bools(map(operator.is_not, e_actors, itertools.repeat(None)), n_e)
        flagged[e_rec[linked & ~self._may_link[e_codes]]] = True
        keep = placed[:n_e]  # misplaced mentions (flagged) could overlap another record's
        parents = np.where(e_parents == chunk.ids.get(None, -2), -1, e_parents)
        flagged[self._nesting(e_rec[keep], e_starts[keep], e_ends[keep], e_ids[keep], parents[keep])] = True

        v_codes = _ints(map(self._event_code.__getitem__, chunk.v_types), n_v)
        flagged[v_rec[_twice(_mix(g_starts[n_e : n_e + n_v], g_ends[n_e : n_e + n_v], v_codes))]] = True
        flagged[self._arguments(chunk, mentions, width, v_codes, e_ids, e_codes)] = True

        linked_actors = list(itertools.compress(e_actors, linked))
        links = np.zeros((n, len(self._actor_code)), dtype=np.int64)
        links[e_rec[linked], _ints(map(self._actor_code.__getitem__, linked_actors), len(linked_actors))] = 1
        mentioned: Bools = (links @ self._lineage) > 0  # a YPG mention counts for the SDF too
        flagged[self._stance(s_rec, i_actors, i_labels, mentioned, docs)] = True
        n_x = len(evidence)
        flagged[s_rec[x_item[_twice(_mix(x_item, g_starts[m - n_x :], g_ends[m - n_x :]))]]] = True
        return set(np.flatnonzero(flagged).tolist())

    def _placed(
        self, joined: str, size: Ints, starts: Ints, ends: Ints, g_starts: Ints, surfaces: Sequence[str]
    ) -> Bools:
        """Per span: inside its text, equal to its slice, and clear of words at both edges.

        The test of :class:`furat.placement.Placement` (whose exact fallback decides any
        span this one rejects): no whitespace edge, a separator after the end, and before
        the start a separator or a bare proclitic (و ف ب ل ك, or و/ف + ب/ل/ك) after one.
        Each span's text is compared with its slice code point by code point, all spans
        at once; only the characters around each span are classified, not the whole text.
        """
        m = len(starts)
        lengths = _ints(map(len, surfaces), m)
        ok = (ends <= size) & (ends - starts == lengths)
        codes, own = _code_points(joined), _code_points("".join(surfaces))
        # where each code point of the spans' texts should be in ``codes`` (misplaced: anywhere);
        # 32-bit and in place: these arrays have a slot per character of every span
        index = np.int32 if len(codes) < 2**31 else np.int64
        shift = np.where(ok, g_starts - (np.cumsum(lengths) - lengths), 0).astype(index)
        at = np.repeat(shift, lengths)
        at += np.arange(len(own), dtype=index)
        np.minimum(at, len(codes) - 1, out=at)
        differ = np.flatnonzero(codes[at] != own)
        if len(differ):
            ok[np.repeat(np.arange(m), lengths)[differ]] = False
        first = np.where(ok, g_starts, 3).astype(index)  # a misplaced span may point anywhere: look elsewhere
        after = first + np.where(ok, lengths, 0).astype(index)
        around = np.stack([first - 3, first - 2, first - 1, first, after - 1, after])
        c3, c2, c1, c0, last, next_ = self._classes[np.minimum(codes[around], 0xFFFF)]
        ok &= (c0 & _SPACE == 0) & (last & _SPACE == 0) & (next_ & _SEP != 0)
        after_proclitic = (c2 & _SEP != 0) & (c1 & _PROCLITIC != 0)
        after_pair = (c3 & _SEP != 0) & (c2 & _WA_FA != 0) & (c1 & _BI_LI_KA != 0)
        ok &= (c1 & _SEP != 0) | ((after_proclitic | after_pair) & (c0 & _LETTER != 0))
        placed: Bools = ok.astype(np.bool_)
        return placed

    @staticmethod
    def _nesting(rec: Ints, starts: Ints, ends: Ints, ids: Ints, given: Ints) -> Ints:
        """Records whose mentions might cross, or whose ``parent`` might not be the smallest
        strictly enclosing mention (``ids`` and ``given`` parents as id codes; -1: none).

        Offsets are into the joined texts, so one pass covers the chunk. In canonical order
        (start, then longest first) a mention overlaps an earlier one only if it starts
        before the furthest end so far. Decided here: no overlap (no parent) and the usual
        pair — one mention overlapping only the one before it, in the same record, inside
        it (its parent) or across it (a crossing). Longer runs and equal extents are flagged.
        """
        n = len(starts)
        orphan = given >= 0  # has a parent
        if n < 2:
            return rec[orphan]
        order = np.lexsort((-ends, starts))
        s, e, r = starts[order], ends[order], rec[order]
        twins = (s[1:] == s[:-1]) & (e[1:] == e[:-1])
        reach = np.maximum.accumulate(e)
        inside = np.zeros(n, dtype=np.bool_)
        inside[1:] = s[1:] < reach[:-1]
        deep = inside[1:] & inside[:-1]  # a run of three or more overlapping mentions
        pair = np.flatnonzero(inside)
        wrong = (r[pair] != r[pair - 1]) | (e[pair] > e[pair - 1])
        inner, outer = order[pair], order[pair - 1]
        orphan[inner] = False  # the mentions with a computed parent are compared below
        right = given[inner] == ids[outer]
        return np.concatenate([r[1:][twins | deep], r[pair[wrong]], rec[orphan], rec[inner[~right]]])

    def _arguments(
        self, chunk: Chunk, mentions: Ints, width: int, v_codes: Ints, e_ids: Ints, e_codes: Ints
    ) -> Ints:
        """Records with an argument whose role, reference or filler type might be wrong, or
        which appears twice in its event.

        References resolve through exact integer keys (record, id code), sorted once.
        """
        a_event = chunk.a_event
        k = len(a_event)
        if k == 0:
            return a_event
        a_rec = chunk.v_rec[a_event]
        unknown = len(self._role_code)
        role_codes = _ints(map(self._role_code.get, chunk.roles, itertools.repeat(unknown)), k)
        a_keys = a_rec * width + mentions
        e_keys = chunk.e_rec * width + e_ids
        if len(e_keys):
            sorter = np.argsort(e_keys)
            at = sorter[np.minimum(np.searchsorted(e_keys, a_keys, sorter=sorter), len(e_keys) - 1)]
            found = e_keys[at] == a_keys
            allowed = found & self._allowed[v_codes[a_event], role_codes, e_codes[at]]
        else:
            allowed = np.zeros(k, dtype=np.bool_)
        twice = _twice((a_event * width + mentions) * (unknown + 1) + role_codes)
        return np.concatenate([a_rec[~allowed], a_rec[twice]])

    def _stance(
        self, s_rec: Ints, actors: Sequence[str], labels: Sequence[str], mentioned: Bools, docs: Sequence[Any]
    ) -> Ints:
        """Records whose stance items might repeat an actor, contradict the mentions
        (``mentioned``: record x actor, lineage included) or miss a target."""
        k = len(actors)
        codes = _ints(map(self._actor_code.__getitem__, actors), k)
        said = _bools(map(NOT_MENTIONED.__ne__, labels), k)
        bad = [s_rec[said != mentioned[s_rec, codes]], s_rec[_twice(_mix(s_rec, codes))]]
        gold = _bools(map("none".__ne__, map(_GOLD, docs)), len(docs))
        targeted = self._targeted[codes]
        answered = np.bincount(s_rec[targeted], minlength=len(docs))
        bad.append(np.flatnonzero(gold & (answered != self._n_targets)))
        return np.concatenate(bad)
