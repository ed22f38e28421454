"""Tokens have a maximum lifetime, and the officer a token names must exist and be active, checked within a minute."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import httpx
import jwt
import pytest

from api.app import create_app
from api.commands.officer import set_active
from api.identity import OfficerDirectory
from api.settings import Settings
from domain.access import OfficerRole
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import auth, error_codes, officer

ME = {"query": "{ me { id role } }"}


@pytest.fixture
def checking(settings: Settings) -> Settings:
    """Settings that check officers against the officer table, with no cache (each request asks)."""
    return replace(settings, check_officers=True, officer_cache_s=0)


@pytest.fixture
async def api(db: SingleConnectionDatabase, checking: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings=checking, database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        yield http


async def _insert_officer(conn: asyncpg.Connection, officer_id: str, *, region: str = "340102",
                          role: str = "officer", active: bool = True) -> None:
    await conn.execute("""INSERT INTO officer (id, name, region_code, role, department, active)
                          VALUES ($1, '测试员', $2, $3, '瑶海区医疗保障局', $4)""", officer_id, region, role, active)


async def test_a_token_expiring_a_century_ahead_is_refused(api: httpx.AsyncClient, checking: Settings) -> None:
    now = int(time.time())
    token = jwt.encode({"iss": checking.jwt_issuer, "sub": "x", "kind": "subject", "iat": now,
                        "exp": now + 100 * 365 * 86400}, checking.jwt_secret, algorithm="HS256")
    response = await api.post("/graphql", json=ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert "上限" in response.json()["errors"][0]["message"]


async def test_a_token_for_an_officer_who_does_not_exist_is_refused(api: httpx.AsyncClient,
                                                                   checking: Settings) -> None:
    response = await api.post("/graphql", json=ME, headers=auth(checking, officer("340102", id="nobody-at-all")))
    assert response.status_code == 401 and error_codes(response.json()) == ["UNAUTHENTICATED"]


async def test_a_token_whose_role_differs_from_the_officer_table_is_refused(
        api: httpx.AsyncClient, checking: Settings, conn: asyncpg.Connection) -> None:
    await _insert_officer(conn, "t-officer-1", role="officer")
    as_reviewer = officer("340102", OfficerRole.REVIEWER, id="t-officer-1")
    response = await api.post("/graphql", json=ME, headers=auth(checking, as_reviewer))
    assert response.status_code == 401


async def test_deactivating_an_officer_stops_their_token_and_reactivating_restores_it(
        api: httpx.AsyncClient, checking: Settings, conn: asyncpg.Connection) -> None:
    await _insert_officer(conn, "t-officer-2")
    headers = auth(checking, officer("340102", id="t-officer-2"))
    assert (await api.post("/graphql", json=ME, headers=headers)).json()["data"]["me"]["id"] == "t-officer-2"
    await conn.execute("UPDATE officer SET active = false WHERE id = 't-officer-2'")
    refused = await api.post("/graphql", json=ME, headers=headers)
    assert refused.status_code == 401 and "停用" in refused.json()["errors"][0]["message"]
    await conn.execute("UPDATE officer SET active = true WHERE id = 't-officer-2'")
    assert (await api.post("/graphql", json=ME, headers=headers)).status_code == 200


async def test_the_officer_cache_forgets_within_its_time_to_live(db: SingleConnectionDatabase,
                                                                 conn: asyncpg.Connection) -> None:
    now = [1000.0]
    directory = OfficerDirectory(ttl_s=30, clock=lambda: now[0])
    await _insert_officer(conn, "t-officer-3")
    assert (await directory.standing(db, "t-officer-3")).active  # type: ignore[union-attr]
    await conn.execute("UPDATE officer SET active = false WHERE id = 't-officer-3'")
    now[0] += 29
    assert (await directory.standing(db, "t-officer-3")).active  # type: ignore[union-attr]  # still cached
    now[0] += 2
    assert not (await directory.standing(db, "t-officer-3")).active  # type: ignore[union-attr]


async def test_the_cli_deactivates_and_reactivates_an_officer(pg_url: str) -> None:
    admin = await asyncpg.connect(pg_url)
    try:
        await admin.execute("""INSERT INTO officer (id, name, region_code, role, department)
                               VALUES ('t-cli-officer', '测试员', '340102', 'officer', '瑶海区医疗保障局')""")
        assert await set_active(pg_url, officer_id="t-cli-officer", active=False)
        assert await admin.fetchval("SELECT active FROM officer WHERE id = 't-cli-officer'") is False
        assert await set_active(pg_url, officer_id="t-cli-officer", active=True)
        assert await admin.fetchval("SELECT active FROM officer WHERE id = 't-cli-officer'") is True
        assert not await set_active(pg_url, officer_id="no-such-officer", active=False)
    finally:
        await admin.execute("DELETE FROM officer WHERE id = 't-cli-officer'")
        await admin.close()
