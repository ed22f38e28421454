"""通知: the messages a credit subject receives about its archive (each publication, 002 art.23)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.access import Access, PrincipalKind
from domain.errors import Forbidden
from domain.session import Session


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    message: str
    publication_id: uuid.UUID | None
    created_at: datetime


async def my_notifications(*, session: Session, access: Access, first: int) -> list[NotificationView]:
    """A subject's own notifications, newest first."""
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("通知只能由收件的信用主体本人查看。",
            en="Notifications are read by the subject they are addressed to.", resource="notification")
    access.require("notification", "read", subject_id=p.id)
    rows = await session.fetch(
        """SELECT id, kind, message, publication_id, created_at FROM notification
           WHERE subject_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2""", uuid.UUID(p.id), first)
    return [NotificationView(**dict(r)) for r in rows]
