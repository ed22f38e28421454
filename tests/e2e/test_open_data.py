"""Open data (issue 13): the public items of a region subtree as CSV and JSON Lines, and the take-downs since a
snapshot, through HTTP with no token, checked against the seeded personal values of test_public_api."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.open_data import HEADER, SCHEMA_VERSION, snapshot_regions, write_snapshot
from domain.single_connection_db import SingleConnectionDatabase
from tests.e2e.test_public_api import _seed
from tests.support.factories import GraphQL, officer
from tests.support.publication import WITHDRAW


class BodyMessages:
    """ASGI middleware that counts the response body messages the app sends (a streamed answer sends many)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.messages: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counting(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                self.messages.append(message)
            await send(message)

        await self.app(scope, receive, counting)


@pytest.fixture
async def app(db: SingleConnectionDatabase, settings: Settings) -> BodyMessages:
    return BodyMessages(create_app(settings=settings, database=db, protection=ProtectionSettings(cache_ttl_seconds=0)))


@pytest.fixture
async def http(app: BodyMessages) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


BEIJING_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00")


async def _public_ids(conn: asyncpg.Connection, prefix: str) -> set[str]:
    rows = await conn.fetch("SELECT id FROM public_item WHERE region_code LIKE $1 || '%'", prefix)
    return {str(r["id"]) for r in rows}


async def test_a_regions_csv_lists_every_public_item_under_the_documented_header_and_no_personal_value(
        http: httpx.AsyncClient, conn: asyncpg.Connection, settings: Settings) -> None:
    seeded = await _seed(conn, GraphQL(http, settings))
    answer = await http.get("/open-data/340100.csv")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["x-open-data-schema"] == str(SCHEMA_VERSION)
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == HEADER
    items = [dict(zip(HEADER, r, strict=True)) for r in rows[1:]]
    assert {i["id"] for i in items} == await _public_ids(conn, "3401") and len(items) >= 5
    mine = [i for i in items if seeded.institution_name in i["payload"]]
    assert {i["item_type"] for i in mine} == {"record", "result"}
    assert [i["grade"] for i in mine if i["item_type"] == "result"] == ["C"]
    # Times as the API writes them: ISO 8601 in Beijing time, whatever the server's own time zone
    assert all(BEIJING_ISO.fullmatch(i["published_at"]) for i in items), items[0]["published_at"]
    assert all(BEIJING_ISO.fullmatch(i["public_until"]) for i in items if i["public_until"])
    for secret in seeded.secrets:
        assert secret not in answer.text, secret


async def test_a_regions_json_lines_carry_the_same_items_with_the_schema_version_and_no_personal_value(
        http: httpx.AsyncClient, conn: asyncpg.Connection, settings: Settings) -> None:
    seeded = await _seed(conn, GraphQL(http, settings))
    answer = await http.get("/open-data/340102.jsonl")
    assert answer.status_code == 200, answer.text
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert {line["id"] for line in lines} == await _public_ids(conn, "340102")
    assert all(list(line) == ["schemaVersion", *HEADER] and line["schemaVersion"] == 1 for line in lines)
    assert all(BEIJING_ISO.fullmatch(line["published_at"]) for line in lines)
    person = [line for line in lines if line["payload"]["subject"]["kind"] == "individual"]
    assert person and all(line["institution_code"] is None for line in person)
    for secret in seeded.secrets:
        assert secret not in answer.text, secret


async def test_the_download_is_streamed_without_a_content_length(
        http: httpx.AsyncClient, app: BodyMessages, conn: asyncpg.Connection, settings: Settings) -> None:
    await _seed(conn, GraphQL(http, settings))
    app.messages.clear()
    answer = await http.get("/open-data/340100.jsonl")
    assert answer.status_code == 200
    assert "content-length" not in answer.headers
    assert len(app.messages) >= 2 and app.messages[0].get("more_body") is True


async def test_the_takedowns_since_a_snapshot_list_a_withdrawn_publication_and_nothing_before(
        http: httpx.AsyncClient, conn: asyncpg.Connection, settings: Settings) -> None:
    gql = GraphQL(http, settings)
    await _seed(conn, gql)
    snapshot = await http.get("/open-data/340100.csv")
    cursor = snapshot.headers["x-open-data-cursor"]
    gone = next(iter(await _public_ids(conn, "340102")))
    withdrawn = await gql(WITHDRAW, {"id": gone, "reason": "依法更正"}, as_=officer("340100"))
    assert "errors" not in withdrawn, withdrawn
    answer = await http.get(f"/open-data/340100/takedowns.jsonl?since={cursor}")
    assert answer.status_code == 200
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert [(line["id"], line["type"]) for line in lines] == [(gone, "publication.withdrawn")]
    assert int(answer.headers["x-open-data-cursor"]) > int(cursor)
    assert gone not in (await http.get("/open-data/340100.csv")).text
    # mirrors of another city hear nothing of it
    assert (await http.get(f"/open-data/340200/takedowns.jsonl?since={cursor}")).text == ""


async def test_an_unknown_region_or_a_bad_cursor_is_invalid_input(http: httpx.AsyncClient) -> None:
    for path in ("/open-data/999999.csv", "/open-data/340100/takedowns.jsonl?since=yesterday",
                 "/open-data/340100/takedowns.jsonl?since=-3"):
        answer = await http.get(path)
        assert answer.status_code == 400, path
        assert answer.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert (await http.get("/open-data/340100.xml")).status_code == 404


async def test_a_daily_snapshot_writes_the_regions_csv_and_its_cursor_whole(
        db: SingleConnectionDatabase, conn: asyncpg.Connection, tmp_path: Path) -> None:
    day = date(2026, 12, 1)
    written = await write_snapshot(db=db, region_code="340100", folder=tmp_path / "open-data", day=day)
    assert written.name == "340100-2026-12-01.csv"
    with written.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == HEADER and {r[0] for r in rows[1:]} == await _public_ids(conn, "3401")
    cursor = (tmp_path / "open-data" / "340100-2026-12-01.cursor").read_text().strip()
    assert int(cursor) == await conn.fetchval("SELECT COALESCE(max(position), 0) FROM public_event")
    assert sorted(p.name for p in (tmp_path / "open-data").iterdir()) == [
        "340100-2026-12-01.csv", "340100-2026-12-01.cursor"]
    assert "340000" in snapshot_regions(None) and snapshot_regions("340100, 500237") == ["340100", "500237"]


async def test_an_export_runs_under_the_longer_export_time_limit_not_the_request_limit(
        db: SingleConnectionDatabase) -> None:
    from domain.db_scope import TimeLimits
    from domain.open_data import EXPORT_TIMEOUT_MS, ExportFormat, export_public

    db.limit(TimeLimits(statement_timeout_ms=10_000))
    _, stream = await export_public(db=db, region_code="340100", fmt=ExportFormat.CSV)
    seen = await db.conn.fetchval("SHOW statement_timeout")  # the export's transaction is open until drained
    async for _ in stream:
        pass
    assert seen == f"{EXPORT_TIMEOUT_MS // 60_000}min"
