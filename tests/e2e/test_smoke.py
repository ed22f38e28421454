"""The API answers over HTTP with real tokens: who am I, regions, and a subject page."""

from __future__ import annotations

import httpx

from api.settings import Settings
from domain.access import OfficerRole
from tests.support.factories import GraphQL, error_codes, insert_subject, officer


async def test_me_names_the_officer_and_region_from_the_token(client: httpx.AsyncClient, settings: Settings) -> None:
    gql = GraphQL(client, settings)
    body = await gql(
        "{ me { kind id role region { code name fullName } } }", as_=officer("500237", OfficerRole.REVIEWER)
    )
    assert body["data"]["me"] == {
        "kind": "OFFICER",
        "id": "500237-reviewer",
        "role": "REVIEWER",
        "region": {"code": "500237", "name": "巫山县", "fullName": "重庆市巫山县"},
    }


async def test_anonymous_caller_is_the_public_and_can_browse_regions(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    gql = GraphQL(client, settings)
    body = await gql('{ me { kind } region(code: "340100") { name children { code } } }')
    assert body["data"]["me"]["kind"] == "PUBLIC"
    assert body["data"]["region"]["name"] == "合肥市"
    assert {"code": "340102"} in body["data"]["region"]["children"]


async def test_subjects_page_has_total_count_and_cursor(client: httpx.AsyncClient, settings: Settings, conn) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await insert_subject(conn, region="340102")
    gql = GraphQL(client, settings)
    query = "query($after: String) { subjects(first: 2, after: $after) { totalCount edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }"
    first = await gql(query, as_=officer("340100"))
    page = first["data"]["subjects"]
    assert page["totalCount"] == 3 and len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"] is True
    second = await gql(query, {"after": page["pageInfo"]["endCursor"]}, as_=officer("340100"))
    rest = second["data"]["subjects"]
    assert len(rest["edges"]) == 1 and rest["pageInfo"]["hasNextPage"] is False
    seen = [e["node"]["code"] for e in page["edges"] + rest["edges"]]
    assert len(set(seen)) == 3 and seen == sorted(seen)


async def test_health_check_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_graphiql_page_is_served_to_browsers(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql")
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_anonymous_caller_cannot_list_subjects(client: httpx.AsyncClient, settings: Settings) -> None:
    body = await GraphQL(client, settings)("{ subjects { totalCount } }")
    assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None


async def test_sibling_root_fields_share_one_transaction(client: httpx.AsyncClient, settings: Settings, conn) -> None:  # type: ignore[no-untyped-def]
    await insert_subject(conn, region="340102")
    body = await GraphQL(client, settings)(
        "{ a: subjects(first: 1) { totalCount } b: subjects(first: 1) { totalCount } c: records { edges { cursor } } }",
        as_=officer("340100"),
    )
    assert "errors" not in body
    assert body["data"]["a"] == body["data"]["b"] == {"totalCount": 1}
