"""下架: what stops being true stops being public, at once.

A withdrawn record, an amended record (its published content is being corrected) and a superseded result take
their live publications down; each take-down is announced in the public feed so mirrors delete the item.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain import publication_withdrawal
from domain.consumers.bus import Consumer
from domain.events import EventType, StoredEvent
from domain.publication_views import ItemType
from domain.session import Session

REASONS = {
    EventType.RECORD_WITHDRAWN: "信用记录已撤销",
    EventType.RECORD_AMENDED: "信用记录正在更正，更正确认后重新公开",
    EventType.RESULT_SUPERSEDED: "评价结果已被重新评价取代",
    EventType.RECORD_REPAIRED: "信用修复已获准，停止公示",
}
TYPES = frozenset(REASONS)


async def handle(session: Session, events: Sequence[StoredEvent]) -> None:
    """Take down the live publications of the records and results these events end."""
    for e in events:
        if e.item_id is None:
            continue
        item_type = ItemType.RESULT if e.type is EventType.RESULT_SUPERSEDED else ItemType.RECORD
        ids = await publication_withdrawal.live_publications_of(session=session, item_type=item_type,
                                                                item_ids=[e.item_id])
        if ids:
            await publication_withdrawal.take_down(session=session, ids=ids, actor="system:takedown",
                                                   reason=REASONS[e.type])


CONSUMER = Consumer(name="takedown", types=TYPES, handle=handle)
