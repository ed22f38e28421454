"""回调推送: record a delivery for each webhook subscription that may see an event, and queue its job.

The deliveries and their jobs commit with this consumer's bookmark, so no event is lost or delivered to a
subscription twice by this step (the sending is at least once, in the worker). Each subscription's scope is a
``domain.feed.FeedScope``: the test the change feed applies, so a webhook never shows more than the feed would.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.consumers.bus import Consumer
from domain.events import EventType, StoredEvent
from domain.session import Session
from domain.webhooks import WebhookAudience, enqueue, scope_of, subscription_matches

TYPES = frozenset(EventType)


async def handle(session: Session, events: Sequence[StoredEvent]) -> None:
    """One pending delivery and one queued job per (active subscription, visible event)."""
    subs = await session.fetch(
        "SELECT id, region_code, audience, types, after_position FROM webhook_subscription WHERE active")
    if not subs:
        return
    rows = []
    for sub in subs:
        scope = scope_of(region_code=sub["region_code"], audience=WebhookAudience(sub["audience"]))
        for e in events:
            if scope.sees(e) and subscription_matches(sub, position=e.position, event_type=e.type):
                rows.append((sub["id"], e.position, sub["region_code"], str(e.type)))
    if not rows:
        return
    created = await session.fetch(
        """INSERT INTO webhook_delivery (subscription_id, position, region_code, event_type)
           SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[])
           ON CONFLICT (subscription_id, position) DO NOTHING RETURNING id""",
        [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows])
    await enqueue(session=session, jobs=[(r["id"], 0, 0, 0.0) for r in created])


# Not drained by the writing request: it only queues deliveries, which the worker sends later anyway; the
# listeners drain it on the sequencer's NOTIFY (domain/sequencer.py).
CONSUMER = Consumer(name="webhooks", types=TYPES, handle=handle, synchronous=False)
