"""The event spine through HTTP with real tokens: consequences follow commits, the feed is scoped and replayable."""

from __future__ import annotations

import uuid
from decimal import Decimal

import asyncpg
import httpx
import pytest

from api.settings import Settings
from domain.access import OfficerRole
from domain.feed import encode_position
from tests.support.factories import GraphQL, error_codes, insert_subject, officer, subject_principal
from tests.support.publication import insert_confirmed_record, insert_result, publish_record, publish_result

CLERK = officer("340102")
ASKER = officer("340102", OfficerRole.OFFICER, id="340102-officer-2")
APPROVER = officer("340102", OfficerRole.REVIEWER)
PUBLIC_RECORDS = """{ publicRecords(regionCode: "340102", first: 50) { totalCount edges { node { kind } } } }"""
FEED = """query($after: String, $types: [EventType!], $region: String) {
    changes(after: $after, types: $types, regionCode: $region, first: 100) {
      events { position type regionCode subjectId payload } hasNextPage endCursor } }"""


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


async def _published_record(conn: asyncpg.Connection, gql: GraphQL) -> tuple[uuid.UUID, uuid.UUID, str]:
    sid = await insert_subject(conn, region="340102")
    rid = await insert_confirmed_record(conn, subject_id=sid, region="340102", kind="recovered_funds",
                                        amount=Decimal("60000.00"))
    pub = await publish_record(gql, rid)
    return sid, rid, pub


async def _feed(gql: GraphQL, *, as_=None, **variables) -> dict:  # type: ignore[no-untyped-def]
    body = await gql(FEED, variables, as_=as_)
    assert "errors" not in body, body
    return body["data"]["changes"]


async def test_a_withdrawn_published_record_leaves_public_answers_and_the_public_feed_announces_it(
        conn: asyncpg.Connection, gql: GraphQL) -> None:
    _, rid, pub = await _published_record(conn, gql)
    assert (await gql(PUBLIC_RECORDS))["data"]["publicRecords"]["totalCount"] == 1
    before = await _feed(gql)
    published = [e for e in before["events"] if e["type"] == "PUBLICATION_PUBLISHED"]
    assert published and published[-1]["payload"]["publicationId"] == pub
    assert "amount" not in str(published[-1]["payload"])  # the public form only

    asked = await gql('mutation($id: ID!) { withdrawRecord(id: $id, reason: "决定被撤销") { status } }',
                      {"id": str(rid)}, as_=ASKER)
    assert asked["data"]["withdrawRecord"]["status"] == "WITHDRAWAL_REQUESTED"
    assert (await gql(PUBLIC_RECORDS))["data"]["publicRecords"]["totalCount"] == 1  # still in force
    await gql("mutation($id: ID!) { approveWithdrawal(id: $id) { status } }", {"id": str(rid)}, as_=APPROVER)

    assert (await gql(PUBLIC_RECORDS))["data"]["publicRecords"]["totalCount"] == 0
    status = await conn.fetchval("SELECT status FROM publication WHERE id = $1", uuid.UUID(pub))
    assert status == "withdrawn"
    after = await _feed(gql, after=before["endCursor"])
    taken_down = [e for e in after["events"] if e["type"] == "PUBLICATION_WITHDRAWN"]
    assert [e["payload"]["publicationId"] for e in taken_down] == [pub]
    assert all(e["subjectId"] is None for e in after["events"])  # the public never learns whose it was


async def test_an_amended_published_record_is_taken_down_until_the_correction_is_republished(
        conn: asyncpg.Connection, gql: GraphQL) -> None:
    _, rid, pub = await _published_record(conn, gql)
    amended = await gql("""mutation($id: ID!) { amendRecord(id: $id, reason: "金额有误", content: {title: "追回违规使用医保基金",
        facts: "串换药品", amount: "50000.00", occurredOn: "2026-09-01", legalBasis: "条例第三十八条"}) { status } }""",
                        {"id": str(rid)}, as_=CLERK)
    assert "errors" not in amended, amended
    assert (await gql(PUBLIC_RECORDS))["data"]["publicRecords"]["totalCount"] == 0
    assert await conn.fetchval("SELECT withdraw_reason FROM publication WHERE id = $1", uuid.UUID(pub)) \
        == "信用记录正在更正，更正确认后重新公开"


async def test_a_regrade_that_supersedes_a_published_grade_takes_it_down_and_the_subject_hears(
        conn: asyncpg.Connection, gql: GraphQL) -> None:
    sid = await insert_subject(conn, region="340102")
    result = await insert_result(conn, subject_id=sid, region="340102", grade="B", cycle_year=2026)
    pub = await publish_result(gql, result)
    grades = """{ publicGrades(regionCode: "340102", first: 50) { totalCount } }"""
    assert (await gql(grades))["data"]["publicGrades"]["totalCount"] == 1
    rid = await insert_confirmed_record(conn, subject_id=sid, region="340102", kind="recovered_funds",
                                        amount=Decimal("5000.00"))
    # An amendment confirmed by two more officers re-grades the subject for 2026 after commit.
    await gql("""mutation($id: ID!) { amendRecord(id: $id, reason: "更正", content: {title: "追回", facts: "串换",
        amount: "6000.00", occurredOn: "2026-09-01", legalBasis: "条例"}) { status } }""", {"id": str(rid)}, as_=CLERK)
    await gql("mutation($id: ID!) { reviewRecord(id: $id, approve: true) { status } }", {"id": str(rid)},
              as_=APPROVER)
    confirmed = await gql("mutation($id: ID!) { confirmRecord(id: $id) { status } }", {"id": str(rid)},
                          as_=officer("340102", OfficerRole.REVIEWER, id="340102-confirmer"))
    assert confirmed["data"]["confirmRecord"]["status"] == "CONFIRMED"
    assert await conn.fetchval("SELECT superseded_at IS NOT NULL FROM evaluation_result WHERE id = $1", result)
    assert (await gql(grades))["data"]["publicGrades"]["totalCount"] == 0
    assert await conn.fetchval("SELECT status FROM publication WHERE id = $1", uuid.UUID(pub)) == "withdrawn"
    notices = await conn.fetch("SELECT kind FROM notification WHERE subject_id = $1 ORDER BY id", sid)
    assert [n["kind"] for n in notices] == ["published", "withdrawn"]
    mine = await _feed(gql, as_=subject_principal(sid), types=["RESULT_STORED"])
    assert [e["payload"]["trigger"] for e in mine["events"]] == ["realtime"]


