"""The annotation manual quotes the seeds exactly: every Arabic example is in the articles.

The guidelines promise that "span `X`" means `X` is exactly the text to select. An
example that is not in the clean text (a normalised spelling, a dropped tatweel, a
proclitic that should be outside) would teach annotators a span they can never select.
Furniture examples (§7.2) are quoted from the raw files, where they still are.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GENERATED = re.compile(r"<!-- furat:begin.*?<!-- furat:end[^>]*-->", re.S)
ARABIC = re.compile(r"[\u0600-\u06FF]")


def test_every_arabic_example_is_quoted_from_the_seeds() -> None:
    manual = GENERATED.sub("", (REPO / "annotation" / "guidelines.md").read_text(encoding="utf-8"))
    manifest = (REPO / "annotation" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    clean = "\n".join(json.loads(line)["text"] for line in manifest)
    raw_files = sorted((REPO / "annotation" / "raw").glob("*.txt"))
    raw = "\n".join(p.read_text(encoding="utf-8") for p in raw_files)
    examples = [m for m in re.findall(r"`([^`\n]+)`", manual) if ARABIC.search(m)]
    assert len(examples) > 300  # the manual is example-driven; a parsing slip would find none
    missing = [m for m in examples if m not in clean and m not in raw]
    assert missing == []
