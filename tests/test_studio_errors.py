"""One clear line, a non-zero exit and no secret for every studio failure (no server needed).

Failures that need a live server (a wrong token) are in tests/integration.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from label_studio_sdk.core.api_error import ApiError

from furat.cli import main
from furat.errors import FuratError
from furat.paths import Project
from furat.studio import server
from furat.studio.client import StudioClient
from furat.studio.credentials import StudioState, local_credentials, mask, scrub


@pytest.fixture(autouse=True)
def no_studio_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FURAT_LS_URL", "FURAT_LS_TOKEN", "FURAT_LS_USERNAME", "FURAT_LS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def listening() -> Iterator[int]:
    """A port of 127.0.0.1 that some other program is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(project: Project, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--root", str(project.root), "studio", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_unreachable_url_is_one_line(
    project_copy: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("FURAT_LS_URL", url)
    monkeypatch.setenv("FURAT_LS_TOKEN", "some-token-value-123456")
    for verb in ("push", "pull", "status"):
        code, out, err = run(project_copy, verb, capsys=capsys)
        assert code == 1
        assert err.count("\n") == 1 and f"cannot reach Label Studio at {url}" in err
        assert "Traceback" not in err and "some-token-value-123456" not in out + err


def test_url_without_token_and_no_local_server(
    project_copy: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(project_copy, "push", capsys=capsys)
    assert code == 1 and "no local Label Studio is running: start one with `furat studio up`" in err
    code, out, err = run(project_copy, "status", capsys=capsys)
    assert code == 3 and "local server: not running" in out
    monkeypatch.setenv("FURAT_LS_URL", "http://127.0.0.1:1")
    code, out, err = run(project_copy, "pull", capsys=capsys)
    assert code == 1 and "FURAT_LS_URL is set but FURAT_LS_TOKEN is not" in err
    monkeypatch.setenv("FURAT_LS_URL", "ftp://example.org")
    code, out, err = run(project_copy, "pull", capsys=capsys)
    assert code == 1 and "is not an http(s) URL" in err


def test_port_in_use_is_refused_before_starting(
    project_copy: Project, listening: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(project_copy, "up", "--port", str(listening), capsys=capsys)
    assert code == 1
    assert err.strip().endswith(
        f"port {listening} on 127.0.0.1 is already in use (another program or another Label "
        f"Studio): stop it or run `furat studio up --port N`"
    )
    state = StudioState.for_project(project_copy)
    assert not state.server_file.exists() and not state.log_file.exists()


def test_a_server_that_moved_to_another_port_is_reported(tmp_path: Path) -> None:
    state = StudioState(tmp_path / "studio")
    state.ensure()
    creds = local_credentials(state, env={})
    state.log_file.write_text("Starting development server at http://127.0.0.1:8081/\n")
    with subprocess.Popen(["sleep", "30"]) as proc:
        try:
            with pytest.raises(FuratError, match="port 8080 was taken when Label Studio started"):
                server._wait_until_up(proc, state, creds, 8080, timeout=5)
        finally:
            proc.kill()


def test_api_errors_never_show_headers_or_the_token() -> None:
    client = StudioClient("http://127.0.0.1:1", "secret-token-abcdef-0123")
    leaky = ApiError(
        headers={"set-cookie": "sessionid=COOKIE-VALUE"},
        status_code=401,
        body={"detail": "Invalid token secret-token-abcdef-0123."},
    )
    with pytest.raises(FuratError) as caught, client.call("listing"):
        raise leaky
    message = str(caught.value)
    assert "rejected the API token" in message and "FURAT_LS_TOKEN" in message
    assert "COOKIE-VALUE" not in message and "secret-token-abcdef-0123" not in message
    refused = ApiError(status_code=400, body={"validation_errors": {"title": ["Too long."]}})
    with pytest.raises(FuratError, match=r"title: Too long; choose another title"), client.call(
        "creating project 'x'", {"title": "choose another title with --project"}
    ):
        raise refused
    client.close()


def test_credentials_are_generated_once_private_and_env_wins(tmp_path: Path) -> None:
    state = StudioState(tmp_path / "studio")
    first = local_credentials(state, env={})
    again = local_credentials(state, env={})
    assert first == again and len(first.token) == 40
    assert stat.S_IMODE(state.credentials_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.root.stat().st_mode) == 0o700
    env = {"FURAT_LS_TOKEN": "env-token-0123456789", "FURAT_LS_PASSWORD": "env-password"}
    chosen = local_credentials(state, env=env)
    assert (chosen.token, chosen.token_source) == ("env-token-0123456789", "$FURAT_LS_TOKEN")
    stored = state.credentials_file.read_text()
    assert "env-token" not in stored and "env-password" not in stored
    with pytest.raises(FuratError, match="6-40 letters"):
        local_credentials(state, env={"FURAT_LS_TOKEN": "x" * 41})
    os.chmod(state.credentials_file, 0o644)
    local_credentials(state, env={})
    assert stat.S_IMODE(state.credentials_file.stat().st_mode) == 0o600


def test_masking_shows_at_most_a_short_prefix() -> None:
    token = "0123456789abcdef0123456789abcdef01234567"
    assert mask(token) == "0123…" and mask("short") == "…"
    assert scrub(f"token={token}!", (token,)) == "token=0123…!"


def test_stop_without_a_server_and_a_stale_record(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    state = StudioState.for_project(project_copy)
    state.ensure()
    server.ServerInfo(2**22 + 12345, 1, "http://127.0.0.1:1", 0.0, "", "").save(state)
    code, out, _err = run(project_copy, "down", capsys=capsys)
    assert code == 0 and "no local Label Studio server is running" in out
    assert not state.server_file.exists()
