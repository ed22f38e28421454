"""撤回与下架: withdrawing a publication, prepared or published; it leaves the public at once and the feed
tells mirrors to delete it.
"""

from __future__ import annotations

import uuid

from domain.access import Access
from domain.errors import Conflict, InvalidInput
from domain.events import AUDIENCES, Audience, DomainEvent, EventType
from domain.publication_views import PUBLICATION_COLUMNS, ItemType, PublicationStatus, PublicationView, publication_row
from domain.session import Session


async def withdraw(*, session: Session, access: Access, id: uuid.UUID, reason: str) -> PublicationView:
    """Withdraw a prepared or published item, with a reason; it leaves the public at once."""
    if not reason.strip():
        raise InvalidInput("请说明撤回原因。", en="Say why the item is withdrawn.", field="reason")
    pub = await publication_row(session, id)
    access.require("publication", "withdraw", region_code=pub["region_code"])
    pub = await publication_row(session, id, lock=True)
    if pub["status"] == PublicationStatus.WITHDRAWN:
        raise Conflict("该事项已撤回。", en="This item is already withdrawn.", field="id")
    (updated,) = await take_down(session=session, ids=[id], actor=access.principal.actor, reason=reason.strip())
    return updated


async def take_down(*, session: Session, ids: list[uuid.UUID], actor: str, reason: str) -> list[PublicationView]:
    """下架: withdraw live publications (prepared or published) with a reason, and announce each in the feed so
    that mirrors delete what is no longer public. Already withdrawn ones are left as they are."""
    rows = await session.fetch(
        f"""UPDATE publication AS p SET status = 'withdrawn', withdrawn_by = $2, withdrawn_at = now(),
                withdraw_reason = $3 WHERE p.id = ANY($1) AND p.status <> 'withdrawn'
            RETURNING {PUBLICATION_COLUMNS}""", ids, actor, reason)
    views = [PublicationView.from_record(r) for r in rows]
    for v in views:
        was_public = v.published_at is not None
        session.emit(DomainEvent(
            type=EventType.PUBLICATION_WITHDRAWN, region_code=v.region_code, subject_id=v.subject_id, item_id=v.id,
            actor=actor,
            payload={"publicationId": str(v.id), "itemType": str(v.item_type), "itemId": str(v.item_id),
                     "reason": reason, "wasPublic": was_public},
            # the take-down is public (mirrors must delete the item); a never-published one concerns no one else
            public_payload={"publicationId": str(v.id), "itemType": str(v.item_type), "regionCode": v.region_code}
            if was_public else None,
            audiences=None if was_public else frozenset(AUDIENCES[EventType.PUBLICATION_WITHDRAWN]
                                                        - {Audience.PUBLIC, Audience.FEDERATION})))
    return views


async def live_publications_of(*, session: Session, item_type: ItemType, item_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The prepared or published publications of these records or results."""
    rows = await session.fetch(
        "SELECT id FROM publication WHERE item_type = $1 AND item_id = ANY($2) AND status <> 'withdrawn'",
        str(item_type), item_ids)
    return [r["id"] for r in rows]
