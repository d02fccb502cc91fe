"""Helpers shared by the integration tests: the test server handle, a sign-up, ports."""

from __future__ import annotations

import contextlib
import io
import json
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from furat.cli import main
from furat.paths import Project
from furat.studio import server
from furat.studio.client import StudioClient
from furat.studio.credentials import StudioState

REPO = Path(__file__).resolve().parents[2]

#: An article made to break offsets: diacritics, tatweel, an emoji and a Latin word
#: before annotated spans, and guillemets around a name.
OFFSETS_ARTICLE = (
    "اختبار الإزاحات في الرقة\n\n"
    "عاجل 🚨 قال مراسل Reuters إنّ «قسد» سيطرت على الرَّقّـــة بعد انسحاب تنظيمُ الدولةِ "
    "منها، وقال إن الأهالي بخير.\n"
)
OFFSETS_ID = "005_offsets_test"


def span(text: str, needle: str) -> dict[str, Any]:
    """Offsets and text of the first ``needle`` in ``text`` (code points)."""
    start = text.index(needle)
    return {"start": start, "end": start + len(needle), "text": needle}


def offsets_layers(text: str) -> dict[str, Any]:
    """Canonical layers for the offsets article, positions found in the clean text."""

    def at(needle: str) -> dict[str, Any]:
        return span(text, needle)

    return {
        "entities": [
            {"id": "e1", **at("قسد"), "type": "ORG", "actor": "sdf", "parent": None},
            {"id": "e2", **at("الرَّقّـــة"), "type": "GPE", "actor": None, "parent": None},
            {"id": "e3", **at("تنظيمُ الدولةِ"), "type": "ORG", "actor": "isis", "parent": None},
        ],
        "events": [
            {
                "id": "v1",
                "type": "TERRITORY_CAPTURED",
                "trigger": at("سيطرت"),
                "modality": "REPORTED",
                "polarity": "POSITIVE",
                "arguments": [
                    {"role": "agent", "mention_id": "e1"},
                    {"role": "place", "mention_id": "e2"},
                ],
            }
        ],
        "stance": [
            {"actor": "sdf", "label": "NEUTRAL", "evidence": [at("سيطرت على الرَّقّـــة")]},
            {"actor": "isis", "label": "AGAINST", "evidence": []},
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Studio:
    """The running test server and the project folder it belongs to."""

    project: Project
    port: int
    outputs: list[str] = field(default_factory=list)

    @property
    def state(self) -> StudioState:
        return StudioState.for_project(self.project)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return str(json.loads(self.state.credentials_file.read_text())["token"])

    @property
    def password(self) -> str:
        return str(json.loads(self.state.credentials_file.read_text())["password"])

    def cli(self, *args: str) -> tuple[int, str]:
        """Run ``furat --root <project> studio <args>``; return exit code and output."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--root", str(self.project.root), "studio", *args])
        text = out.getvalue() + err.getvalue()
        self.outputs.append(text)
        return code, text

    def client(self, token: str | None = None) -> StudioClient:
        return StudioClient(self.url, token or self.token)

    def ensure_up(self) -> None:
        """Restart the server if a test killed it (same data folder, same port)."""
        if server.running(self.state) is None or not server.healthy(self.url):
            code, text = self.cli("up", "--port", str(self.port), "--timeout", "300")
            assert code == 0, text


def signup(url: str, email: str, password: str) -> str:
    """A new annotator signs up through the web form and reads their own API token."""
    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as web:
        web.get("/user/signup/")
        csrf = web.cookies.get("csrftoken") or ""
        answer = web.post(
            "/user/signup/",
            data={"csrfmiddlewaretoken": csrf, "email": email, "password": password},
            headers={"X-CSRFToken": csrf, "Referer": f"{url}/user/signup/"},
        )
        assert answer.status_code == 302, answer.text[:300]
        token = web.get("/api/current-user/token")
        assert token.status_code == 200, token.text[:300]
        return str(token.json()["token"])
