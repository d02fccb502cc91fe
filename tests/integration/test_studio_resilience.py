"""The server dies mid-push; errors against the live server; secrets stay secret."""

from __future__ import annotations

import os
import signal
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from studio_helpers import Studio

from furat.errors import FuratError
from furat.fsutil import sha256_bytes
from furat.ingest import read_manifest
from furat.paths import Project
from furat.studio import push, server

pytestmark = [pytest.mark.studio, pytest.mark.slow]


def synthetic_records(studio: Studio, count: int) -> list[dict[str, Any]]:
    """``count`` manifest-shaped articles built from the seeds, each text unique."""
    seeds = read_manifest(studio.project.manifest)
    out = []
    for i in range(count):
        base = seeds[i % len(seeds)]
        text = f"{base['text']}\n\nنسخة رقم {i}"
        meta = dict(base["metadata"], text_sha256=sha256_bytes(text.encode("utf-8")))
        out.append({**base, "id": f"synthetic_{i:05d}", "text": text, "metadata": meta})
    return out


def test_server_killed_during_push_then_push_completes_without_duplicates(studio: Studio) -> None:
    title = "Furat kill test"
    records = synthetic_records(studio, 400)
    config = studio.project.label_config.read_text()
    info = server.running(studio.state)
    assert info is not None
    seen_at_kill: list[int] = []

    def kill_when_started() -> None:
        with studio.client() as watcher:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                found = watcher.find_project(title)
                if found is not None and found.task_number >= 60:
                    seen_at_kill.append(found.task_number)
                    os.killpg(info.pid, signal.SIGKILL)
                    return
                time.sleep(0.05)

    killer = threading.Thread(target=kill_when_started)
    with studio.client() as client:
        client.find_project(title) or client.create_project(title, config, "")
        killer.start()
        with pytest.raises(FuratError, match="run the push again"):
            push.push(client, title, records, config, None, batch_tasks=10)
    killer.join()
    assert seen_at_kill and seen_at_kill[0] < len(records)

    studio.ensure_up()
    with studio.client() as client:
        report = push.push(client, title, records, config, None, batch_tasks=100)
        assert report.on_server + report.imported == len(records)
        assert report.on_server >= seen_at_kill[0] and not report.duplicates
        doc_ids = [t["data"]["doc_id"] for page in client.task_pages(report.project_id, 5000) for t in page]
        assert sorted(doc_ids) == [r["id"] for r in records]  # nothing missing, nothing twice
        again = push.push(client, title, records, config, None)
        assert (again.imported, again.on_server) == (0, len(records))


def test_bad_token_against_the_live_server(studio: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FURAT_LS_URL", studio.url)
    monkeypatch.setenv("FURAT_LS_TOKEN", "not-the-right-token-0000")
    for verb in ("status", "push", "pull"):
        code, out = studio.cli(verb)
        assert code == 1, out
        assert "rejected the API token" in out and "FURAT_LS_TOKEN" in out
        assert "Traceback" not in out and len(out.strip().splitlines()) <= 2


def test_remote_server_by_url_and_token(studio: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FURAT_LS_URL", studio.url + "/")
    monkeypatch.setenv("FURAT_LS_TOKEN", studio.token)
    code, out = studio.cli("status")
    assert code == 0 and "accepted" in out and "$FURAT_LS_TOKEN" in out, out
    assert studio.cli("push")[0] == 0  # creates the project if this test runs first
    code, out = studio.cli("push")
    assert code == 0 and "imported 0 in 0 batch(es)" in out, out


def test_port_taken_by_the_running_server(studio: Studio, tmp_path: Path) -> None:
    other = Studio(Project(tmp_path), studio.port)
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "labels.yaml").write_text("schema_version: 0.1.0\n")
    code, out = other.cli("up", "--port", str(studio.port))
    assert code == 1 and f"port {studio.port} on 127.0.0.1 is already in use" in out, out
    assert not other.state.server_file.exists()


def test_up_is_idempotent_and_no_secret_is_ever_printed_or_logged(studio: Studio) -> None:
    code, out = studio.cli("up", "--port", str(studio.port))
    assert code == 0 and "already running" in out, out
    for verb in ("status", "push", "pull"):
        assert studio.cli(verb)[0] == 0
    secrets = (studio.token, studio.password)
    log = studio.state.log_file.read_text(encoding="utf-8", errors="replace")
    for text in [*studio.outputs, log]:
        for secret in secrets:
            assert secret not in text
    assert stat.S_IMODE(studio.state.credentials_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(studio.state.root.stat().st_mode) == 0o700
    assert f"API token {studio.token[:4]}…" in out
