"""Notifications to a credit subject about its archive (e.g. a publication), read by the subject itself."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import notifications, publication_lists
from domain.notifications import NotificationView
from domain.paging import page_size, sort_key
from schema.context import Context
from schema.enums import NotificationOrder
from schema.types import CountedPage, PageInfo

Info = strawberry.Info[Context, None]


@strawberry.type(name="SubjectNotification", description="A message to a credit subject about its archive.")
class SubjectNotification:
    id: strawberry.ID
    kind: str
    message: str
    publication_id: strawberry.ID | None
    created_at: datetime

    @classmethod
    def of(cls, n: NotificationView) -> SubjectNotification:
        return cls(id=strawberry.ID(str(n.id)), kind=n.kind, message=n.message,
                   publication_id=strawberry.ID(str(n.publication_id)) if n.publication_id else None,
                   created_at=n.created_at)


@strawberry.type
class SubjectNotificationEdge:
    cursor: str
    node: SubjectNotification


@strawberry.type(description="A page of your notifications; totalCount counts all of them.")
class SubjectNotificationConnection(CountedPage):
    edges: list[SubjectNotificationEdge]


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="Your own notifications (as a subject), newest first.",
                      deprecation_reason="Use myNotificationsPage: paging, totalCount and orderBy.")
    async def my_notifications(self, info: Info, first: int = 20) -> list[SubjectNotification]:
        ctx = info.context
        size = page_size(first, maximum=ctx.max_page_size)
        found = await notifications.my_notifications(session=await ctx.session(), access=ctx.access, first=size)
        return [SubjectNotification.of(n) for n in found]

    @strawberry.field(description="Your own notifications (as a subject), a page at a time, newest first unless "
                                  "orderBy says otherwise.")
    async def my_notifications_page(
        self, info: Info, first: int = 20, after: str | None = None,
        order_by: NotificationOrder = NotificationOrder.CREATED_AT_DESC,  # type: ignore[attr-defined]
    ) -> SubjectNotificationConnection:
        ctx = info.context
        session = await ctx.session()
        order = sort_key(publication_lists.NOTIFICATION_ORDERS, order_by.value, "CREATED_AT_DESC")
        page = await publication_lists.notifications_page(
            session=session, access=ctx.access, first=page_size(first, maximum=ctx.max_page_size), after=after,
            order=order)

        async def count() -> int:
            return await publication_lists.count_notifications(session=session, access=ctx.access)

        return SubjectNotificationConnection(
            edges=[SubjectNotificationEdge(cursor=k, node=SubjectNotification.of(n))
                   for n, k in zip(page.items, page.keys, strict=True)],
            count=count, page_info=PageInfo(has_next_page=page.has_next,
                                            end_cursor=page.keys[-1] if page.keys else None))
