"""``_entities`` straight on the subgraph: one answer or one coded error per representation, never a crash."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest

from api.settings import Settings
from domain.access import Principal, PrincipalKind
from tests.support.factories import GraphQL, error_codes, insert_subject, officer
from tests.support.publication import insert_confirmed_record, publish_record

ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Subject { id code name } ... on Region { regionCode: code name }
  ... on PublicInstitution { name unifiedSocialCreditCode }
  ... on PublicRecord { id kind subject { ... on PublicInstitution { name } } } } }"""
FEDERATION = Principal(kind=PrincipalKind.FEDERATION, id="ah-credit-platform")


def by_index(body: dict) -> dict[int, str]:  # type: ignore[type-arg]
    return {e["path"][1]: e["extensions"]["code"] for e in body.get("errors", [])}


async def test_the_sdl_links_the_lowest_federation_version_its_directives_need(client: httpx.AsyncClient,
                                                                              settings: Settings) -> None:
    sdl = (await GraphQL(client, settings)("{ _service { sdl } }"))["data"]["_service"]["sdl"]
    assert 'federation/v2.0", import: ["@key", "@shareable"]' in sdl
    assert 'type Subject @key(fields: "id") @key(fields: "code")' in sdl
    assert 'type PublicInstitution @key(fields: "unifiedSocialCreditCode")' in sdl
    assert 'type PublicRecord @key(fields: "id")' in sdl and 'type PublicGrade @key(fields: "id")' in sdl
    assert "type PageInfo @shareable" in sdl and "name: String! @shareable" in sdl


async def test_a_subject_resolves_by_id_and_by_code(client: httpx.AsyncClient, settings: Settings, conn) -> None:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region="340102")
    code = await conn.fetchval("SELECT code FROM subject WHERE id = $1", sid)
    reps = [{"__typename": "Subject", "id": str(sid)}, {"__typename": "Subject", "code": code.lower()}]
    body = await GraphQL(client, settings)(ENTITIES, {"reps": reps}, as_=officer("340100"))
    assert "errors" not in body, body
    first, second = body["data"]["_entities"]
    assert first["id"] == second["id"] == str(sid) and first["code"] == second["code"] == code


async def test_malformed_representations_get_bad_user_input_each_and_the_rest_resolve(
        client: httpx.AsyncClient, settings: Settings, conn) -> None:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region="340102")
    reps = ["just a string", {"id": str(sid)}, {"__typename": "Nope", "id": "1"}, {"__typename": "Subject"},
            {"__typename": "Subject", "id": "not-a-uuid"}, {"__typename": "Subject", "id": str(uuid.uuid4())},
            {"__typename": "Subject", "id": str(sid)}, {"__typename": "Region", "code": "340102"}]
    body = await GraphQL(client, settings)(ENTITIES, {"reps": reps}, as_=officer("340100"))
    assert by_index(body) == {0: "BAD_USER_INPUT", 1: "BAD_USER_INPUT", 2: "BAD_USER_INPUT", 3: "BAD_USER_INPUT",
                              4: "BAD_USER_INPUT", 5: "NOT_FOUND"}
    found = body["data"]["_entities"]
    assert found[:6] == [None] * 6
    assert found[6]["id"] == str(sid) and found[7] == {"regionCode": "340102", "name": "瑶海区"}
    assert "缺少键字段 id 或 code" in body["errors"][3]["message"]


@pytest.mark.parametrize("principal", [None, FEDERATION], ids=["anonymous", "federation client"])
async def test_subjects_are_forbidden_to_the_public_and_federation_clients_in_one_log_line(
        client: httpx.AsyncClient, settings: Settings, conn, caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
        principal: Principal | None) -> None:
    sid = await insert_subject(conn, region="340102")
    reps = [{"__typename": "Subject", "id": str(sid)}, {"__typename": "Subject", "code": "X"},
            {"__typename": "Region", "code": "500237"}]
    with caplog.at_level(logging.INFO):
        body = await GraphQL(client, settings)(ENTITIES, {"reps": reps}, as_=principal)
    assert by_index(body) == {0: "FORBIDDEN", 1: "FORBIDDEN"}
    assert body["data"]["_entities"][2] == {"regionCode": "500237", "name": "巫山县"}
    lines = [r for r in caplog.records if r.name.startswith("yibao")]
    assert len(lines) == 1 and lines[0].exc_info is None and "FORBIDDEN 2" in lines[0].getMessage()


async def test_public_institutions_and_public_records_resolve_by_their_keys(client: httpx.AsyncClient,
                                                                            settings: Settings, conn) -> None:  # type: ignore[no-untyped-def]
    gql = GraphQL(client, settings)
    sid = await insert_subject(conn, region="340102", name="瑶海区公开大药房")
    code = await conn.fetchval("SELECT code FROM subject WHERE id = $1", sid)
    pub = await publish_record(gql, await insert_confirmed_record(conn, subject_id=sid, region="340102"))
    reps = [{"__typename": "PublicInstitution", "unifiedSocialCreditCode": code},
            {"__typename": "PublicRecord", "id": pub},
            {"__typename": "PublicInstitution", "unifiedSocialCreditCode": "91340102MA0000000X"},
            {"__typename": "PublicRecord", "id": str(uuid.uuid4())}]
    body = await gql(ENTITIES, {"reps": reps})
    first, second, third, fourth = body["data"]["_entities"]
    assert first == {"name": "瑶海区公开大药房", "unifiedSocialCreditCode": code}
    assert second == {"id": pub, "kind": "FRAUD", "subject": {"name": "瑶海区公开大药房"}}
    assert third is None and fourth is None
    assert by_index(body) == {2: "NOT_FOUND", 3: "NOT_FOUND"}


async def test_the_cost_limit_counts_every_representation(client: httpx.AsyncClient, settings: Settings) -> None:
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Subject {
        records(first: 100) { id current { title } } } } }"""
    few = [{"__typename": "Subject", "id": str(uuid.uuid4())}]
    many = few * 40
    gql = GraphQL(client, settings)
    assert "QUERY_TOO_COSTLY" not in error_codes(await gql(query, {"reps": few}, as_=officer("340100")))
    assert error_codes(await gql(query, {"reps": many}, as_=officer("340100"))) == ["QUERY_TOO_COSTLY"]


async def test_a_root_subject_lookup_that_finds_nothing_is_null_with_not_found(client: httpx.AsyncClient,
                                                                               settings: Settings) -> None:
    body = await GraphQL(client, settings)(
        f'{{ subject(id: "{uuid.uuid4()}") {{ name }} region(code: "340102") {{ name }} }}', as_=officer("340100"))
    assert body["data"] == {"subject": None, "region": {"name": "瑶海区"}}
    assert error_codes(body) == ["NOT_FOUND"]
