"""``furat.heap.retain_freed_memory``: chunk after chunk reuses freed memory, no page faults.

Measured in fresh interpreters (the allocator's thresholds are process state): the same
allocate-and-free pattern as a validation chunk — a few blocks of a few hundred KB,
freed together — costs thousands of minor page faults a round by default, and almost
none once the thresholds are raised. Page-fault counts, not times: they do not depend
on how busy the machine is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
CHURN = """
import resource, sys
sys.path.insert(0, {src!r})
from furat.heap import retain_freed_memory

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def churn():
    before = faults()
    for k in range(20):
        blocks = [b"x" * (300_000 + k) for _ in range(8)]  # written: every page faulted in
        del blocks
    return faults() - before

first = churn()
if {retain}:
    retain_freed_memory()
    retain_freed_memory()  # idempotent
print(first, churn())
"""


def _rounds(retain: bool) -> tuple[int, int]:
    code = CHURN.format(src=str(SRC), retain=retain)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    first, second = map(int, out.split())
    return first, second


def test_freed_chunks_are_reused_once_thresholds_are_raised() -> None:
    default_first, default_second = _rounds(retain=False)
    # the default allocator hands the memory back each round: the pattern really costs faults
    assert default_first > 2000 and default_second > default_first / 2
    first, second = _rounds(retain=True)
    assert first > 2000 and second < first / 5, (first, second)
