"""The provincial platform's intake as a real HTTP server (uvicorn on a free loopback port), for the push tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.net import free_port


@dataclass
class Receiver:
    """A tiny Starlette intake: refuses the next ``refuse_next`` requests with 503, then accepts with a ref."""

    received: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    refuse_next: int = 1
    url: str = ""

    async def intake(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.received.append(body)
        self.keys.append(request.headers.get("idempotency-key", ""))
        if self.refuse_next:
            self.refuse_next -= 1
            return JSONResponse({"message": "平台维护中"}, status_code=503)
        return JSONResponse({"ref": f"SXPT-{len(self.received)}"})


@asynccontextmanager
async def platform_receiver(*, refuse_next: int = 1) -> AsyncIterator[Receiver]:
    """Serve a ``Receiver`` at ``receiver.url`` for the duration of the block."""
    port = free_port()
    r = Receiver(refuse_next=refuse_next, url=f"http://127.0.0.1:{port}/intake")
    app = Starlette(routes=[Route("/intake", r.intake, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers a flag, not an event)
        await asyncio.sleep(0.05)
    try:
        yield r
    finally:
        server.should_exit = True
        await task
