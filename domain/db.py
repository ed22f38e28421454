"""Database access: one transaction per request, carrying the request's scope into row-level security.

Service modules take a ``Session`` and run plain SQL on it. The scope (which region subtree may be read and
written, which subject is asking, who acts) is written once at the start of the transaction as
transaction-local settings that the row-level security policies read, so every statement in the request
is filtered by PostgreSQL itself, whatever the SQL says.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
from opentelemetry import trace

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

APP_ROLE = "yibao_app"
PUBLIC_ROLE = "yibao_public"
FEDERATION_ROLE = "yibao_federation"  # public_item plus the shared_item view (migration 0006)
ALL_REGIONS = "*"  # the prefix a system job uses; an empty prefix sees nothing
_tracer = trace.get_tracer("yibao-credit.sql")
_log = logging.getLogger("yibao.db")


def _span(sql: str) -> trace.Span:
    # One span per SQL statement (never per resolver); a no-op unless tracing is configured.
    return _tracer.start_as_current_span("sql", attributes={"db.system": "postgresql", "db.statement": sql[:2000]})  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class DbScope:
    """What the row-level security policies of one transaction allow."""

    role: str = APP_ROLE
    read_prefix: str = ""
    write_prefix: str = ""
    subject_id: str = ""
    actor: str = ""

    @classmethod
    def system(cls, *, actor: str = "system") -> DbScope:
        """The scope of a command-line job run by an operator: the whole country."""
        return cls(read_prefix=ALL_REGIONS, write_prefix=ALL_REGIONS, actor=actor)


# The settings a transaction's scope and time limits are written to, in this order (``_scope_settings``).
_SCOPE_NAMES = ("role", "yibao.read_prefix", "yibao.write_prefix", "yibao.subject_id", "yibao.actor")
_LIMIT_NAMES = ("statement_timeout", "lock_timeout")


def _bound_settings_sql(names: Sequence[str], *, local: bool) -> str:
    """``SELECT set_config(name, $i, local), ...``: the settings ``names`` from bind parameters, in order."""
    flag = "true" if local else "false"
    return "SELECT " + ", ".join(f"set_config('{n}', ${i}, {flag})" for i, n in enumerate(names, 1))


_APPLY_SCOPE = _bound_settings_sql(_SCOPE_NAMES, local=True)  # $1..$5 as in _SCOPE_NAMES (tests, benchmarks)


async def init_connection(conn: asyncpg.Connection) -> None:
    """Teach a new connection our codecs: jsonb as Python objects."""
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


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
        self.transactional = not isinstance(tx, _Autocommit)
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


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """``statement_timeout`` and ``lock_timeout`` of each request transaction, in milliseconds (0 = none).

    Written with ``set_config(..., true)`` (``SET LOCAL``), so they end with the transaction and never reach
    the command-line jobs, which use their own transactions without limits."""

    statement_timeout_ms: int = 0
    lock_timeout_ms: int = 0


async def _start(conn: asyncpg.Connection, scope: DbScope, limits: TimeLimits | None = None) -> Session:
    """Open a transaction (a savepoint inside one) on ``conn`` and write ``scope`` into it.

    On a connection of the pool this is ONE round trip: ``BEGIN`` and the settings sent together as a simple
    query (asyncpg's ``transaction().start()`` and a parameterised ``set_config`` would be two or three, each a
    sizeable share of a short read, issue 12). Values that could need escaping take the parameterised path."""
    if not conn.is_in_transaction():
        begin = _begin_sql(scope, limits)
        if begin is not None:
            await conn.execute(begin)
            return Session(conn, _Transaction(conn))
    tx = conn.transaction()
    await tx.start()
    settings = _scope_settings(scope, limits)
    await conn.execute(_bound_settings_sql([n for n, _ in settings], local=True), *(v for _, v in settings))
    return Session(conn, tx)


def _literal(value: str) -> str | None:
    """``value`` as an SQL string literal, or None when it holds anything but plain text (a quote is doubled;
    a backslash or NUL sends the caller to bind parameters instead of relying on standard_conforming_strings)."""
    if "\\" in value or "\x00" in value:
        return None
    return "'" + value.replace("'", "''") + "'"


def _settings_sql(settings: Sequence[tuple[str, str]], *, local: bool) -> str | None:
    """``SELECT set_config(name, value, local), ...`` with literal values (None: a value needs parameters)."""
    parts = []
    for name, value in settings:
        literal = _literal(value)
        if literal is None:
            return None
        parts.append(f"set_config('{name}', {literal}, {'true' if local else 'false'})")
    return "SELECT " + ", ".join(parts)


def _scope_settings(scope: DbScope, limits: TimeLimits | None) -> list[tuple[str, str]]:
    """The settings of ``scope`` (and ``limits``, when any is set) as (name, value) pairs."""
    out = list(zip(_SCOPE_NAMES, (scope.role, scope.read_prefix, scope.write_prefix, scope.subject_id, scope.actor),
                   strict=True))
    if limits is not None and (limits.statement_timeout_ms or limits.lock_timeout_ms):
        out += zip(_LIMIT_NAMES, (str(limits.statement_timeout_ms), str(limits.lock_timeout_ms)), strict=True)
    return out


def _begin_sql(scope: DbScope, limits: TimeLimits | None) -> str | None:
    select = _settings_sql(_scope_settings(scope, limits), local=True)
    return None if select is None else f"BEGIN; {select}"


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


class _Autocommit:
    """No transaction at all: each statement of an anonymous read is its own (see ``Database.begin``)."""

    __slots__ = ()

    async def commit(self) -> None:
        return None

    async def rollback(self) -> None:
        return None


async def _finish(session: Session, *, commit: bool) -> None:
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


K = TypeVar("K")
V = TypeVar("V")


def grouped(rows: Sequence[asyncpg.Record], *, keys: Sequence[K], key: str,
            build: Callable[[asyncpg.Record], V]) -> dict[K, list[V]]:
    """Rows of one batched statement, built and grouped under the key they were asked for (empty lists kept),
    so a DataLoader gets an answer for every key."""
    out: dict[K, list[V]] = {k: [] for k in keys}
    for r in rows:
        out[r[key]].append(build(r))
    return out


QueryListener = Callable[[asyncpg.connection.LoggedQuery], None]


async def _release(conn: asyncpg.Connection) -> None:
    """What a connection needs before going back to the pool. asyncpg's default sends ``RESET ALL; UNLISTEN *;
    CLOSE ALL; SELECT pg_advisory_unlock_all()``, a round trip per request (a quarter of a public lookup's, issue
    12); a session here leaves nothing behind: its scope is transaction-local (``set_config(..., true)``), its
    locks are transaction locks, and it never LISTENs or keeps cursors. Only a transaction left open is undone."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class Database:
    """A pool of connections, each request getting one transaction with its scope applied."""

    url: str | None = None  # where a dedicated LISTEN connection connects (None: no listening)
    # Time limits applied to every transaction ``begin`` opens; the API sets them (``limit``), jobs do not.
    limits: TimeLimits | None = None

    def __init__(self, pool: asyncpg.Pool, replica: asyncpg.Pool | None = None) -> None:
        self.pool = pool
        # A streaming replica (DATABASE_REPLICA_URL) for the anonymous public's reads, which never write:
        # published items reach it within the replication lag (docs/DEPLOYMENT.md).
        self.replica = replica
        self._listeners: list[QueryListener] = []
        self.sequencer = Sequencer()  # one post-commit sequencer call at a time for this process (migration 0022)
        # Connections that are the public role for their whole life, for anonymous GraphQL reads (``begin``
        # with ``autocommit``); opened on first use, when the API's time limits are known.
        self._public_pool: asyncpg.Pool | None = None
        self._public_opening = asyncio.Lock()
        self._public_scope: DbScope | None = None
        self._pool_args: dict[str, Any] = {}

    def limit(self, limits: TimeLimits) -> None:
        """Apply ``limits`` to every transaction opened from now on (the API's request transactions)."""
        self.limits = limits

    async def migration_revisions(self, *, wait_s: float = 2.0) -> set[str]:
        """The alembic revisions the database is at; raises when PostgreSQL cannot be reached."""
        async with self.pool.acquire(timeout=wait_s) as conn:
            rows = await conn.fetch("SELECT version_num FROM alembic_version", timeout=wait_s)
        return {r["version_num"] for r in rows}

    @classmethod
    async def connect(cls, url: str, *, min_size: int = 2, max_size: int = 10,
                      replica_url: str | None = None) -> Database:
        """Open a pool on ``url`` (and one on ``replica_url``, a read-only standby, when given)."""
        listeners: list[QueryListener] = []

        def dispatch(query: asyncpg.connection.LoggedQuery) -> None:
            for listener in list(listeners):
                listener(query)

        async def setup(conn: asyncpg.Connection) -> None:
            await init_connection(conn)
            conn.add_query_logger(dispatch)

        pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, init=setup, reset=_release)
        replica = None
        if replica_url:
            replica = await asyncpg.create_pool(replica_url, min_size=min_size, max_size=max_size, init=setup,
                                                reset=_release)
        db = cls(pool, replica)
        db._listeners = listeners
        db.url = url
        db._pool_args = {"dsn": replica_url or url, "min_size": min(1, max_size), "max_size": max_size,
                         "setup": setup}
        return db

    async def _public(self, scope: DbScope) -> asyncpg.Pool | None:
        """The pool of connections set to the public ``scope`` for life (None: no such pool for this scope, or a
        database without pools of its own, as in tests)."""
        if self._public_pool is None and self._pool_args:
            async with self._public_opening:
                if self._public_pool is None:
                    args = self._pool_args
                    # Public answers are small index scans: starting parallel workers costs more than it saves.
                    settings = [*_scope_settings(scope, self.limits), ("max_parallel_workers_per_gather", "0")]
                    session_scope = _settings_sql(settings, local=False)
                    if session_scope is None:
                        return None
                    self._public_scope = scope

                    async def init(conn: asyncpg.Connection) -> None:
                        await args["setup"](conn)
                        await conn.execute(session_scope)

                    self._public_pool = await asyncpg.create_pool(
                        args["dsn"], min_size=args["min_size"], max_size=args["max_size"], init=init,
                        reset=_release)
        return self._public_pool if scope == self._public_scope else None

    def listen(self, listener: QueryListener) -> Callable[[], None]:
        """Call ``listener`` after every statement (tracing, statement counts); returns the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _dispatch(self, query: asyncpg.connection.LoggedQuery) -> None:
        for listener in list(self._listeners):
            listener(query)

    async def begin(self, scope: DbScope, *, autocommit: bool = False) -> Session:
        """Start a transaction with ``scope`` applied; ``end`` must follow.

        ``autocommit`` (anonymous GraphQL reads): a public-role scope runs on a connection that is the public
        role for its whole life, with no transaction, so a one-statement lookup costs one round trip like the
        floor's instead of three. The public role can only read published views; each statement then sees its
        own snapshot, which public answers tolerate as they tolerate the replica's lag and the 30 s cache."""
        if autocommit and scope.role == PUBLIC_ROLE and not (scope.read_prefix or scope.write_prefix
                                                             or scope.subject_id):
            public = await self._public(scope)
            if public is not None:
                conn = await public.acquire()
                session = Session(conn, _Autocommit())
                session.pool = public
                return session
        pool = self.replica if self.replica is not None and scope.role == PUBLIC_ROLE else self.pool
        conn = await pool.acquire()
        try:
            session = await _start(conn, scope, self.limits)
        except BaseException:
            conn.terminate()  # a connection that failed half-way (the server died, say) is never reused
            await pool.release(conn)
            raise
        session.pool = pool
        session.sequencer = self.sequencer
        return session

    async def end(self, session: Session, *, commit: bool) -> None:
        """Commit or roll back ``session``'s transaction and give its connection back."""
        try:
            await _finish(session, commit=commit)
        except BaseException:
            # A transaction that could not end cleanly leaves its connection in an unknown state: drop it, and
            # the pool opens a fresh one when it is next needed.
            session.conn.terminate()
            raise
        finally:
            await (session.pool or self.pool).release(session.conn)

    @asynccontextmanager
    async def session(self, scope: DbScope) -> AsyncIterator[Session]:
        """One transaction with ``scope`` applied; committed on success, rolled back on any error."""
        session = await self.begin(scope)
        try:
            yield session
        except BaseException:
            await self.end(session, commit=False)
            raise
        await self.end(session, commit=True)

    async def close(self) -> None:
        await self.sequencer.close(self.pool)
        await self.pool.close()
        if self.replica is not None:
            await self.replica.close()
        if self._public_pool is not None:
            await self._public_pool.close()


