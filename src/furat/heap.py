"""Keep freed heap memory for reuse instead of returning it to the system after each chunk.

Validation works in chunks (:mod:`furat.validate`), and each chunk allocates and frees a
few megabytes of arrays and strings (the chunk's texts as code points, every span's
characters, the columns of :mod:`furat.screen`). With glibc's defaults the freed memory
at the top of the heap is handed back to the kernel as soon as more than twice the
largest freed ``mmap`` block is free there, so the next chunk takes page faults on
the same memory again: about 13 per record, measured, 5% of validation time spent in
the kernel.

glibc raises both thresholds by itself when a block it had to ``mmap`` is freed (the
"dynamic mmap threshold" of ``mallopt(3)``): allocations up to that size then come from
the heap, and only more than twice that size of free memory is trimmed. Freeing one
16 MiB block once sets them to 16 and 32 MiB. The block is allocated zeroed and never
touched, so it costs no page fault; other allocators simply free it. The price is at
most 32 MiB of freed memory the process keeps for its next allocations.
"""

from __future__ import annotations

_BLOCK = 16 << 20
_done = False


def retain_freed_memory() -> None:
    """Raise glibc's trim and mmap thresholds (see the module doc); once per process."""
    global _done
    if not _done:
        block = bytearray(_BLOCK)  # calloc: mapped, never written
        del block
        _done = True
