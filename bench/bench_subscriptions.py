"""Commit → live subscriber latency with many subscribers (issue 7: p99 ≤ 50 ms with 100 subscribers).

A real API process (uvicorn, ``api.serving:worker_app``) serves ``subscription { events }`` over
graphql-transport-ws; this script opens ``--subscribers`` WebSocket subscriptions to it as a bureau officer,
then commits events from its own connection (``Session.emit``, as the services do) and measures, for every
subscriber and event, the time from the commit returning to the event arriving. Beside it, in the same
interleaved rounds, the floor: a bare asyncpg LISTEN on the same channel, which is what PostgreSQL itself
delivers (NOTIFY at commit). Prints p50 and p99 per round, and their median and spread over rounds.

Run: ``.venv/bin/python -m bench.bench_subscriptions`` (``--subscribers``, ``--events``, ``--rounds``). It starts
its own embedded PostgreSQL under /tmp (or uses DATABASE_URL) and removes it afterwards; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from bench.embedded import api_process, bench_database
from bench.report import spread

REGION = "340102"
SECRET = "bench-secret-0123456789abcdef0123456789"
ISSUER = "yibao-bench"
TARGET_P99_MS = 50.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--subscribers", type=int, default=100)
    p.add_argument("--events", type=int, default=50, help="events committed per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--gap-ms", type=float, default=20.0, help="pause between committed events")
    return p


def _token() -> str:
    from api.identity import mint_token
    from domain.access import OfficerRole, PrincipalKind

    return mint_token(secret=SECRET, issuer=ISSUER, kind=PrincipalKind.OFFICER, id=f"{REGION}-officer",
                      region_code=REGION, role=OfficerRole.OFFICER)


async def _subscribe(url: str, token: str, arrivals: dict[int, list[float]], ready: asyncio.Event,
                     count: list[int], total: int) -> None:
    import websockets

    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], max_queue=None) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription { events(types: [RULESET_ACTIVATED]) { position payload } }"}}))
        count[0] += 1
        if count[0] == total:
            ready.set()
        async for message in ws:
            data = json.loads(message)
            if data.get("type") == "next":
                seq = int(data["payload"]["data"]["events"]["payload"]["seq"])
                arrivals.setdefault(seq, []).append(time.perf_counter())


async def _floor(url: str, arrivals: dict[int, list[float]]) -> asyncpg.Connection:  # type: ignore[name-defined]  # noqa: F821
    import asyncpg

    conn = await asyncpg.connect(url)

    def heard(c: object, pid: int, channel: str, payload: str) -> None:
        arrivals.setdefault(-1, []).append(time.perf_counter())

    await conn.add_listener("yibao_events", heard)
    return conn


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    from domain.db import Database
    from domain.db_scope import DbScope
    from domain.events import DomainEvent, EventType

    async with bench_database("yibao_bench_subscriptions") as url:
        with api_process(url, YIBAO_JWT_SECRET=SECRET, YIBAO_JWT_ISSUER=ISSUER, YIBAO_CHECK_OFFICERS="0") as base:
            ws_url = base.replace("http://", "ws://") + "/graphql"
            arrivals: dict[int, list[float]] = {}
            ready, count = asyncio.Event(), [0]
            token = _token()
            tasks = [asyncio.create_task(_subscribe(ws_url, token, arrivals, ready, count, args.subscribers))
                     for _ in range(args.subscribers)]
            await asyncio.wait_for(ready.wait(), timeout=60)
            await asyncio.sleep(1.0)  # every subscription registered in the server's hub
            floor_arrivals: dict[int, list[float]] = {}
            floor_conn = await _floor(url, floor_arrivals)
            db = await Database.connect(url, min_size=1, max_size=2)
            p50s, p99s, floor_p50s, floor_p99s, lost = [], [], [], [], 0
            seq = 0
            try:
                for r in range(args.rounds):
                    committed: dict[int, float] = {}
                    floor_lat: list[float] = []
                    for _ in range(args.events):
                        seq += 1
                        floor_arrivals.clear()
                        async with db.session(DbScope.system(actor="bench")) as s:
                            s.emit(DomainEvent(type=EventType.RULESET_ACTIVATED, region_code=REGION, actor="bench",
                                               payload={"seq": seq}))
                        committed[seq] = time.perf_counter()
                        await asyncio.sleep(args.gap_ms / 1000)
                        if floor_arrivals.get(-1):
                            floor_lat.append((floor_arrivals[-1][0] - committed[seq]) * 1000)
                    await asyncio.sleep(0.5)
                    lat = []
                    for k, at in committed.items():
                        got = arrivals.get(k, [])
                        lost += args.subscribers - len(got)
                        lat += [(t - at) * 1000 for t in got]
                    p50s.append(_percentile(lat, 0.5))
                    p99s.append(_percentile(lat, 0.99))
                    floor_p50s.append(_percentile(floor_lat, 0.5) if floor_lat else float("nan"))
                    floor_p99s.append(_percentile(floor_lat, 0.99) if floor_lat else float("nan"))
                    print(f"round {r + 1}: subscribers p50 {p50s[-1]:.1f} ms p99 {p99s[-1]:.1f} ms | "
                          f"LISTEN floor p50 {floor_p50s[-1]:.1f} ms p99 {floor_p99s[-1]:.1f} ms", flush=True)
            finally:
                await db.close()
                await floor_conn.close()
                for t in tasks:
                    t.cancel()

            def ms(values: list[float]) -> str:
                return spread(values, " ms", digits=1)

            verdict = "met" if statistics.median(p99s) <= TARGET_P99_MS else "MISSED"
            print(f"{args.subscribers} subscribers, {args.events} events x {args.rounds} rounds; events lost: {lost}")
            print(f"commit -> subscriber p50: {ms(p50s)}")
            print(f"commit -> subscriber p99: {ms(p99s)}  target <= {TARGET_P99_MS:.0f} ms: {verdict}")
            print(f"commit -> bare LISTEN p50: {ms(floor_p50s)}; p99: {ms(floor_p99s)}")


if __name__ == "__main__":
    asyncio.run(main(_parser().parse_args()))
