"""公示期满: announce in the feed that a publication's disclosure window has ended, once per publication.

The public views already hide an item once ``public_until`` has passed (migration 0003); this makes the end
visible to those who follow the feed, so mirrors delete the item as they do for a take-down. The worker runs
``announce_expiries`` every minute (``api.worker``); a marker row per announced publication makes it
idempotent, and ``SKIP LOCKED`` lets two workers run it at once without announcing anything twice.
"""

from __future__ import annotations

from domain.db import Database
from domain.db_scope import DbScope
from domain.events import MAX_BATCH, DomainEvent, EventType
from domain.rules.disclosure import beijing_iso

ACTOR = "system:expiry"


async def announce_expiries(*, db: Database, batch: int = MAX_BATCH) -> int:
    """Emit ``publication.expired`` for each published item whose window has ended and was not announced yet;
    returns how many were announced."""
    total = 0
    while True:
        async with db.session(DbScope.system(actor=ACTOR)) as s:
            # The database's clock, the one the public views compare windows with.
            rows = await s.fetch(
                """SELECT p.id, p.region_code, p.subject_id, p.item_type, p.item_id, p.public_until
                   FROM publication p
                   WHERE p.status = 'published' AND p.public_until IS NOT NULL AND p.public_until <= now()
                     AND NOT EXISTS (SELECT 1 FROM publication_expiry e WHERE e.publication_id = p.id)
                   ORDER BY p.public_until, p.id LIMIT $1
                   FOR UPDATE OF p SKIP LOCKED""", batch)
            if not rows:
                return total
            marked = {r["publication_id"] for r in await s.fetch(
                """INSERT INTO publication_expiry (publication_id, region_code, public_until)
                   SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
                   ON CONFLICT DO NOTHING RETURNING publication_id""",
                [r["id"] for r in rows], [r["region_code"] for r in rows], [r["public_until"] for r in rows])}
            for r in rows:
                if r["id"] not in marked:
                    continue
                until = beijing_iso(r["public_until"])
                s.emit(DomainEvent(
                    type=EventType.PUBLICATION_EXPIRED, region_code=r["region_code"], subject_id=r["subject_id"],
                    item_id=r["id"], actor=ACTOR,
                    payload={"publicationId": str(r["id"]), "itemType": r["item_type"], "itemId": str(r["item_id"]),
                             "publicUntil": until},
                    # the same public form as a take-down: mirrors delete the item
                    public_payload={"publicationId": str(r["id"]), "itemType": r["item_type"],
                                    "regionCode": r["region_code"], "publicUntil": until}))
            total += len(marked)
        if len(rows) < batch:
            return total
