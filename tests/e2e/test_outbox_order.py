"""The outbox's order guarantee without a writers' lock (migration 0022): writers commit in parallel, positions
are drawn after the commit, and a reader following ``position > cursor`` never skips an event.

These need real commits by several connections, so they run on a database of their own (migrated like the test
database, dropped afterwards).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from api.postgres import ensure_database, migrate
from domain import feed
from domain.db import Database
from domain.db_scope import DbScope
from domain.events import Audience, DomainEvent, EventType
from domain.rules.disclosure import CHINA_TIME_ZONE

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


async def _lines(db: Database, scope: feed.FeedScope, after: int, *, stored: bool) -> list[str]:
    sql, args = feed.export_sql(scope=scope, after=after, types=None, limit=1000)
    if not stored:
        sql = sql.replace("coalesce(feed_line,", "coalesce(NULL,").replace("coalesce(public_line,", "coalesce(NULL,")
    async with db.session(DbScope.system()) as s:
        await s.execute("SELECT set_config('TimeZone', $1, true)", CHINA_TIME_ZONE)
        return [r[0] for r in await s.fetch(sql, *args)]


async def test_the_line_the_sequencer_stores_for_the_export_is_the_line_the_export_would_build(
        db: Database) -> None:
    start = (await read_after(db, 0)).end_position
    subject = uuid.uuid4()
    async with db.session(DbScope.system()) as s:
        s.emit(DomainEvent(type=EventType.RECORD_ENTERED, region_code="340102", actor="test", subject_id=subject,
                           payload={"title": "约谈：\"引号\" \\ 反斜杠", "n": 1.5, "list": [1, None]}))
        s.emit(DomainEvent(type=EventType.PUBLICATION_PUBLISHED, region_code="340104", actor="test",
                           subject_id=subject, payload={"internal": True},
                           public_payload={"name": "某药房", "grade": "D"}))
        s.emit(event(7))
    for scope in (feed.FeedScope(audience=Audience.BUREAU, region_prefix="34"),
                  feed.FeedScope(audience=Audience.FEDERATION, region_prefix="34", public_form=True),
                  feed.FeedScope(audience=Audience.PUBLIC, public_form=True)):
        stored = await _lines(db, scope, start, stored=True)
        built = await _lines(db, scope, start, stored=False)
        assert stored == built and stored, scope
    async with db.session(DbScope.system()) as s:
        assert await s.fetchval("SELECT count(*) FROM domain_event WHERE position > $1 AND feed_line IS NULL",
                                start) == 0
    line = json.loads((await _lines(db, feed.FeedScope(audience=Audience.BUREAU, region_prefix="34"), start,
                                    stored=True))[0])
    assert line["subjectId"] == str(subject) and line["occurredAt"].endswith("+08:00")
    assert line["cursor"] == feed.encode_position(line["position"])


@pytest.mark.parametrize("settings", [("", "3401"), ("", "*"), ("", ""), ("SUBJECT", "")])
async def test_the_outbox_read_policy_lets_through_exactly_what_yibao_scope_allows_does(
        db: Database, settings: tuple[str, str]) -> None:
    async with db.session(DbScope.system()) as s:
        s.emit(DomainEvent(type=EventType.RECORD_ENTERED, region_code="340102", actor="test",
                           subject_id=uuid.uuid4(), payload={}))
        s.emit(DomainEvent(type=EventType.RECORD_ENTERED, region_code="310101", actor="test", payload={}))
    async with db.session(DbScope.system()) as s:
        subject = str(await s.fetchval("SELECT subject_id FROM domain_event WHERE subject_id IS NOT NULL LIMIT 1"))
    subject_setting, prefix = settings
    scope = DbScope(read_prefix=prefix, subject_id=subject if subject_setting else "", actor="test")
    async with db.session(scope) as s:
        seen = {r[0] for r in await s.fetch("SELECT position FROM domain_event")}
    conn = await asyncpg.connect(db.url)
    try:
        async with conn.transaction():
            await conn.execute("SELECT set_config('yibao.read_prefix', $1, true), "
                               "set_config('yibao.subject_id', $2, true)", scope.read_prefix, scope.subject_id)
            allowed = {r[0] for r in await conn.fetch(
                "SELECT position FROM domain_event "
                "WHERE yibao_scope_allows('yibao.read_prefix', region_code, subject_id)")}
    finally:
        await conn.close()
    assert seen == allowed


async def test_a_listener_numbers_events_whose_process_died_after_its_commit_within_its_catch_up_period(
        db: Database) -> None:
    from api.listener import EventListener

    orphan = await db.begin(DbScope.system())
    orphan.emit(event(9))
    await orphan.flush_events()
    await orphan.tx.commit()  # the process died before its sequencer call
    await db.pool.release(orphan.conn)
    before = (await read_after(db, 0)).end_position
    listener = EventListener(db=db, on_public_change=lambda: None, consumers=[], catch_up_seconds=0.1)
    await listener.start()
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while not (page := await read_after(db, before)).events:
            assert asyncio.get_running_loop().time() < deadline, "the listener never sequenced the orphan"
            await asyncio.sleep(0.05)
    finally:
        await listener.stop()
    assert [e.payload["version"] for e in page.events] == [9]


async def test_the_apis_login_role_gets_its_positions_right_after_its_commit(database_url: str) -> None:
    from api.postgres import app_database_url

    login = await Database.connect(app_database_url(database_url), min_size=1, max_size=2)
    try:
        async with login.session(DbScope.system()) as s:
            s.emit(event(11))
        assert s.last_position is not None  # the request can drain its own events before it answers
        page = await read_after(login, s.last_position - 1)
        assert [e.payload["version"] for e in page.events] == [11]
    finally:
        await login.close()


async def test_a_commit_nobody_waits_on_sends_its_events_with_the_commit_and_they_are_numbered_in_the_background(
        db: Database) -> None:
    before = (await read_after(db, 0)).end_position
    sent: list[str] = []
    remove = db.listen(lambda q: sent.append(q.query))
    try:
        s = await db.begin(DbScope.system())
        s.emit(event(7001))
        s.emit(event(7002))
        s.wait_for_positions = False  # as a request whose events only the webhooks follow (schema/context.py)
        await db.end(s, commit=True)
    finally:
        remove()
    assert s.last_position is None
    # BEGIN with the scope, then the events and the COMMIT together: two round trips in all
    assert len(sent) == 2 and sent[-1].endswith("; COMMIT") and "domain_event_pending" in sent[-1]
    for _ in range(100):  # the process's background run numbers them within milliseconds
        page = await read_after(db, before)
        if len(page.events) == 2:
            break
        await asyncio.sleep(0.05)
    assert [e.payload["version"] for e in page.events] == [7001, 7002]


async def test_closing_the_database_numbers_what_its_last_commits_left_to_the_background(
        database_url: str) -> None:
    first = await Database.connect(database_url, min_size=1, max_size=2)
    s = await first.begin(DbScope.system())
    s.emit(event(7100))
    s.wait_for_positions = False
    await first.end(s, commit=True)
    await first.close()  # a clean shutdown right after the commit
    conn = await asyncpg.connect(database_url)
    try:
        left = await conn.fetchval("SELECT count(*) FROM domain_event_pending")
        numbered = await conn.fetchval(
            "SELECT count(*) FROM domain_event WHERE type = 'ruleset.activated' AND payload->>'version' = '7100'")
    finally:
        await conn.close()
    assert (left, numbered) == (0, 1)
