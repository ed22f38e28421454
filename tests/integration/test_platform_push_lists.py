"""推送红黑名单: publishing a cycle puts its red and black list entries on the spine and the push consumer sends
them to a real HTTP receiver in the list layout; a withdrawn grade, an expired window or an approved repair takes
them down there; a receiver failing twice gets an entry on the third try; the reconciliation covers them."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import asyncpg
import httpx
import pytest

from api.settings import Settings
from domain.consumers import CONSUMERS, drain_all
from domain.exchange.push import deliver_pending_pushes, push_reconciliation
from domain.expiry import announce_expiries
from domain.rules.catalog import SubjectClass
from domain.rules.double_publicity import LIST_FIELDS
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.evaluation import access_of
from tests.support.factories import GraphQL, insert_subject, officer, subject_principal
from tests.support.platform import Receiver, platform_receiver
from tests.support.publication import WITHDRAW, insert_result, publish_record, publish_result
from tests.support.rights import APPLY, APPROVE, CLERK, WUSHAN, confirmed_record, content

YEAR = 2018  # a finished cycle no other test publishes
COUNTY, CITY = "340102", "340100"
PUBLISH_CYCLE = """mutation($region: ID!, $year: Int!) { publishCycle(regionCode: $region, cycleYear: $year) {
    published } }"""
RECONCILIATION = """{ platformReconciliation { lines { publicationId layout listName publishedStatus
    takenDownStatus } } }"""


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with platform_receiver(refuse_next=0) as r:
        yield r


async def _commendation(conn: asyncpg.Connection, subject_id: uuid.UUID) -> None:
    """A confirmed trust record (表彰) in the cycle, written as the owner."""
    record_id = uuid.uuid4()
    await conn.execute(
        """INSERT INTO credit_record (id, subject_id, region_code, category, kind, status, effective_version,
               reviewed_by, confirmed_by, department, entered_by)
           VALUES ($1, $2, $3, 'trust', 'commendation', 'confirmed', 1, 'reviewer-b', 'reviewer-b', '测试医疗保障局',
                   'officer-a')""", record_id, subject_id, COUNTY)
    await conn.execute(
        """INSERT INTO credit_record_version (record_id, version, subject_id, region_code, title, decided_on,
               occurred_on, details, author_id, author_kind)
           VALUES ($1, 1, $2, $3, '县级先进集体', DATE '2018-05-01', DATE '2018-05-01', '{}', 'officer-a', 'officer')""",
        record_id, subject_id, COUNTY)


async def _cycle(conn: asyncpg.Connection) -> dict[str, uuid.UUID]:
    """A county's cycle: a pharmacy graded D (black list), one graded A with a commendation (red list), one graded
    B (neither) and a doctor graded D (an individual: never published, so never listed). Subjects by name."""
    await conn.execute("""INSERT INTO exchange_bureau (region_code, name, uscc) VALUES
        ('340100', '合肥市医疗保障局', '11340100MB7654321Y') ON CONFLICT DO NOTHING""")
    subjects: dict[str, uuid.UUID] = {}
    for grade in ("D", "A", "B"):
        name = f"瑶海区名单推送测试药房{grade}"
        subjects[name] = await insert_subject(conn, region=COUNTY, name=name, phone="13912345678")
        await insert_result(conn, subject_id=subjects[name], region=COUNTY, grade=grade, cycle_year=YEAR)
    await _commendation(conn, subjects["瑶海区名单推送测试药房A"])
    doctor = await insert_subject(conn, region=COUNTY, subject_class=SubjectClass.DOCTOR, name="名单推送测试医师")
    await insert_result(conn, subject_id=doctor, region=COUNTY, grade="D", cycle_year=YEAR)
    subjects["doctor"] = doctor
    return subjects


async def _publish_cycle(client: httpx.AsyncClient, settings: Settings) -> None:
    body = await GraphQL(client, settings)(PUBLISH_CYCLE, {"region": CITY, "year": YEAR}, as_=officer(CITY))
    assert "errors" not in body, body
    assert body["data"]["publishCycle"]["published"] == 3


async def _list_pushes(conn: asyncpg.Connection, subject_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM platform_push WHERE subject_id = $1 AND layout = 'list' ORDER BY event_position",
        subject_id)


async def test_publishing_a_cycle_pushes_its_black_and_red_list_entries_in_the_list_layout_and_nothing_personal(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection,
        receiver: Receiver) -> None:
    subjects = await _cycle(conn)
    black, red = subjects["瑶海区名单推送测试药房D"], subjects["瑶海区名单推送测试药房A"]
    await _publish_cycle(client, settings)

    entries = {r["subject_id"]: r for r in await conn.fetch(
        "SELECT * FROM credit_list_entry WHERE cycle_year = $1 AND removed_at IS NULL", YEAR)}
    assert set(entries) == {black, red}  # not the B, not the doctor
    assert entries[black]["list_kind"] == "black" and entries[black]["reasons"] == ["poor_grade"]
    assert entries[red]["list_kind"] == "red" and entries[black]["publisher_region"] == CITY
    events = await conn.fetch(
        "SELECT item_id, audiences FROM domain_event WHERE type = 'list_entry.published' AND subject_id = ANY($1)",
        [black, red])
    assert {e["item_id"] for e in events} == {entries[black]["id"], entries[red]["id"]}

    [pushed] = await _list_pushes(conn, black)
    assert pushed["action"] == "publish" and pushed["status"] == "pending"
    assert pushed["publication_id"] == entries[black]["id"]
    code = await conn.fetchval("SELECT code FROM subject WHERE id = $1", black)
    today = datetime.now().astimezone().strftime("%Y/%m/%d")
    row = pushed["payload"]
    assert set(row) == set(LIST_FIELDS)  # jsonb keeps its own key order; the platform reads by code
    assert (row["MD_XDR_MC"], row["MD_XDR_SHXYM"], row["MD_MDLX"]) == ("瑶海区名单推送测试药房D", code, "医疗保障信用黑名单")
    assert row["MD_LRYY"] == "信用评价等级为差" and f"{YEAR}年度医保信用评价结果D级" in row["MD_LRYJ"]
    assert (row["MD_RDJG"], row["MD_RDJGDM"]) == ("合肥市医疗保障局", "11340100MB7654321Y")
    assert (row["MD_SJLY"], row["MD_SJLYDM"]) == ("合肥市医疗保障局", "11340100MB7654321Y")
    assert row["MD_RDRQ"] == row["MD_YXQ_Q"] == today and row["MD_YXQ_Z"] > today
    assert not await conn.fetchval("SELECT count(*) FROM platform_push WHERE subject_id = $1", subjects["doctor"])

    done = await deliver_pending_pushes(db=db, url=receiver.url)
    assert done.acknowledged >= 2 and done.failed == 0
    sent = {r["listEntryId"]: r for r in receiver.received if r.get("layout") == "双公示-信用红黑名单"}
    assert set(sent) >= {str(entries[black]["id"]), str(entries[red]["id"])}
    body = sent[str(entries[black]["id"])]
    assert set(body) == {"id", "action", "listEntryId", "layout", "data"} and body["data"] == row
    # Nothing beyond the layout: not the phone, the score, the grade report or the archive's ids.
    text = json.dumps(body, ensure_ascii=False)
    assert "13912345678" not in text and str(black) not in text and "score" not in text
    assert (await conn.fetchrow("SELECT status, platform_ref FROM platform_push WHERE id = $1", pushed["id"]))[
        "status"] == "acknowledged"


async def test_withdrawing_a_published_grade_takes_its_list_entry_down_and_the_reconciliation_shows_it(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection,
        receiver: Receiver) -> None:
    subjects = await _cycle(conn)
    black = subjects["瑶海区名单推送测试药房D"]
    await _publish_cycle(client, settings)
    await deliver_pending_pushes(db=db, url=receiver.url)
    publication = await conn.fetchval("SELECT id FROM publication WHERE subject_id = $1 AND item_type = 'result'", black)
    withdrawn = await GraphQL(client, settings)(WITHDRAW, {"id": str(publication), "reason": "评价结果复核更正"},
                                                 as_=officer(CITY))
    assert "errors" not in withdrawn, withdrawn

    entry = await conn.fetchrow("SELECT * FROM credit_list_entry WHERE subject_id = $1", black)
    assert entry["removed_at"] is not None and entry["removed_reason"] == "评价结果复核更正"
    assert await conn.fetchval("SELECT count(*) FROM domain_event WHERE type = 'list_entry.removed' AND item_id = $1",
                               entry["id"]) == 1
    publish, take_down = await _list_pushes(conn, black)
    assert take_down["action"] == "withdraw" and take_down["status"] == "pending"
    assert (await deliver_pending_pushes(db=db, url=receiver.url)).acknowledged == 1
    last = receiver.received[-1]
    assert last["action"] == "withdraw" and last["listEntryId"] == str(entry["id"])
    assert last["data"] == {"MD_XDR_MC": "瑶海区名单推送测试药房D", "MD_XDR_SHXYM": publish["payload"]["MD_XDR_SHXYM"],
                            "MD_XDR_ZJHM": "", "MD_MDLX": "医疗保障信用黑名单",
                            "MD_RDRQ": publish["payload"]["MD_RDRQ"], "CXYY": "评价结果复核更正"}

    async with db.session(access_of("340000").db_scope()) as s:
        report = await push_reconciliation(session=s, access=access_of("340000"))
    line = next(ln for ln in report.lines if ln.publication_id == entry["id"])
    assert (line.layout, line.list_name) == ("list", "医疗保障信用黑名单")
    assert (line.published_status, line.taken_down_status) == ("acknowledged", "acknowledged")
    lines = (await GraphQL(client, settings)(RECONCILIATION, as_=officer("340000")))["data"]
    assert {"publicationId": str(entry["id"]), "layout": "list", "listName": "医疗保障信用黑名单",
            "publishedStatus": "acknowledged", "takenDownStatus": "acknowledged"} in \
        lines["platformReconciliation"]["lines"]


async def test_a_receiver_failing_twice_gets_the_list_entry_on_the_third_try(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection,
        receiver: Receiver) -> None:
    subjects = await _cycle(conn)
    black = subjects["瑶海区名单推送测试药房D"]
    await _publish_cycle(client, settings)
    [pushed] = await _list_pushes(conn, black)
    # Only this row is due at first: the others wait (they are not what this test sends).
    await conn.execute("UPDATE platform_push SET next_attempt_at = now() + interval '1 day' WHERE id <> $1",
                       pushed["id"])
    receiver.refuse_next = 2
    now = datetime.now().astimezone()
    for attempt, at in enumerate((now, now + timedelta(minutes=2), now + timedelta(minutes=5)), start=1):
        await deliver_pending_pushes(db=db, url=receiver.url, now=at, batch=1)
        row = await conn.fetchrow("SELECT * FROM platform_push WHERE id = $1", pushed["id"])
        assert row["attempts"] == attempt
        assert row["status"] == ("acknowledged" if attempt == 3 else "failed"), row
    assert "HTTP 503" not in (row["last_error"] or "") and row["platform_ref"] == "SXPT-3"
    assert receiver.keys == [str(pushed["id"])] * 3 and receiver.received[2]["listEntryId"] == str(
        pushed["publication_id"])


async def test_an_expired_window_takes_the_list_entry_down_with_the_reason(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection,
        receiver: Receiver) -> None:
    subjects = await _cycle(conn)
    black = subjects["瑶海区名单推送测试药房D"]
    await _publish_cycle(client, settings)
    await deliver_pending_pushes(db=db, url=receiver.url)
    await conn.execute("""UPDATE publication SET prepared_at = now() - interval '2 days',
                              published_at = now() - interval '2 days', public_until = now() - interval '1 minute'
                          WHERE subject_id = $1 AND item_type = 'result'""", black)
    assert await announce_expiries(db=db) >= 1
    await drain_all(db, CONSUMERS)
    entry = await conn.fetchrow("SELECT * FROM credit_list_entry WHERE subject_id = $1", black)
    assert entry["removed_reason"] == "名单公示期届满"
    _, take_down = await _list_pushes(conn, black)
    assert take_down["action"] == "withdraw" and take_down["payload"]["CXYY"] == "名单公示期届满"


async def test_the_list_consumer_decides_nothing_twice_when_it_runs_again(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection) -> None:
    await _cycle(conn)
    await _publish_cycle(client, settings)
    await conn.execute("UPDATE event_consumer SET position = 0 WHERE name = 'credit_lists'")
    await drain_all(db, CONSUMERS)
    assert await conn.fetchval("SELECT count(*) FROM credit_list_entry WHERE cycle_year = $1", YEAR) == 2
    assert await conn.fetchval("SELECT count(*) FROM platform_push WHERE layout = 'list'") == 2


async def test_an_approved_repair_takes_the_subject_off_the_black_list_on_the_platform(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection,
        receiver: Receiver) -> None:
    gql = GraphQL(client, settings)
    await conn.execute("""INSERT INTO exchange_bureau (region_code, name, uscc) VALUES
        ('500000', '重庆市医疗保障局', '11500000MB0000000X') ON CONFLICT DO NOTHING""")
    sid = await insert_subject(conn, region=WUSHAN, name="巫山县名单修复测试大药房")
    rid = await confirmed_record(gql, sid, kind="ADMINISTRATIVE_PENALTY", body=content(
        title="行政处罚：罚款", amount=None, penalty="罚款2万元"))
    await publish_record(gql, rid, county=WUSHAN, city="500000")
    result = await conn.fetchval(
        "SELECT id FROM evaluation_result WHERE subject_id = $1 AND superseded_at IS NULL", sid)
    await publish_result(gql, result, county=WUSHAN, city="500000")
    entry = await conn.fetchrow("SELECT * FROM credit_list_entry WHERE subject_id = $1", sid)
    assert entry["list_kind"] == "black" and "serious_dishonesty" in entry["reasons"]
    assert entry["serious_kinds"] == ["administrative_penalty"]
    [pushed] = await _list_pushes(conn, sid)
    assert "严重失信信息种类：行政处罚" in pushed["payload"]["MD_LRYJ"]
    await deliver_pending_pushes(db=db, url=receiver.url)

    await conn.execute("UPDATE publication SET published_at = published_at - interval '7 months', "
                       "prepared_at = prepared_at - interval '7 months' WHERE item_id = $1::uuid", rid)
    materials = ["COMMITMENT_SIGNED", "PENALTY_FULFILLED", "TRAINING_COMPLETED"]
    applied = (await gql(APPLY, {"rid": rid, "m": materials}, as_=subject_principal(sid)))["data"]["applyForRepair"]
    approved = await gql(APPROVE, {"id": applied["id"]}, as_=CLERK)
    assert approved["data"]["approveRepair"]["status"] == "APPROVED", approved

    removed = await conn.fetchrow("SELECT * FROM credit_list_entry WHERE id = $1", entry["id"])
    assert removed["removed_at"] is not None
    assert removed["removed_reason"] == "信用修复已获准，移出名单"
    assert not await conn.fetchval(
        "SELECT count(*) FROM credit_list_entry WHERE subject_id = $1 AND removed_at IS NULL AND list_kind = 'black'",
        sid)
    take_down = (await _list_pushes(conn, sid))[1]
    assert take_down["action"] == "withdraw" and take_down["publication_id"] == entry["id"]
    assert take_down["payload"]["CXYY"] == removed["removed_reason"]
    assert (await deliver_pending_pushes(db=db, url=receiver.url)).acknowledged >= 1
    assert any(r["action"] == "withdraw" and r.get("listEntryId") == str(entry["id"]) for r in receiver.received)
