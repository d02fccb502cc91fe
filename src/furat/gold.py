"""Which annotation of a task becomes the gold record, and who made it.

The rule (documented in ``docs/incidents.md``), applied per task:

1. Cancelled (skipped) annotations and drafts are never gold.
2. If exactly one of the remaining annotations is marked ``ground_truth``, it is gold
   (``gold: "ground_truth"``); if several are, the task is refused
   (``GOLD_MULTIPLE_GROUND_TRUTH``), because choosing one would hide a disagreement the
   reviewers thought they had settled.
3. Otherwise, a single completed annotation is gold (``gold: "single_annotation"``).
4. Several completed annotations and no ground truth: refused (``GOLD_AMBIGUOUS``) — a
   reviewer must mark one as ground truth in Label Studio. Furat never merges or votes,
   so every gold span can be traced to one person's decision.
5. No completed annotation: the article gets a record with empty layers and
   ``gold: "none"``.

Annotators appear only as ``annotator-<Label Studio user id>``: the export may carry
e-mail addresses and names, which must not reach a published dataset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

GoldRule = Literal["ground_truth", "single_annotation", "none"]


@dataclass(frozen=True)
class GoldChoice:
    """The outcome for one task: the rule applied, the gold annotation, or a refusal."""

    rule: GoldRule
    annotation: Mapping[str, Any] | None = None
    refusal: tuple[str, str] | None = None  # (incident code, message)


def user_id(completed_by: Any) -> int | None:
    """The Label Studio user id in ``completed_by`` (a user id or a user object)."""
    if isinstance(completed_by, Mapping):
        completed_by = completed_by.get("id")
    if isinstance(completed_by, int) and not isinstance(completed_by, bool):
        return completed_by
    return None


def annotator_id(completed_by: Any) -> str | None:
    """Pseudonymous annotator id from ``completed_by`` (a user id or a user object)."""
    user = user_id(completed_by)
    return None if user is None else f"annotator-{user}"


def choose_gold(annotations: Sequence[Mapping[str, Any]]) -> GoldChoice:
    """Apply the gold rule to a task's (non-draft) annotations."""
    live = [a for a in annotations if not a.get("was_cancelled")]
    truth = [a for a in live if a.get("ground_truth")]
    if len(truth) > 1:
        ids = ", ".join(str(a.get("id")) for a in truth)
        return GoldChoice(
            "none",
            refusal=(
                "GOLD_MULTIPLE_GROUND_TRUTH",
                f"annotations {ids} are all marked ground truth; keep exactly one",
            ),
        )
    if truth:
        return GoldChoice("ground_truth", truth[0])
    if len(live) == 1:
        return GoldChoice("single_annotation", live[0])
    if live:
        ids = ", ".join(str(a.get("id")) for a in live)
        return GoldChoice(
            "none",
            refusal=(
                "GOLD_AMBIGUOUS",
                f"{len(live)} completed annotations ({ids}) and none is ground truth; "
                "mark one as ground truth in Label Studio",
            ),
        )
    return GoldChoice("none")
