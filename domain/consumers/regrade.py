"""实时评价: re-grade a subject once a record in force changes (001 art.17), after the change has committed.

Several confirmations of one subject in a batch re-grade it once per cycle; the consumer's bookmark lock and
the subject row lock taken by the evaluation serialise re-grading, so concurrent confirmations never clash.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from domain import evaluation
from domain.consumers.bus import Consumer
from domain.events import EventType, StoredEvent
from domain.rules.disclosure import CHINA_STANDARD_TIME
from domain.session import Session

# A repair approved (or revoked for false materials) changes what counts where the rule set says so.
TYPES = frozenset({EventType.RECORD_CONFIRMED, EventType.RECORD_WITHDRAWN, EventType.RECORD_REPAIRED,
                   EventType.REPAIR_REVOKED})


def _today() -> date:
    return datetime.now(tz=CHINA_STANDARD_TIME).date()


async def handle(session: Session, events: Sequence[StoredEvent]) -> None:
    """Re-grade each (subject, cycle) the events touch, once, in the order they first appear."""
    seen: dict[tuple[uuid.UUID, int], StoredEvent] = {}
    for e in events:
        year = e.payload.get("cycleYear")
        if year is None and "recordId" in e.payload:
            year = await session.fetchval(
                """SELECT extract(year FROM coalesce(v.occurred_on, v.decided_on))::int FROM credit_record r
                   JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
                   WHERE r.id = $1""", uuid.UUID(str(e.payload["recordId"])))
        if e.subject_id is None or year is None:
            continue
        seen.setdefault((e.subject_id, int(year)), e)
    today = _today()
    for (subject_id, year), e in seen.items():
        await evaluation.reevaluate_after_change(session=session, subject_id=subject_id, cycle_year=year,
                                                 today=today, actor=e.actor)


CONSUMER = Consumer(name="regrade", types=TYPES, handle=handle)
