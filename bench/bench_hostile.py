"""Benchmark: a hostile query is refused before execution in under 10 ms, and cannot stall the server (issue 11).

- The nested ``regions`` query of issue 11 (costed at 7 and answered with 314,078 objects before) is sent
  anonymously, one at a time, to the real app in process (httpx's ASGI transport, no network): target p95
  < 10 ms per refusal. Over loopback HTTP it is timed next to ``{ __typename }``: a refusal costs what an
  empty query costs (on a shared, loaded machine both are dominated by scheduling, not by us).
- While wrk (8 connections) floods a real API process with it over loopback, ``/healthz`` is timed: target p95
  < 100 ms (before: 8.4 s).

Run: ``.venv/bin/python -m bench.bench_hostile`` (an embedded PostgreSQL under /tmp, about 20 s).
DATABASE_URL, ``--keep`` (leave the embedded server's data) and ``--pgdata`` (its folder) as in bench/embedded.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

from bench.embedded import api_process, bench_database
from bench.wrk import Bodies, run_wrk

BASELINE = "{ __typename }"
HOSTILE = "{ regions { children { children { ancestors { children { children { code } } } } } } }"


async def _timed_posts(base: str, query: str, count: int) -> list[float]:
    """Milliseconds per request, each request written in one piece on one keep-alive connection: httpx writes
    headers and body separately, and loopback's delayed ACK then adds ~40 ms that are not the server's."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    body = json.dumps({"query": query}).encode()
    request = (f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    times: list[float] = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            answer = json.loads(await reader.readexactly(length))
            times.append((time.perf_counter() - started) * 1000)
            assert query == BASELINE or answer["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", answer
    finally:
        writer.close()
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


async def run(args: argparse.Namespace) -> bool:
    from api.app import create_app
    from api.protection import ProtectionSettings
    from domain.db import Database

    async with bench_database("yibao_bench", pgdata=args.pgdata, keep=args.keep) as url:
        db = await Database.connect(url, max_size=4)
        app = create_app(database=db, protection=ProtectionSettings(
            anonymous_limit="1000000/minute", cache_ttl_seconds=0))
        try:
            refusals: list[float] = []
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as asgi:
                for _ in range(args.requests):
                    started = time.perf_counter()
                    body = (await asgi.post("/graphql", json={"query": HOSTILE})).json()
                    refusals.append((time.perf_counter() - started) * 1000)
                    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", body
        finally:
            await db.close()
        with api_process(url, YIBAO_RATE_LIMIT_ANONYMOUS="1000000/minute", YIBAO_PUBLIC_CACHE_TTL="0") as base:
            baseline = await _timed_posts(base, BASELINE, args.requests)
            over_http = await _timed_posts(base, HOSTILE, args.requests)
            health: list[float] = []

            async def probe() -> None:
                async with httpx.AsyncClient(timeout=30) as http:
                    deadline = time.monotonic() + args.duration
                    while time.monotonic() < deadline:
                        started = time.perf_counter()
                        assert (await http.get(base + "/healthz")).status_code == 200
                        health.append((time.perf_counter() - started) * 1000)
                        await asyncio.sleep(0.05)

            bodies = Bodies([{"query": HOSTILE}])
            try:
                result, _ = await asyncio.gather(
                    asyncio.to_thread(run_wrk, base + "/graphql", bodies, threads=1, connections=8,
                                      duration_s=args.duration), probe())
            finally:
                bodies.close()
    refused_ok = _p95(refusals) < 10
    health_ok = _p95(health) < 100
    print(f"hostile query refused in process: p50 {statistics.median(refusals):.2f} ms, p95 {_p95(refusals):.2f} ms "
          f"(target p95 < 10 ms) {'OK' if refused_ok else 'MISSED'}")
    print(f"over loopback HTTP: refused p50 {statistics.median(over_http):.2f} ms; "
          f"{{ __typename }} p50 {statistics.median(baseline):.2f} ms")
    print(f"/healthz under a flood of {result.requests} hostile queries ({result.rps:.0f}/s): "
          f"p50 {statistics.median(health):.2f} ms, p95 {_p95(health):.2f} ms (target p95 < 100 ms) "
          f"{'OK' if health_ok else 'MISSED'}")
    return refused_ok and health_ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.bench_hostile", description=__doc__)
    p.add_argument("--requests", type=int, default=300, help="sequential refusals timed")
    p.add_argument("--duration", type=float, default=5.0, help="seconds of flood while /healthz is timed")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--pgdata", type=Path, default=None)
    return 0 if asyncio.run(run(p.parse_args(argv))) else 1


if __name__ == "__main__":
    sys.exit(main())
