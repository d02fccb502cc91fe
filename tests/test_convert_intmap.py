"""The compact maps behind the converter's and validator's per-document bookkeeping."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import furat.convert
from furat.convert import convert_exports, iter_manifest
from furat.intmap import IntMap, digest
from furat.labels import Inventory

REPO = Path(__file__).resolve().parents[1]
EXPORTS = REPO / "tests" / "fixtures" / "exports"


def test_intmap_behaves_like_a_dict_across_merges() -> None:
    rng = random.Random(7)
    reference: dict[int, int] = {}
    imap = IntMap()
    for step in range(30_000):
        key = rng.randrange(-(2**63), 2**63) if step % 3 else rng.randrange(5000)
        value = rng.randrange(2**40)
        imap[key] = value
        reference[key] = value
        probe = rng.randrange(5000)
        assert imap.get(probe) == reference.get(probe)
    assert len(imap) == len(reference)
    assert list(imap.items()) == sorted(reference.items())


def test_digest_is_stable_and_signed_64_bit() -> None:
    assert digest("000_d9b920595663203e") == digest("000_d9b920595663203e")
    assert digest("a") != digest("b")
    assert all(-(2**63) <= digest(str(k)) < 2**63 for k in range(1000))


def test_conversion_is_exact_even_if_every_digest_collides(
    inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = sorted(EXPORTS.glob("*.json"))
    expected = convert_exports(exports, iter_manifest(EXPORTS / "manifest.jsonl"), inventory)
    monkeypatch.setattr(furat.convert, "digest", lambda key: 42)
    collided = convert_exports(exports, iter_manifest(EXPORTS / "manifest.jsonl"), inventory)
    assert collided.records == expected.records
    assert collided.annotations == expected.annotations
    assert list(collided.incidents) == []
