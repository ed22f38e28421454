"""A hostile client cannot stall the server or dodge its limits, and its mistakes are 4xx codes, never ours."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import GraphQLError

from api import errors
from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.single_connection_db import SingleConnectionDatabase
from domain.synthetic import make_uscc
from tests.support.factories import GraphQL, count, error_codes, officer

HOSTILE = "{ regions { children { children { ancestors { children { children { code } } } } } } }"
CREATE = """mutation($input: CreateSubjectInput!) { createSubject(input: $input) { id code } }"""


def _client(db: SingleConnectionDatabase, settings: Settings, **protection: Any) -> httpx.AsyncClient:
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(cache_ttl_seconds=0, **protection))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


@pytest.fixture
async def strict(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API with small anonymous and verification limits."""
    async with _client(db, settings, anonymous_limit="3/minute", verify_limit="10/minute") as http:
        yield http


# ------------------------------------------------------------------------------------------------ cost and size


async def test_the_nested_regions_query_is_refused_before_execution(gql: GraphQL, db: SingleConnectionDatabase) -> None:
    statements: list[str] = []
    stop = db.listen(lambda q: statements.append(q.query))
    body = await gql(HOSTILE)
    stop()
    assert error_codes(body) == ["QUERY_TOO_COSTLY"] and body["data"] is None
    assert statements == []


async def test_every_region_in_three_levels_is_within_the_limit_because_children_are_counted_exactly(
        gql: GraphQL) -> None:
    body = await gql("{ regions { code children { code children { code } } } }")
    assert "errors" not in body
    assert sum(1 + len(p["children"]) + sum(len(c["children"]) for c in p["children"])
               for p in body["data"]["regions"]) == 3210


async def test_aliases_multiply_the_cost(gql: GraphQL) -> None:
    one = "a0: regions { children { children { code } } }"
    assert "errors" not in await gql("{ " + one + " }")
    twice = "{ " + one + " " + one.replace("a0", "a1") + " }"
    assert error_codes(await gql(twice)) == ["QUERY_TOO_COSTLY"]


