"""The annotation workflow on a real Label Studio server (``furat studio …``).

One small module per job: :mod:`.credentials` (state folder and admin secrets),
:mod:`.server` (start/stop the local server), :mod:`.connect` (which server and token a
command uses), :mod:`.client` (the SDK with one-line errors and counted requests),
:mod:`.push` (tasks and pre-annotations, idempotent and resumable), :mod:`.configcheck`
(a config change must not orphan annotations) and :mod:`.pull` (append-only snapshot
exports). The pre-annotator itself is :mod:`furat.gazetteer`.
"""
