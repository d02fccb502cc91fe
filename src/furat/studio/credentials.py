"""Where the local server's state lives, and the admin credentials it is started with.

The admin username, password and API token come from the environment
(``FURAT_LS_USERNAME``, ``FURAT_LS_PASSWORD``, ``FURAT_LS_TOKEN``) or, for whatever the
environment does not give, are generated once and kept in
``.furat/studio/credentials.json`` with mode 0600 inside a 0700 folder that git ignores.
Generated secrets are stored so that ``push``/``pull`` run later (or by another shell)
can authenticate; secrets taken from the environment are never written to disk, because
the person who set them already keeps them somewhere.

Secrets never leave this module in clear except towards the server: everything printed
goes through :func:`mask`, which shows at most a short prefix.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from furat.errors import FuratError
from furat.fsutil import atomic_write_text
from furat.paths import Project

ENV_URL = "FURAT_LS_URL"
ENV_TOKEN = "FURAT_LS_TOKEN"
ENV_USERNAME = "FURAT_LS_USERNAME"
ENV_PASSWORD = "FURAT_LS_PASSWORD"

DEFAULT_USERNAME = "admin@furat.local"
#: Label Studio keeps legacy tokens in Django REST framework's ``Token.key`` column
#: (at most 40 characters) and ignores a token of 5 characters or fewer.
LEGACY_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{6,40}$")


@dataclass(frozen=True)
class StudioState:
    """The git-ignored folder of the local server: database, log, PID file, secrets."""

    root: Path

    @classmethod
    def for_project(cls, project: Project) -> StudioState:
        return cls(project.state_dir / "studio")

    @property
    def data_dir(self) -> Path:
        """``LABEL_STUDIO_BASE_DATA_DIR``: the SQLite database and uploaded media."""
        return self.root / "data"

    @property
    def credentials_file(self) -> Path:
        return self.root / "credentials.json"

    @property
    def server_file(self) -> Path:
        return self.root / "server.json"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def ensure(self) -> None:
        """Create the folder readable by its owner only (it holds a database and secrets)."""
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)


@dataclass(frozen=True)
class Credentials:
    """Admin credentials and, per field, where each came from (shown to the user)."""

    username: str
    password: str
    token: str
    password_source: str
    token_source: str

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in output or logs."""
        return (self.password, self.token)


def mask(secret: str) -> str:
    """A printable stand-in: the first 4 characters of a long secret, else nothing."""
    return f"{secret[:4]}…" if len(secret) >= 16 else "…"


def scrub(text: str, hidden: tuple[str, ...]) -> str:
    """``text`` with every secret in ``hidden`` replaced by its mask."""
    for value in hidden:
        if value:
            text = text.replace(value, mask(value))
    return text


def _read_stored(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise FuratError(f"{path}: unreadable ({err.__class__.__name__}); delete it to regenerate") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise FuratError(f"{path}: not a JSON object of strings; delete it to regenerate")
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return data


def local_credentials(state: StudioState, env: Mapping[str, str] | None = None) -> Credentials:
    """Credentials for the local server: environment first, then the stored file, else new.

    Newly generated values are written to the credentials file (0600) before returning,
    so the server and later commands agree on them.
    """
    env = os.environ if env is None else env
    state.ensure()
    stored = _read_stored(state.credentials_file)
    rel = f"{state.credentials_file}"
    changed = False

    def pick(env_name: str, key: str, make: str) -> tuple[str, str]:
        nonlocal changed
        if env.get(env_name):
            return env[env_name], f"${env_name}"
        if key not in stored:
            stored[key] = make
            changed = True
        return stored[key], rel

    username, _ = pick(ENV_USERNAME, "username", DEFAULT_USERNAME)
    password, password_source = pick(ENV_PASSWORD, "password", secrets.token_urlsafe(18))
    token, token_source = pick(ENV_TOKEN, "token", secrets.token_hex(20))
    if not LEGACY_TOKEN_RE.match(token):
        raise FuratError(
            f"{token_source}: a local server's API token must be 6-40 letters, digits, '-' or '_'"
        )
    if changed:
        atomic_write_text(
            state.credentials_file, json.dumps(stored, indent=2, sort_keys=True) + "\n", mode=0o600
        )
    return Credentials(username, password, token, password_source, token_source)


def stored_token(state: StudioState) -> str | None:
    """The generated token of the local server, if one was stored (no file is created)."""
    return _read_stored(state.credentials_file).get("token")
