"""Start, find and stop the local Label Studio server (``furat studio up/down/status``).

The server is the ``label-studio`` console script (the package's ``studio`` extra), run
in its own process group with its SQLite database under ``.furat/studio/data`` and its
output in ``.furat/studio/server.log``. Its PID, port and URL are recorded in
``server.json`` so that ``down`` stops exactly that process group and nothing else.

Choices, and why:

* Bound to 127.0.0.1 (``--internal-host``; ``--host`` only sets the public URL prefix).
* Admin credentials go in through ``LABEL_STUDIO_USERNAME/PASSWORD/USER_TOKEN``
  environment variables, not command-line flags, so they never show in ``ps``.
* Telemetry and update checks are off: Sentry DSNs empty, ``COLLECT_ANALYTICS`` and
  ``LATEST_VERSION_CHECK`` false, debug off.
* Label Studio silently moves to the next free port when its port is taken. We refuse a
  taken port before starting, and afterwards read the port Django really bound from the
  log ("Starting development server at …"); a mismatch stops the server with an error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from furat.errors import FuratError
from furat.fsutil import atomic_write_text
from furat.studio.credentials import Credentials, StudioState, scrub

DEFAULT_PORT = 8080
START_TIMEOUT = 180.0
_BOUND_RE = re.compile(r"Starting development server at http://[^:/]+:(\d+)/")
_MOVED_RE = re.compile(r"Port (\d+) is in use")
#: Variables this module sets for the server; inherited values are dropped first.
_MANAGED = ("USERNAME", "PASSWORD", "USER_TOKEN", "HOST", "PORT", "DEBUG", "BASE_DATA_DIR")
#: Child processes started by this interpreter, kept so they can be reaped (no zombies).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class ServerInfo:
    """What ``server.json`` records about a running local server."""

    pid: int
    port: int
    url: str
    started_at: float
    data_dir: str
    log_file: str

    def save(self, state: StudioState) -> None:
        atomic_write_text(state.server_file, json.dumps(asdict(self), indent=2) + "\n", mode=0o600)

    @classmethod
    def load(cls, state: StudioState) -> ServerInfo | None:
        try:
            data = json.loads(state.server_file.read_text(encoding="utf-8"))
            return cls(**data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as err:
            raise FuratError(f"{state.server_file}: unreadable ({err}); delete it") from None


def executable() -> str:
    """The ``label-studio`` script of this environment (next to the interpreter first)."""
    beside = Path(sys.executable).with_name("label-studio")
    found = str(beside) if beside.is_file() else shutil.which("label-studio")
    if not found:
        raise FuratError("Label Studio is not installed here: pip install 'furat[studio]'")
    return found


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True if something accepts connections on ``host:port`` (Label Studio's own test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie; reaps it if it is our finished child."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        _CHILDREN.pop(pid, None)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def is_label_studio(pid: int) -> bool:
    """Guard against a recycled PID: the process must still be a Label Studio server."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return alive(pid)  # no /proc (macOS): trust the recorded PID
    return b"label-studio" in cmdline or b"label_studio" in cmdline


