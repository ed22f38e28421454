"""Apollo Federation v2: other government systems resolve our subjects and regions by key."""

from __future__ import annotations

import httpx

from api.settings import Settings
from tests.support.factories import GraphQL, insert_subject, officer

ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Subject { id creditCode: code region { code } } ... on Region { code name } } }"""


async def test_the_subgraph_sdl_declares_federation_v2_keys(client: httpx.AsyncClient, settings: Settings) -> None:
    body = await GraphQL(client, settings)("{ _service { sdl } }")
    sdl = body["data"]["_service"]["sdl"]
    assert "@link" in sdl and "federation/v2" in sdl
    assert 'type Subject @key(fields: "id")' in sdl
    assert 'type Region @key(fields: "code")' in sdl


async def test_entities_resolve_by_key_within_the_callers_region(client: httpx.AsyncClient, settings: Settings,
                                                                 conn) -> None:  # type: ignore[no-untyped-def]
    inside = await insert_subject(conn, region="340102")
    outside = await insert_subject(conn, region="500237")
    reps = [{"__typename": "Subject", "id": str(inside)}, {"__typename": "Subject", "id": str(outside)},
            {"__typename": "Region", "code": "500237"}]
    body = await GraphQL(client, settings)(ENTITIES, {"reps": reps}, as_=officer("340100"))
    first, second, region = body["data"]["_entities"]
    assert first["id"] == str(inside) and first["region"] == {"code": "340102"}
    assert second is None  # another province's subject is not visible to Hefei
    assert region == {"code": "500237", "name": "巫山县"}
