"""The API connects as a login role that owns nothing: it cannot switch the triggers off or rewrite the archive."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.postgres import LOGIN_ROLE, app_database_url
from api.settings import Settings
from domain.access import OfficerRole
from domain.db import Database
from tests.support.factories import auth, officer


@pytest.fixture
async def login(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection as the application's login role, as `yibao serve` opens them."""
    connection = await asyncpg.connect(app_database_url(pg_url))
    try:
        yield connection
    finally:
        await connection.close()


async def _refused(connection: asyncpg.Connection, sql: str, *, as_app: bool = True) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            if as_app:
                await connection.execute("SET LOCAL ROLE yibao_app")
            await connection.execute(sql)


async def test_the_apps_url_names_the_login_role_on_the_same_server_and_database(pg_url: str) -> None:
    url = app_database_url(pg_url)
    assert url.split("@", 1)[0].endswith(LOGIN_ROLE) and url.rsplit("/", 1)[1] == pg_url.rsplit("/", 1)[1]
    assert app_database_url(pg_url, explicit="postgresql://a@b/c") == "postgresql://a@b/c"


async def test_the_login_role_is_no_superuser_and_owns_nothing(login: asyncpg.Connection) -> None:
    assert await login.fetchval("SELECT current_user") == LOGIN_ROLE
    row = await login.fetchrow("SELECT rolsuper, rolinherit, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    assert tuple(row) == (False, False, False)
    owned = await login.fetchval("SELECT count(*) FROM pg_class WHERE relowner IN (SELECT oid FROM pg_roles "
                                 "WHERE rolname IN ($1, 'yibao_app', 'yibao_public', 'yibao_federation'))",
                                 LOGIN_ROLE)
    assert owned == 0


@pytest.mark.parametrize("as_app", [False, True])
async def test_the_apps_connection_cannot_disable_a_trigger(login: asyncpg.Connection, as_app: bool) -> None:
    await _refused(login, "ALTER TABLE credit_record_version DISABLE TRIGGER credit_record_version_frozen",
                   as_app=as_app)
    await _refused(login, "ALTER TABLE credit_record_version DISABLE TRIGGER ALL", as_app=as_app)


@pytest.mark.parametrize("as_app", [False, True])
async def test_the_apps_connection_cannot_set_the_replication_role(login: asyncpg.Connection, as_app: bool) -> None:
    await _refused(login, "SET LOCAL session_replication_role = replica", as_app=as_app)


async def test_the_apps_connection_cannot_update_a_record_version_or_write_the_integrity_log(
    login: asyncpg.Connection,
) -> None:
    await _refused(login, "UPDATE credit_record_version SET amount = 1.00")
    await _refused(login, "UPDATE credit_record_version SET amount = 1.00", as_app=False)
    await _refused(login, "DELETE FROM record_event")
    await _refused(login, "INSERT INTO integrity_leaf VALUES (999999, 1, '\\x00')")
    await _refused(login, "DELETE FROM integrity_entry")
    await _refused(login, "SELECT yibao_integrity_append('record_event', 'INSERT', '{}', 'id', 'plain:id')")


async def test_the_api_serves_requests_over_the_login_roles_connection(pg_url: str, settings: Settings) -> None:
    database = await Database.connect(app_database_url(pg_url), min_size=1, max_size=2)
    try:
        app = create_app(settings=settings, database=database)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            response = await http.post("/graphql", json={"query": "{ subjects(first: 1) { totalCount } }"},
                                       headers=auth(settings, officer("340100", OfficerRole.OFFICER)))
            public = await http.post("/graphql", json={"query": '{ region(code: "340102") { name } }'})
    finally:
        await database.close()
    body = response.json()
    assert "errors" not in body and isinstance(body["data"]["subjects"]["totalCount"], int)
    assert public.json() == {"data": {"region": {"name": "瑶海区"}}}
