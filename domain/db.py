"""Database access: pools of connections, each request getting one transaction with its scope applied.

The transaction itself is ``domain.session.Session``; what its scope allows and the SQL that writes it are
``domain.db_scope``. Tests use ``domain.single_connection_db.SingleConnectionDatabase`` instead.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from domain.db_scope import PUBLIC_ROLE, DbScope, TimeLimits, scope_settings, settings_sql
from domain.sequencer import Sequencer
from domain.session import Autocommit, Session, finish_transaction, start_transaction


async def init_connection(conn: asyncpg.Connection) -> None:
    """Teach a new connection our codecs: jsonb as Python objects."""
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


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
                    settings = [*scope_settings(scope, self.limits), ("max_parallel_workers_per_gather", "0")]
                    session_scope = settings_sql(settings, local=False)
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
                session = Session(conn, Autocommit())
                session.pool = public
                return session
        pool = self.replica if self.replica is not None and scope.role == PUBLIC_ROLE else self.pool
        conn = await pool.acquire()
        try:
            session = await start_transaction(conn, scope, self.limits)
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
            await finish_transaction(session, commit=commit)
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
