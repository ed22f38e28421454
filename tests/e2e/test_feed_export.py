"""``GET /feed.ndjson`` through HTTP with real tokens: the change feed in bulk, scoped exactly like ``changes``."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.access import FederationScope, Principal, PrincipalKind
from domain.feed import encode_position
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL, auth, officer, subject_principal

HEFEI = officer("340100")
PAGE = """query($after: String, $types: [EventType!]) { changes(after: $after, types: $types, first: 100) {
    events { position cursor type regionCode subjectId occurredAt payload } hasNextPage endCursor } }"""
NASTY = {"note": 'a "quoted" back\\slash,\nnew line\ttab 中文 \u0001', "amount": 1.5, "list": [1, None, True]}


async def _start(conn: asyncpg.Connection) -> str:
    return encode_position(int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM domain_event")))


async def _insert(conn: asyncpg.Connection, rows: list[dict[str, Any]]) -> None:
    """Events written straight into the outbox as the owner, as services would emit them."""
    await conn.executemany(
        """INSERT INTO domain_event (type, region_code, subject_id, item_id, actor, audiences, payload, public_payload)
           VALUES ($1, $2, $3, gen_random_uuid(), 'test', $4::text[], $5, $6)""",
        [(r["type"], r["region"], r.get("subject"), r["audiences"], r.get("payload", {"n": i}),
          r.get("public")) for i, r in enumerate(rows)])


async def _mixed(conn: asyncpg.Connection, subject: uuid.UUID) -> None:
    other = uuid.uuid4()
    rows: list[dict[str, Any]] = []
    for i in range(30):
        region = ["340102", "340103", "500237"][i % 3]
        who = subject if i % 2 == 0 else other
        if i % 5 == 0:
            rows.append({"type": "publication.published", "region": region, "subject": who,
                         "audiences": ["bureau", "subject", "public", "federation"],
                         "payload": {"i": i, "amount": "60000.00", **NASTY}, "public": {"i": i, "title": "公开"}})
        else:
            rows.append({"type": "record.entered", "region": region, "subject": who,
                         "audiences": ["bureau", "subject"], "payload": {"i": i, **NASTY}})
    await _insert(conn, rows)


async def _export(client: httpx.AsyncClient, settings: Settings, *, as_: Any = None,
                  **params: str) -> list[dict[str, Any]]:
    r = await client.get("/feed.ndjson", params=params, headers=auth(settings, as_))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in r.text.splitlines()]


async def _pages(gql: GraphQL, *, after: str, as_: Any = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        body = await gql(PAGE, {"after": after}, as_=as_)
        assert "errors" not in body, body
        page = body["data"]["changes"]
        out += page["events"]
        after = page["endCursor"]
        if not page["hasNextPage"]:
            return out


def _same(exported: list[dict[str, Any]], paged: list[dict[str, Any]]) -> None:
    assert [e["position"] for e in exported] == [e["position"] for e in paged]
    for x, p in zip(exported, paged, strict=True):
        assert {k: x[k] for k in ("cursor", "type", "regionCode", "subjectId", "payload")} == \
               {k: p[k] for k in ("cursor", "type", "regionCode", "subjectId", "payload")}
        assert datetime.fromisoformat(x["occurredAt"]) == datetime.fromisoformat(p["occurredAt"])
        assert x["occurredAt"].endswith("+08:00")


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


async def test_an_officers_export_holds_exactly_the_events_its_change_feed_pages_give(
        conn: asyncpg.Connection, client: httpx.AsyncClient, settings: Settings, gql: GraphQL) -> None:
    start = await _start(conn)
    await _mixed(conn, uuid.uuid4())
    exported = await _export(client, settings, as_=HEFEI, after=start)
    _same(exported, await _pages(gql, after=start, as_=HEFEI))
    assert len(exported) == 20 and {e["regionCode"] for e in exported} == {"340102", "340103"}
    assert any(e["payload"].get("note") == NASTY["note"] for e in exported)  # backslashes and newlines intact


async def test_a_subject_exports_only_its_own_events(
        conn: asyncpg.Connection, client: httpx.AsyncClient, settings: Settings, gql: GraphQL) -> None:
    start = await _start(conn)
    mine = uuid.uuid4()
    await _mixed(conn, mine)
    exported = await _export(client, settings, as_=subject_principal(mine), after=start)
    assert len(exported) == 15 and {e["subjectId"] for e in exported} == {str(mine)}
    _same(exported, await _pages(gql, after=start, as_=subject_principal(mine)))


async def test_the_public_export_holds_only_public_events_in_their_public_form(
        conn: asyncpg.Connection, client: httpx.AsyncClient, settings: Settings, gql: GraphQL) -> None:
    start = await _start(conn)
    await _mixed(conn, uuid.uuid4())
    exported = await _export(client, settings, after=start)
    assert [e["type"] for e in exported] == ["PUBLICATION_PUBLISHED"] * 6
    assert all(e["subjectId"] is None and set(e["payload"]) == {"i", "title"} for e in exported)
    _same(exported, await _pages(gql, after=start))
    narrowed = await _export(client, settings, after=start, regionCode="340103")
    assert [e["regionCode"] for e in narrowed] == ["340103"] * 2


async def test_an_export_resumes_exactly_after_the_given_cursor_and_stops_at_its_limit(
        conn: asyncpg.Connection, client: httpx.AsyncClient, settings: Settings) -> None:
    start = await _start(conn)
    await _mixed(conn, uuid.uuid4())
    everything = await _export(client, settings, as_=HEFEI, after=start)
    first = await _export(client, settings, as_=HEFEI, after=start, limit="7")
    assert first == everything[:7]
    rest = await _export(client, settings, as_=HEFEI, after=first[-1]["cursor"])
    assert rest == everything[7:]
    published = await _export(client, settings, as_=HEFEI, after=start, types="PUBLICATION_PUBLISHED")
    assert published == [e for e in everything if e["type"] == "PUBLICATION_PUBLISHED"]


async def test_a_federation_client_exports_its_agreed_regions_public_form_and_nothing_else(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, settings: Settings) -> None:
    start = await _start(conn)
    await _mixed(conn, uuid.uuid4())
    platform = FederationScope(client_id="ah-credit-platform", region_code="340000", fields=frozenset({"score"}))
    app = create_app(settings=settings, database=db, federation={platform.client_id: platform})
    as_ = Principal(kind=PrincipalKind.FEDERATION, id=platform.client_id)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        exported = await _export(http, settings, as_=as_, after=start)
        _same(exported, await _pages(GraphQL(http, settings), after=start, as_=as_))
        foreign = await http.get("/feed.ndjson", params={"regionCode": "500237"}, headers=auth(settings, as_))
    assert [(e["type"], e["regionCode"][:2]) for e in exported] == [("PUBLICATION_PUBLISHED", "34")] * 4
    assert all(e["subjectId"] is None and set(e["payload"]) == {"i", "title"} for e in exported)
    assert foreign.status_code == 403 and foreign.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_each_export_counts_against_the_callers_rate_limit(
        db: SingleConnectionDatabase, settings: Settings) -> None:
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(authenticated_limit="2/minute"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        answers = [await http.get("/feed.ndjson", params={"limit": "1"}, headers=auth(settings, HEFEI))
                   for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert answers[2].headers["Retry-After"]


@pytest.mark.parametrize(("params", "headers", "status", "code", "mentions"), [
    ({"after": "not-a-cursor"}, None, 400, "INVALID_INPUT", "游标"),
    ({"after": encode_position(10**12)}, None, 400, "INVALID_INPUT", "游标"),
    ({"types": "RECORD_ENTERED,RECORD_EATEN"}, None, 400, "INVALID_INPUT", "RECORD_EATEN"),
    ({"regionCode": "500237"}, None, 403, "FORBIDDEN", ""),
    ({"regionCode": "999999"}, None, 400, "INVALID_INPUT", "999999"),
    ({"limit": "0"}, None, 400, "INVALID_INPUT", "limit"),
    ({}, {"Authorization": "Bearer not-a-token"}, 401, "UNAUTHENTICATED", ""),
])
async def test_a_bad_export_request_is_a_clear_json_error_before_anything_streams(
        client: httpx.AsyncClient, settings: Settings, params: dict[str, str], headers: dict[str, str] | None,
        status: int, code: str, mentions: str) -> None:
    r = await client.get("/feed.ndjson", params=params, headers=headers or auth(settings, HEFEI))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == code
    assert mentions in error["message"]


async def _asgi_export(app: Any, settings: Settings, *, params: dict[str, str],
                       send: Any) -> None:
    """Call the app as a server (uvicorn) does, with ``send`` receiving its messages."""
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        return {"type": "http.disconnect"}

    headers = [(k.lower().encode(), v.encode()) for k, v in auth(settings, HEFEI).items()]
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/feed.ndjson", "raw_path": b"/feed.ndjson",
             "query_string": urlencode(params).encode(), "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {}}
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)


async def _many_events(conn: asyncpg.Connection, n: int) -> None:
    await conn.execute(
        """INSERT INTO domain_event (type, region_code, subject_id, item_id, actor, audiences, payload)
           SELECT 'record.entered', '340102', gen_random_uuid(), gen_random_uuid(), 'test', ARRAY['bureau','subject'],
                  jsonb_build_object('n', i, 'text', repeat('信用', 20)) FROM generate_series(1, $1) AS i""", n)


async def test_a_large_export_is_streamed_in_several_chunks_not_built_in_memory(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, settings: Settings) -> None:
    start = await _start(conn)
    await _many_events(conn, 5000)
    # httpx's ASGI transport joins a body before handing it over, so the app's messages are watched directly,
    # as a server (uvicorn) receives them: each body message goes to the socket as one chunk.
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await _asgi_export(create_app(settings=settings, database=db), settings, params={"after": start}, send=send)
    start_message, *bodies = sent
    assert start_message["status"] == 200
    assert b"content-length" not in dict(start_message["headers"])
    chunks = [m["body"] for m in bodies if m.get("body")]
    assert len(chunks) > 1 and all(m.get("more_body") for m in bodies[:-1]) and not bodies[-1].get("more_body")
    lines = b"".join(chunks).decode().splitlines()
    assert [json.loads(line)["payload"]["n"] for line in lines] == list(range(1, 5001))


async def test_a_client_that_leaves_mid_export_leaves_no_transaction_behind(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, settings: Settings, gql: GraphQL) -> None:
    start = await _start(conn)
    await _many_events(conn, 20_000)  # more than the export buffers: its COPY is still running when the client goes
    bodies = 0

    async def send(message: dict[str, Any]) -> None:
        nonlocal bodies
        if message["type"] == "http.response.body":
            bodies += 1
            if bodies == 2:
                raise OSError("the client closed the connection")  # what a server's send does then

    with pytest.raises(OSError):
        await _asgi_export(create_app(settings=settings, database=db), settings, params={"after": start}, send=send)
    # The export's transaction was rolled back and its connection given back: the next request is served.
    body = await asyncio.wait_for(gql(PAGE, {"after": start}, as_=HEFEI), timeout=30)
    assert len(body["data"]["changes"]["events"]) == 100
