"""One real Label Studio server for the whole integration session.

The server is started through ``furat studio up`` itself (the CLI entry point, not a
test double), in a temporary copy of the project, on a free port of 127.0.0.1, and is
stopped by ``furat studio down`` at the end. A first start migrates a fresh SQLite
database, which takes about a minute. Every CLI run's output is collected so that a
test can check that no secret was ever printed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from studio_helpers import OFFSETS_ARTICLE, OFFSETS_ID, REPO, Studio, free_port

from furat.ingest import ingest
from furat.paths import Project
from furat.studio.credentials import ENV_PASSWORD, ENV_TOKEN, ENV_URL, ENV_USERNAME


@pytest.fixture(scope="session")
def studio_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    root = tmp_path_factory.mktemp("studio") / "project"
    for name in ("schema", "annotation"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("exports", "articles.jsonl"))
    (root / "annotation" / "exports").mkdir()
    (root / "annotation" / "raw" / f"{OFFSETS_ID}.txt").write_text(OFFSETS_ARTICLE, encoding="utf-8")
    project = Project(root)
    report = ingest(project.raw_dir, project.manifest)
    assert report.written and not report.log.has_errors
    studio = Studio(project, free_port())
    with pytest.MonkeyPatch.context() as mp:
        for name in (ENV_URL, ENV_TOKEN, ENV_USERNAME, ENV_PASSWORD):
            mp.delenv(name, raising=False)
        code, text = studio.cli("up", "--port", str(studio.port), "--timeout", "300")
        assert code == 0, text
        try:
            yield studio
        finally:
            studio.cli("down")


@pytest.fixture()
def studio(studio_session: Studio, monkeypatch: pytest.MonkeyPatch) -> Studio:
    """The session server, running, with no FURAT_LS_* variables in the environment."""
    for name in (ENV_URL, ENV_TOKEN, ENV_USERNAME, ENV_PASSWORD):
        monkeypatch.delenv(name, raising=False)
    studio_session.ensure_up()
    return studio_session
