"""/healthz and /readyz answer JSON, and while PostgreSQL is unreachable every request gets 503 with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from domain.db import Database
from tests.support.factories import auth, error_codes, officer


@pytest.fixture
async def down(settings: Settings, tmp_path) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The API on a database that is not there (a socket directory where no server listens)."""
    database = await Database.connect(f"postgresql://postgres@/yibao?host={tmp_path}", min_size=0, max_size=2)
    app = create_app(settings=settings, database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        yield http
    await database.close()


async def test_liveness_and_readiness_answer_json_200_when_all_is_well(client: httpx.AsyncClient) -> None:
    live = await client.get("/healthz")
    ready = await client.get("/readyz")
    assert live.status_code == 200 and live.json()["status"] == "ok"
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_readiness_is_503_when_the_database_is_behind_the_migrations(client: httpx.AsyncClient,
                                                                          conn: asyncpg.Connection) -> None:
    await conn.execute("UPDATE alembic_version SET version_num = '0006_publication_results'")
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["migrations"] == ["0006_publication_results"]


async def test_while_the_database_is_down_requests_get_503_with_retry_after(down: httpx.AsyncClient,
                                                                            settings: Settings) -> None:
    assert (await down.get("/healthz")).status_code == 200  # the process is alive: do not restart it
    ready = await down.get("/readyz")
    assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
    for headers in ({}, auth(settings, officer("340102"))):
        response = await down.post("/graphql", json={"query": "{ subjects(first: 1) { totalCount } }"},
                                   headers=headers)
        assert response.status_code == 503, response.text
        assert error_codes(response.json()) == ["SERVICE_UNAVAILABLE"]
        assert int(response.headers["Retry-After"]) > 0
    write = await down.post("/graphql", headers=auth(settings, officer("340102")), json={
        "query": 'mutation { createSubject(input: { subjectClass: RETAIL_PHARMACY, code: "x", name: "y", '
                 'regionCode: "340102" }) { id } }'})
    assert write.status_code == 503


async def test_with_the_officer_check_on_a_database_outage_is_503_not_401(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    database = await Database.connect(f"postgresql://postgres@/yibao?host={tmp_path}", min_size=0, max_size=1)
    app = create_app(settings=replace(settings, check_officers=True), database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post("/graphql", json={"query": "{ me { id } }"}, headers=auth(settings, officer("340102")))
    await database.close()
    assert response.status_code == 503
