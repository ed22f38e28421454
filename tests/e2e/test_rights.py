"""The subject's rights through HTTP with real tokens: objections, credit repair, self-service (issue 8)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL, count, insert_subject, officer, subject_principal
from tests.support.publication import publish_record
from tests.support.rights import (
    ACCEPT,
    APPLY,
    APPROVE,
    CLERK,
    REJECT,
    UPHOLD,
    WUSHAN,
    confirmed_record,
    content,
    file_objection,
    review_and_confirm,
)

RESULT = "query($id: ID!) { subject(id: $id) { creditResult { score grade } } }"
PUBLIC = """query($r: ID) { publicRecords(regionCode: $r, category: DISHONESTY) { totalCount
    edges { node { kind title } } } }"""
SERIOUS = """query($r: ID) { publicLists(kind: SERIOUS_DISHONESTY, regionCode: $r) { totalCount } }"""
LISTS = "query($r: ID!, $y: Int!) { creditLists(regionCode: $r, cycleYear: $y) { subjectId listKind reasons } }"
ARCHIVE = """{ myArchive { subject { name } records { id status versions { version } history { action } }
    results { grade superseded: supersededAt } publications { id status publicUntil } publicNow { id }
    objections { status decisionReason evidence { fileName } } repairs { status decisionNo } } }"""


@pytest.fixture
async def gql(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[GraphQL]:
    """The API with the anonymous cache off: the tests change public answers and read them again."""
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(cache_ttl_seconds=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQL(http, settings)


async def _score(gql: GraphQL, sid: object) -> Decimal:
    body = await gql(RESULT, {"id": str(sid)}, as_=CLERK)
    return Decimal(body["data"]["subject"]["creditResult"]["score"])


async def test_an_upheld_objection_corrects_the_record_regrades_the_subject_and_changes_the_public_answer(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN, name="巫山县异议测试大药房")
    rid = await confirmed_record(gql, sid)
    assert await _score(gql, sid) == 90  # 60,000 yuan recovered: −10 (002 annex)
    await publish_record(gql, rid, county=WUSHAN, city="500000")
    assert (await gql(PUBLIC, {"r": WUSHAN}))["data"]["publicRecords"]["totalCount"] == 1

    filed = await file_objection(gql, sid, rid)
    assert (filed["status"], filed["handlerDepartment"], filed["overdue"]) == ("SUBMITTED", "500237医疗保障局", False)
    assert filed["evidence"] == [{"fileName": "退款凭证.pdf", "mediaType": "application/pdf"}]
    accepted = await gql(ACCEPT, {"id": filed["id"]}, as_=CLERK)
    assert accepted["data"]["acceptObjection"]["status"] == "ACCEPTED"
    assert accepted["data"]["acceptObjection"]["decideDue"] > filed["acceptDue"]
    upheld = await gql(UPHOLD, {"id": filed["id"], "r": "经核实，违规金额为8000元", "c": "AMEND",
                                "content": content(amount="8000.00")}, as_=CLERK)
    decision = upheld["data"]["upholdObjection"]
    assert (decision["status"], decision["correction"]) == ("UPHELD", "AMEND") and decision["decisionNo"]
    # The correction is a new version through the workflow: its publication came down at once ...
    assert (await gql(PUBLIC, {"r": WUSHAN}))["data"]["publicRecords"]["totalCount"] == 0
    # ... and once two other officers review and confirm it, the subject is re-graded: 8,000 yuan is −2.
    await review_and_confirm(gql, rid)
    assert await _score(gql, sid) == 98

    mine = (await gql(ARCHIVE, as_=subject_principal(sid)))["data"]["myArchive"]
    assert mine["subject"]["name"] == "巫山县异议测试大药房"
    (record,) = mine["records"]
    assert [v["version"] for v in record["versions"]] == [1, 2] and record["status"] == "CONFIRMED"
    assert [o["status"] for o in mine["objections"]] == ["UPHELD"]
    assert mine["objections"][0]["evidence"] == [{"fileName": "退款凭证.pdf"}]
    assert [p["status"] for p in mine["publications"]] == ["WITHDRAWN"] and mine["publicNow"] == []
    assert sum(1 for r in mine["results"] if r["superseded"] is None) == 1 and len(mine["results"]) >= 2
    types = [r["type"] for r in await conn.fetch(
        "SELECT type FROM domain_event WHERE subject_id = $1 AND type LIKE 'objection.%' ORDER BY position", sid)]
    assert types == ["objection.submitted", "objection.accepted", "objection.upheld"]

    # A second objection to the corrected record is rejected, with reasons the subject reads.
    second = await file_objection(gql, sid, rid, reasons="认为8000元也不应追回")
    await gql(ACCEPT, {"id": second["id"]}, as_=CLERK)
    rejected = await gql(REJECT, {"id": second["id"], "r": "经复核，8000元确属违规使用"}, as_=CLERK)
    assert rejected["data"]["rejectObjection"] == {"id": second["id"], "status": "REJECTED",
                                                   "decisionReason": "经复核，8000元确属违规使用"}
    assert await _score(gql, sid) == 98
    assert await conn.fetchval("SELECT current_version FROM credit_record WHERE id = $1::uuid", rid) == 2


async def test_a_repair_is_refused_before_its_minimum_period_and_approved_after_it_leaving_public_lists(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN, name="巫山县修复测试大药房")
    rid = await confirmed_record(gql, sid, kind="ADMINISTRATIVE_PENALTY", body=content(
        title="行政处罚：罚款", amount=None, penalty="罚款2万元"))
    await publish_record(gql, rid, county=WUSHAN, city="500000")
    assert (await gql(SERIOUS, {"r": WUSHAN}))["data"]["publicLists"]["totalCount"] == 1
    lists = (await gql(LISTS, {"r": WUSHAN, "y": 2026}, as_=CLERK))["data"]["creditLists"]
    assert [(e["listKind"], e["reasons"]) for e in lists if e["subjectId"] == str(sid)] == [
        ("black", ["serious_dishonesty"])]
    materials = ["COMMITMENT_SIGNED", "PENALTY_FULFILLED", "TRAINING_COMPLETED"]

    early = await gql(APPLY, {"rid": rid, "m": materials}, as_=subject_principal(sid))
    assert [e["extensions"]["code"] for e in early["errors"]] == ["REPAIR_TOO_EARLY"]
    assert "6个月" in early["errors"][0]["message"]
    assert await count(conn, "repair_application") == 0

    # Seven months later (the display began then): the application is accepted and approved.
    await conn.execute("UPDATE publication SET published_at = published_at - interval '7 months' "
                       "WHERE item_id = $1::uuid", rid)
    applied = (await gql(APPLY, {"rid": rid, "m": materials}, as_=subject_principal(sid)))["data"]["applyForRepair"]
    assert applied["status"] == "SUBMITTED" and applied["eligibleFrom"] <= str(await conn.fetchval("SELECT current_date"))
    approved = (await gql(APPROVE, {"id": applied["id"]}, as_=CLERK))["data"]["approveRepair"]
    assert approved["status"] == "APPROVED" and approved["decisionNo"].startswith("医保修〔")
    assert (await gql(PUBLIC, {"r": WUSHAN}))["data"]["publicRecords"]["totalCount"] == 0
    assert (await gql(SERIOUS, {"r": WUSHAN}))["data"]["publicLists"]["totalCount"] == 0
    lists = (await gql(LISTS, {"r": WUSHAN, "y": 2026}, as_=CLERK))["data"]["creditLists"]
    assert [e for e in lists if e["subjectId"] == str(sid) and e["listKind"] == "black"] == []
    reason = await conn.fetchval("SELECT withdraw_reason FROM publication WHERE item_id = $1::uuid", rid)
    assert reason == "信用修复已获准，停止公示"
    types = [r["type"] for r in await conn.fetch(
        "SELECT type FROM domain_event WHERE subject_id = $1 AND type LIKE ANY('{repair.%,record.repaired}') "
        "ORDER BY position", sid)]
    assert types == ["repair.submitted", "repair.approved", "record.repaired"]


async def test_a_repair_obtained_with_false_materials_is_revoked_as_a_new_dishonesty_record(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    rid = await confirmed_record(gql, sid, kind="INTERVIEW", body=content(title="约谈", amount=None))
    await publish_record(gql, rid, county=WUSHAN, city="500000")
    await conn.execute("UPDATE publication SET published_at = published_at - interval '4 months' "
                       "WHERE item_id = $1::uuid", rid)
    applied = await gql(APPLY, {"rid": rid, "m": ["COMMITMENT_SIGNED", "PENALTY_FULFILLED"]},
                        as_=subject_principal(sid))
    repair_id = applied["data"]["applyForRepair"]["id"]
    await gql(APPROVE, {"id": repair_id}, as_=CLERK)
    revoked = await gql("""mutation($id: ID!) { revokeRepair(id: $id, reason: "培训证明系伪造") {
        status revokeReason revocationRecordId } }""", {"id": repair_id}, as_=CLERK)
    body = revoked["data"]["revokeRepair"]
    assert (body["status"], body["revokeReason"]) == ("REVOKED", "培训证明系伪造")
    row = await conn.fetchrow("SELECT kind, status, subject_id FROM credit_record WHERE id = $1::uuid",
                              body["revocationRecordId"])
    assert (row["kind"], row["status"], row["subject_id"]) == ("other_dishonesty", "entered", sid)


async def test_overdue_objections_show_on_the_bureau_dashboard_and_the_province_oversight(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    rid = await confirmed_record(gql, sid)
    filed = await file_objection(gql, sid, rid)
    overdue = "query { objections(overdueOnly: true) { id overdue handlerDepartment } }"
    assert (await gql(overdue, as_=CLERK))["data"]["objections"] == []
    await conn.execute("UPDATE objection SET accept_due = current_date - 1 WHERE id = $1::uuid", filed["id"])
    assert (await gql(overdue, as_=CLERK))["data"]["objections"] == [
        {"id": filed["id"], "overdue": True, "handlerDepartment": "500237医疗保障局"}]
    # Chongqing is a municipality: its bureau oversees every district and county
    assert [o["id"] for o in (await gql(overdue, as_=officer("500000")))["data"]["objections"]] == [filed["id"]]
    # another province sees nothing of it
    assert (await gql(overdue, as_=officer("340000")))["data"]["objections"] == []


async def test_a_subject_reads_its_own_objections_and_no_one_elses(gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    other = await insert_subject(conn, region=WUSHAN)
    filed = await file_objection(gql, sid, await confirmed_record(gql, sid))
    body = await gql("query($id: ID!) { objection(id: $id) { status } }", {"id": filed["id"]},
                     as_=subject_principal(other))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    assert (await gql(ARCHIVE, as_=subject_principal(other)))["data"]["myArchive"]["objections"] == []
    assert [e["extensions"]["code"] for e in (await gql(ARCHIVE, as_=CLERK))["errors"]] == ["FORBIDDEN"]




async def test_an_upheld_objection_to_a_result_re_evaluates_and_one_to_its_publication_takes_it_down(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    from tests.support.publication import publish_result

    sid = await insert_subject(conn, region=WUSHAN, name="巫山县结果异议测试大药房")
    await confirmed_record(gql, sid)
    result_id = (await gql("query($id: ID!) { subject(id: $id) { creditResult { id } } }", {"id": str(sid)},
                           as_=CLERK))["data"]["subject"]["creditResult"]["id"]
    pub_id = await publish_result(gql, result_id, county=WUSHAN, city="500000")
    grades = 'query { publicGrades(regionCode: "500237") { totalCount } }'
    assert (await gql(grades))["data"]["publicGrades"]["totalCount"] == 1

    # The publication is the city's: the county cannot decide it, the municipal bureau does.
    on_pub = await file_objection(gql, sid, pub_id, item_type="PUBLICATION", reasons="公示的等级与评价结果不符")
    assert on_pub["handlerDepartment"] == "重庆市医疗保障局"
    assert [e["extensions"]["code"] for e in (await gql(ACCEPT, {"id": on_pub["id"]}, as_=CLERK))["errors"]] == [
        "FORBIDDEN"]
    city = officer("500000")
    await gql(ACCEPT, {"id": on_pub["id"]}, as_=city)
    upheld = await gql(UPHOLD, {"id": on_pub["id"], "r": "公示信息有误，予以撤下"}, as_=city)
    assert upheld["data"]["upholdObjection"]["status"] == "UPHELD"
    assert (await gql(grades))["data"]["publicGrades"]["totalCount"] == 0

    # The result is the county's (it evaluated): upholding re-evaluates, superseding the disputed result.
    on_result = await file_objection(gql, sid, result_id, item_type="RESULT", reasons="评价未采纳退款凭证")
    assert on_result["handlerDepartment"] == "巫山县医疗保障局"
    await gql(ACCEPT, {"id": on_result["id"]}, as_=CLERK)
    assert (await gql(UPHOLD, {"id": on_result["id"], "r": "重新评价"}, as_=CLERK))["data"]["upholdObjection"][
        "status"] == "UPHELD"
    assert await conn.fetchval("SELECT superseded_at IS NOT NULL FROM evaluation_result WHERE id = $1::uuid",
                               result_id)
