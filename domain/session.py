"""Session: one transaction shared by the resolvers of one request, with its outbox of domain events.

Service modules take a ``Session`` and run plain SQL on it. ``start_transaction`` opens it with its scope
(``domain.db_scope``) applied; ``finish_transaction`` writes the pending events and commits, or rolls back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import asyncpg
from opentelemetry import trace

from domain.db_scope import DbScope, TimeLimits, begin_sql, bound_settings_sql, scope_settings
from domain.events import (
    INSERT_EVENTS,
    Audience,
    DomainEvent,
    EventType,
    insert_arguments,
    insert_query,
    insert_statement,
)
from domain.sequencer import Sequencer, sequence

_tracer = trace.get_tracer("yibao-credit.sql")
_log = logging.getLogger("yibao.db")


def _span(sql: str) -> trace.Span:
    # One span per SQL statement (never per resolver); a no-op unless tracing is configured.
    return _tracer.start_as_current_span("sql", attributes={"db.system": "postgresql", "db.statement": sql[:2000]})  # type: ignore[return-value]


class Session:
    """A transaction shared by the resolvers of one request, one statement at a time.

    GraphQL resolves sibling fields concurrently, and one asyncpg connection runs one statement at a
    time, so statements queue on a lock instead of failing with "another operation is in progress".
    """

    def __init__(self, conn: asyncpg.Connection, tx: Any) -> None:
        self.conn = conn
        self.tx = tx
        self.pool: asyncpg.Pool | None = None  # the pool the connection goes back to
        # False on an anonymous read's connection (no transaction): ``SET LOCAL`` would do nothing there.
        self.transactional = not isinstance(tx, Autocommit)
        self._lock = asyncio.Lock()
        self.pending: list[DomainEvent] = []  # events to write at commit (the outbox)
        self.pending_sql: list[tuple[str, tuple[Any, ...]]] = []  # set-based events (a whole cycle's results)
        self.last_position: int | None = None  # the newest position written at commit, if any
        self._outbox_id: int | None = None  # the newest pending-outbox id written at commit, until sequenced
        self.sequencer: Sequencer | None = None  # the process's shared sequencer call (None: call it directly)
        # Whether the commit waits for its events' positions (to drain their consumers before answering); False:
        # the process's background run sequences them (``Sequencer.nudge``) and ``last_position`` stays None.
        self.wait_for_positions = True
        self.public_changed = False  # whether a committed event changes what the public sees
        # The types written at commit (consumers follow only these); None once set-based events make it unknown.
        self.event_types: set[EventType] | None = set()

    def emit(self, event: DomainEvent) -> None:
        """Record that something happened; it is written to the outbox at commit, with the change itself."""
        self.pending.append(event)
        if self.event_types is not None:
            self.event_types.add(event.type)
        if Audience.PUBLIC in event.audience_set():
            self.public_changed = True

    def emit_query(self, select: str, *args: Any) -> None:
        """Record one event per row of ``select`` (columns: type, region_code, subject_id, item_id, actor,
        audiences, payload, public_payload), written at commit like ``emit``: for set-based work."""
        self.pending_sql.append((select, args))
        self.event_types = None

    async def flush_events(self) -> None:
        """Write the pending events to the outbox as the transaction's last statements (no lock: positions are
        drawn after the commit, by ``sequence_events``; migration 0022). Called just before commit."""
        if not self.pending and not self.pending_sql:
            return
        events, self.pending = self.pending, []
        queries, self.pending_sql = self.pending_sql, []
        ids: list[int] = []
        async with self._lock:
            with _span(INSERT_EVENTS):
                if events:
                    ids.append(await self.conn.fetchval(INSERT_EVENTS, *insert_arguments(events)))
                for select, args in queries:
                    last = await self.conn.fetchval(insert_query(select), *args)
                    if last is not None:
                        ids.append(last)
        self._outbox_id = max(ids, default=None)

    async def commit_with_events(self) -> bool:
        """Write the events and COMMIT in one simple-query round trip, the events' values written in as literals
        (``insert_statement``); then have them sequenced in the background. Only when no one waits for their
        positions, all of them are single events and the transaction was begun by hand; False: it did nothing,
        take the usual path (``flush_events``, commit, ``sequence_events``)."""
        if (self.wait_for_positions or not self.pending or self.pending_sql or self.sequencer is None
                or self.pool is None or not isinstance(self.tx, _Transaction)):
            return False
        events, self.pending = self.pending, []
        async with self._lock:
            with _span(INSERT_EVENTS):
                await self.conn.execute(insert_statement(events) + "; COMMIT")
        self.sequencer.nudge(self.pool)
        return True

    async def sequence_events(self) -> None:
        """After the commit: have the committed events numbered (with whatever else has committed; through the
        process's ``Sequencer`` when there is one), and note the newest of this transaction's in ``last_position``."""
        if self._outbox_id is None:
            return
        mine, self._outbox_id = self._outbox_id, None
        if not self.wait_for_positions and self.sequencer is not None and self.pool is not None:
            self.sequencer.nudge(self.pool)
            return
        try:
            async with self._lock:
                with _span("sequence events"):
                    if self.sequencer is not None:
                        self.last_position = await self.sequencer.position(self.conn, mine)
                    else:
                        self.last_position = (await sequence(self.conn, [mine])).get(mine)
        except (asyncpg.PostgresError, OSError) as exc:
            # The work has committed: the next sequencer run (another commit, or any process's listener within
            # seconds) numbers these events; only the caller's own drain is left out.
            _log.warning("events committed but not yet sequenced: %s: %s", type(exc).__name__, exc)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self._lock:
            with _span(sql):
                return list(await self.conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        async with self._lock:
            with _span(sql):
                return await self.conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self._lock:
            with _span(sql):
                return await self.conn.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        async with self._lock:
            with _span(sql):
                return await self.conn.execute(sql, *args)

    async def executemany(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        async with self._lock:
            with _span(sql):
                await self.conn.executemany(sql, args)


async def start_transaction(conn: asyncpg.Connection, scope: DbScope, limits: TimeLimits | None = None) -> Session:
    """Open a transaction (a savepoint inside one) on ``conn`` and write ``scope`` into it.

    On a connection of the pool this is ONE round trip: ``BEGIN`` and the settings sent together as a simple
    query (asyncpg's ``transaction().start()`` and a parameterised ``set_config`` would be two or three, each a
    sizeable share of a short read, issue 12). Values that could need escaping take the parameterised path."""
    if not conn.is_in_transaction():
        begin = begin_sql(scope, limits)
        if begin is not None:
            await conn.execute(begin)
            return Session(conn, _Transaction(conn))
    tx = conn.transaction()
    await tx.start()
    settings = scope_settings(scope, limits)
    await conn.execute(bound_settings_sql([n for n, _ in settings], local=True), *(v for _, v in settings))
    return Session(conn, tx)


class _Transaction:
    """A transaction begun by hand (``BEGIN`` sent with the scope); ends like asyncpg's."""

    __slots__ = ("conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def commit(self) -> None:
        await self.conn.execute("COMMIT")

    async def rollback(self) -> None:
        if self.conn.is_in_transaction():
            await self.conn.execute("ROLLBACK")


class Autocommit:
    """No transaction at all: each statement of an anonymous read is its own (see ``Database.begin``)."""

    __slots__ = ()

    async def commit(self) -> None:
        return None

    async def rollback(self) -> None:
        return None


async def finish_transaction(session: Session, *, commit: bool) -> None:
    """Commit ``session`` (its pending events written first, then numbered) or roll it back."""
    if commit:
        try:
            if await session.commit_with_events():
                return
            await session.flush_events()
        except BaseException:
            await session.tx.rollback()
            raise
        await session.tx.commit()
        await session.sequence_events()
    else:
        await session.tx.rollback()
