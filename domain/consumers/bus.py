"""Running consumers of the outbox: each reads the events after its bookmark and handles them in one transaction.

A consumer's database effects and its bookmark commit together, so each event's effects happen exactly once;
locking the bookmark row serialises a consumer across every process (an API process after its own commit, the
worker on a NOTIFY or a timer). A failing batch rolls back, is counted on the bookmark with its error, and is
tried again on the next drain; the events behind it wait, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass

from domain.db import Database
from domain.db_scope import DbScope
from domain.events import EVENT_COLUMNS, MAX_BATCH, EventType, StoredEvent
from domain.session import Session

log = logging.getLogger("yibao.consumers")

Handler = Callable[[Session, Sequence[StoredEvent]], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    """A named reaction to some event types."""

    name: str
    types: frozenset[EventType]
    handle: Handler
    # Drained by the writing request before it answers, so its caller reads its own writes (a re-grade, a
    # take-down). False: only by the listeners after the NOTIFY, within milliseconds (deliveries to elsewhere).
    synchronous: bool = True


def waits_for_positions(consumers: Sequence[Consumer], types: Collection[EventType] | None) -> bool:
    """Whether a transaction that wrote events of ``types`` (None: unknown) must learn their positions at commit:
    some consumer that runs before the caller hears back follows one of them."""
    if types is None:
        return True
    return any(c.synchronous and not c.types.isdisjoint(types) for c in consumers)


@dataclass
class Drained:
    """What a drain did: events handled, and whether its own events changed what the public sees."""

    handled: int = 0
    public_changed: bool = False
    # the types the drains wrote in the current round (None: unknown, so every consumer may have work)
    emitted: set[EventType] | None = None


async def drain(db: Database, consumer: Consumer, *, batch: int = MAX_BATCH, into: Drained | None = None) -> int:
    """Handle every event after the consumer's bookmark; returns how many were handled. Errors are recorded on
    the bookmark and logged, never raised: the caller's own work has committed already."""
    handled = 0
    into = into if into is not None else Drained()
    while True:
        try:
            n, more = await _drain_batch(db, consumer, batch=batch, into=into)
        except Exception as exc:
            log.warning("consumer %s failed: %s: %s", consumer.name, type(exc).__name__, exc)
            async with db.session(DbScope.system(actor=f"consumer:{consumer.name}")) as s:
                await s.execute("""UPDATE event_consumer SET failures = failures + 1, last_error = $2,
                                       updated_at = now() WHERE name = $1""", consumer.name, f"{exc}"[:2000])
            return handled
        handled += n
        if not more:
            return handled


async def _drain_batch(db: Database, consumer: Consumer, *, batch: int, into: Drained) -> tuple[int, bool]:
    async with db.session(DbScope.system(actor=f"consumer:{consumer.name}")) as s:
        await s.execute("INSERT INTO event_consumer (name) VALUES ($1) ON CONFLICT DO NOTHING", consumer.name)
        bookmark = await s.fetchval("SELECT position FROM event_consumer WHERE name = $1 FOR UPDATE", consumer.name)
        # Everything visible now is a prefix of the commit order (migration 0007), so the horizon is safe.
        horizon = await s.fetchval("SELECT coalesce(max(position), 0) FROM domain_event")
        rows = await s.fetch(
            f"""SELECT {EVENT_COLUMNS} FROM domain_event WHERE position > $1 AND position <= $2
                  AND type = ANY($3) ORDER BY position LIMIT $4""",
            bookmark, horizon, sorted(str(t) for t in consumer.types), batch)
        events = [StoredEvent.from_row(r) for r in rows]
        more = len(events) == batch
        if events:
            await consumer.handle(s, events)
        new_bookmark = events[-1].position if more else horizon
        if new_bookmark != bookmark:
            await s.execute("""UPDATE event_consumer SET position = $2, failures = 0, last_error = NULL,
                                   updated_at = now() WHERE name = $1""", consumer.name, new_bookmark)
    into.public_changed = into.public_changed or s.public_changed
    if into.emitted is not None:
        if s.event_types is None:
            into.emitted = None
        else:
            into.emitted |= s.event_types
    return len(events), more


async def drain_all(db: Database, consumers: Sequence[Consumer],
                    types: Collection[EventType] | None = None) -> Drained:
    """Drain each consumer in order until none has anything left (a consumer's events may feed the next).

    ``types``: the event types just committed (None: any). Only the consumers of those types are drained, then
    only those of the types the drains themselves wrote, and so on; a consumer left behind by a failure is
    caught up by the next drain of all (the listener's timer does one every few seconds)."""
    result = Drained()
    wanted = None if types is None else frozenset(types)
    while wanted is None or wanted:
        result.emitted = set()
        n = 0
        for c in consumers:
            if wanted is None or c.types & wanted:
                n += await drain(db, c, into=result)
        result.handled += n
        if n == 0:
            return result
        wanted = None if result.emitted is None else frozenset(result.emitted)
    return result
