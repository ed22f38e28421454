"""领域事件: what happened, written to the transactional outbox in the same transaction as the change.

Services record events on their ``Session`` (``session.emit(...)``) instead of calling each other; the session
writes them to ``domain_event_pending`` as the transaction's last statement (no lock: writers commit in parallel),
and right after the commit the sequencer moves what has committed into ``domain_event``, drawing positions there,
so positions are strictly increasing in the order events become visible (migration 0022, ``domain.sequencer``).
Consumers (``domain.consumers``) react after commit: re-grading, public take-down, notifications; the API fans
events out to caches, subscriptions and the feed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

# Pages of the change feed and consumer batches.
MAX_BATCH = 500


class Audience(StrEnum):
    """Who may see an event in the change feed and subscriptions."""

    BUREAU = "bureau"  # officers whose subtree holds the event's region
    SUBJECT = "subject"  # the subject the event concerns
    PUBLIC = "public"  # anyone: published items and their take-down, in redacted form
    FEDERATION = "federation"  # configured department clients (001 art.33), within their agreement


class EventType(StrEnum):
    """Every kind of change the spine carries. Add, never rename: other systems replay these names."""

    RECORD_ENTERED = "record.entered"
    RECORD_DECLARED = "record.declared"
    RECORD_REVIEWED = "record.reviewed"
    RECORD_REJECTED = "record.rejected"
    RECORD_CONFIRMED = "record.confirmed"
    RECORD_AMENDED = "record.amended"
    RECORD_WITHDRAWAL_REQUESTED = "record.withdrawal_requested"
    RECORD_WITHDRAWAL_REFUSED = "record.withdrawal_refused"
    RECORD_WITHDRAWN = "record.withdrawn"
    RESULT_STORED = "result.stored"
    RESULT_SUPERSEDED = "result.superseded"
    PUBLICATION_PREPARED = "publication.prepared"
    PUBLICATION_PUBLISHED = "publication.published"
    PUBLICATION_WITHDRAWN = "publication.withdrawn"
    PUBLICATION_EXPIRED = "publication.expired"
    RULESET_ACTIVATED = "ruleset.activated"
    INSPECTION_PLAN_PUBLISHED = "inspection_plan.published"
    WARNING_RAISED = "warning.raised"
    OBJECTION_SUBMITTED = "objection.submitted"
    OBJECTION_ACCEPTED = "objection.accepted"
    OBJECTION_REFUSED = "objection.refused"
    OBJECTION_UPHELD = "objection.upheld"
    OBJECTION_REJECTED = "objection.rejected"
    REPAIR_SUBMITTED = "repair.submitted"
    REPAIR_APPROVED = "repair.approved"
    REPAIR_REFUSED = "repair.refused"
    REPAIR_REVOKED = "repair.revoked"
    RECORD_REPAIRED = "record.repaired"
    PUBLICATION_DISPUTED = "publication.disputed"  # 异议标注 shown on a public item
    PUBLICATION_DISPUTE_CLOSED = "publication.dispute_closed"
    REPRESENTATIVE_NAMED = "representative.named"  # 代理人 (issue 8)
    REPRESENTATIVE_REVOKED = "representative.revoked"
    JOINT_MEASURES_IMPOSED = "joint_measures.imposed"  # 联合惩戒 (issue 9)
    JOINT_MEASURES_LIFTED = "joint_measures.lifted"
    LIST_ENTRY_PUBLISHED = "list_entry.published"  # 红黑名单 (issue 9)
    LIST_ENTRY_REMOVED = "list_entry.removed"


_B, _S, _P = Audience.BUREAU, Audience.SUBJECT, Audience.PUBLIC
# Who sees each type by default. Public events must carry a redacted ``public_payload``.
AUDIENCES: Mapping[EventType, frozenset[Audience]] = MappingProxyType({
    EventType.RECORD_ENTERED: frozenset({_B, _S}),
    EventType.RECORD_DECLARED: frozenset({_B, _S}),
    EventType.RECORD_REVIEWED: frozenset({_B, _S}),
    EventType.RECORD_REJECTED: frozenset({_B, _S}),
    EventType.RECORD_CONFIRMED: frozenset({_B, _S}),
    EventType.RECORD_AMENDED: frozenset({_B, _S}),
    EventType.RECORD_WITHDRAWAL_REQUESTED: frozenset({_B}),
    EventType.RECORD_WITHDRAWAL_REFUSED: frozenset({_B}),
    EventType.RECORD_WITHDRAWN: frozenset({_B, _S}),
    EventType.RESULT_STORED: frozenset({_B, _S}),
    EventType.RESULT_SUPERSEDED: frozenset({_B, _S}),
    EventType.PUBLICATION_PREPARED: frozenset({_B}),
    EventType.PUBLICATION_PUBLISHED: frozenset({_B, _S, _P, Audience.FEDERATION}),
    EventType.PUBLICATION_WITHDRAWN: frozenset({_B, _S, _P, Audience.FEDERATION}),
    EventType.PUBLICATION_EXPIRED: frozenset({_B, _S, _P, Audience.FEDERATION}),
    EventType.RULESET_ACTIVATED: frozenset({_B}),
    EventType.INSPECTION_PLAN_PUBLISHED: frozenset({_B, _P, Audience.FEDERATION}),
    EventType.WARNING_RAISED: frozenset({_B}),
    EventType.OBJECTION_SUBMITTED: frozenset({_B, _S}),
    EventType.OBJECTION_ACCEPTED: frozenset({_B, _S}),
    EventType.OBJECTION_REFUSED: frozenset({_B, _S}),
    EventType.OBJECTION_UPHELD: frozenset({_B, _S}),
    EventType.OBJECTION_REJECTED: frozenset({_B, _S}),
    EventType.REPAIR_SUBMITTED: frozenset({_B, _S}),
    EventType.REPAIR_APPROVED: frozenset({_B, _S}),
    EventType.REPAIR_REFUSED: frozenset({_B, _S}),
    EventType.REPAIR_REVOKED: frozenset({_B, _S}),
    EventType.RECORD_REPAIRED: frozenset({_B, _S}),
    # the public marker changes a public answer: mirrors and caches must hear of it
    EventType.PUBLICATION_DISPUTED: frozenset({_B, _S, _P, Audience.FEDERATION}),
    EventType.PUBLICATION_DISPUTE_CLOSED: frozenset({_B, _S, _P, Audience.FEDERATION}),
    EventType.REPRESENTATIVE_NAMED: frozenset({_B, _S}),
    EventType.REPRESENTATIVE_REVOKED: frozenset({_B, _S}),
    # The serious-dishonesty list is public, so are the joint measures that follow from it (issue 9).
    EventType.JOINT_MEASURES_IMPOSED: frozenset({_B, _S, _P, Audience.FEDERATION}),
    EventType.JOINT_MEASURES_LIFTED: frozenset({_B, _S, _P, Audience.FEDERATION}),
    # The lists are published with the grades they follow from (004 §三(五)); public in their pushed form.
    EventType.LIST_ENTRY_PUBLISHED: frozenset({_B, _S, _P, Audience.FEDERATION}),
    EventType.LIST_ENTRY_REMOVED: frozenset({_B, _S, _P, Audience.FEDERATION}),
})


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One change, as recorded by the service that made it."""

    type: EventType
    region_code: str
    actor: str
    subject_id: uuid.UUID | None = None
    item_id: uuid.UUID | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    public_payload: Mapping[str, Any] | None = None
    audiences: frozenset[Audience] | None = None  # None: the type's default

    def audience_set(self) -> frozenset[Audience]:
        return self.audiences if self.audiences is not None else AUDIENCES[self.type]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as read back from the outbox."""

    position: int
    type: EventType
    region_code: str
    subject_id: uuid.UUID | None
    item_id: uuid.UUID | None
    actor: str
    audiences: frozenset[Audience]
    payload: Mapping[str, Any]
    public_payload: Mapping[str, Any] | None
    occurred_at: datetime

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> StoredEvent:
        return cls(position=r["position"], type=EventType(r["type"]), region_code=r["region_code"],
                   subject_id=r["subject_id"], item_id=r["item_id"], actor=r["actor"],
                   audiences=frozenset(Audience(a) for a in r["audiences"]), payload=r["payload"] or {},
                   public_payload=r["public_payload"], occurred_at=r["occurred_at"])


EVENT_COLUMNS = ("position, type, region_code, subject_id, item_id, actor, audiences, payload, public_payload, "
                 "occurred_at")

# One round trip, no lock: write the batch to the pending outbox and answer its newest pending id, which
# the sequencer (``domain.sequencer``) turns into a position after the commit.
INSERT_EVENTS = """
WITH e AS (
INSERT INTO domain_event_pending (type, region_code, subject_id, item_id, actor, audiences, payload, public_payload)
SELECT type, region_code, subject_id, item_id, actor, audiences::text[], payload, pp
FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::jsonb[],
            $8::jsonb[]) AS e(type, region_code, subject_id, item_id, actor, audiences, payload, pp)
