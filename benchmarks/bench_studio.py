"""Benchmark: push 10,000 article-sized tasks with pre-annotations, push again, then pull.

Not a test: it prints figures. It starts a throw-away Label Studio server in a temporary
folder (or uses ``FURAT_LS_URL`` + ``FURAT_LS_TOKEN`` if both are set), builds synthetic
articles from the seed paragraphs (about 3,000 characters each, every text unique),
pre-annotates them with the real gazetteer, and measures:

* tasks per second for the first push, the idempotent re-push and the pull;
* HTTP requests per phase (counted by the client's httpx event hook; the import target
  is at most 25 requests for 10,000 tasks);
* the client's peak memory (``ru_maxrss``; with ``--tracemalloc`` also the peak of
  Python allocations, which slows the run down).

Usage: ``python benchmarks/bench_studio.py [--tasks 10000] [--tracemalloc]``
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from furat import gazetteer
from furat.fsutil import sha256_bytes
from furat.ingest import ingest, read_manifest
from furat.labels import load_project_inventory
from furat.paths import Project
from furat.studio import pull, push, server
from furat.studio.client import StudioClient
from furat.studio.credentials import StudioState, local_credentials

REPO = Path(__file__).resolve().parents[1]


def synthetic(seeds: list[dict[str, Any]], count: int, chars: int = 3000) -> list[dict[str, Any]]:
    """``count`` manifest records made of shuffled seed paragraphs, each text unique."""
    rng = random.Random(20171113)
    paragraphs = [p for r in seeds for p in r["text"].split("\n\n") if len(p) > 80]
    out = []
    for i in range(count):
        parts: list[str] = []
        while sum(map(len, parts)) < chars:
            parts.append(rng.choice(paragraphs))
        text = "\n\n".join(parts) + f"\n\nمقال تجريبي رقم {i}"
        meta = {"title": parts[0][:60], "outlet": "اختبار", "date": "2017-11-13",
                "text_sha256": sha256_bytes(text.encode("utf-8"))}  # fmt: skip
        out.append({"id": f"bench_{i:06d}", "text": text, "metadata": meta})
    return out


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase(name: str, client: StudioClient, tasks: int, start: float, before: int) -> None:
    seconds = time.perf_counter() - start
    print(f"{name:<10} {tasks:>6} tasks in {seconds:7.1f} s = {tasks / seconds:7.1f} tasks/s; "
          f"{client.requests - before:>3} HTTP requests; peak RSS {peak_mb():.0f} MiB")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start()
    project = Project(REPO)
    work = Path(tempfile.mkdtemp(prefix="furat-bench-"))
    manifest = work / "articles.jsonl"
    ingest(project.raw_dir, manifest)
    records = synthetic(read_manifest(manifest), args.tasks)
    inv = load_project_inventory(project)
    gaz = gazetteer.from_project(inv, project)
    config = project.label_config.read_text(encoding="utf-8")
    print(f"{len(records)} synthetic articles, {sum(len(r['text']) for r in records) / len(records):.0f} "
          f"characters on average; gazetteer {gaz.model_version}")  # fmt: skip

    state = StudioState(work / "studio")
    url, token = os.environ.get("FURAT_LS_URL"), os.environ.get("FURAT_LS_TOKEN")
    started = False
    if not (url and token):
        creds = local_credentials(state, env={})
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        start = time.perf_counter()
        info = server.start(state, creds, port=port, timeout=600)
        print(f"server     started in {time.perf_counter() - start:.0f} s at {info.url}")
        url, token, started = info.url, creds.token, True
    title = f"bench {time.strftime('%H%M%S')}"
    try:
        with StudioClient(url, token) as client:
            client.whoami()
            before, start = client.requests, time.perf_counter()
            report = push.push(client, title, records, config, gaz)
            phase("push", client, report.imported, start, before)
            print(f"           {report.batches} import batches, {report.predictions} predictions")
            before, start = client.requests, time.perf_counter()
            again = push.push(client, title, records, config, gaz)
            phase("re-push", client, again.on_server, start, before)
            assert again.imported == 0, again
            before, start = client.requests, time.perf_counter()
            pulled = pull.pull(client, report.project_id, work / "exports")
            phase("pull", client, pulled.tasks, start, before)
            size = pulled.path.stat().st_size / 2**20
            print(f"           export {size:.0f} MiB, {pulled.predictions} predictions")
    finally:
        if started:
            server.stop(state)
    if args.tracemalloc:
        print(f"tracemalloc peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MiB")
    print(f"client peak RSS {peak_mb():.0f} MiB (includes the SDK and pandas imports)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
