"""推送省信用平台: a published penalty reaches a real HTTP receiver in the 双公示 layout, through a refusal and a retry,
and its take-down follows; the reconciliation says what was sent, acknowledged and taken down."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx
import pytest

from api.settings import Settings
from domain.consumers import CONSUMERS, drain_all
from domain.db_scope import DbScope
from domain.exchange.push import deliver_pending_pushes, push_reconciliation
from domain.publication_withdrawal import take_down
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.evaluation import access_of
from tests.support.factories import GraphQL, error_codes, insert_subject, officer
from tests.support.platform import Receiver, platform_receiver
from tests.support.publication import insert_confirmed_record, publish_record


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """The provincial platform's intake (a real HTTP server): refuses the first request, then accepts."""
    async with platform_receiver(refuse_next=1) as r:
        yield r


async def _published_penalty(conn: asyncpg.Connection, client: httpx.AsyncClient, settings: Settings) -> tuple[
        uuid.UUID, str, str]:
    await conn.execute("""INSERT INTO exchange_bureau (region_code, name, uscc) VALUES
        ('340102', '合肥市瑶海区医疗保障局', '11340102MB1234567X'), ('340100', '合肥市医疗保障局', '11340100MB7654321Y')
        ON CONFLICT DO NOTHING""")
    sid = await insert_subject(conn, region="340102", name="瑶海区康泰大药房")
    rid = await insert_confirmed_record(
        conn, subject_id=sid, region="340102", kind="administrative_penalty", title="串换药品收费",
        facts="将非医保药品串换为医保药品收费", amount=Decimal("60000.00"), penalty="罚款人民币60000元",
        penalty_until=date(2027, 6, 2), details={"decisionNumber": "合瑶医保罚〔2026〕12号", "penaltyCategory": "罚款"})
    pub = await publish_record(GraphQL(client, settings), rid)
    code = await conn.fetchval("SELECT code FROM subject WHERE id = $1", sid)
    return sid, pub, code


async def test_a_published_penalty_is_pushed_refused_once_retried_and_acknowledged(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection,
        receiver: Receiver) -> None:
    _, pub, code = await _published_penalty(conn, client, settings)
    row = await conn.fetchrow("SELECT * FROM platform_push WHERE publication_id = $1", uuid.UUID(pub))
    assert row["status"] == "pending" and row["action"] == "publish" and row["attempts"] == 0
    assert row["payload"]["CF_XDR_SHXYM"] == code and row["payload"]["CF_WSH"] == "合瑶医保罚〔2026〕12号"
    assert row["payload"]["CF_CFJGDM"] == "11340102MB1234567X" and row["payload"]["CF_NR_FK"] == "6.000000"

    first = await deliver_pending_pushes(db=db, url=receiver.url)
    assert (first.acknowledged, first.failed) == (0, 1)
    failed = await conn.fetchrow("SELECT * FROM platform_push WHERE id = $1", row["id"])
    assert failed["status"] == "failed" and failed["attempts"] == 1 and "HTTP 503" in failed["last_error"]
    assert failed["next_attempt_at"] is not None
    # Not due yet: nothing is sent again before the back-off has passed.
    assert await deliver_pending_pushes(db=db, url=receiver.url) == type(first)(0, 0)

    later = datetime.now().astimezone() + timedelta(hours=1)
    second = await deliver_pending_pushes(db=db, url=receiver.url, now=later)
    assert (second.acknowledged, second.failed) == (1, 0)
    done = await conn.fetchrow("SELECT * FROM platform_push WHERE id = $1", row["id"])
    assert done["status"] == "acknowledged" and done["attempts"] == 2 and done["platform_ref"] == "SXPT-2"
    assert len(receiver.received) == 2 and receiver.keys == [str(row["id"])] * 2
    sent = receiver.received[1]
    assert sent["action"] == "publish" and sent["data"]["CF_XDR_MC"] == "瑶海区康泰大药房"


async def test_a_take_down_follows_to_the_platform_and_the_reconciliation_shows_it(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection,
        receiver: Receiver) -> None:
    receiver.refuse_next = 0
    _, pub, _ = await _published_penalty(conn, client, settings)
    await deliver_pending_pushes(db=db, url=receiver.url)
    async with db.session(DbScope.system(actor="test")) as s:
        await take_down(session=s, ids=[uuid.UUID(pub)], actor="officer:test", reason="行政复议撤销")
    await drain_all(db, CONSUMERS)
    assert (await deliver_pending_pushes(db=db, url=receiver.url)).acknowledged == 1
    assert receiver.received[-1]["action"] == "withdraw" and receiver.received[-1]["data"]["CXYY"] == "行政复议撤销"

    async with db.session(access_of("340000").db_scope()) as s:
        report = await push_reconciliation(session=s, access=access_of("340000"))
    line = next(ln for ln in report.lines if str(ln.publication_id) == pub)
    assert line.published_status == "acknowledged" and line.taken_down_status == "acknowledged"
    assert report.taken_down >= 1 and report.acknowledged >= 2


async def test_an_incomplete_penalty_is_logged_as_failed_and_never_sent(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection,
        receiver: Receiver) -> None:
    sid = await insert_subject(conn, region="340104")
    rid = await insert_confirmed_record(conn, subject_id=sid, region="340104", kind="administrative_penalty")
    pub = await publish_record(GraphQL(client, settings), rid, county="340104")
    row = await conn.fetchrow("SELECT * FROM platform_push WHERE publication_id = $1", uuid.UUID(pub))
    assert row["status"] == "failed" and row["next_attempt_at"] is None
    assert "CF_WSH" in row["last_error"] and "CF_CFJGDM" in row["last_error"]
    await deliver_pending_pushes(db=db, url=receiver.url)
    assert all(r["publicationId"] != pub for r in receiver.received)


async def test_the_province_reads_the_reconciliation_and_the_public_may_not(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    _, pub, _ = await _published_penalty(conn, client, settings)
    gql = GraphQL(client, settings)
    query = "{ platformReconciliation { pending lines { publicationId decisionNumber publishedStatus } } }"
    body = await gql(query, as_=officer("340000"))
    lines = body["data"]["platformReconciliation"]["lines"]
    assert {"publicationId": pub, "decisionNumber": "合瑶医保罚〔2026〕12号", "publishedStatus": "pending"} in lines
    assert error_codes(await gql(query)) == ["FORBIDDEN"]
    outside = await gql('{ platformReconciliation(regionCode: "500237") { pending } }', as_=officer("340000"))
    assert error_codes(outside) == ["FORBIDDEN"]
