"""Arranging delivery tests: a database whose commits are real (jobs only see committed work), and a real HTTP
webhook receiver on a loopback port that answers as a script says."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.postgres import with_database

HANG = "hang"  # a scripted answer: never answer (until the test ends)


@contextlib.asynccontextmanager
async def committed_database(pg_admin_url: str, template: str, *, tag: str) -> AsyncIterator[str]:
    """A database copied from the migrated test database, dropped afterwards; its URL."""
    name = f"yibao_{tag}_{os.getpid()}"
    admin = await asyncpg.connect(pg_admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for attempt in range(50):
            try:
                await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except asyncpg.ObjectInUseError:
                # the template may still have a closing connection of an earlier test
                if attempt == 49:
                    raise
                await asyncio.sleep(0.1)
    finally:
        await admin.close()
    try:
        yield with_database(pg_admin_url, name)
    finally:
        admin = await asyncpg.connect(pg_admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@dataclass
class Call:
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A webhook endpoint: answers each request with the next scripted status (or ``HANG``), then ``default``."""

    port: int
    script: list[int | str] = field(default_factory=list)
    default: int | str = 200
    calls: list[Call] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/yibao"

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        self.calls.append(Call(headers={k.lower(): v for k, v in request.headers.items()}, body=body,
                               at=time.monotonic()))
        action = self.script.pop(0) if self.script else self.default
        if action == HANG:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), timeout=60)
            return Response(status_code=503)
        return Response(status_code=int(action))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hooks/yibao", self._hook, methods=["POST"])])


@contextlib.asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[Receiver]:
    """Serve ``receiver`` with uvicorn on 127.0.0.1 for the duration of the block."""
    server = uvicorn.Server(uvicorn.Config(receiver.app(), host="127.0.0.1", port=receiver.port, log_level="warning",
                                           lifespan="off", access_log=False))
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.should_exit = True
        await task


async def eventually(check: Callable[[], object], *, within: float = 15.0, every: float = 0.05) -> None:
    """Wait until ``check()`` (sync or async) is truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {within} s: {check}")
        await asyncio.sleep(every)
