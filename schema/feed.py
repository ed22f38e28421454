"""The change feed (``changes``) and live subscriptions (``events``) over the event spine (001 art.33)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from domain import feed
from domain.errors import Unavailable
from domain.events import EventType as _EventType
from domain.events import StoredEvent
from domain.feed import FeedScope
from domain.paging import page_size
from schema.context import Context
from schema.enums import labelled

EventType = labelled(_EventType, name="EventType", description="领域事件类型: what kind of change an event records.")


@strawberry.type(description="领域事件: one change, as the caller may see it.")
class ChangeEvent:
    position: int = strawberry.field(description="Strictly increasing in commit order; gaps are rolled-back work.")
    cursor: str = strawberry.field(description="Resume after this event with changes(after: cursor).")
    type: EventType  # type: ignore[valid-type]
    region_code: str
    subject_id: strawberry.ID | None = strawberry.field(description="Null in the public and federation feeds.")
    occurred_at: datetime
    payload: JSON = strawberry.field(description="What changed; in the public form for the public and federation.")

    @classmethod
    def of(cls, event: StoredEvent, scope: FeedScope) -> ChangeEvent:
        subject_id, payload = scope.shown(event)
        return cls(position=event.position, cursor=feed.encode_position(event.position), type=event.type,
                   region_code=event.region_code, subject_id=strawberry.ID(str(subject_id)) if subject_id else None,
                   occurred_at=event.occurred_at, payload=dict(payload))


@strawberry.type(description="A page of the change feed, oldest first.")
class ChangeFeed:
    events: list[ChangeEvent]
    has_next_page: bool
    end_cursor: str = strawberry.field(description="Pass as `after` to continue, even when this page is empty.")


@strawberry.type
class FeedQuery:
    @strawberry.field(description="变更记录: events after `after` that you may see, oldest first. Officers see "
                      "their subtree, a subject its own, federation clients and the public the published items "
                      "and their take-down (so mirrors can delete what is no longer public).")
    async def changes(self, info: Info[Context, None], after: str | None = None,
                      types: list[EventType] | None = None,  # type: ignore[valid-type]
                      region_code: str | None = None, first: int | None = 100) -> ChangeFeed:
        ctx = info.context
        scope = feed.feed_scope(ctx.access, region_code=region_code)
        position = feed.decode_position(after)
        page = await feed.changes(session=await ctx.session(), scope=scope, after=position, types=types,
                                  first=page_size(first, default=100, maximum=ctx.max_page_size))
        return ChangeFeed(events=[ChangeEvent.of(e, scope) for e in page.events], has_next_page=page.has_next,
                          end_cursor=feed.encode_position(page.end_position))


@strawberry.type
class FeedSubscription:
    @strawberry.subscription(description="实时事件: the events you may see, as they commit (graphql-transport-ws). "
                             "Send the bearer token as connection_init payload {\"Authorization\": \"Bearer …\"}.")
    async def events(self, info: Info[Context, None],
                     types: list[EventType] | None = None,  # type: ignore[valid-type]
                     region_code: str | None = None) -> AsyncGenerator[ChangeEvent, None]:
        ctx = info.context
        # A DomainError reaches the client with its code and in its language: api/websocket.py formats the
        # errors of a subscription the way api/errors.py formats those of a query.
        scope = feed.feed_scope(ctx.access, region_code=region_code)
        if ctx.subscribe is None:
            raise Unavailable("此服务进程未启用实时订阅。")
        async for event in ctx.subscribe(scope, types):
            yield ChangeEvent.of(event, scope)
