"""Published evaluation results and federation clients, through HTTP with real tokens."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.access import FederationScope, OfficerRole, Principal, PrincipalKind
from domain.rules.catalog import RecordKind, SubjectClass
from domain.single_connection_db import SingleConnectionDatabase
from domain.synthetic import make_resident_id
from tests.support.evaluation import add_record
from tests.support.factories import GraphQL, error_codes, insert_subject, officer, subject_principal
from tests.support.publication import (
    PREPARE_RESULT,
    PUBLISH,
    insert_confirmed_record,
    insert_result,
    publish_record,
    publish_result,
)

WUSHAN = "500237"  # a county of Chongqing, whose municipal bureau (500000) publishes at city level
EVALUATE = """mutation($id: ID!) { evaluateSubject(subjectId: $id) { id grade score cycleYear } }"""
GRADES = """query($region: ID, $grade: Grade) { publicGrades(regionCode: $region, grade: $grade) { totalCount
    edges { node { grade cycleYear publishedAt publicUntil region { code } publisherRegion { code }
    institution { name unifiedSocialCreditCode } } } } }"""
POOR = """query($region: ID) { publicLists(kind: POOR_GRADE, regionCode: $region) { totalCount edges { node {
    __typename ... on PublicGrade { grade institution { name } } } } } }"""
SHARED = """query($region: ID) { sharedItems(regionCode: $region, first: 50) { totalCount edges { node {
    shared { title amount penalty score }
    item { __typename
      ... on PublicRecord { kind subject { __typename ... on PublicInstitution { name unifiedSocialCreditCode }
                                           ... on PublicIndividual { maskedName maskedId } } }
      ... on PublicGrade { grade institution { name unifiedSocialCreditCode } } } } } } }"""

CQ_PLATFORM = FederationScope(client_id="cq-credit-platform", region_code="500000",
                              fields=frozenset({"title", "amount", "penalty", "score"}), name="重庆市信用平台")
AH_PLATFORM = FederationScope(client_id="ah-credit-platform", region_code="340000", fields=frozenset({"score"}))


def federation(client_id: str) -> Principal:
    return Principal(kind=PrincipalKind.FEDERATION, id=client_id)


@pytest.fixture
async def gql(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[GraphQL]:
    """The API with the anonymous cache off (tests change the database underneath it) and two federation
    clients configured: Chongqing's platform with every shareable field, Anhui's with the score only."""
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(cache_ttl_seconds=0),
                     federation={c.client_id: c for c in (CQ_PLATFORM, AH_PLATFORM)})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQL(http, settings)


async def _evaluated_clinic(conn: asyncpg.Connection, gql: GraphQL, *, frauds: int = 1,
                            name: str | None = None) -> tuple[str, str, str]:
    """A Wushan clinic with ``frauds`` fraud records last cycle, evaluated by the county: (subject, result, grade)."""
    year = date.today().year - 1
    sid = await insert_subject(conn, region=WUSHAN, subject_class=SubjectClass.MEDICAL_INSTITUTION, name=name)
    for _ in range(frauds):
        await add_record(conn, sid, RecordKind.FRAUD, on=date(year, 6, 1))
    body = await gql(EVALUATE, {"id": str(sid)}, as_=officer(WUSHAN))
    assert "errors" not in body, body
    return str(sid), body["data"]["evaluateSubject"]["id"], body["data"]["evaluateSubject"]["grade"]


async def test_only_city_level_roles_publish_a_result_and_the_grade_but_not_the_score_goes_public(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid, result_id, grade = await _evaluated_clinic(conn, gql, name="巫山县公开评价测试诊所")
    prepared = await gql(PREPARE_RESULT, {"id": result_id}, as_=officer(WUSHAN))
    view = prepared["data"]["prepareResultPublication"]
    assert (view["itemType"], view["kind"], view["category"], view["publisherRegion"]["code"]) == (
        "RESULT", grade, None, "500000")
    for who in (officer(WUSHAN), officer(WUSHAN, OfficerRole.REVIEWER), officer("500000", OfficerRole.AGENCY),
                officer("500000", OfficerRole.EVALUATOR), subject_principal(sid), None):
        assert error_codes(await gql(PUBLISH, {"id": view["id"]}, as_=who)) == ["FORBIDDEN"], who
    # Another province's city bureau does not even see it.
    assert error_codes(await gql(PUBLISH, {"id": view["id"]}, as_=officer("340100"))) == ["NOT_FOUND"]
    assert (await gql(GRADES, {"region": WUSHAN}))["data"]["publicGrades"]["totalCount"] == 0
    published = await gql(PUBLISH, {"id": view["id"]}, as_=officer("500000", OfficerRole.REVIEWER))
    assert published["data"]["publish"]["status"] == "PUBLISHED"

    body = await gql(GRADES, {"region": "500000", "grade": grade})
    page = body["data"]["publicGrades"]
    assert page["totalCount"] == 1
    node = page["edges"][0]["node"]
    assert (node["grade"], node["cycleYear"], node["region"]["code"], node["publisherRegion"]["code"]) == (
        grade, date.today().year - 1, WUSHAN, "500000")
    assert node["institution"]["name"] == "巫山县公开评价测试诊所" and node["publicUntil"] > node["publishedAt"]
    other = "E" if grade != "E" else "A"
    assert (await gql(GRADES, {"region": "500000", "grade": other}))["data"]["publicGrades"]["totalCount"] == 0
    assert "score" not in str(body)
    notes = await gql("{ myNotifications { message publicationId } }", as_=subject_principal(sid))
    assert notes["data"]["myNotifications"][0]["publicationId"] == view["id"]
    assert f"信用评价结果（等级{grade}）" in notes["data"]["myNotifications"][0]["message"]


async def test_a_result_superseded_by_a_re_evaluation_drops_from_public_answers(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid, result_id, _ = await _evaluated_clinic(conn, gql)
    await publish_result(gql, result_id, county=WUSHAN, city="500000")
    assert (await gql(GRADES, {"region": WUSHAN}))["data"]["publicGrades"]["totalCount"] == 1
    code = (await gql(GRADES, {"region": WUSHAN}))["data"]["publicGrades"]["edges"][0]["node"]["institution"][
        "unifiedSocialCreditCode"]
    for _ in range(3):
        await add_record(conn, sid, RecordKind.FRAUD, on=date(date.today().year - 1, 7, 1))
    again = await gql(EVALUATE, {"id": sid}, as_=officer(WUSHAN))
    assert again["data"]["evaluateSubject"]["grade"] in ("C", "D", "E"), again
    # The publication is still "published", but its result is no longer current: the view drops it.
    assert (await gql(GRADES, {"region": WUSHAN}))["data"]["publicGrades"]["totalCount"] == 0
    assert (await gql('query($c: String!) { publicInstitution(code: $c) { name } }', {"c": code}))[
        "data"]["publicInstitution"] is None
    # The superseded result cannot be prepared again; the new one can, and goes on the poor-grade list.
    assert error_codes(await gql(PREPARE_RESULT, {"id": result_id}, as_=officer(WUSHAN))) == ["CONFLICT"]
    await publish_result(gql, again["data"]["evaluateSubject"]["id"], county=WUSHAN, city="500000")
    poor = (await gql(POOR, {"region": WUSHAN}))["data"]["publicLists"]
    assert poor["totalCount"] == 1 and poor["edges"][0]["node"]["grade"] == again["data"]["evaluateSubject"]["grade"]


async def test_a_result_prepared_then_superseded_cannot_be_published(gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid, result_id, _ = await _evaluated_clinic(conn, gql)
    pub_id = (await gql(PREPARE_RESULT, {"id": result_id}, as_=officer(WUSHAN)))["data"][
        "prepareResultPublication"]["id"]
    await gql(EVALUATE, {"id": sid}, as_=officer(WUSHAN))
    assert error_codes(await gql(PUBLISH, {"id": pub_id}, as_=officer("500000"))) == ["CONFLICT"]


async def test_the_poor_grade_list_holds_published_c_d_and_e_results_only(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    published = {}
    for grade in ("A", "B", "C", "D", "E"):
        sid = await insert_subject(conn, region="340102", name=f"瑶海区等级{grade}大药房")
        published[grade] = await publish_result(gql, await insert_result(conn, subject_id=sid, region="340102",
                                                                         grade=grade))
    unpublished = await insert_subject(conn, region="340102", name="瑶海区未公开D大药房")
    await insert_result(conn, subject_id=unpublished, region="340102", grade="D")
    body = await gql(POOR, {"region": "340100"})
    entries = body["data"]["publicLists"]["edges"]
    assert body["data"]["publicLists"]["totalCount"] == 3
    assert sorted(e["node"]["grade"] for e in entries) == ["C", "D", "E"]
    assert {e["node"]["__typename"] for e in entries} == {"PublicGrade"}
    # The serious-dishonesty list is still records only; another city's list is empty.
    assert (await gql("{ publicLists { totalCount } }"))["data"]["publicLists"]["totalCount"] == 0
    assert (await gql(POOR, {"region": "341100"}))["data"]["publicLists"]["totalCount"] == 0


async def test_an_individuals_result_is_never_published(gql: GraphQL, conn: asyncpg.Connection) -> None:
    doctor = await insert_subject(conn, region="340102", subject_class=SubjectClass.DOCTOR, name="王医生",
                                  code=make_resident_id(random.Random(3), "340102"))
    result_id = await insert_result(conn, subject_id=doctor, region="340102", grade="D")
    body = await gql(PREPARE_RESULT, {"id": str(result_id)}, as_=officer("340100"))
    assert error_codes(body) == ["INVALID_INPUT"]
    assert await conn.fetchval("SELECT count(*) FROM publication WHERE item_id = $1", result_id) == 0


async def test_a_federation_client_sees_its_region_with_its_shared_fields_and_never_personal_data(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    resident_id = make_resident_id(random.Random(5), WUSHAN)
    person = await insert_subject(conn, region=WUSHAN, subject_class=SubjectClass.DOCTOR, name="秘密医生",
                                  code=resident_id, phone="13700001234")
    clinic = await insert_subject(conn, region=WUSHAN, subject_class=SubjectClass.MEDICAL_INSTITUTION,
                                  name="巫山县共享测试医院")
    for subject_id, amount in ((person, Decimal("4321.09")), (clinic, Decimal("9876.54"))):
        record_id = await insert_confirmed_record(conn, subject_id=subject_id, region=WUSHAN, title="共享标题",
                                                  facts="患者隐私事实", amount=amount, penalty="罚款若干",
                                                  details={"note": "明细机密"})
        await publish_record(gql, record_id, county=WUSHAN, city="500000")
    await publish_result(gql, await insert_result(conn, subject_id=clinic, region=WUSHAN, grade="C",
                                                  score=Decimal("66.50")), county=WUSHAN, city="500000")
    # An individual's result exists too; it is never published, so no client ever sees its score.
    await insert_result(conn, subject_id=person, region=WUSHAN, grade="D", score=Decimal("41.25"))

    body = await gql(SHARED, as_=federation(CQ_PLATFORM.client_id))
    page = body["data"]["sharedItems"]
    assert page["totalCount"] == 3
    by_kind = {}
    for e in page["edges"]:
        item, shared = e["node"]["item"], e["node"]["shared"]
        subject = item.get("subject") or {"__typename": "PublicInstitution", **item["institution"]}
        by_kind[(item["__typename"], subject["__typename"])] = shared
    assert by_kind[("PublicRecord", "PublicInstitution")] == {
        "title": "共享标题", "amount": "9876.54", "penalty": "罚款若干", "score": None}
    assert by_kind[("PublicGrade", "PublicInstitution")] == {
        "title": None, "amount": None, "penalty": None, "score": "66.50"}
    assert by_kind[("PublicRecord", "PublicIndividual")] == {
        "title": None, "amount": None, "penalty": None, "score": None}
    everything = str(body)
    for secret in ("秘密医生", resident_id, resident_id[6:14], "13700001234", "4321.09", "41.25", "患者隐私事实",
                   "明细机密", str(person)):
        assert secret not in everything, secret
    assert "秘**" in everything and "巫山县共享测试医院" in everything

    # Anhui's platform is configured for the score only, and for its own province: nothing of Chongqing.
    ah = federation(AH_PLATFORM.client_id)
    assert (await gql(SHARED, as_=ah))["data"]["sharedItems"]["totalCount"] == 0
    assert (await gql(SHARED, {"region": WUSHAN}, as_=ah))["data"]["sharedItems"]["totalCount"] == 0
    assert (await gql(GRADES, {"region": WUSHAN}, as_=ah))["data"]["publicGrades"]["totalCount"] == 0
    assert (await gql("{ publicRecords { totalCount } }", as_=ah))["data"]["publicRecords"]["totalCount"] == 0
    assert (await gql('query($c: String!) { publicInstitution(name: $c) { name } }', {"c": "巫山县共享测试医院"},
                      as_=ah))["data"]["publicInstitution"] is None
    # The anonymous public and unconfigured clients get no shared view at all.
    assert error_codes(await gql(SHARED)) == ["FORBIDDEN"]
    assert error_codes(await gql(SHARED, as_=officer("500000"))) == ["FORBIDDEN"]
    assert error_codes(await gql(SHARED, as_=federation("unknown-client"))) == ["FORBIDDEN"]
    assert error_codes(await gql("{ publicRecords { totalCount } }", as_=federation("unknown-client"))) == [
        "FORBIDDEN"]


async def test_the_federation_role_reads_the_shared_view_and_the_public_role_does_not(
        conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await conn.execute("SET LOCAL ROLE yibao_federation")
        await conn.fetch("SELECT shared_payload FROM shared_item LIMIT 1")
    for role, table in (("yibao_public", "shared_item"), ("yibao_federation", "publication"),
                        ("yibao_federation", "subject"), ("yibao_federation", "evaluation_result")):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with conn.transaction():
                await conn.execute(f"SET LOCAL ROLE {role}")
                await conn.fetch(f"SELECT * FROM {table} LIMIT 1")
