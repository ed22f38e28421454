"""One LISTEN connection per process: what other processes commit reaches this one within milliseconds.

PostgreSQL delivers ``NOTIFY yibao_events`` (migration 0007) at commit. On each one this process
- empties its anonymous response cache when the commit changed something public,
- hands the new events to its live subscriptions (``api.subscriptions.SubscriptionHub``), each filtered by
  its subscriber's scope,
- drains the consumers (re-grading, take-down, notices), in case the committing process died before it did
  (and first sequences events whose process died between its commit and its sequencer call).
A timer does the same every ``catch_up_seconds``, so a NOTIFY lost while the connection was down only
delays things; the connection is re-opened when it drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence

import asyncpg

from api.subscriptions import SubscriptionHub
from domain.consumers import Consumer, drain_all
from domain.db import Database
from domain.db_scope import DbScope
from domain.events import EVENT_COLUMNS, MAX_BATCH, StoredEvent
from domain.sequencer import sequence

log = logging.getLogger("yibao.listener")
CHANNEL = "yibao_events"


class EventListener:
    """This process's ear on the event spine."""

    def __init__(self, *, db: Database, on_public_change: Callable[[], None], consumers: Sequence[Consumer],
                 catch_up_seconds: float = 5.0) -> None:
        self.db = db
        self.on_public_change = on_public_change
        self.consumers = consumers
        self.catch_up_seconds = catch_up_seconds
        self.hub = SubscriptionHub()
        self._seen = 0  # the newest position handed to subscribers
        self._wake = asyncio.Event()
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        async with self.db.session(DbScope.system(actor="listener")) as s:
            self._seen = int(await s.fetchval("SELECT coalesce(max(position), 0) FROM domain_event"))
        await self._connect()
        self._task = asyncio.create_task(self._run(), name="yibao-event-listener")

    async def stop(self) -> None:
        # The flag as well as the cancel: Python 3.11's wait_for can swallow a cancel that arrives as its timeout
        # fires, and the loop would then run on (seen with a short catch-up period).
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()

    async def _connect(self) -> None:
        assert self.db.url is not None, "listening needs a database opened with Database.connect(url)"
        self._conn = await asyncpg.connect(self.db.url)
        await self._conn.add_listener(CHANNEL, self._notified)

    def _notified(self, conn: object, pid: int, channel: str, payload: str) -> None:
        try:
            note = json.loads(payload)
        except ValueError:
            note = {}
        if note.get("public"):
            self.on_public_change()
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.catch_up_seconds)
            self._wake.clear()
            try:
                if self._conn is None or self._conn.is_closed():
                    await self._connect()
                await self._sequence()
                await self._fan_out()
                drained = await drain_all(self.db, self.consumers)
                if drained.public_changed:
                    self.on_public_change()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event listener: %s: %s (retrying)", type(exc).__name__, exc)
                await asyncio.sleep(1.0)

    async def _sequence(self) -> None:
        """Number events that committed but were not sequenced (their process died between its commit and the
        sequencer call, migration 0022); a no-op round trip otherwise."""
        async with self.db.session(DbScope.system(actor="listener")) as s:
            await sequence(s.conn, None)

    async def _fan_out(self) -> None:
        if not self.hub.active:
            async with self.db.session(DbScope.system(actor="listener")) as s:
                self._seen = int(await s.fetchval("SELECT coalesce(max(position), 0) FROM domain_event"))
            return
        while True:
            async with self.db.session(DbScope.system(actor="listener")) as s:
                rows = await s.fetch(f"SELECT {EVENT_COLUMNS} FROM domain_event WHERE position > $1 "
                                     "ORDER BY position LIMIT $2", self._seen, MAX_BATCH)
            events = [StoredEvent.from_row(r) for r in rows]
            if events:
                self._seen = events[-1].position
                self.hub.publish(events)
            if len(events) < MAX_BATCH:
                return
