"""告知: the subject hears when an item about it is published or taken down (002 art.23)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.consumers.bus import Consumer
from domain.events import EventType, StoredEvent
from domain.rules.notifications import published_message, withdrawn_message
from domain.session import Session
from tenants import region_tree

TYPES = frozenset({EventType.PUBLICATION_PUBLISHED, EventType.PUBLICATION_WITHDRAWN})


async def handle(session: Session, events: Sequence[StoredEvent]) -> None:
    """One notification per publication published, and per published one taken down."""
    rows = []
    for e in events:
        p = e.payload
        if e.subject_id is None:
            continue
        if e.type is EventType.PUBLICATION_PUBLISHED:
            until = datetime.fromisoformat(p["publicUntil"]) if p.get("publicUntil") else None
            message = published_message(category=p.get("category"), grade=p.get("grade"),
                                        cycle_year=p.get("cycleYear"),
                                        publisher_name=region_tree().get(p["publisherRegion"]).name,
                                        public_until=until)
            kind = "published"
        elif p.get("wasPublic"):
            details = await session.fetchrow("SELECT category, grade, cycle_year FROM publication WHERE id = $1",
                                              e.item_id)
            message = withdrawn_message(category=details["category"] if details else None,
                                        grade=details["grade"] if details else None,
                                        cycle_year=details["cycle_year"] if details else None,
                                        reason=p.get("reason", ""))
            kind = "withdrawn"
        else:
            continue
        rows.append((e.subject_id, e.region_code, kind, message, e.item_id))
    if rows:
        await session.executemany(
            """INSERT INTO notification (subject_id, region_code, kind, message, publication_id)
               VALUES ($1, $2, $3, $4, $5)""", rows)


CONSUMER = Consumer(name="notify", types=TYPES, handle=handle)
