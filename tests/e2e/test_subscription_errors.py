"""Errors over WebSocket (graphql-transport-ws) have the same codes and messages as over HTTP.

The real app is served by uvicorn on a loopback port and spoken to with a real WebSocket client. None of these
operations reaches the database (they fail in validation or authorization), so the test's own transaction
stands in as the app's database.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets

from api.settings import Settings
from tests.support.factories import auth, officer
from tests.support.net import free_port


@pytest.fixture
async def ws_url(db, settings: Settings) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    import uvicorn

    from api.app import create_app

    app = create_app(settings=settings, database=db)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.05)
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)


async def _first_errors(url: str, query: str, *, variables: dict[str, Any] | None = None,
                        init: dict[str, str] | None = None, language: str | None = None) -> list[dict[str, Any]]:
    headers = {"Accept-Language": language} if language else None
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                                  additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": init or {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), timeout=5))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": query, "variables": variables or {}}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    return list(errors)


async def test_an_unknown_field_in_a_subscription_has_the_http_code_and_a_chinese_message(ws_url: str) -> None:
    errors = await _first_errors(ws_url, "subscription { nope }")
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert errors[0]["message"] == "类型 'FeedSubscription' 上没有字段 'nope'。"


async def test_a_subscription_error_is_in_english_when_the_handshake_asks_for_it(ws_url: str) -> None:
    errors = await _first_errors(ws_url, "subscription { nope }", language="en")
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert errors[0]["message"] == "Cannot query field 'nope' on type 'FeedSubscription'."


async def test_a_bad_variable_of_a_subscription_is_bad_user_input(ws_url: str) -> None:
    errors = await _first_errors(ws_url, "subscription($t: [EventType!]) { events(types: $t) { type } }",
                                 variables={"t": ["NOPE"]})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"].startswith("变量 '$t[0]' 的取值无效：枚举 'EventType' 中没有取值 'NOPE'。")


async def test_a_refused_subscription_is_forbidden_in_chinese_and_in_english_when_asked(
        ws_url: str, settings: Settings) -> None:
    query = 'subscription { events(regionCode: "500237") { type } }'
    zh = await _first_errors(ws_url, query, init=auth(settings, officer("340104")))
    en = await _first_errors(ws_url, query, init=auth(settings, officer("340104")), language="en")
    assert zh[0]["extensions"]["code"] == en[0]["extensions"]["code"] == "FORBIDDEN"
    assert zh[0]["message"].startswith("您的身份（县级经办人员）无权查看事件流")
    assert en[0]["message"].startswith("As a county officer you may not read event")