async def test_officers_see_their_subtree_subjects_themselves_and_the_public_only_published_items(
        conn: asyncpg.Connection, gql: GraphQL) -> None:
    sid, _rid, _ = await _published_record(conn, gql)
    other = await insert_subject(conn, region="500237")
    entered = await gql("""mutation($s: ID!) { enterRecord(input: {subjectId: $s, kind: COMMENDATION, content: {
        title: "县级先进", decidedOn: "2026-01-10"}}) { id } }""", {"s": str(other)},
                        as_=officer("500237"))
    assert "errors" not in entered, entered

    hefei = await _feed(gql, as_=officer("340100"))
    assert {e["regionCode"][:4] for e in hefei["events"]} == {"3401"}
    assert {"PUBLICATION_PREPARED", "PUBLICATION_PUBLISHED"} <= {e["type"] for e in hefei["events"]}
    wushan = await _feed(gql, as_=officer("500237"), types=["RECORD_ENTERED"])
    assert [e["subjectId"] for e in wushan["events"]] == [str(other)]
    mine = await _feed(gql, as_=subject_principal(sid))
    assert mine["events"] and {e["subjectId"] for e in mine["events"]} == {str(sid)}
    assert "PUBLICATION_PREPARED" not in {e["type"] for e in mine["events"]}  # a bureau's internal step
    public = await _feed(gql)
    assert {e["type"] for e in public["events"]} <= {"PUBLICATION_PUBLISHED", "PUBLICATION_WITHDRAWN",
                                                       "PUBLICATION_EXPIRED", "INSPECTION_PLAN_PUBLISHED"}


async def test_the_feed_pages_in_order_and_resumes_from_any_cursor(conn: asyncpg.Connection, gql: GraphQL) -> None:
    sid = await insert_subject(conn, region="340102")
    start = (await _feed(gql, as_=CLERK))["endCursor"]
    for n in range(3):
        await gql("""mutation($s: ID!, $t: String!) { enterRecord(input: {subjectId: $s, kind: COMMENDATION,
            content: {title: $t, decidedOn: "2026-01-10"}}) { id } }""", {"s": str(sid), "t": f"表彰{n}"}, as_=CLERK)
    body = await gql("""query($after: String) { changes(after: $after, first: 2) { events { position }
        hasNextPage endCursor } }""", {"after": start}, as_=CLERK)
    page = body["data"]["changes"]
    assert page["hasNextPage"] and len(page["events"]) == 2
    rest = (await gql("""query($after: String) { changes(after: $after, first: 2) { events { position }
        hasNextPage } }""", {"after": page["endCursor"]}, as_=CLERK))["data"]["changes"]
    positions = [e["position"] for e in page["events"] + rest["events"]]
    assert len(positions) == 3 and positions == sorted(positions) and not rest["hasNextPage"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "ZXZ0Oi01", encode_position(10**12)])
async def test_an_unknown_cursor_is_a_clear_input_error(gql: GraphQL, cursor: str) -> None:
    body = await gql(FEED, {"after": cursor}, as_=CLERK)
    assert error_codes(body) == ["INVALID_INPUT"]
    assert body["data"] is None


async def test_an_event_type_that_does_not_exist_is_refused_before_anything_runs(gql: GraphQL) -> None:
    body = await gql(FEED, {"types": ["RECORD_EATEN"]}, as_=CLERK)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "RECORD_EATEN" in body["errors"][0]["message"]
    assert body.get("data") is None


async def test_the_feed_of_another_region_is_forbidden(gql: GraphQL) -> None:
    body = await gql(FEED, {"region": "500237"}, as_=officer("340100"))
    assert error_codes(body) == ["FORBIDDEN"]


async def test_a_failed_write_leaves_no_event_behind(conn: asyncpg.Connection, gql: GraphQL) -> None:
    before = await conn.fetchval("SELECT count(*) FROM domain_event")
    sid = await insert_subject(conn, region="340102")
    body = await gql("""mutation($s: ID!) { a: enterRecord(input: {subjectId: $s, kind: COMMENDATION, content: {
        title: "表彰", decidedOn: "2026-01-10"}}) { id }
        b: enterRecord(input: {subjectId: $s, kind: RECOVERED_FUNDS, content: {title: "缺少金额"}}) { id } }""",
                     {"s": str(sid)}, as_=CLERK)
    assert "INVALID_INPUT" in error_codes(body)
    assert await conn.fetchval("SELECT count(*) FROM domain_event") == before
    assert await conn.fetchval("SELECT count(*) FROM credit_record WHERE subject_id = $1", sid) == 0
