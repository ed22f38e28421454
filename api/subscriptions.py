"""Live subscriptions of this process, fed by its event listener (api/listener.py).

Each subscriber has a bounded queue: one that falls too far behind is ended with a clear error (it resumes
from its last position with the ``changes`` query) instead of holding the process's memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, field

from domain.errors import Lagged
from domain.events import EventType, StoredEvent
from domain.feed import FeedScope

QUEUE_SIZE = 1000


@dataclass(eq=False)
class Subscriber:
    scope: FeedScope
    types: frozenset[EventType] | None
    queue: asyncio.Queue[StoredEvent | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    lagged: bool = False

    def wants(self, event: StoredEvent) -> bool:
        return (self.types is None or event.type in self.types) and self.scope.sees(event)


class SubscriptionHub:
    """Fans the process's new events out to its subscribers, each through its own scope."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    @property
    def active(self) -> bool:
        return bool(self._subscribers)

    def publish(self, events: Sequence[StoredEvent]) -> None:
        for sub in list(self._subscribers):
            for e in events:
                if not sub.wants(e):
                    continue
                try:
                    sub.queue.put_nowait(e)
                except asyncio.QueueFull:
                    sub.lagged = True
                    self._subscribers.discard(sub)
                    break

    async def subscribe(self, scope: FeedScope, types: Collection[EventType] | None) -> AsyncIterator[StoredEvent]:
        sub = Subscriber(scope=scope, types=frozenset(types) if types else None)
        self._subscribers.add(sub)
        try:
            while True:
                if sub.lagged and sub.queue.empty():
                    raise Lagged(f"订阅落后超过 {QUEUE_SIZE} 条事件，已断开；"
                                 "请用 changes(after:) 从最后收到的位置补齐后重新订阅。")
                event = await sub.queue.get()
                if event is None:
                    return
                yield event
        finally:
            self._subscribers.discard(sub)
