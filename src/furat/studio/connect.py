"""Which Label Studio server a command talks to, and with which token.

Two setups, and nothing in between, so a command never guesses:

* ``FURAT_LS_URL`` is set: a remote (or separately run) server. ``FURAT_LS_TOKEN`` must
  be set too; the local state folder is not consulted.
* Otherwise: the local server recorded by ``furat studio up``. Its token is
  ``FURAT_LS_TOKEN`` if set, else the one generated into ``.furat/studio/credentials.json``.

:func:`connect` also makes one authenticated request, so a wrong token or a dead server
fails here with its own message instead of halfway through a push.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from furat.errors import FuratError
from furat.paths import Project
from furat.studio import server
from furat.studio.client import StudioClient
from furat.studio.credentials import ENV_TOKEN, ENV_URL, StudioState, stored_token


@dataclass(frozen=True)
class Target:
    """A server URL, the token to use there, and where the token came from."""

    url: str
    token: str
    remote: bool
    token_source: str


def resolve(project: Project, env: Mapping[str, str] | None = None) -> Target:
    """The server and token to use, from the environment or the local state folder."""
    env = os.environ if env is None else env
    url = env.get(ENV_URL, "").strip()
    token = env.get(ENV_TOKEN, "").strip()
    if url:
        if not url.startswith(("http://", "https://")):
            raise FuratError(f"{ENV_URL}={url!r} is not an http(s) URL")
        if not token:
            raise FuratError(f"{ENV_URL} is set but {ENV_TOKEN} is not: set it to your API token there")
        return Target(url.rstrip("/"), token, True, f"${ENV_TOKEN}")
    state = StudioState.for_project(project)
    info = server.running(state)
    if info is None:
        raise FuratError(
            "no local Label Studio is running: start one with `furat studio up`, "
            f"or set {ENV_URL} and {ENV_TOKEN} to use another server"
        )
    if token:
        return Target(info.url, token, False, f"${ENV_TOKEN}")
    stored = stored_token(state)
    if not stored:
        raise FuratError(f"no API token: set {ENV_TOKEN} (none stored in {state.credentials_file})")
    return Target(info.url, stored, False, str(state.credentials_file))


def connect(project: Project, env: Mapping[str, str] | None = None) -> StudioClient:
    """An authenticated client for the resolved server (checked with one request)."""
    target = resolve(project, env)
    client = StudioClient(target.url, target.token)
    try:
        client.whoami()
    except BaseException:
        client.close()
        raise
    return client