class SingleConnectionDatabase(Database):
    """A database on one connection inside an outer transaction: each test's work is rolled back.

    Sessions become savepoints on that connection, so the code under test commits and rolls back as it
    would in production while the test's outer transaction discards everything at the end.
    """

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._listeners = []
        self._serial = asyncio.Lock()
        conn.add_query_logger(self._dispatch)

    async def begin(self, scope: DbScope, *, autocommit: bool = False) -> Session:
        await self._serial.acquire()
        try:
            return await _start(self.conn, scope, self.limits)
        except BaseException:
            self._serial.release()
            raise

    async def end(self, session: Session, *, commit: bool) -> None:
        try:
            await _finish(session, commit=commit)
        finally:
            # A released savepoint keeps its SET LOCALs; put the owner back for the test's own SQL.
            try:
                await self.conn.execute(_RESET_SCOPE)
            finally:
                self._serial.release()

    async def migration_revisions(self, *, wait_s: float = 2.0) -> set[str]:
        async with self._serial:
            rows = await self.conn.fetch("SELECT version_num FROM alembic_version", timeout=wait_s)
        return {r["version_num"] for r in rows}

    async def close(self) -> None:
        self.conn.remove_query_logger(self._dispatch)


_RESET_SCOPE = """RESET ROLE; SELECT set_config('yibao.read_prefix', '', true),
    set_config('yibao.write_prefix', '', true), set_config('yibao.subject_id', '', true),
    set_config('statement_timeout', '0', true), set_config('lock_timeout', '0', true)"""
