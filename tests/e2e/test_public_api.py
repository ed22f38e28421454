"""The public API through HTTP: nothing personal leaks, windows end, only the city publishes, abuse is refused."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLUnionType, Undefined

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.access import OfficerRole
from domain.rules.catalog import SubjectClass
from domain.single_connection_db import SingleConnectionDatabase
from domain.synthetic import make_resident_id, make_uscc
from tests.support.factories import GraphQL, auth, error_codes, insert_subject, officer, subject_principal
from tests.support.publication import (
    PREPARE,
    PUBLISH,
    WITHDRAW,
    insert_confirmed_record,
    insert_result,
    publish_record,
    publish_result,
)

PERSON_NAME = "测试甲乙丙"
PHONE = "13812345678"
ADDRESS = "合肥市瑶海区胜利路88号三单元"
INSTITUTION_PHONE = "13900001111"
INSTITUTION_ADDRESS = "合肥市包河区秘密路99号"
AMOUNT = Decimal("12345.67")
FACTS = "患者李秘密于住院期间被虚构诊疗项目"
TITLE = "标题含病人姓名赵隐私"
PENALTY = "罚款人民币壹万贰仟叁佰肆拾伍元"
DETAIL = "明细敏感值XYZ987"
ENTERED_BY = "officer-secret-0042"
INSTITUTION_SCORE = Decimal("67.89")  # published results show the grade, never the score
PERSON_SCORE = Decimal("43.21")  # individuals' results are never published


def _app(db: SingleConnectionDatabase, settings: Settings, **protection: Any) -> httpx.AsyncClient:
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(**protection))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def uncached(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[GraphQL]:
    """The API with the anonymous cache off, for tests that change the database underneath it."""
    async with _app(db, settings, cache_ttl_seconds=0) as http:
        yield GraphQL(http, settings)


class Seeded:
    def __init__(self) -> None:
        rng = random.Random(4242)
        self.resident_id = make_resident_id(rng, "340102")
        self.uscc = make_uscc(rng, "340102", kind="91")
        self.institution_name = "瑶海区公开测试大药房"
        self.person_id: uuid.UUID
        self.institution_id: uuid.UUID
        self.record_ids: list[uuid.UUID] = []
        self.result_ids: list[uuid.UUID] = []

    @property
    def secrets(self) -> list[str]:
        """Values that must never appear in any public answer."""
        return [PERSON_NAME, self.resident_id, self.resident_id[6:14], PHONE, ADDRESS, INSTITUTION_PHONE,
                INSTITUTION_ADDRESS, "12345.67", "12345", FACTS, TITLE, PENALTY, DETAIL, ENTERED_BY,
                str(INSTITUTION_SCORE), str(PERSON_SCORE), *(str(r) for r in self.result_ids),
                str(self.person_id), str(self.institution_id), *(str(r) for r in self.record_ids)]


async def _seed(conn: asyncpg.Connection, gql: GraphQL) -> Seeded:
    seeded = Seeded()
    seeded.person_id = await insert_subject(conn, region="340102", subject_class=SubjectClass.DOCTOR,
                                            name=PERSON_NAME, code=seeded.resident_id, phone=PHONE)
    seeded.institution_id = await insert_subject(conn, region="340102", name=seeded.institution_name,
                                                 code=seeded.uscc, phone=INSTITUTION_PHONE)
    await conn.execute("UPDATE subject SET address = $2 WHERE id = $1", seeded.person_id, ADDRESS)
    await conn.execute("UPDATE subject SET address = $2 WHERE id = $1", seeded.institution_id, INSTITUTION_ADDRESS)
    for subject_id in (seeded.person_id, seeded.institution_id):
        for kind, category in (("fraud", "dishonesty"), ("commendation", "trust"),
                               ("credit_commitment", "commitment"), ("registration", "basic")):
            record_id = await insert_confirmed_record(
                conn, subject_id=subject_id, region="340102", kind=kind, category=category, title=TITLE,
                facts=FACTS, amount=AMOUNT, penalty=PENALTY if category == "dishonesty" else None,
                details={"note": DETAIL}, entered_by=ENTERED_BY,
                clauses=["守法诚信"] if category == "commitment" else None)
            seeded.record_ids.append(record_id)
            await publish_record(gql, record_id)
    # The institution's result is published (grade C: it is on the poor-grade list); the person's is not.
    seeded.result_ids.append(await insert_result(conn, subject_id=seeded.institution_id, region="340102",
                                                 grade="C", score=INSTITUTION_SCORE))
    await publish_result(gql, seeded.result_ids[-1])
    seeded.result_ids.append(await insert_result(conn, subject_id=seeded.person_id, region="340102", grade="D",
                                                 score=PERSON_SCORE))
    return seeded


# Values for arguments the sweep knows how to fill (public keys only; never a bureau id). Pages of 5 hold every
# seeded item and keep the sweep's deep selections (every reachable field) within the query cost limit.
def _arguments(seeded: Seeded) -> list[dict[str, Any]]:
    return [
        {"code": seeded.uscc, "regionCode": "340102", "first": 5},
        {"name": seeded.institution_name, "regionCode": "340000", "first": 5},
        {"residentId": seeded.resident_id, "name": PERSON_NAME, "first": 5},
        {"kind": "POOR_GRADE", "grade": "C", "regionCode": "340100", "first": 5},
    ]


def _unwrap(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def _selection(t: Any, path: tuple[str, ...] = (), depth: int = 0) -> str:
    """Every field reachable from ``t`` without repeating a type along the path (introspection of the schema)."""
    t = _unwrap(t)
    if isinstance(t, GraphQLUnionType):
        parts = [f"... on {m.name} {_selection(m, path, depth)}" for m in t.types]
        return "{ __typename " + " ".join(parts) + " }"
    if not isinstance(t, GraphQLObjectType):
        return ""
    fields = []
    for name, f in t.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in f.args.values()):
            continue
        inner = _unwrap(f.type)
        if t.name == "Region" and name in ("children", "ancestors"):
            continue  # the public region tree holds no personal value; its lists are costed at their real size
        if t.name == "PublicInstitution" and name in ("records", "commitments") and depth > 0:
            continue  # an institution's own page lists are swept where it is the root (publicInstitution)
        if isinstance(inner, GraphQLObjectType | GraphQLUnionType):
            if inner.name in path or depth >= 4:
                continue
            fields.append(name + " " + _selection(inner, (*path, t.name), depth + 1))
        else:
            fields.append(name)
    return "{ " + " ".join(fields or ["__typename"]) + " }"


def _sweep_queries(schema: GraphQLSchema, seeded: Seeded) -> list[tuple[str, dict[str, Any]]]:
    query_type = schema.query_type
    assert query_type is not None
    out = []
    for name, f in query_type.fields.items():
        if name.startswith("_"):
            continue  # federation plumbing (_service, _entities)
        for values in _arguments(seeded):
            args = {a: values[a] for a in f.args if a in values}
            missing = [a for a, arg in f.args.items()
                       if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined and a not in args]
            if missing:
                continue
            declared = ", ".join(f"${a}: {f.args[a].type}" for a in args)
            passed = ", ".join(f"{a}: ${a}" for a in args)
            head = f"query({declared})" if declared else "query"
            call = f"{name}({passed})" if passed else name
            out.append((f"{head} {{ {call} {_selection(f.type)} }}", args))
    return out


async def test_no_personal_value_appears_in_any_answer_the_public_can_get(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    seeded = await _seed(conn, gql)
    schema: GraphQLSchema = client._transport.app.state.schema._schema  # type: ignore[attr-defined]
    queries = _sweep_queries(schema, seeded)
    assert {"publicRecords", "publicGrades", "publicLists", "publicCommitments", "publicInstitution",
            "verifyIndividual", "sharedItems"} <= {
        q.split("{", 1)[1].split("(")[0].split("{")[0].strip() for q, _ in queries}
    answers = []
    for query, variables in queries:
        body = await gql(query, variables)
        refused_unread = {"QUERY_TOO_DEEP", "QUERY_TOO_COSTLY", "GRAPHQL_VALIDATION_FAILED"}
        assert not refused_unread & set(error_codes(body)), (query, body)  # the sweep must reach the data
        answers.append(str(body))
    everything = "\n".join(answers)
    # The sweep did reach the published items: the institution in full, the individual masked.
    assert seeded.uscc in everything and seeded.institution_name in everything
    assert "测****" in everything and seeded.resident_id[:6] + "********" + seeded.resident_id[-4:] in everything
    assert re.search(r"'__typename': 'PublicGrade', ('id': '[0-9a-f-]+', )?'grade': 'C', 'cycleYear': 2025", everything)
    leaked = [s for s in seeded.secrets if s in everything]
    assert leaked == []


async def test_public_records_page_has_total_count_windows_and_masked_individuals(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    await _seed(conn, gql)
    body = await gql("""{ publicRecords(regionCode: "340100", category: DISHONESTY, first: 1) { totalCount
        pageInfo { hasNextPage endCursor } edges { node { kind publishedAt publicUntil
        subject { __typename ... on PublicIndividual { maskedName maskedId } } } } } }""")
    page = body["data"]["publicRecords"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"] is True
    node = page["edges"][0]["node"]
    assert node["publishedAt"] and node["publicUntil"]
    rest = await gql("""query($after: String) { publicRecords(regionCode: "340100", category: DISHONESTY,
        after: $after) { edges { node { kind } } pageInfo { hasNextPage } } }""",
                     {"after": page["pageInfo"]["endCursor"]})
    assert len(rest["data"]["publicRecords"]["edges"]) == 1
    basic = await gql('{ publicRecords(category: BASIC) { edges { node { publicUntil } } } }')
    assert [e["node"]["publicUntil"] for e in basic["data"]["publicRecords"]["edges"]] == [None, None]


async def test_items_past_their_window_vanish_from_every_public_answer(
        uncached: GraphQL, conn: asyncpg.Connection) -> None:
    seeded = await _seed(conn, uncached)
    # One root field per request: Context.session() is not safe for concurrent first use (see the report).
    before = await uncached('{ publicLists { totalCount } }')
    assert before["data"]["publicLists"]["totalCount"] == 2
    verify = """query($id: String!, $name: String!) { verifyIndividual(residentId: $id, name: $name) {
        hasCurrentSanction } }"""
    answer = await uncached(verify, {"id": seeded.resident_id, "name": PERSON_NAME})
    assert answer["data"]["verifyIndividual"]["hasCurrentSanction"] is True
    await conn.execute("""UPDATE publication SET published_at = now() - interval '2 years',
                              public_until = now() - interval '1 year' WHERE category = 'dishonesty'""")
    after = await uncached('{ publicLists { totalCount } }')
    assert after["data"]["publicLists"]["totalCount"] == 0
    after = await uncached('{ publicRecords(category: DISHONESTY) { totalCount } }')
    assert after["data"]["publicRecords"]["totalCount"] == 0
    answer = await uncached(verify, {"id": seeded.resident_id, "name": PERSON_NAME})
    assert answer["data"]["verifyIndividual"]["hasCurrentSanction"] is False
    # Long-term items stay.
    still = await uncached('{ publicRecords(category: BASIC) { totalCount } }')
    assert still["data"]["publicRecords"]["totalCount"] == 2


async def test_only_a_city_level_officer_can_publish_and_the_subject_is_notified(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    subject_id = await insert_subject(conn, region="340102")
    record_id = await insert_confirmed_record(conn, subject_id=subject_id, region="340102")
    prepared = await gql(PREPARE, {"id": str(record_id), "months": 6}, as_=officer("340102"))
    pub_id = prepared["data"]["preparePublication"]["id"]
    assert prepared["data"]["preparePublication"]["publisherRegion"]["code"] == "340100"
    for who in (officer("340102"), officer("340102", OfficerRole.REVIEWER), officer("340000"),
                officer("340100", OfficerRole.AGENCY)):
        refused = await gql(PUBLISH, {"id": pub_id}, as_=who)
        assert error_codes(refused) == ["FORBIDDEN"], (who, refused)
    # Another city's bureau cannot even see the item.
    assert error_codes(await gql(PUBLISH, {"id": pub_id}, as_=officer("341100"))) == ["NOT_FOUND"]
    assert error_codes(await gql(PUBLISH, {"id": pub_id})) == ["FORBIDDEN"]
    ok = await gql(PUBLISH, {"id": pub_id}, as_=officer("340100", OfficerRole.REVIEWER))
    assert ok["data"]["publish"]["status"] == "PUBLISHED"
    notes = await gql("{ myNotifications { kind message publicationId } }", as_=subject_principal(subject_id))
    assert notes["data"]["myNotifications"][0]["publicationId"] == pub_id
    assert "合肥市" in notes["data"]["myNotifications"][0]["message"]
    listed = await gql("{ publications(status: PUBLISHED) { edges { node { id publishedBy } } } }",
                       as_=officer("340102"))
    assert [e["node"]["id"] for e in listed["data"]["publications"]["edges"]] == [pub_id]


async def test_a_record_not_yet_confirmed_cannot_be_prepared(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    from tests.support.factories import insert_entered_record

    gql = GraphQL(client, settings)
    subject_id = await insert_subject(conn, region="340102")
    record_id = await insert_entered_record(conn, subject_id=subject_id, region="340102")
    body = await gql(PREPARE, {"id": str(record_id)}, as_=officer("340102"))
    assert error_codes(body) in (["CONFLICT"], ["NOT_FOUND"])


async def test_a_negative_window_outside_6_to_12_months_is_refused(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    subject_id = await insert_subject(conn, region="340102")
    record_id = await insert_confirmed_record(conn, subject_id=subject_id, region="340102")
    body = await gql(PREPARE, {"id": str(record_id), "months": 3}, as_=officer("340102"))
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_preview_shows_the_redacted_item_without_publishing_and_withdrawal_takes_it_down(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    subject_id = await insert_subject(conn, region="340102", subject_class=SubjectClass.NURSE, name=PERSON_NAME,
                                      code=make_resident_id(random.Random(9), "340102"))
    record_id = await insert_confirmed_record(conn, subject_id=subject_id, region="340102", facts=FACTS,
                                              amount=AMOUNT)
    prepared = await gql(PREPARE, {"id": str(record_id)}, as_=officer("340102"))
    pub_id = prepared["data"]["preparePublication"]["id"]
    preview = await gql("""query($id: ID!) { publicationPreview(id: $id) { ... on PublicRecord { kind publicUntil
        subject { ... on PublicIndividual { maskedName } } } } }""", {"id": pub_id}, as_=officer("340100"))
    assert preview["data"]["publicationPreview"]["subject"] == {"maskedName": "测****"}
    assert (await gql("{ publicRecords { totalCount } }"))["data"]["publicRecords"]["totalCount"] == 0
    await gql(PUBLISH, {"id": pub_id}, as_=officer("340100"))
    assert (await gql("{ publicRecords { totalCount } }"))["data"]["publicRecords"]["totalCount"] == 1
    withdrawn = await gql(WITHDRAW, {"id": pub_id, "reason": "信用修复"}, as_=officer("340100"))
    assert withdrawn["data"]["withdrawPublication"]["status"] == "WITHDRAWN"
    assert (await gql("{ publicRecords { totalCount } }"))["data"]["publicRecords"]["totalCount"] == 0


async def test_anonymous_requests_for_bureau_fields_are_forbidden(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    await insert_subject(conn, region="340102")
    for query in ("{ subjects { totalCount } }", "{ records { edges { cursor } } }",
                  "{ publications { edges { cursor } } }", "{ myNotifications { id } }",
                  '{ subject(code: "X") { name } }'):
        body = await gql(query)
        assert error_codes(body) == ["FORBIDDEN"], (query, body)


@pytest.mark.parametrize("resident_id", ["34010219800101*", "340102%", "3401021980", "34010219800101123_",
                                         "340102********1234"])
async def test_verification_with_a_wildcard_or_partial_id_is_refused(
        client: httpx.AsyncClient, settings: Settings, resident_id: str) -> None:
    body = await GraphQL(client, settings)(
        'query($id: String!) { verifyIndividual(residentId: $id, name: "张三") { hasCurrentSanction } }',
        {"id": resident_id})
    assert error_codes(body) == ["INVALID_INPUT"]
    assert body["data"] is None


async def test_traffic_beyond_the_rate_limit_gets_429_rate_limited(
        db: SingleConnectionDatabase, settings: Settings) -> None:
    async with _app(db, settings, anonymous_limit="3/minute", verify_limit="1/minute") as http:
        statuses = [(await http.post("/graphql", json={"query": "{ me { kind } }"})).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = (await http.post("/graphql", json={"query": "{ me { kind } }"})).json()
        assert error_codes(refused) == ["RATE_LIMITED"]
    async with _app(db, settings, anonymous_limit="100/minute", verify_limit="1/minute") as http:
        verify = {"query": '{ verifyIndividual(residentId: "11010519491231002X", name: "张三") { hasCurrentSanction } }'}
        first = await http.post("/graphql", json=verify)
        second = await http.post("/graphql", json=verify)
        assert first.status_code == 200 and second.status_code == 429
        assert second.headers["Retry-After"].isdigit()
        assert error_codes(second.json()) == ["RATE_LIMITED"]


async def test_anonymous_answers_are_cached_until_something_is_published(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    query = {"query": "{ publicRecords { totalCount } }"}
    first = await client.post("/graphql", json=query)
    second = await client.post("/graphql", json=query)
    assert first.json()["data"]["publicRecords"]["totalCount"] == 0
    assert second.headers.get("x-cache") == "hit"
    subject_id = await insert_subject(conn, region="340102")
    await publish_record(gql, await insert_confirmed_record(conn, subject_id=subject_id, region="340102"))
    third = await client.post("/graphql", json=query)
    assert third.headers.get("x-cache") is None
    assert third.json()["data"]["publicRecords"]["totalCount"] == 1


async def test_cached_answers_still_count_against_the_rate_limit_and_a_token_bypasses_the_cache(
        db: SingleConnectionDatabase, settings: Settings) -> None:
    async with _app(db, settings, anonymous_limit="3/minute", cache_ttl_seconds=60) as http:
        body = {"query": "{ publicRecords { totalCount } }"}
        answers = [await http.post("/graphql", json=body) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers.get("x-cache") for a in answers[:3]] == [None, "hit", "hit"]
        assert error_codes(answers[3].json()) == ["RATE_LIMITED"] and answers[3].headers["Retry-After"].isdigit()
        # The same body signed in is never answered from the anonymous cache.
        signed = await http.post("/graphql", json=body, headers=auth(settings, officer("340100")))
        assert signed.headers.get("x-cache") is None


async def test_introspection_is_refused_to_anonymous_callers_and_allowed_when_signed_in(
        client: httpx.AsyncClient, settings: Settings) -> None:
    gql = GraphQL(client, settings)
    query = "{ __schema { queryType { name } } }"
    anonymous = await gql(query)
    assert error_codes(anonymous) == ["GRAPHQL_VALIDATION_FAILED"]
    signed_in = await gql(query, as_=officer("340100"))
    assert signed_in["data"]["__schema"]["queryType"]["name"] == "Query"
    assert (await gql("{ __typename }"))["data"] == {"__typename": "Query"}
