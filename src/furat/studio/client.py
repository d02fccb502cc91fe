"""The Label Studio API as Furat uses it: the 2.x SDK, with one-line errors and counted requests.

Everything goes through ``label_studio_sdk.LabelStudio`` on an ``httpx.Client`` we own,
for three reasons:

* every request passes an event hook, so ``requests`` counts them (the benchmark and the
  tests check that an import is a few large requests, not one per task);
* the SDK's automatic retries are off (``max_retries=0``): retrying a bulk import after a
  dropped connection could import the batch twice; ``push`` recovers by re-reading the
  server instead;
* every SDK or transport failure becomes a :class:`FuratError` with one line saying what
  to do. ``str(ApiError)`` includes response headers (cookies), so it is never shown.

The SDK's pager asks for one page past the end (a 404), so pages are walked by hand.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import httpx
from label_studio_sdk.base_client import LabelStudioBase
from label_studio_sdk.core.api_error import ApiError

from furat.errors import FuratError
from furat.studio.credentials import ENV_TOKEN, ENV_URL, scrub

DEFAULT_TIMEOUT = 60.0
#: Imports of hundreds of tasks and synchronous exports of large projects take minutes.
LONG_TIMEOUT = 900.0
CONFIG_HINTS = {
    "title": "choose another title with --project",
    "label_config": "fix schema/labels.yaml and run `furat schema generate`",
}


@dataclass(frozen=True)
class ProjectInfo:
    """The fields of a Label Studio project that push and pull need."""

    id: int
    title: str
    label_config: str
    model_version: str
    task_number: int
    annotations: int


def _detail(body: Any) -> str:
    """The human part of an error body: validation errors, else ``detail``, else text."""
    if isinstance(body, Mapping):
        errors = body.get("validation_errors")
        if isinstance(errors, Mapping) and errors:
            parts = []
            for field, messages in errors.items():
                items = messages if isinstance(messages, list) else [messages]
                parts.append(f"{field}: {' '.join(str(m) for m in items)}")
            return "; ".join(p.rstrip(".") for p in parts)
        if body.get("detail"):
            return str(body["detail"])
    text = str(body).strip()
    return text[:300] if text else "no details"


class StudioClient:
    """A connection to one Label Studio server with one API token."""

    def __init__(self, url: str, token: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.requests = 0
        self._token = token
        self._http = httpx.Client(
            timeout=timeout, follow_redirects=True, event_hooks={"request": [self._count]}
        )
        # The typed base client: the subclass only adds untyped convenience wrappers.
        self.sdk = LabelStudioBase(
            base_url=self.url, api_key=token, httpx_client=self._http, max_retries=0
        )

    def _count(self, request: httpx.Request) -> None:
        self.requests += 1

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> StudioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def call(self, action: str, hints: Mapping[str, str] | None = None) -> Iterator[None]:
        """Run SDK calls, turning any failure into one actionable :class:`FuratError`.

        ``hints`` maps a request field to what the user should change when the server
        refuses that field (HTTP 400 with ``validation_errors``).
        """
        try:
            yield
        except ApiError as err:
            error = self._api_error(action, err)
            fields = err.body.get("validation_errors") if isinstance(err.body, Mapping) else None
            extra = [hints[f] for f in (fields or {}) if hints and f in hints]
            raise (FuratError(f"{error}; {'; '.join(extra)}") if extra else error) from None
        except (httpx.ConnectError, httpx.ConnectTimeout):
            raise FuratError(
                f"cannot reach Label Studio at {self.url} while {action}: start it with "
                f"`furat studio up`, or point {ENV_URL} at a running server"
            ) from None
        except httpx.TimeoutException:
            raise FuratError(
                f"Label Studio at {self.url} did not answer in time while {action}"
            ) from None
        except httpx.TransportError as err:
            raise FuratError(
                f"connection to Label Studio at {self.url} lost while {action} "
                f"({err.__class__.__name__}); check the server and run the command again"
            ) from None

    def _api_error(self, action: str, err: ApiError) -> FuratError:
        status = err.status_code
        detail = scrub(_detail(err.body), (self._token,))
        if status == 401:
            return FuratError(
                f"Label Studio at {self.url} rejected the API token ({detail}): set {ENV_TOKEN} "
                "to a valid token (Account & Settings in the web UI)"
            )
        if status == 403:
            return FuratError(f"the API token may not do this on {self.url} while {action}: {detail}")
        if status is not None and status >= 500:
            return FuratError(f"Label Studio at {self.url} failed while {action} (HTTP {status}): {detail}")
        return FuratError(f"Label Studio refused {action} (HTTP {status}): {detail}")

    # -- identity ---------------------------------------------------------------------

    def whoami(self) -> str:
        """The e-mail of the token's user; the cheapest authenticated request."""
        with self.call("checking the API token"):
            return str(self.sdk.users.whoami().email or "")

    def version(self) -> str:
        with self.call("reading the server version"):
            return str(self.sdk.versions.get().release or "unknown")

    # -- projects -----------------------------------------------------------------------

    def find_project(self, title: str) -> ProjectInfo | None:
        """The project titled exactly ``title``; an error if several share the title."""
        with self.call(f"looking up project {title!r}"):
            page = self.sdk.projects.list(title=title, page_size=100)
        found = [p for p in (page.items or []) if p.title == title]
        if len(found) > 1:
            ids = ", ".join(str(p.id) for p in found)
            raise FuratError(f"several projects are titled {title!r} (ids {ids}); rename all but one")
        if not found:
            return None
        p = found[0]
        return ProjectInfo(
            id=int(p.id or 0),
            title=str(p.title),
            label_config=str(p.label_config or ""),
            model_version=str(p.model_version or ""),
            task_number=int(p.task_number or 0),
            annotations=int(p.total_annotations_number or 0),
        )

    def create_project(self, title: str, label_config: str, model_version: str) -> int:
        with self.call(f"creating project {title!r}", CONFIG_HINTS):
            created = self.sdk.projects.create(
                title=title,
                label_config=label_config,
                model_version=model_version,
                description="Furat: Arabic news on the Syrian conflict (managed by `furat studio`)",
                show_collab_predictions=True,
            )
        return int(created.id or 0)

    def update_project(self, project_id: int, **fields: str) -> None:
        """PATCH ``label_config`` and/or ``model_version``; the server re-validates."""
        with self.call("updating the project's labeling config", CONFIG_HINTS):
            self.sdk.projects.update(project_id, **cast(Any, fields))

    # -- tasks --------------------------------------------------------------------------

    def task_pages(
        self, project_id: int, page_size: int, *, full: bool = False
    ) -> Iterator[list[dict[str, Any]]]:
        """Every task of a project, one list per page (``full``: with annotations, drafts)."""
        seen, page = 0, 1
        while True:
            with self.call("listing the project's tasks"):
                pager = self.sdk.tasks.list(
                    project=project_id, page=page, page_size=page_size,
                    fields="all" if full else None, resolve_uri=False,
                    request_options={"timeout": LONG_TIMEOUT},
                )  # fmt: skip
            # Without ``full`` only id and data are kept: a page of thousands of articles
            # should not be held three times (JSON, SDK models, dicts).
            items = [
                t.model_dump() if full else {"id": t.id, "data": t.data} for t in (pager.items or [])
            ]
            total = int(getattr(pager.response, "total", 0) or 0)
            seen += len(items)
            if items:
                yield items
            if not items or seen >= total:
                return
            page += 1

    def import_tasks(self, project_id: int, tasks: Sequence[Mapping[str, Any]]) -> int:
        """One bulk import request; returns how many tasks the server created."""
        with self.call(f"importing {len(tasks)} tasks"):
            result = self.sdk.projects.import_tasks(
                project_id,
                # Plain dicts: the SDK's request model insists on a task id inside each
                # prediction, which a task being created cannot have yet.
                request=cast(Any, tasks),
                return_task_ids=False,
                request_options={"timeout": LONG_TIMEOUT},
            )
        return int(result.task_count or 0)

    # -- exports ------------------------------------------------------------------------

    def create_export(self, project_id: int, title: str, options: Mapping[str, Any]) -> tuple[int, str]:
        """Start a snapshot export; wait until it is built; return its id and server MD5."""
        with self.call("creating the export snapshot"):
            created = self.sdk.projects.exports.create(
                project_id, title=title, request_options={"timeout": LONG_TIMEOUT}, **cast(Any, options)
            )
            export_id = int(created.id or 0)
            status, md5 = created.status, created.md5
            deadline = time.monotonic() + LONG_TIMEOUT
            while status not in ("completed", "failed") and time.monotonic() < deadline:
                time.sleep(1.0)
                current = self.sdk.projects.exports.get(project_id, export_id)
                status, md5 = current.status, current.md5
        if status != "completed":
            raise FuratError(f"Label Studio did not build export {export_id} ({status}); see its log")
        return export_id, str(md5 or "")

    def download_export(self, project_id: int, export_id: int) -> Iterator[bytes]:
        """The export file's bytes as they stream in."""
        with self.call("downloading the export snapshot"):
            yield from self.sdk.projects.exports.download(
                project_id, export_id, export_type="JSON",
                request_options={"timeout": LONG_TIMEOUT, "chunk_size": 1 << 20},
            )  # fmt: skip
