"""Through a real Apollo Gateway: yibao's subgraph composed with two partner agencies' subgraphs written in JS.

The yibao app is served by uvicorn on a loopback port against a database of its own (a copy of the migrated test
database, with committed data, dropped afterwards); the partners and the gateway (tests/federation/gateway/, run
``npm ci`` there first; CI does) are Node processes on loopback. The market-regulation partner joins Subject by
``code`` and declares ``PageInfo @shareable`` and its own ``Region.name``; the health partner joins it by ``id``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from api.postgres import with_database
from api.settings import Settings
from domain.access import Principal
from domain.db import init_connection
from tests.support.factories import GraphQL, auth, insert_subject, officer
from tests.support.publication import insert_confirmed_record, publish_record

HERE = Path(__file__).resolve().parent / "gateway"
PORTS = {"yibao": 8150, "gateway": 8151, "market": 8152, "health": 8153}
SETTINGS = Settings(database_url=None, jwt_secret="gateway-test-secret-0123456789abcdef0123",
                    jwt_issuer="yibao-gateway-test")
DATABASE = f"yibao_gateway_{os.getpid()}"

pytestmark = pytest.mark.skipif(shutil.which("node") is None or not (HERE / "node_modules").is_dir(),
                                reason="needs Node and `npm ci` in tests/federation/gateway (CI runs it)")


@dataclass
class World:
    """The running processes' data: what the assertions compare with."""

    hefei: uuid.UUID
    hefei_code: str
    chongqing: uuid.UUID
    chongqing_code: str
    unknown: uuid.UUID


