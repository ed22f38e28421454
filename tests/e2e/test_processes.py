"""Several real server processes behave as one: shared invalidation, shared rate limits, subscriptions fanned
out across processes, and concurrent confirmations that never clash.

These need committed data, so they run on a database of their own (migrated like the test database, dropped
afterwards) with two uvicorn processes started as `yibao serve --workers` starts its workers, and a real
redis-server for the shared rate limits (CI installs it; elsewhere the test is skipped if it is missing).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import pytest
import websockets

from api.demo import seed_officers
from api.postgres import ensure_database, migrate
from api.settings import Settings
from domain.access import OfficerRole
from domain.db import Database, init_connection
from tests.support.factories import auth, insert_subject, officer
from tests.support.net import free_port
from tests.support.publication import insert_confirmed_record

DATABASE = "yibao_processes"
SECRET = "test-secret-processes-0123456789abcdef"
ISSUER = "yibao-test"
SETTINGS = Settings(database_url=None, jwt_secret=SECRET, jwt_issuer=ISSUER)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; .ci/run installs it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
async def database_url(pg_admin_url: str) -> AsyncIterator[str]:
    url = await ensure_database(pg_admin_url, DATABASE, recreate=True)
    await migrate(url)
    db = await Database.connect(url, min_size=1, max_size=2)
    try:
        await seed_officers(db)
    finally:
        await db.close()
    yield url
    conn = await asyncpg.connect(pg_admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]


def _start(database_url: str, redis_url: str) -> Server:
    port = free_port()
    env = {**os.environ, "YIBAO_SERVE_URL": database_url, "REDIS_URL": redis_url, "YIBAO_WORKERS": "2",
           "YIBAO_JWT_SECRET": SECRET, "YIBAO_JWT_ISSUER": ISSUER, "YIBAO_RATE_LIMIT_ANONYMOUS": "20/minute",
           "YIBAO_POOL_SIZE": "8"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.serving:worker_app", "--factory", "--host",
                             "127.0.0.1", "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return Server(base, proc)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("the server did not start")


@pytest.fixture(scope="module")
def servers(database_url: str, redis_url: str) -> Iterator[tuple[Server, Server]]:
    a, b = _start(database_url, redis_url), _start(database_url, redis_url)
    yield a, b
    for s in (a, b):
        s.proc.terminate()
        s.proc.wait(10)


async def _post(http: httpx.AsyncClient, server: Server, query: str, variables: dict | None = None,  # type: ignore[type-arg]
                as_=None) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await http.post(f"{server.base}/graphql", json={"query": query, "variables": variables or {}},
                           headers=auth(SETTINGS, as_))


async def _committed(database_url: str, fn):  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    try:
        async with conn.transaction():
            return await fn(conn)
    finally:
        await conn.close()


async def test_a_subscriber_on_one_process_receives_an_event_committed_through_the_other(
        servers: tuple[Server, Server], database_url: str) -> None:
    a, b = servers
    sid = await _committed(database_url, lambda c: insert_subject(c, region="340104"))
    ws_url = a.base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": auth(SETTINGS, officer("340104"))}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription { events(types: [RECORD_ENTERED]) { type subjectId position } }"}}))
        await asyncio.sleep(0.3)  # the subscription is registered before the commit it waits for
        async with httpx.AsyncClient() as http:
            sent = time.monotonic()
            r = await _post(http, b, """mutation($s: ID!) { enterRecord(input: {subjectId: $s, kind: COMMENDATION,
                content: {title: "县级先进", decidedOn: "2026-01-10"}}) { id } }""", {"s": str(sid)},
                            as_=officer("340104"))
            assert "errors" not in r.json(), r.json()
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert message["type"] == "next"
        assert message["payload"]["data"]["events"]["subjectId"] == str(sid)
        assert time.monotonic() - sent < 5


async def test_a_record_entered_through_one_process_is_queued_for_its_webhook_without_the_request_waiting(
        servers: tuple[Server, Server], database_url: str) -> None:
    """Entering a record waits for no consumer (only the webhooks follow it): the request commits its event with
    the COMMIT, and the listeners queue the delivery once the background run has numbered it."""
    a, b = servers
    sid = await _committed(database_url, lambda c: insert_subject(c, region="340104"))
    async with httpx.AsyncClient() as http:
        created = await _post(http, a, """mutation { createWebhookSubscription(regionCode: "340104",
            url: "http://127.0.0.1:9/hooks/yibao", types: [RECORD_ENTERED]) { subscription { id } } }""",
                              as_=officer("340104"))
        assert "errors" not in created.json(), created.json()
        sub = created.json()["data"]["createWebhookSubscription"]["subscription"]["id"]
        r = await _post(http, b, """mutation($s: ID!) { enterRecord(input: {subjectId: $s, kind: COMMENDATION,
            content: {title: "区级先进", decidedOn: "2026-01-12"}}) { id } }""", {"s": str(sid)},
                        as_=officer("340104"))
        assert "errors" not in r.json(), r.json()
        record = r.json()["data"]["enterRecord"]["id"]

    async def queued(conn: asyncpg.Connection) -> int:
        return int(await conn.fetchval(
            """SELECT count(*) FROM webhook_delivery d JOIN domain_event e ON e.position = d.position
               WHERE d.subscription_id = $1 AND e.item_id = $2 AND e.type = 'record.entered'""",
            uuid.UUID(sub), uuid.UUID(record)))

    deadline = time.monotonic() + 5
    while await _committed(database_url, queued) != 1:
        assert time.monotonic() < deadline, "the delivery was never queued"
        await asyncio.sleep(0.05)


async def test_a_subscription_to_another_region_is_refused(servers: tuple[Server, Server]) -> None:
    a, _ = servers
    async with websockets.connect(a.base.replace("http://", "ws://") + "/graphql",
                                  subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": auth(SETTINGS, officer("340104"))}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": 'subscription { events(regionCode: "500237") { type } }'}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_publishing_through_one_process_empties_the_other_process_cache(
        servers: tuple[Server, Server], database_url: str) -> None:
    a, b = servers
    query = '{ publicRecords(regionCode: "340104", first: 50) { totalCount } }'
    sid = await _committed(database_url, lambda c: insert_subject(c, region="340104"))
    rid = await _committed(database_url, lambda c: insert_confirmed_record(c, subject_id=sid, region="340104"))
    async with httpx.AsyncClient() as http:
        first = await _post(http, a, query)
        before = first.json()["data"]["publicRecords"]["totalCount"]
        cached = await _post(http, a, query)
        assert cached.headers.get("x-cache") == "hit"
        prepared = await _post(http, b, 'mutation($id: ID!) { preparePublication(recordId: $id) { id } }',
                               {"id": str(rid)}, as_=officer("340104"))
        pub = prepared.json()["data"]["preparePublication"]["id"]
        published = await _post(http, b, "mutation($id: ID!) { publish(id: $id) { status } }", {"id": pub},
                                as_=officer("340100"))
        assert published.json()["data"]["publish"]["status"] == "PUBLISHED"
        deadline = time.monotonic() + 2
        while True:
            again = await _post(http, a, query)
            if again.json()["data"]["publicRecords"]["totalCount"] == before + 1:
                break
            assert time.monotonic() < deadline, "process A kept serving its cached answer"
            await asyncio.sleep(0.05)


async def test_the_rate_limit_holds_across_both_processes(servers: tuple[Server, Server]) -> None:
    a, b = servers
    query = "{ __typename }"
    async with httpx.AsyncClient() as http:
        statuses = []
        for n in range(30):
            r = await _post(http, a if n % 2 else b, query)
            statuses.append(r.status_code)
    # 20/minute for one anonymous client, counted in the one Redis; the earlier tests used some of it too.
    assert statuses.count(200) <= 20
    assert 429 in statuses


async def test_fifty_concurrent_confirmations_of_one_subject_all_succeed_and_leave_one_current_result(
        servers: tuple[Server, Server], database_url: str) -> None:
    a, b = servers

    async def arrange(conn: asyncpg.Connection) -> tuple[uuid.UUID, list[uuid.UUID]]:
        sid = await insert_subject(conn, region="340102")
        ids = []
        for _ in range(50):
            rid = await insert_confirmed_record(conn, subject_id=sid, region="340102", kind="recovered_funds",
                                                amount=Decimal("1000.00"))
            # back to REVIEWED: the test confirms them, all at once
            await conn.execute("ALTER TABLE credit_record DISABLE TRIGGER USER")
            await conn.execute("""UPDATE credit_record SET status = 'reviewed', effective_version = NULL,
                                      confirmed_by = NULL, reviewed_by = '340102-reviewer' WHERE id = $1""", rid)
            await conn.execute("ALTER TABLE credit_record ENABLE TRIGGER USER")
            ids.append(rid)
        return sid, ids

    sid, ids = await _committed(database_url, arrange)
    confirmer = officer("340102", OfficerRole.REVIEWER, id="340102-confirmer")
    async with httpx.AsyncClient(timeout=60) as http:
        answers = await asyncio.gather(*[
            _post(http, a if n % 2 else b, "mutation($id: ID!) { confirmRecord(id: $id) { status } }",
                  {"id": str(rid)}, as_=confirmer) for n, rid in enumerate(ids)])
    bodies = [r.json() for r in answers]
    assert [b_.get("errors") for b_ in bodies] == [None] * 50, [b_ for b_ in bodies if "errors" in b_][:3]
    conn = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + 10
        while True:
            current = await conn.fetch("""SELECT score FROM evaluation_result WHERE subject_id = $1
                                              AND superseded_at IS NULL""", sid)
            lines = await conn.fetchval("""SELECT count(*) FROM evaluation_line l JOIN evaluation_result r
                                               ON r.id = l.result_id WHERE r.subject_id = $1
                                               AND r.superseded_at IS NULL""", sid)
            if len(current) == 1 and lines >= 1:
                break
            assert time.monotonic() < deadline, current
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
