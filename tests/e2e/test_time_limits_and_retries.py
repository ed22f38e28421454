"""Time limits per request, nothing written when a client gets an error, and safe retries with Idempotency-Key."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from domain.db_scope import DbScope, TimeLimits
from domain.single_connection_db import SingleConnectionDatabase
from domain.synthetic import make_uscc
from tests.support.factories import auth, count, error_codes, officer

CREATE = """mutation($input: CreateSubjectInput!) { createSubject(input: $input) { id code } }"""


def _create(code: str) -> dict[str, Any]:
    return {"query": CREATE, "variables": {"input": {
        "subjectClass": "RETAIL_PHARMACY", "code": code, "name": "瑶海区益康大药房", "regionCode": "340102"}}}


def _code(seed: int) -> str:
    return make_uscc(random.Random(seed), "340102", kind="91")


async def _api(db: SingleConnectionDatabase, settings: Settings) -> httpx.AsyncClient:
    app = create_app(settings=settings, database=db)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


@pytest.fixture
async def region_locked(pg_url: str) -> AsyncIterator[None]:
    """Another transaction holds region 340102 FOR UPDATE: a subject registered there waits on its foreign key."""
    other = await asyncpg.connect(pg_url)
    tx = other.transaction()
    await tx.start()
    await other.execute("SELECT 1 FROM region WHERE code = '340102' FOR UPDATE")
    try:
        yield
    finally:
        await tx.rollback()
        await other.close()


async def test_a_statement_over_the_statement_timeout_is_cancelled(db: SingleConnectionDatabase) -> None:
    db.limit(TimeLimits(statement_timeout_ms=100))
    with pytest.raises(asyncpg.QueryCanceledError):
        async with db.session(DbScope()) as s:
            await s.execute("SELECT pg_sleep(2)")


async def test_a_write_waiting_on_a_lock_past_the_lock_timeout_fails_with_timeout_and_writes_nothing(
        db: SingleConnectionDatabase, settings: Settings, conn: asyncpg.Connection, region_locked: None) -> None:
    async with await _api(db, replace(settings, lock_timeout_ms=200)) as http:
        body = (await http.post("/graphql", json=_create(_code(21)), headers=auth(settings, officer("340102")))).json()
    assert error_codes(body) == ["TIMEOUT"]
    assert await count(conn, "subject") == 0


async def test_a_request_past_its_deadline_is_cancelled_with_timeout_and_writes_nothing(
        db: SingleConnectionDatabase, settings: Settings, conn: asyncpg.Connection, region_locked: None) -> None:
    slow = replace(settings, lock_timeout_ms=10_000, statement_timeout_ms=10_000, request_deadline_ms=300)
    async with await _api(db, slow) as http:
        body = (await http.post("/graphql", json=_create(_code(22)), headers=auth(settings, officer("340102")))).json()
    assert error_codes(body) == ["TIMEOUT"] and "300" in body["errors"][0]["message"]
    assert await count(conn, "subject") == 0


async def test_a_client_gone_before_commit_leaves_nothing_written(
        db: SingleConnectionDatabase, settings: Settings, conn: asyncpg.Connection) -> None:
    app = create_app(settings=settings, database=db)
    body = json.dumps(_create(_code(23))).encode()
    messages = [{"type": "http.request", "body": body, "more_body": False}, {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"),
               *((k.lower().encode(), v.encode()) for k, v in auth(settings, officer("340102")).items())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 5000), "server": ("t", 80)}
    await app(scope, receive, send)
    assert await count(conn, "subject") == 0


async def test_a_retried_mutation_with_the_same_idempotency_key_is_applied_once(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    headers = {**auth(settings, officer("340102")), "Idempotency-Key": "create-pharmacy-1"}
    first = await client.post("/graphql", json=_create(_code(24)), headers=headers)
    again = await client.post("/graphql", json=_create(_code(24)), headers=headers)
    assert "errors" not in first.json()
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert await count(conn, "subject") == 1


async def test_an_idempotency_key_reused_for_another_request_is_refused(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    headers = {**auth(settings, officer("340102")), "Idempotency-Key": "create-pharmacy-2"}
    await client.post("/graphql", json=_create(_code(25)), headers=headers)
    other = await client.post("/graphql", json=_create(_code(26)), headers=headers)
    assert other.status_code == 422 and error_codes(other.json()) == ["IDEMPOTENCY_KEY_REUSED"]
    assert await count(conn, "subject") == 1


async def test_a_failed_mutation_does_not_use_up_its_idempotency_key(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    headers = {**auth(settings, officer("340102")), "Idempotency-Key": "create-pharmacy-3"}
    good = _code(27)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # a wrong check character
    refused = await client.post("/graphql", json=_create(bad), headers=headers)
    assert error_codes(refused.json())
    assert await count(conn, "idempotency_key") == 0


async def test_idempotency_keys_are_per_principal(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    key = {"Idempotency-Key": "same-key"}
    one = await client.post("/graphql", json=_create(_code(28)), headers={**auth(settings, officer("340102")), **key})
    two = await client.post("/graphql", json=_create(_code(29)),
                            headers={**auth(settings, officer("340102", id="340102-agency")), **key})
    assert "errors" not in one.json() and "errors" not in two.json()
    assert await count(conn, "subject") == 2


async def test_an_idempotency_key_older_than_a_day_is_forgotten(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    await conn.execute("""INSERT INTO idempotency_key (principal, key, request_hash, response, created_at)
                          VALUES ('officer:340102-officer', 'old-key', 'x', '{}', now() - interval '2 days')""")
    headers = {**auth(settings, officer("340102")), "Idempotency-Key": "old-key"}
    response = await client.post("/graphql", json=_create(_code(30)), headers=headers)
    assert "errors" not in response.json() and "Idempotent-Replayed" not in response.headers
    assert await count(conn, "subject") == 1
