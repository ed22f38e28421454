"""A database on one connection inside an outer transaction, for tests and benchmarks: each test's work is
rolled back.
"""

from __future__ import annotations

import asyncio

import asyncpg

from domain.db import Database
from domain.db_scope import DbScope
from domain.session import Session, finish_transaction, start_transaction


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
            return await start_transaction(self.conn, scope, self.limits)
        except BaseException:
            self._serial.release()
            raise

    async def end(self, session: Session, *, commit: bool) -> None:
        try:
            await finish_transaction(session, commit=commit)
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
