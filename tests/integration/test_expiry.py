"""公示期满: the end of a disclosure window is announced in the feed, exactly once per publication."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import httpx
import pytest

from api.worker import Worker
from domain.db import Database
from domain.expiry import announce_expiries
from domain.single_connection_db import SingleConnectionDatabase
from tests.conftest import TEST_DATABASE
from tests.support.delivery import committed_database, eventually
from tests.support.factories import insert_subject
from tests.support.publication import insert_confirmed_record

EXPIRED_FEED = """{ changes(types: [PUBLICATION_EXPIRED], first: 100) { events { type regionCode subjectId
    payload } } }"""


async def _published(conn: asyncpg.Connection, *, until: str | None, status: str = "published") -> str:
    subject_id = await insert_subject(conn, region="340102")
    record_id = await insert_confirmed_record(conn, subject_id=subject_id, region="340102")
    until_sql = "NULL" if until is None else f"now() + interval '{until}'"
    withdrawn = ", 't', now(), '测试'" if status == "withdrawn" else ", NULL, NULL, NULL"
    return str(await conn.fetchval(
        f"""INSERT INTO publication (item_type, item_id, subject_id, region_code, publisher_region, category, kind,
                status, prepared_by, published_by, published_at, public_until, public_payload, withdrawn_by,
                withdrawn_at, withdraw_reason)
            VALUES ('record', $1, $2, '340102', '340100', 'dishonesty', 'fraud', $3, 't', 't',
                    now() - interval '2 years', {until_sql}, '{{}}' {withdrawn}) RETURNING id""",
        record_id, subject_id, status))


async def _expired_events(conn: asyncpg.Connection, ids: list[str]) -> list[str]:
    rows = await conn.fetch("""SELECT item_id FROM domain_event WHERE type = 'publication.expired'
                               AND item_id = ANY($1::uuid[]) ORDER BY position""", ids)
    return [str(r["item_id"]) for r in rows]


async def test_each_publication_whose_window_ended_is_announced_once_and_others_never(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, client: httpx.AsyncClient) -> None:
    ended = [await _published(conn, until="-1 day"), await _published(conn, until="-1 second")]
    live = await _published(conn, until="1 day")
    unlimited = await _published(conn, until=None)
    withdrawn = await _published(conn, until="-1 day", status="withdrawn")

    assert await announce_expiries(db=db) == 2
    assert await announce_expiries(db=db) == 0
    assert sorted(await _expired_events(conn, [*ended, live, unlimited, withdrawn])) == sorted(ended)

    # the public feed announces them in public form, so mirrors delete the items
    body = (await client.post("/graphql", json={"query": EXPIRED_FEED})).json()
    assert "errors" not in body, body
    announced = [e for e in body["data"]["changes"]["events"] if e["payload"]["publicationId"] in ended]
    assert len(announced) == 2
    assert all(e["subjectId"] is None and e["type"] == "PUBLICATION_EXPIRED" for e in announced)
    assert all(set(e["payload"]) == {"publicationId", "itemType", "regionCode", "publicUntil"} for e in announced)
    assert all(e["payload"]["publicUntil"].endswith("+08:00") for e in announced)  # Beijing time, as the API


@pytest.fixture(scope="module")
async def real_db(pg_url: str, pg_admin_url: str) -> AsyncIterator[Database]:
    async with committed_database(pg_admin_url, TEST_DATABASE, tag="expiry") as url:
        db = await Database.connect(url, min_size=2, max_size=8)
        try:
            yield db
        finally:
            await db.close()


async def test_workers_running_the_expiry_at_once_announce_each_publication_exactly_once(real_db: Database) -> None:
    async with real_db.pool.acquire() as conn:
        ids = [await _published(conn, until="-1 hour") for _ in range(30)]
    counts = await asyncio.gather(*(announce_expiries(db=real_db, batch=7) for _ in range(3)))
    assert sum(counts) == 30
    async with real_db.pool.acquire() as conn:
        assert sorted(await _expired_events(conn, ids)) == sorted(ids)


async def test_the_worker_schedules_the_expiry_and_the_delivery_sweep_every_minute(real_db: Database) -> None:
    worker = Worker(db=real_db, dequeue_timeout=timedelta(seconds=0.5))
    await worker.start()
    try:
        async def scheduled() -> set[tuple[str, str]]:
            async with real_db.pool.acquire() as conn:  # the queue's tables are the worker's (login role)
                rows = await conn.fetch("SELECT entrypoint, expression FROM jobs.pgqueuer_schedules")
            return {(r["entrypoint"], r["expression"]) for r in rows}

        wanted = {("publication.expire", "* * * * *"), ("webhook.requeue", "* * * * *")}

        async def registered() -> bool:
            return wanted <= await scheduled()

        await eventually(registered)
    finally:
        await worker.stop()


async def test_with_a_platform_url_the_worker_also_pushes_to_the_provincial_platform_every_minute(
        real_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # configuration through the environment, as `yibao serve` reads it; the push itself is tested against a real
    # receiver in tests/integration/test_platform_push.py
    monkeypatch.setenv("YIBAO_PLATFORM_PUSH_URL", "http://127.0.0.1:9/unused")
    worker = Worker(db=real_db, dequeue_timeout=timedelta(seconds=0.5))
    await worker.start()
    try:
        async def registered() -> bool:
            async with real_db.pool.acquire() as conn:
                rows = await conn.fetch("SELECT entrypoint FROM jobs.pgqueuer_schedules")
            return "platform.push" in {r["entrypoint"] for r in rows}

        await eventually(registered)
    finally:
        await worker.stop()
