"""The incident codes of ``furat convert`` and ``furat validate``, with their severities.

Each code names one check, has exactly one severity, and is documented in
``docs/incidents.md`` with the fixture that triggers it (a test keeps the table, this
registry and ``tests/fixtures/invalid/`` in step). Reporting goes through :func:`report`,
which takes the severity from here, so a code can never be an error in one module and a
warning in another.

Severity rule: an *error* is anything that makes a record wrong or unusable (offsets that
do not match the text, a reference that does not resolve, a label outside the inventory,
two gold candidates); a *warning* is a likely annotation slip that leaves the record
well-formed and usable (a span cutting a word outside a clitic boundary, a stance
question left unanswered).
"""

from __future__ import annotations

from furat.incidents import Incident, IncidentLog, Location, Severity

E: Severity = "error"
W: Severity = "warning"

#: code -> (severity, what the check is)
CODES: dict[str, tuple[Severity, str]] = {
    # reading files
    "JSON_MALFORMED": (E, "a file (export or records) is not valid UTF-8 JSON"),
    "JSON_TRUNCATED": (E, "an export ends before the closing bracket of its task list"),
    "EXPORT_STRUCTURE": (E, "not a Label Studio full-JSON/snapshot task list, or a field has the wrong type"),
    "EXPORT_UNKNOWN_CONTROL": (E, "a result names a control (from_name/to_name) the Furat config lacks"),
    "TASK_DUPLICATE": (E, "one task id appears twice in one export file"),
    "DOC_UNKNOWN": (E, "a task's doc_id is not in the manifest"),
    "DOC_MULTIPLE_TASKS": (E, "two different tasks carry the same doc_id"),
    "TEXT_MISMATCH": (E, "the task's (or record's) text does not hash to the manifest's text_sha256"),
    # gold selection
    "GOLD_AMBIGUOUS": (E, "several completed annotations and none marked ground truth"),
    "GOLD_MULTIPLE_GROUND_TRUTH": (E, "several non-cancelled annotations marked ground truth"),
    # labels and references
    "LABEL_UNKNOWN": (E, "an entity type, event type, evidence actor or stance label outside the inventory"),
    "LABEL_COUNT": (E, "a region, relation or choice with no label or several"),
    "ROLE_UNKNOWN": (E, "an argument role outside the inventory"),
    "ATTRIBUTE_UNKNOWN": (E, "an event attribute value outside the inventory"),
    "ACTOR_UNKNOWN": (E, "an actor id not in schema/actors.yaml (or not a stance target)"),
    "CHOICE_ORPHAN": (E, "a per-region choice whose region is missing or of the wrong kind"),
    "EVIDENCE_ORPHAN": (E, "a stance evidence span for an actor without a stance choice"),
    "REFERENCE_UNRESOLVED": (E, "a relation endpoint or argument mention_id that does not exist"),
    "RELATION_ENDPOINTS": (E, "a relation that does not join an event trigger and an entity mention"),
    # spans
    "SPAN_OUT_OF_RANGE": (E, "offsets that are not integers with 0 <= start <= end <= len(text)"),
    "SPAN_TEXT_MISMATCH": (E, "text[start:end] differs from the span's text"),
    "SPAN_EMPTY": (E, "a zero-length or whitespace-only span"),
    "SPAN_WHITESPACE_EDGE": (E, "a span that starts or ends with whitespace"),
    "SPAN_SPLITS_WORD": (W, "a span boundary inside a word, not at a clitic boundary"),
    "SPAN_DUPLICATE": (E, "two spans of one layer with the same start, end and label"),
    "SPAN_CROSSING": (E, "two entity mentions overlap without one containing the other"),
    "PARENT_MISMATCH": (E, "parent is not the smallest mention strictly containing the mention"),
    "ID_DUPLICATE": (E, "two regions of one annotation, or two records, share an id"),
    # events
    "ROLE_NOT_ALLOWED": (E, "an argument role the event type does not take"),
    "FILLER_TYPE_NOT_ALLOWED": (E, "an argument filler whose entity type the role does not allow"),
    "ARGUMENT_DUPLICATE": (E, "the same role and mention twice in one event"),
    "ACTOR_LINK_TYPE": (E, "an actor link on an entity type not in actor_link_types"),
    # stance
    "STANCE_DUPLICATE": (E, "two stance items (or choices) for one actor"),
    "STANCE_UNMENTIONED_ACTOR": (E, "FAVOR/AGAINST/NEUTRAL toward an actor the article never mentions"),
    "STANCE_NOT_MENTIONED_CONTRADICTED": (E, "NOT_MENTIONED for an actor the article mentions"),
    "STANCE_INCOMPLETE": (W, "an annotated article without a stance choice for every stance target"),
    # structure of records
    "SCHEMA_VIOLATION": (E, "a record breaks schema/document.schema.json"),
}


def severity(code: str) -> Severity:
    """Severity of ``code``; an unregistered code is a programming error."""
    return CODES[code][0]


def make(code: str, message: str, location: Location) -> Incident:
    """An :class:`Incident` with the registered severity of ``code``."""
    return Incident(code, severity(code), message, location)


def report(log: IncidentLog, code: str, message: str, location: Location) -> None:
    """Add one incident to ``log`` with the registered severity of ``code``."""
    log.add(make(code, message, location))