RETURNING id)
SELECT max(id) FROM e
"""


def insert_query(select: str) -> str:
    """The pending-outbox INSERT of set-based events (``Session.emit_query``): one per row of ``select``."""
    return f"""WITH e AS (INSERT INTO domain_event_pending (type, region_code, subject_id, item_id, actor, audiences,
                   payload, public_payload) {select} RETURNING id)
               SELECT max(id) FROM e"""


def _check(events: Sequence[DomainEvent]) -> None:
    for e in events:
        if (Audience.PUBLIC in e.audience_set()) != (e.public_payload is not None):
            raise ValueError(f"{e.type}: public events, and only they, carry a public payload")


def insert_arguments(events: Sequence[DomainEvent]) -> tuple[list[Any], ...]:
    """The columns of ``INSERT_EVENTS`` for a batch (audiences as a text literal, since arrays of arrays are
    not one of unnest's shapes)."""
    _check(events)
    return (
        [str(e.type) for e in events],
        [e.region_code for e in events],
        [e.subject_id for e in events],
        [e.item_id for e in events],
        [e.actor for e in events],
        ["{" + ",".join(sorted(e.audience_set())) + "}" for e in events],
        [dict(e.payload) for e in events],
        [dict(e.public_payload) if e.public_payload is not None else None for e in events],
    )


def _text(value: str) -> str:
    """``value`` as an escape-string literal: ``E'...'`` reads backslashes the same whatever the session's
    ``standard_conforming_strings``, so doubling them and the quotes is the whole escaping."""
    return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _uuid(value: uuid.UUID | None) -> str:
    return "NULL" if value is None else f"'{uuid.UUID(str(value))}'::uuid"


def _json(value: Mapping[str, Any] | None) -> str:
    return "NULL" if value is None else _text(json.dumps(dict(value))) + "::jsonb"


def insert_statement(events: Sequence[DomainEvent]) -> str:
    """The pending-outbox INSERT of ``events`` with their values written in as literals, the same rows as
    ``INSERT_EVENTS`` with ``insert_arguments`` (and the same JSON as the connection's jsonb codec): a simple
    query can then carry it together with the COMMIT, one round trip (``Session.commit_with_events``)."""
    _check(events)
    rows = [f"({_text(str(e.type))}, {_text(e.region_code)}, {_uuid(e.subject_id)}, {_uuid(e.item_id)}, "
            f"{_text(e.actor)}, {_text('{' + ','.join(sorted(e.audience_set())) + '}')}::text[], "
            f"{_json(e.payload)}, {_json(e.public_payload)})" for e in events]
    return ("INSERT INTO domain_event_pending (type, region_code, subject_id, item_id, actor, audiences, payload, "
            "public_payload) VALUES " + ", ".join(rows))
