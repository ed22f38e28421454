"""The outbox's order guarantee without a writers' lock (migration 0022): writers commit in parallel, positions
are drawn after the commit, and a reader following ``position > cursor`` never skips an event.

These need real commits by several connections, so they run on a database of their own (migrated like the test
database, dropped afterwards).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from api.postgres import ensure_database, migrate
from domain import feed
from domain.db import Database, DbScope
from domain.events import Audience, DomainEvent, EventType

DATABASE = "yibao_outbox_order"
SCOPE = feed.FeedScope(audience=Audience.BUREAU, region_prefix="34")


@pytest.fixture(scope="module")
async def database_url(pg_admin_url: str) -> AsyncIterator[str]:
    url = await ensure_database(pg_admin_url, DATABASE, recreate=True)
    await migrate(url)
    yield url
    conn = await asyncpg.connect(pg_admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.connect(database_url, min_size=2, max_size=10)
    try:
        yield database
    finally:
        await database.close()


def event(n: int) -> DomainEvent:
    return DomainEvent(type=EventType.RULESET_ACTIVATED, region_code="340000", actor="test",
                       payload={"code": "x", "version": n})


async def read_after(db: Database, after: int) -> feed.FeedPage:
    async with db.session(DbScope(read_prefix="34", actor="reader")) as s:
        return await feed.changes(session=s, scope=SCOPE, after=after, types=None, first=1000)


async def test_a_reader_between_two_commits_never_skips_the_event_of_the_transaction_that_commits_later(
        db: Database) -> None:
    first = await db.begin(DbScope.system())
    first.emit(event(1))
    await first.flush_events()  # written, not committed
    second = await db.begin(DbScope.system())
    second.emit(event(2))
    # no lock between writers: the later writer commits while the earlier one is still open
    await asyncio.wait_for(second.flush_events(), timeout=5)
    await db.end(second, commit=True)
    assert second.last_position is not None
    start = (await read_after(db, 0)).end_position
    seen = await read_after(db, start - 1)
    assert [e.payload["version"] for e in seen.events] == [2]
    cursor = seen.end_position  # a reader that has seen the second transaction's event

    await db.end(first, commit=True)
    assert first.last_position is not None and first.last_position > cursor
    later = await read_after(db, cursor)
    assert [e.payload["version"] for e in later.events] == [1]


async def test_events_of_a_process_that_died_after_its_commit_are_numbered_by_the_next_sequencer_run(
        db: Database) -> None:
    orphan = await db.begin(DbScope.system())
    orphan.emit(event(3))
    await orphan.flush_events()
    await orphan.tx.commit()  # committed, but the process never got to sequence it
    await db.pool.release(orphan.conn)
    before = (await read_after(db, 0)).end_position
    assert (await read_after(db, before)).events == []  # committed, not yet readable: no position yet

    async with db.session(DbScope.system()) as s:
        await s.fetchval("SELECT yibao_sequence_events(NULL)")  # what every listener does on its timer
    page = await read_after(db, before)
    assert [e.payload["version"] for e in page.events] == [3]
    async with db.session(DbScope.system()) as s:
        assert await s.fetchval("SELECT count(*) FROM domain_event_pending") == 0


async def test_concurrent_writers_and_a_polling_reader_see_every_event_once_and_in_position_order(
        db: Database) -> None:
    writers, each = 6, 15
    start = (await read_after(db, 0)).end_position
    committed: list[int] = []
    done = asyncio.Event()

    async def write(w: int) -> None:
        for i in range(each):
            async with db.session(DbScope.system()) as s:
                s.emit(event(1000 * w + i))
                await asyncio.sleep(0)  # let transactions overlap
            assert s.last_position is not None
            committed.append(s.last_position)

    async def read() -> list[int]:
        seen: list[int] = []
        cursor = start
        while True:
            finished = done.is_set()
            page = await read_after(db, cursor)
            seen.extend(e.position for e in page.events)
            cursor = page.end_position
            if finished and not page.events:
                return seen
            await asyncio.sleep(0.005)

    reader = asyncio.create_task(read())
    await asyncio.gather(*(write(w) for w in range(writers)))
    done.set()
    seen = await asyncio.wait_for(reader, timeout=30)
    assert seen == sorted(seen)
    assert sorted(seen) == sorted(committed)  # none skipped, none twice