def healthy(url: str, timeout: float = 2.0) -> bool:
    """True if the server at ``url`` answers its unauthenticated health check."""
    try:
        response = httpx.get(f"{url}/health", timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def server_env(state: StudioState, creds: Credentials) -> dict[str, str]:
    """The server's environment: ours, minus managed variables, plus its settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FURAT_LS_")
        and not any(key in (f"LABEL_STUDIO_{m}", f"HEARTEX_{m}", m) for m in _MANAGED)
    }
    env.update(
        {
            "LABEL_STUDIO_BASE_DATA_DIR": str(state.data_dir),
            "LABEL_STUDIO_USERNAME": creds.username,
            "LABEL_STUDIO_PASSWORD": creds.password,
            "LABEL_STUDIO_USER_TOKEN": creds.token,
            "LABEL_STUDIO_HOST": "",
            "LABEL_STUDIO_DEBUG": "false",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            "LABEL_STUDIO_SENTRY_DSN": "",
            "LABEL_STUDIO_FRONTEND_SENTRY_DSN": "",
            "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
            "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _log_tail(state: StudioState, creds: Credentials, lines: int = 5) -> str:
    try:
        text = state.log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return scrub(" | ".join(tail), creds.secrets())


def _wait_until_up(
    proc: subprocess.Popen[bytes], state: StudioState, creds: Credentials, port: int, timeout: float
) -> None:
    """Wait for the bound-port line and a healthy answer; raise with the reason otherwise."""
    deadline = time.monotonic() + timeout
    bound: int | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise FuratError(
                f"Label Studio exited with code {proc.returncode} while starting; "
                f"see {state.log_file}: {_log_tail(state, creds)}"
            )
        log = state.log_file.read_text(encoding="utf-8", errors="replace")
        moved = _MOVED_RE.search(log)
        match = _BOUND_RE.search(log)
        if moved or (match and int(match.group(1)) != port):
            raise FuratError(
                f"port {port} was taken when Label Studio started (it moved to another port); "
                f"stop whatever uses port {port} or run `furat studio up --port N`"
            )
        if match:
            bound = int(match.group(1))
        if bound is not None and healthy(f"http://127.0.0.1:{bound}"):
            return
        time.sleep(0.5)
    raise FuratError(
        f"Label Studio did not answer within {timeout:.0f} s; see {state.log_file}, "
        "or retry with a longer --timeout (a first start migrates the database)"
    )


def start(
    state: StudioState, creds: Credentials, port: int = DEFAULT_PORT, timeout: float = START_TIMEOUT
) -> ServerInfo:
    """Start the local server and wait until it answers; return what was recorded."""
    current = running(state)
    if current is not None:
        return current
    if port_in_use(port):
        raise FuratError(
            f"port {port} on 127.0.0.1 is already in use (another program or another Label "
            f"Studio): stop it or run `furat studio up --port N`"
        )
    state.ensure()
    state.data_dir.mkdir(exist_ok=True)
    os.chmod(state.data_dir, 0o700)
    argv = [executable(), "start", "--no-browser", "--internal-host", "127.0.0.1",
            "--port", str(port), "--data-dir", str(state.data_dir),
            "--log-level", "WARNING", "--enable-legacy-api-token"]  # fmt: skip
    fd = os.open(state.log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            env=server_env(state, creds),
            cwd=state.root,
            start_new_session=True,  # its own process group: `down` signals exactly it
        )
    finally:
        os.close(fd)
    _CHILDREN[proc.pid] = proc
    info = ServerInfo(proc.pid, port, f"http://127.0.0.1:{port}", time.time(),
                      str(state.data_dir), str(state.log_file))  # fmt: skip
    info.save(state)
    try:
        _wait_until_up(proc, state, creds, port, timeout)
    except BaseException:
        stop(state)
        raise
    return info


def running(state: StudioState) -> ServerInfo | None:
    """The recorded server if its process still runs; a stale record is removed."""
    info = ServerInfo.load(state)
    if info is None:
        return None
    if alive(info.pid) and is_label_studio(info.pid):
        return info
    state.server_file.unlink(missing_ok=True)
    return None


def stop(state: StudioState, timeout: float = 20.0) -> ServerInfo | None:
    """Stop the recorded server's process group (TERM, then KILL); ``None`` if none ran."""
    info = running(state)
    if info is None:
        return None
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(info.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + (timeout if sig == signal.SIGTERM else 5.0)
        while time.monotonic() < deadline and alive(info.pid):
            time.sleep(0.2)
        if not alive(info.pid):
            break
    child = _CHILDREN.pop(info.pid, None)
    if child is not None:
        child.wait(timeout=5.0)
    state.server_file.unlink(missing_ok=True)
    return info
