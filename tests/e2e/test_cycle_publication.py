"""Publishing a whole cycle of results in one operation (issue 13, 001 art.22), through HTTP with real tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.rules.catalog import SubjectClass
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL, error_codes, insert_subject, officer
from tests.support.publication import WITHDRAW, insert_result, publish_result

YEAR = 2019  # a finished cycle no other test writes
COUNTY, CITY = "340102", "340100"
PREVIEW = """query($region: ID!, $year: Int!) { previewCyclePublication(regionCode: $region, cycleYear: $year) {
    cycleYear byGrade { grade count } alreadyPublic toPublish individualsNeverPublished } }"""
PUBLISH_CYCLE = """mutation($region: ID!, $year: Int!, $months: Int) {
    publishCycle(regionCode: $region, cycleYear: $year, windowMonths: $months) {
    published alreadyPublic byGrade { grade count } publishedAt publicUntil } }"""
POOR = """query($region: ID) { publicLists(kind: POOR_GRADE, regionCode: $region, first: 100) { edges { node {
    __typename ... on PublicGrade { grade cycleYear institution { name } } } } } }"""


@pytest.fixture
async def gql(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[GraphQL]:
    """The API with the anonymous cache off (the tests change the database underneath it)."""
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(cache_ttl_seconds=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQL(http, settings)


async def _small_cycle(conn: asyncpg.Connection) -> tuple[dict[str, uuid.UUID], uuid.UUID]:
    """Three institutions graded A, C and D and a doctor graded E in one county's cycle: (results by name, the
    doctor's result)."""
    results: dict[str, uuid.UUID] = {}
    for grade in ("A", "C", "D"):
        name = f"瑶海区周期公开测试药房{grade}"
        sid = await insert_subject(conn, region=COUNTY, name=name)
        results[name] = await insert_result(conn, subject_id=sid, region=COUNTY, grade=grade, cycle_year=YEAR)
    doctor = await insert_subject(conn, region=COUNTY, subject_class=SubjectClass.DOCTOR, name="周期公开测试医师")
    return results, await insert_result(conn, subject_id=doctor, region=COUNTY, grade="E", cycle_year=YEAR)