def _wait_for(url: str, process: subprocess.Popen[bytes], name: str, *, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{out[-4000:]}")
        try:
            if httpx.post(url, json={"query": "{ __typename }"}, timeout=2,
                          headers={"apollo-require-preflight": "true"}).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer at {url} within {seconds} s")


def _start(args: list[str], *, env: dict[str, str], cwd: Path, url: str, name: str,
           processes: list[subprocess.Popen[bytes]]) -> None:
    process = subprocess.Popen(args, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    processes.append(process)
    _wait_for(url, process, name)


@pytest.fixture(scope="module")
async def world(pg_url: str, pg_admin_url: str) -> AsyncIterator[World]:
    """A database of its own with committed subjects and a published record, and the four servers running."""
    admin = await asyncpg.connect(pg_admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    template = urlsplit(pg_url).path.lstrip("/")
    await admin.execute(f'CREATE DATABASE "{DATABASE}" TEMPLATE "{template}"')
    url = with_database(pg_admin_url, DATABASE)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        conn = await asyncpg.connect(url)
        await init_connection(conn)
        try:
            hefei = await insert_subject(conn, region="340102", name="瑶海区康泰大药房")
            chongqing = await insert_subject(conn, region="500237", name="巫山县福寿堂大药房")
            codes = {r["id"]: r["code"] for r in await conn.fetch(
                "SELECT id, code FROM subject WHERE id = ANY($1)", [hefei, chongqing])}
            record = await insert_confirmed_record(conn, subject_id=hefei, region="340102")
        finally:
            await conn.close()
        w = World(hefei=hefei, hefei_code=codes[hefei], chongqing=chongqing, chongqing_code=codes[chongqing],
                  unknown=uuid.uuid4())
        yibao_url = f"http://127.0.0.1:{PORTS['yibao']}/graphql"
        _start([str(Path(sys.executable).parent / "yibao"), "serve", "--host", "127.0.0.1",
                "--port", str(PORTS["yibao"])],
               env={"DATABASE_URL": url, "YIBAO_JWT_SECRET": SETTINGS.jwt_secret,
                    "YIBAO_JWT_ISSUER": SETTINGS.jwt_issuer,
                    # the test mints tokens for bureau officers it never inserts into the officer table
                    "YIBAO_CHECK_OFFICERS": "0"},
               cwd=Path.cwd(), url=yibao_url, name="yibao", processes=processes)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORTS['yibao']}") as http:
            await publish_record(GraphQL(http, SETTINGS), record)
        market = {"enterprises": [
            {"uscc": w.hefei_code, "licenceNo": "皖市监-0001", "regionCode": "340102", "regionName": "瑶海区"},
            {"uscc": w.chongqing_code, "licenceNo": "渝市监-0002", "regionCode": "500237", "regionName": "巫山县"},
            {"uscc": "91340102MA0000000X", "licenceNo": "皖市监-0003", "regionCode": "340102",
             "regionName": "瑶海区"}]}
        health = {"watchlist": [{"note": "合肥", "subjectId": str(w.hefei)},
                                {"note": "不存在", "subjectId": str(w.unknown)},
                                {"note": "重庆", "subjectId": str(w.chongqing)},
                                {"note": "格式错误", "subjectId": "not-an-id"}],
                  "licences": {str(w.hefei): "皖卫执-A"}}
        for name, data in (("market", market), ("health", health)):
            _start(["node", f"partner-{name}.mjs"], env={"PORT": str(PORTS[name]), "PARTNER_DATA": json.dumps(data)},
                   cwd=HERE, url=f"http://127.0.0.1:{PORTS[name]}/", name=f"partner-{name}", processes=processes)
        subgraphs = [{"name": "yibao", "url": yibao_url},
                     {"name": "market", "url": f"http://127.0.0.1:{PORTS['market']}/"},
                     {"name": "health", "url": f"http://127.0.0.1:{PORTS['health']}/"}]
        _start(["node", "gateway.mjs"], env={"PORT": str(PORTS["gateway"]), "SUBGRAPHS": json.dumps(subgraphs)},
               cwd=HERE, url=f"http://127.0.0.1:{PORTS['gateway']}/", name="gateway", processes=processes)
        yield w
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="module")
def gateway() -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{PORTS['gateway']}", timeout=30) as http:
        yield http


def ask(http: httpx.Client, query: str, *, as_: Principal | None = None) -> dict[str, Any]:
    response = http.post("/", json={"query": query}, headers=auth(SETTINGS, as_))
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


HEFEI = officer("340100")


def test_a_partner_joins_our_subject_by_its_code(world: World, gateway: httpx.Client) -> None:
    body = ask(gateway, f'{{ enterprise(uscc: "{world.hefei_code}") {{ licenceNo '
                        "creditSubject { id name region { code name fullName } } } }", as_=HEFEI)
    assert "errors" not in body, body
    subject = body["data"]["enterprise"]["creditSubject"]
    assert subject["id"] == str(world.hefei) and subject["name"] == "瑶海区康泰大药房"
    assert subject["region"] == {"code": "340102", "name": "瑶海区", "fullName": "安徽省合肥市瑶海区"}


def test_our_subject_joins_the_partners_fields_by_code(world: World, gateway: httpx.Client) -> None:
    body = ask(gateway, f'{{ subject(id: "{world.hefei}") {{ name marketLicence }} }}', as_=HEFEI)
    assert "errors" not in body, body
    assert body["data"]["subject"] == {"name": "瑶海区康泰大药房", "marketLicence": "皖市监-0001"}


def test_our_subject_joins_the_partners_fields_by_id(world: World, gateway: httpx.Client) -> None:
    body = ask(gateway, f'{{ subject(code: "{world.hefei_code}") {{ id practiceLicence }} }}', as_=HEFEI)
    assert "errors" not in body, body
    assert body["data"]["subject"] == {"id": str(world.hefei), "practiceLicence": "皖卫执-A"}


def test_a_partner_joins_our_subject_by_id_with_an_error_per_representation(world: World,
                                                                             gateway: httpx.Client) -> None:
    body = ask(gateway, "{ watchlist { note subject { code name } } }", as_=HEFEI)
    entries = {e["note"]: e["subject"] for e in body["data"]["watchlist"]}
    assert entries["合肥"] == {"code": world.hefei_code, "name": "瑶海区康泰大药房"}
    # Absent, outside Hefei's subtree, malformed: each is null with its own error; the answer survives.
    assert entries["不存在"] is None and entries["重庆"] is None and entries["格式错误"] is None
    assert sorted(codes(body)) == ["BAD_USER_INPUT", "NOT_FOUND", "NOT_FOUND"]


def test_a_subject_outside_the_callers_subtree_is_null_with_not_found(world: World, gateway: httpx.Client) -> None:
    body = ask(gateway, f'{{ enterprise(uscc: "{world.chongqing_code}") {{ licenceNo creditSubject {{ name }} }} }}',
               as_=HEFEI)
    assert body["data"]["enterprise"] == {"licenceNo": "渝市监-0002", "creditSubject": None}
    assert codes(body) == ["NOT_FOUND"]


def test_anonymous_entities_on_subject_are_forbidden_without_emptying_the_answer(world: World,
                                                                              gateway: httpx.Client) -> None:
    body = ask(gateway, "{ watchlist { note subject { name } } }")
    assert [e["subject"] for e in body["data"]["watchlist"]] == [None, None, None, None]
    assert codes(body) == ["FORBIDDEN"] * 4  # refused before the key is even read: nothing is revealed
    assert "INTERNAL_SERVER_ERROR" not in codes(body)


def test_a_root_lookup_that_finds_nothing_leaves_the_rest_of_the_answer(world: World, gateway: httpx.Client) -> None:
    body = ask(gateway, f'{{ subject(id: "{world.unknown}") {{ name }} enterprises(first: 1) {{ nodes {{ uscc }} }} }}',
               as_=HEFEI)
    assert body["data"]["subject"] is None
    assert body["data"]["enterprises"]["nodes"] == [{"uscc": world.hefei_code}]
    assert codes(body) == ["NOT_FOUND"]


def test_page_info_is_shared_with_the_partner_that_declares_it_shareable(world: World,
                                                                         gateway: httpx.Client) -> None:
    body = ask(gateway, "{ enterprises(first: 2) { pageInfo { hasNextPage endCursor } } "
                        "subjects(first: 1) { pageInfo { hasNextPage } } }", as_=HEFEI)
    assert "errors" not in body, body
    assert body["data"]["enterprises"]["pageInfo"] == {"hasNextPage": True, "endCursor": world.chongqing_code}
    assert body["data"]["subjects"]["pageInfo"]["hasNextPage"] in (True, False)


def test_the_public_reaches_a_published_institution_by_its_code_through_a_partner(world: World,
                                                                                 gateway: httpx.Client) -> None:
    body = ask(gateway, f'{{ enterprise(uscc: "{world.hefei_code}") {{ region {{ name }} '
                        "publicProfile { name unifiedSocialCreditCode marketLicence region { fullName } } } }")
    assert "errors" not in body, body
    profile = body["data"]["enterprise"]["publicProfile"]
    assert profile == {"name": "瑶海区康泰大药房", "unifiedSocialCreditCode": world.hefei_code,
                       "marketLicence": "皖市监-0001", "region": {"fullName": "安徽省合肥市瑶海区"}}
    assert body["data"]["enterprise"]["region"] == {"name": "瑶海区"}
