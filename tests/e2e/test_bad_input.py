"""Bad input gets a GraphQL error with a stable code and a message a person understands, and nothing is written."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from api.settings import Settings
from domain.access import OfficerRole
from tests.support.factories import GraphQL, count, error_codes, insert_subject, officer

CREATE = """mutation($input: CreateSubjectInput!) { createSubject(input: $input) { id code } }"""


def _institution(code: str, region: str = "340102") -> dict[str, object]:
    return {"subjectClass": "RETAIL_PHARMACY", "code": code, "name": "瑶海区益康大药房", "regionCode": region}


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


async def test_wrong_check_character_in_a_credit_code_is_refused_and_nothing_written(gql, conn) -> None:  # type: ignore[no-untyped-def]
    import random

    from domain.synthetic import make_uscc

    good = make_uscc(random.Random(1), "340102", kind="91")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = await count(conn, "subject")
    body = await gql(CREATE, {"input": _institution(bad)}, as_=officer("340102"))
    assert error_codes(body) == ["INVALID_INPUT"]
    assert "校验码" in body["errors"][0]["message"]
    assert await count(conn, "subject") == before
    ok = await gql(CREATE, {"input": _institution(good)}, as_=officer("340102"))
    assert ok["data"]["createSubject"]["code"] == good


async def test_wrong_check_digit_in_a_resident_id_is_refused(gql, conn) -> None:  # type: ignore[no-untyped-def]
    import random

    from domain.synthetic import make_resident_id

    good = make_resident_id(random.Random(2), "340102")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    body = await gql(
        CREATE,
        {"input": {"subjectClass": "DOCTOR", "code": bad, "name": "张三", "regionCode": "340102"}},
        as_=officer("340102"),
    )
    assert error_codes(body) == ["INVALID_INPUT"]
    assert await count(conn, "subject") == 0


async def test_unknown_region_is_refused(gql, conn) -> None:  # type: ignore[no-untyped-def]
    import random

    from domain.synthetic import make_uscc

    body = await gql(
        CREATE, {"input": _institution(make_uscc(random.Random(3), "340102"), region="349999")}, as_=officer("340100")
    )
    assert error_codes(body) == ["INVALID_INPUT"]
    assert "349999" in body["errors"][0]["message"]
    assert await count(conn, "subject") == 0


async def test_writing_outside_ones_subtree_is_forbidden_and_nothing_written(gql, conn) -> None:  # type: ignore[no-untyped-def]
    import random

    from domain.synthetic import make_uscc

    body = await gql(
        CREATE, {"input": _institution(make_uscc(random.Random(4), "340104"), region="340104")}, as_=officer("340102")
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert await count(conn, "subject") == 0


async def test_registering_the_same_code_twice_is_a_conflict(gql, conn) -> None:  # type: ignore[no-untyped-def]
    code = await conn.fetchval("SELECT code FROM subject WHERE id = $1", await insert_subject(conn, region="340104"))
    body = await gql(CREATE, {"input": _institution(code)}, as_=officer("340102"))
    assert error_codes(body) == ["CONFLICT"]
    assert await count(conn, "subject") == 1


async def test_a_deep_query_is_refused_before_execution(gql) -> None:  # type: ignore[no-untyped-def]
    deep = '{ region(code: "340000") { ' + "children { " * 12 + "code" + " }" * 12 + " } }"
    body = await gql(deep)
    assert error_codes(body) == ["QUERY_TOO_DEEP"] and body["data"] is None


async def test_too_many_aliases_are_refused(gql) -> None:  # type: ignore[no-untyped-def]
    query = "{ " + " ".join(f'a{i}: region(code: "340000") {{ code }}' for i in range(20)) + " }"
    body = await gql(query)
    assert error_codes(body) == ["TOO_MANY_ALIASES"] and body["data"] is None


async def test_an_oversized_query_is_refused(gql) -> None:  # type: ignore[no-untyped-def]
    query = "{ " + " ".join("me { kind }" for _ in range(800)) + " }"
    body = await gql(query)
    assert error_codes(body) == ["QUERY_TOO_LARGE"]


async def test_an_oversized_body_is_refused_with_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { kind } }", "variables": {"x": "y" * 70_000}})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"


async def test_syntax_errors_have_a_parse_code(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql("{ me { kind ")
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]


async def test_unknown_fields_have_a_validation_code(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql("{ me { password } }")
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_a_malformed_token_is_refused_with_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ me { kind } }"}, headers={"Authorization": "Bearer not-a-jwt"}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_signed_with_another_key_is_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    forged = jwt.encode(
        {
            "sub": "x",
            "kind": "officer",
            "region": "340000",
            "role": "officer",
            "iss": settings.jwt_issuer,
            "exp": int(time.time()) + 60,
        },
        "another-key-0123456789abcdef0123",
        algorithm="HS256",
    )
    response = await client.post(
        "/graphql", json={"query": "{ me { kind } }"}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401


async def test_an_expired_token_says_so(client: httpx.AsyncClient, settings: Settings) -> None:
    from tests.support.factories import token

    expired = token(settings, officer("340100"), ttl_seconds=-10)
    response = await client.post(
        "/graphql", json={"query": "{ me { kind } }"}, headers={"Authorization": f"Bearer {expired}"}
    )
    assert response.status_code == 401 and "过期" in response.json()["errors"][0]["message"]


async def test_an_invalid_page_size_is_refused(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql("{ subjects(first: 1000) { totalCount } }", as_=officer("340100", OfficerRole.OFFICER))
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_a_foreign_cursor_is_refused(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql('{ subjects(after: "%%%") { totalCount } }', as_=officer("340100"))
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_a_query_that_could_return_too_many_objects_is_refused_before_execution(gql, db) -> None:  # type: ignore[no-untyped-def]
    statements: list[str] = []
    stop = db.listen(lambda q: statements.append(q.query))
    body = await gql("{ subjects(first: 100) { edges { node { records(first: 100) { versions { title } } } } } }",
                     as_=officer("340100"))
    stop()
    assert error_codes(body) == ["QUERY_TOO_COSTLY"] and body["data"] is None
    assert "请减少每页条数" in body["errors"][0]["message"]
    assert statements == []  # refused in validation: not one SQL statement ran


async def test_a_page_size_given_as_a_variable_counts_at_its_value(gql) -> None:  # type: ignore[no-untyped-def]
    query = """query($n: Int!) { subjects(first: $n) { edges { node { records(first: 60) { kind } } } } }"""
    assert error_codes(await gql(query, {"n": 100}, as_=officer("340100"))) == ["QUERY_TOO_COSTLY"]
    assert "errors" not in await gql(query, {"n": 5}, as_=officer("340100"))


async def test_cost_follows_fragments(gql) -> None:  # type: ignore[no-untyped-def]
    query = """{ subjects(first: 100) { edges { node { ...Deep } } } }
               fragment Deep on Subject { records(first: 100) { kind status } }"""
    body = await gql(query, as_=officer("340100"))
    assert error_codes(body) == ["QUERY_TOO_COSTLY"]


async def test_an_ordinary_dashboard_page_is_well_within_the_cost_limit(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql("{ subjects(first: 50) { totalCount edges { node { code records(first: 3) { kind } } } } }",
                     as_=officer("340100"))
    assert "errors" not in body