async def test_a_city_bureau_previews_then_publishes_every_institutions_grade_of_a_cycle_once_and_never_individuals(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    results, doctor_result = await _small_cycle(conn)
    city = officer(CITY)
    preview = await gql(PREVIEW, {"region": CITY, "year": YEAR}, as_=city)
    assert "errors" not in preview, preview
    p = preview["data"]["previewCyclePublication"]
    assert {g["grade"]: g["count"] for g in p["byGrade"]} == {"A": 1, "C": 1, "D": 1}
    assert (p["toPublish"], p["alreadyPublic"], p["individualsNeverPublished"]) == (3, 0, 1)
    assert await conn.fetchval("SELECT count(*) FROM publication WHERE cycle_year = $1", YEAR) == 0  # preview wrote nothing

    body = await gql(PUBLISH_CYCLE, {"region": CITY, "year": YEAR, "months": 6}, as_=city)
    assert "errors" not in body, body
    done = body["data"]["publishCycle"]
    assert (done["published"], done["alreadyPublic"]) == (3, 0)
    assert {g["grade"]: g["count"] for g in done["byGrade"]} == {"A": 1, "C": 1, "D": 1}
    assert done["publicUntil"] > done["publishedAt"]
    rows = await conn.fetch(
        "SELECT item_id, status, publisher_region, public_payload FROM publication WHERE item_id = ANY($1)",
        [*results.values(), doctor_result])
    assert sorted(r["item_id"] for r in rows) == sorted(results.values())  # each institution once, the doctor never
    assert {r["status"] for r in rows} == {"published"} and {r["publisher_region"] for r in rows} == {CITY}
    # one publication.published per publication, carrying the stored public payload
    events = await conn.fetch(
        """SELECT e.public_payload->'item' = p.public_payload AS same, e.audiences FROM domain_event e
           JOIN publication p ON p.id = e.item_id WHERE e.type = 'publication.published' AND p.item_id = ANY($1)""",
        list(results.values()))
    assert len(events) == 3 and all(e["same"] for e in events)
    # the poor-grade list follows from the published grades: C and D, not A
    poor = await gql(POOR, {"region": COUNTY})
    names = {n["node"]["institution"]["name"] for n in poor["data"]["publicLists"]["edges"]
             if n["node"]["cycleYear"] == YEAR}
    assert names == {"瑶海区周期公开测试药房C", "瑶海区周期公开测试药房D"}

    again = await gql(PUBLISH_CYCLE, {"region": CITY, "year": YEAR}, as_=city)
    assert (again["data"]["publishCycle"]["published"], again["data"]["publishCycle"]["alreadyPublic"]) == (0, 3)
    assert await conn.fetchval("SELECT count(*) FROM publication WHERE item_id = ANY($1)", list(results.values())) == 3


async def test_a_result_published_by_cycle_has_the_same_public_payload_as_one_published_one_by_one(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    results, _ = await _small_cycle(conn)
    result_id = results["瑶海区周期公开测试药房C"]
    one = await publish_result(gql, result_id, county=COUNTY, city=CITY)
    withdrawn = await gql(WITHDRAW, {"id": one, "reason": "改为按周期公开"}, as_=officer(CITY))
    assert "errors" not in withdrawn, withdrawn
    body = await gql(PUBLISH_CYCLE, {"region": COUNTY, "year": YEAR}, as_=officer(CITY))
    assert body["data"]["publishCycle"]["published"] == 3, body
    columns = """public_payload::text AS payload, shared_payload::text AS shared, public_key, public_name, grade,
                 kind, category, cycle_year, publisher_region, public_until - published_at AS span"""
    by_hand = await conn.fetchrow(f"SELECT {columns} FROM publication WHERE id = $1", uuid.UUID(one))
    by_cycle = await conn.fetchrow(
        f"SELECT {columns} FROM publication WHERE item_id = $1 AND status = 'published'", result_id)
    assert by_hand is not None and by_cycle is not None
    assert dict(by_cycle) == dict(by_hand)
    events = await conn.fetch(
        """SELECT e.public_payload - 'publicationId' - 'publishedAt' - 'publicUntil' AS public,
                  e.payload - 'publicationId' - 'publicUntil' AS private
           FROM domain_event e JOIN publication p ON p.id = e.item_id
           WHERE e.type = 'publication.published' AND p.item_id = $1 ORDER BY e.position""", result_id)
    assert len(events) == 2 and events[0]["public"] == events[1]["public"] and events[0]["private"] == events[1]["private"]
    times = await conn.fetch(
        """SELECT e.public_payload ->> 'publishedAt' AS published, e.public_payload ->> 'publicUntil' AS until,
                  e.payload ->> 'publicUntil' AS private_until
           FROM domain_event e JOIN publication p ON p.id = e.item_id
           WHERE e.type = 'publication.published' AND p.item_id = $1""", result_id)
    # one by one or by the cycle: the times are in Beijing time, as the API and the feed write them
    assert all(t[k].endswith("+08:00") for t in times for k in ("published", "until", "private_until")), times


async def test_a_county_officer_cannot_publish_a_cycle_and_nothing_is_written(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    await _small_cycle(conn)
    body = await gql(PUBLISH_CYCLE, {"region": COUNTY, "year": YEAR}, as_=officer(COUNTY))
    assert error_codes(body) == ["FORBIDDEN"]
    assert await conn.fetchval("SELECT count(*) FROM publication WHERE cycle_year = $1", YEAR) == 0


async def test_an_unfinished_or_unknown_cycle_year_or_region_is_invalid_input(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    await _small_cycle(conn)
    for region, year in ((CITY, date.today().year), (CITY, 1990), ("999999", YEAR)):
        for query in (PREVIEW, PUBLISH_CYCLE):
            body = await gql(query, {"region": region, "year": year}, as_=officer(CITY))
            assert error_codes(body) == ["INVALID_INPUT"], (region, year, body)
            assert all("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][0]["message"][:1]) or \
                body["errors"][0]["message"][0].isdigit()
