"""Shared benchmark tools: serve an app on loopback, drive bounded load at it, and compare against a floor.

Benchmarks report a ratio (the app's throughput against a bare Starlette + asyncpg endpoint serving the
same JSON from the same SQL, measured in the same run) because absolute numbers on shared machines are noise.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

LOOPBACK = "127.0.0.1"
MAX_DURATION_S = 600.0  # whatever a caller asks, a load run ends within ten minutes
MAX_REQUESTS = 1_000_000
DEFAULT_DURATION_S = 10.0
REQUEST_TIMEOUT_S = 30.0


@contextlib.asynccontextmanager
async def serve(app: Any, *, port: int = 0) -> AsyncIterator[str]:
    """Run ``app`` with uvicorn in this event loop on 127.0.0.1 (a free port by default); yield its base URL."""
    # Binding the socket ourselves gives the real port before the server starts, and never leaves loopback.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, host=LOOPBACK, port=bound, log_level="warning", access_log=False,
                            lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # startup failed: raise its error here
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://{LOOPBACK}:{bound}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one load run achieved."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    errors: int
    first_error: str | None = None  # the first failure seen, to say what went wrong

    def __str__(self) -> str:
        return (f"{self.requests} requests in {self.seconds:.1f}s: {self.rps:.1f} req/s, "
                f"p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, {self.errors} errors")


def _failed(response: httpx.Response) -> bool:
    # GraphQL reports errors with status 200, so an "errors" member counts as a failure too.
    return response.status_code >= 400 or b'"errors":' in response.content


async def load(url: str, *, payload_factory: Callable[[int], Any], concurrency: int,
               duration_s: float | None = None, requests: int | None = None,
               headers: Mapping[str, str] | None = None) -> LoadResult:
    """POST ``payload_factory(i)`` as JSON to ``url`` from ``concurrency`` workers until a count or time runs out.

    Both bounds always apply: without ``duration_s`` the run still stops after ten minutes, without
    ``requests`` after a million; with neither it runs for ten seconds.
    """
    if not url.startswith((f"http://{LOOPBACK}:", "http://localhost:")):
        raise ValueError(f"load only targets loopback servers, not {url}")
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if duration_s is None and requests is None:
        duration_s = DEFAULT_DURATION_S
    limit_s = min(duration_s if duration_s is not None else MAX_DURATION_S, MAX_DURATION_S)
    limit_n = min(requests if requests is not None else MAX_REQUESTS, MAX_REQUESTS)
    latencies: list[float] = []
    errors = 0
    issued = 0
    first_error: str | None = None
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S, headers=dict(headers or {})) as client:
        started = time.perf_counter()
        deadline = started + limit_s

        async def worker() -> None:
            nonlocal issued, errors, first_error
            while issued < limit_n and time.perf_counter() < deadline:
                n = issued
                issued += 1
                sent = time.perf_counter()
                problem: str | None = None
                try:
                    response = await client.post(url, json=payload_factory(n))
                    if _failed(response):
                        problem = f"HTTP {response.status_code}: {response.text[:300]}"
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                latencies.append(time.perf_counter() - sent)
                if problem is not None:
                    errors += 1
                    first_error = first_error or problem

        # The outer timeout is the backstop: a request stuck past its own timeout still cannot hang the run.
        async with asyncio.timeout(limit_s + REQUEST_TIMEOUT_S + 5):
            await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return _result(latencies, seconds, errors, first_error)


def _result(latencies: list[float], seconds: float, errors: int, first_error: str | None) -> LoadResult:
    if not latencies:
        return LoadResult(requests=0, seconds=seconds, rps=0.0, p50_ms=0.0, p95_ms=0.0, errors=errors,
                          first_error=first_error)
    ms = sorted(x * 1000 for x in latencies)
    p95 = statistics.quantiles(ms, n=20)[-1] if len(ms) > 1 else ms[0]
    return LoadResult(requests=len(ms), seconds=seconds, rps=len(ms) / seconds if seconds else 0.0,
                      p50_ms=statistics.median(ms), p95_ms=p95, errors=errors, first_error=first_error)


ArgsFactory = Callable[[Any, list[list[asyncpg.Record]]], Sequence[Any]]


def floor_app(pool: asyncpg.Pool, *, sql: str | Sequence[str], args_factory: ArgsFactory,
              to_json: Callable[[list[list[asyncpg.Record]]], Any],
              setup: tuple[str, Sequence[Any]] | None = None) -> Starlette:
    """A bare Starlette + asyncpg endpoint: the fastest way to serve the same JSON from the same SQL.

    Each POST (to any path) runs ``setup`` (say, applying the same row-level scope) and then each statement
    of ``sql`` in one transaction; ``args_factory(body, results_so_far)`` gives each statement's arguments,
    so a second statement can use the first one's ids; ``to_json(results)`` shapes the response.
    """
    statements = [sql] if isinstance(sql, str) else list(sql)

    async def endpoint(request: Request) -> Response:
        body = await request.json()
        results: list[list[asyncpg.Record]] = []
        async with pool.acquire() as conn, conn.transaction():
            if setup is not None:
                await conn.execute(setup[0], *setup[1])
            for statement in statements:
                results.append(await conn.fetch(statement, *args_factory(body, results)))
        return JSONResponse(to_json(results))

    routes = [Route("/{path:path}", endpoint, methods=["POST"])]
    return Starlette(routes=routes)


def print_ratio(name: str, measured: LoadResult, floor: LoadResult, target: float) -> bool:
    """Print the app's and the floor's numbers and their throughput ratio; return whether it meets ``target``.

    The ratio is floor req/s over measured req/s: how many times slower than the bare floor the app is.
    """
    ratio = floor.rps / measured.rps if measured.rps else float("inf")
    latency = measured.p50_ms / floor.p50_ms if floor.p50_ms else float("inf")
    # A run with failures measured something else (fast errors), so it never meets the target.
    ok = ratio <= target and not measured.errors and not floor.errors
    verdict = "meets" if ok else "MISSES"
    print(f"{name}")
    print(f"  measured: {measured}")
    print(f"  floor:    {floor}")
    print(f"  ratio:    {ratio:.2f}x the floor's cost (p50 latency {latency:.2f}x); target <= {target:.2f}x: "
          f"{verdict}")
    if measured.errors or floor.errors:
        print(f"  WARNING: errors during the run (measured {measured.errors}, floor {floor.errors}): "
              f"{measured.first_error or floor.first_error}")
    return ok


async def warm(call: Callable[[], Awaitable[Any]], *, times: int = 20) -> None:
    """Run ``call`` a few times so caches, prepared statements and pools are warm before measuring."""
    for _ in range(times):
        await call()