async def test_federation_representations_multiply_the_cost(gql: GraphQL) -> None:
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Region { children { children { code } } } } }"""
    few = [{"__typename": "Region", "code": "340000"}]
    assert "QUERY_TOO_COSTLY" not in error_codes(await gql(query, {"r": few}))
    many = few * 10
    assert error_codes(await gql(query, {"r": many})) == ["QUERY_TOO_COSTLY"]


async def test_an_answer_larger_than_the_response_cap_is_refused(db: SingleConnectionDatabase,
                                                                 settings: Settings) -> None:
    from dataclasses import replace

    app = create_app(settings=replace(settings, max_response_bytes=500), database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        body = (await http.post("/graphql", json={"query": "{ regions { code name } }"})).json()
    assert error_codes(body) == ["RESPONSE_TOO_LARGE"] and body["data"] is None


# ------------------------------------------------------------------------------------------------ rate limits


async def _anonymous(http: httpx.AsyncClient, **headers: str) -> int:
    return (await http.post("/graphql", json={"query": "{ __typename }"}, headers=headers)).status_code


async def test_x_forwarded_for_from_an_untrusted_peer_changes_nothing(strict: httpx.AsyncClient) -> None:
    statuses = [await _anonymous(strict, **{"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(4)]
    assert statuses == [200, 200, 200, 429]


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
        db: SingleConnectionDatabase, settings: Settings) -> None:
    from dataclasses import replace

    # httpx's ASGI transport connects from 127.0.0.1.
    trusting = replace(settings, trusted_proxies="127.0.0.1/32")
    app = create_app(settings=trusting, database=db, protection=ProtectionSettings(anonymous_limit="3/minute"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        spread = [await _anonymous(http, **{"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(4)]
        same = [await _anonymous(http, **{"X-Forwarded-For": "198.51.100.7, 127.0.0.1"}) for _ in range(4)]
    assert spread == [200, 200, 200, 200]
    assert same == [200, 200, 200, 429]  # the proxy's own address in the chain is skipped


async def test_each_aliased_verification_counts_against_the_verification_limit(strict: httpx.AsyncClient) -> None:
    checks = " ".join(f'v{i}: verifyIndividual(residentId: "110101199003077777", name: "张三")' for i in range(6))
    first = await strict.post("/graphql", json={"query": "{ " + checks + " }"})
    assert first.status_code == 200
    second = await strict.post("/graphql", json={"query": "{ " + checks + " }"})
    assert second.status_code == 429  # 12 checks in a minute, over the 10 allowed
    assert error_codes(second.json()) == ["RATE_LIMITED"] and "Retry-After" in second.headers


# ------------------------------------------------------------------------------------------------ client mistakes


@pytest.mark.parametrize("query", [
    '{ regions(parentCode: "999999") { code } }',
    '{ regions(parentCode: "1") { code } }',
    '{ publicInspectionPlans(regionCode: "999999") { year } }',
])
async def test_an_unknown_region_code_is_invalid_input_not_a_server_error(gql: GraphQL, query: str) -> None:
    body = await gql(query)
    assert error_codes(body) == ["INVALID_INPUT"]
    assert "999999" in body["errors"][0]["message"] or "'1'" in body["errors"][0]["message"]


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN"])
async def test_an_amount_that_is_not_a_finite_number_is_refused_and_nothing_written(
        gql: GraphQL, conn: asyncpg.Connection, amount: str) -> None:
    query = """mutation($s: ID!, $a: Decimal) { enterRecord(input: { subjectId: $s, kind: RECOVERED_FUNDS,
               content: { title: "追回", amount: $a, occurredOn: "2025-01-02" } }) { id } }"""
    before = await count(conn, "credit_record")
    body = await gql(query, {"s": "00000000-0000-0000-0000-000000000001", "a": amount}, as_=officer("340102"))
    assert error_codes(body) == ["BAD_USER_INPUT"]
    literal = await gql(query.replace("$a: Decimal", "").replace("amount: $a", f'amount: "{amount}"'),
                        {"s": "00000000-0000-0000-0000-000000000001"}, as_=officer("340102"))
    assert error_codes(literal) in (["BAD_USER_INPUT"], ["GRAPHQL_VALIDATION_FAILED"])
    assert await count(conn, "credit_record") == before


async def test_an_unknown_enum_value_in_variables_is_bad_user_input(gql: GraphQL) -> None:
    body = await gql("query($l: RegionLevel) { regions(level: $l) { code } }", {"l": "GALAXY"})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "GALAXY" in body["errors"][0]["message"]


async def test_variables_nested_five_thousand_deep_get_a_json_error(client: httpx.AsyncClient) -> None:
    deep = "[" * 5000 + "]" * 5000
    response = await client.post("/graphql", content='{"query": "{ __typename }", "variables": {"a": ' + deep + "}}",
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]


async def test_a_batch_array_is_refused_clearly(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"] and "批量" in response.json()["errors"][0]["message"]


async def test_several_operations_without_an_operation_name_fail_instead_of_running_the_first(
        gql: GraphQL, client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    code = make_uscc(random.Random(11), "340102", kind="91")
    doc = ('mutation A { createSubject(input: { subjectClass: RETAIL_PHARMACY, code: "' + code
           + '", name: "益康大药房", regionCode: "340102" }) { id } } query B { __typename }')
    body = await gql(doc, as_=officer("340102"))
    assert error_codes(body) == ["BAD_USER_INPUT"] and body["data"] is None
    assert await count(conn, "subject") == 0
    named = await client.post("/graphql", json={"query": doc, "operationName": "B"})
    assert named.json() == {"data": {"__typename": "Query"}}
    unknown = await client.post("/graphql", json={"query": doc, "operationName": "C"})
    assert unknown.status_code == 400 and error_codes(unknown.json()) == ["BAD_USER_INPUT"]


def test_a_row_level_security_refusal_is_forbidden_and_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    refused = asyncpg.InsufficientPrivilegeError('new row violates row-level security policy for table "subject"')
    error = GraphQLError("denied", original_error=refused)
    with caplog.at_level(logging.INFO, logger="yibao.api"):
        formatted = errors.format_error(error)
    assert formatted["extensions"]["code"] == "FORBIDDEN"
    assert len(caplog.records) == 1 and caplog.records[0].exc_info is None
    assert "\n" not in caplog.records[0].getMessage()
