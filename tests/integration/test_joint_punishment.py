"""联合惩戒: a subject published on the serious-dishonesty list is bound by joint measures that each configured
department client reads for its own department, announced in the feed, and lifted with the take-down."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from api.settings import Settings
from domain.access import Principal, PrincipalKind
from domain.consumers import CONSUMERS, drain_all
from domain.db_scope import DbScope
from domain.publication_withdrawal import take_down
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL, error_codes, insert_subject, officer
from tests.support.publication import insert_confirmed_record, publish_record

MARKET = Principal(kind=PrincipalKind.FEDERATION, id="ah-market-regulation")
FINANCE = Principal(kind=PrincipalKind.FEDERATION, id="ah-finance")
BANK = Principal(kind=PrincipalKind.FEDERATION, id="ah-bank-yibao-edai")
QUERY = """query($region: String) { jointMeasures(regionCode: $region) { subjectId name code regionCode
    measures { code departments basis endsOn } } }"""
FEED = "{ changes(types: [JOINT_MEASURES_IMPOSED, JOINT_MEASURES_LIFTED]) { events { type payload } } }"


async def _listed(conn: asyncpg.Connection, gql: GraphQL) -> tuple[uuid.UUID, str, str]:
    sid = await insert_subject(conn, region="340102", name="瑶海区失信大药房")
    rid = await insert_confirmed_record(conn, subject_id=sid, region="340102", kind="fraud", title="欺诈骗保")
    pub = await publish_record(gql, rid)
    return sid, pub, await conn.fetchval("SELECT code FROM subject WHERE id = $1", sid)


async def test_each_department_reads_only_the_measures_that_bind_it(client: httpx.AsyncClient, settings: Settings,
                                                                   conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    sid, _, code = await _listed(conn, gql)
    market = (await gql(QUERY, as_=MARKET))["data"]["jointMeasures"]
    mine = next(s for s in market if s["code"] == code)
    assert mine["subjectId"] is None and mine["name"] == "瑶海区失信大药房"
    assert [m["code"] for m in mine["measures"]] == ["market_access"]
    assert mine["measures"][0]["departments"] == ["市场监管"] and "欺诈骗保" in mine["measures"][0]["basis"]
    finance = (await gql(QUERY, as_=FINANCE))["data"]["jointMeasures"]
    assert [m["code"] for m in next(s for s in finance if s["code"] == code)["measures"]] == ["government_procurement"]
    bureau = (await gql(QUERY, {"region": "340102"}, as_=officer("340100")))["data"]["jointMeasures"]
    assert len(next(s for s in bureau if s["subjectId"] == str(sid))["measures"]) == 6


async def test_a_department_asking_outside_its_agreement_or_a_bank_is_refused(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    await _listed(conn, gql)
    assert error_codes(await gql(QUERY, {"region": "500237"}, as_=MARKET)) == ["FORBIDDEN"]
    assert error_codes(await gql(QUERY, as_=BANK)) == ["FORBIDDEN"]
    assert error_codes(await gql(QUERY)) == ["FORBIDDEN"]


async def test_measures_are_announced_in_the_feed_and_lifted_with_the_take_down(
        client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    _, pub, code = await _listed(conn, gql)
    events = (await gql(FEED, as_=MARKET))["data"]["changes"]["events"]
    imposed = [e for e in events if e["payload"].get("publicationId") == pub]
    assert imposed[0]["type"] == "JOINT_MEASURES_IMPOSED" and imposed[0]["payload"]["subject"]["code"] == code
    assert "市场监管" in imposed[0]["payload"]["departments"]

    async with db.session(DbScope.system(actor="test")) as s:
        await take_down(session=s, ids=[uuid.UUID(pub)], actor="officer:test", reason="行政复议撤销")
    await drain_all(db, CONSUMERS)
    market = (await gql(QUERY, as_=MARKET))["data"]["jointMeasures"]
    assert all(s["code"] != code for s in market)
    events = (await gql(FEED, as_=MARKET))["data"]["changes"]["events"]
    assert [e["type"] for e in events if e["payload"].get("publicationId") == pub] == [
        "JOINT_MEASURES_IMPOSED", "JOINT_MEASURES_LIFTED"]
