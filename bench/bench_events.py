"""Benchmark: the event spine's costs, each against its floor in the same run.

(a) ``outbox``: entering records through the archive service (``enter_record``) with the transactional outbox
    (the pending insert, and the post-commit sequencer call that gives the events their positions, migration
    0022), against the same writes with the events dropped before commit (so no sequencer call either), by the same
    number of concurrent writers on pools of the same size; target: the outbox costs ≤ 10 % throughput.
(b) ``webhook``: commit → webhook received by a local endpoint (the webhooks consumer drains after the commit as
    the API does, the pgqueuer worker sends); target p99 ≤ 1 s.
(c) ``replay``: reading 1 M events from a cursor through ``GET /feed.ndjson`` (the bulk export, served by a real
    ``yibao serve`` process on loopback, as a bureau officer, row-level security on, read by an HTTP client that
    counts bytes and lines) against a plain ``COPY`` of the same rows; target ≥ 0.5× COPY. The in-process paged
    measure (``domain.feed.changes`` page by page, rows decoded into Python) is printed as a second line.

Rounds interleave the two sides, and the median and spread (min–max) over rounds are printed.
Run: ``.venv/bin/python -m bench.bench_events`` (``--only outbox|webhook|replay``, ``--help``). It uses
DATABASE_URL when set (it adds events and records there), otherwise an embedded PostgreSQL under /tmp that it
deletes afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.embedded import bench_database
from bench.report import spread

OUTBOX_TARGET = 0.10
WEBHOOK_P99_TARGET_S = 1.0
REPLAY_TARGET = 0.5
REGION = "340102"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bench_events", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=["outbox", "webhook", "replay"], action="append")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--writes", type=int, default=400, help="records entered per round and side")
    p.add_argument("--writers", type=int, default=8, help="concurrent writers")
    p.add_argument("--deliveries", type=int, default=200, help="events committed per webhook round")
    p.add_argument("--rate", type=float, default=50.0, help="webhook events committed per second")
    p.add_argument("--events", type=int, default=1_000_000, help="events in the outbox for the replay")
    p.add_argument("--page", type=int, default=1000, help="events per page of the in-process paged replay")
    p.add_argument("--skip-paged", action="store_true", help="leave out the in-process paged replay (slow)")
    p.add_argument("--port", type=int, default=8171, help="loopback port of the served API for the replay")
    p.add_argument("--pgdata", default=None, help="embedded pgdata folder (default: a new /tmp one)")
    return p


def _database(args: argparse.Namespace) -> contextlib.AbstractAsyncContextManager[str]:
    return bench_database("yibao_bench_events", pgdata=Path(args.pgdata) if args.pgdata else None)


# (a) outbox ---------------------------------------------------------------------------------------------------


async def _subjects(url: str, n: int) -> list[uuid.UUID]:
    import random

    import asyncpg

    from domain.synthetic import make_uscc

    rng = random.Random(time.time_ns())
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            """INSERT INTO subject (kind, subject_class, code, name, region_code, created_by)
               SELECT 'institution', 'retail_pharmacy', c, '基准药房' || i, $2, 'bench'
               FROM unnest($1::text[]) WITH ORDINALITY AS t(c, i) ON CONFLICT DO NOTHING RETURNING id""",
            [make_uscc(rng, REGION, kind="91") for _ in range(n)], REGION)
        return [r["id"] for r in rows]
    finally:
        await conn.close()


async def _write_round(db: Any, subjects: list[uuid.UUID], *, writes: int, writers: int) -> float:
    """Records entered per second by ``writers`` concurrent officers, ``writes`` in all."""
    from authz import default_authorizer
    from domain import archive
    from domain.access import Access, OfficerRole, Principal, PrincipalKind
    from domain.consumers import CONSUMERS, waits_for_positions
    from domain.rules.catalog import RecordKind
    from domain.rules.records import RecordContent

    access = Access(principal=Principal(kind=PrincipalKind.OFFICER, id="bench-officer", region_code=REGION,
                                        role=OfficerRole.OFFICER, name="基准", department="基准医疗保障局"),
                    authorizer=default_authorizer())
    content = RecordContent(title="约谈：基准测试", facts="基准测试写入", legal_basis="医疗保障基金使用监督管理条例",
                            occurred_on=date(2026, 10, 1), decided_on=date(2026, 10, 2))
    counter = iter(range(writes))

    async def writer() -> None:
        for i in counter:
            async with db.session(access.db_scope()) as s:
                await archive.enter_record(session=s, access=access, subject_id=subjects[i % len(subjects)],
                                           kind=RecordKind.INTERVIEW, content=content, today=date(2026, 11, 30))
                # As the API's request commits (schema/context.py): positions only for synchronous consumers.
                s.wait_for_positions = waits_for_positions(CONSUMERS, s.event_types)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    return writes / (time.perf_counter() - started)


async def bench_outbox(url: str, args: argparse.Namespace) -> bool:
    from domain.db import Database
    from domain.session import Session

    class WithoutOutbox(Database):
        """The same writes, with the events dropped before commit (what the code did before the spine)."""

        async def end(self, session: Session, *, commit: bool) -> None:
            session.pending.clear()
            session.pending_sql.clear()
            await super().end(session, commit=commit)

    subjects = await _subjects(url, 200)
    with_db = await Database.connect(url, min_size=args.writers, max_size=args.writers)
    without_db = await WithoutOutbox.connect(url, min_size=args.writers, max_size=args.writers)
    try:
        await _write_round(with_db, subjects, writes=50, writers=args.writers)  # warm both
        await _write_round(without_db, subjects, writes=50, writers=args.writers)
        with_rates: list[float] = []
        without_rates: list[float] = []
        for _ in range(args.rounds):
            without_rates.append(await _write_round(without_db, subjects, writes=args.writes, writers=args.writers))
            with_rates.append(await _write_round(with_db, subjects, writes=args.writes, writers=args.writers))
    finally:
        await with_db.close()
        await without_db.close()
    calls, sequenced = with_db.sequencer.calls, with_db.sequencer.sequenced
    costs = [1 - w / wo for w, wo in zip(with_rates, without_rates, strict=True)]
    cost = statistics.median(costs)
    ok = cost <= OUTBOX_TARGET
    print(f"outbox  with:    {spread(with_rates, ' rec/s')}")
    print(f"outbox  without: {spread(without_rates, ' rec/s')}")
    writes = (args.rounds * args.writes + 50)
    print(f"outbox  sequencer: {calls} calls for {writes} writes ({writes / max(calls, 1):.1f} a call; "
          f"{sequenced} of them waited for their positions)")
    print(f"outbox  cost per round: {spread(costs, '', scale=100.0)} %  target ≤ {OUTBOX_TARGET:.0%}: "
          f"{'OK' if ok else 'MISSED'}")
    return ok


# (b) commit → webhook -----------------------------------------------------------------------------------------


async def bench_webhook(url: str, args: argparse.Namespace) -> bool:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from api.listener import EventListener
    from api.worker import Worker
    from authz import default_authorizer
    from bench.embedded import serve_app as serve
    from domain import webhooks
    from domain.access import Access, OfficerRole, Principal, PrincipalKind
    from domain.consumers import CONSUMERS, waits_for_positions
    from domain.consumers import webhooks as webhook_consumer
    from domain.db import Database
    from domain.db_scope import DbScope
    from domain.events import DomainEvent, EventType
    from domain.webhook_delivery import DeliverySettings

    committed: dict[int, float] = {}
    received: dict[int, float] = {}

    async def hook(request: Request) -> Response:
        import json

        doc = json.loads(await request.body())
        received.setdefault(doc["payload"]["n"], time.perf_counter())
        return Response(status_code=204)

    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    db = await Database.connect(url, min_size=2, max_size=10)
    worker = Worker(db=db, settings=DeliverySettings(timeout_seconds=5.0), schedules=False,
                    dequeue_timeout=timedelta(seconds=5))
    access = Access(principal=Principal(kind=PrincipalKind.OFFICER, id="bench-officer", region_code=REGION,
                                        role=OfficerRole.OFFICER), authorizer=default_authorizer())
    listener = EventListener(db=db, on_public_change=lambda: None, consumers=[webhook_consumer.CONSUMER])
    p99s: list[float] = []
    p50s: list[float] = []
    try:
        async with serve(receiver) as base:
            async with db.session(access.db_scope()) as s:
                sub, _ = await webhooks.create_subscription(session=s, access=access, region_code=REGION,
                                                            url=f"{base}/hook")
            await worker.start()

            # As in an API process: the request commits and answers; the process's listener hears the
            # sequencer's NOTIFY and drains the webhooks consumer, which queues the deliveries.
            await listener.start()
            numbers = itertools.count(1)

            async def commit_one() -> None:
                n = next(numbers)
                async with db.session(DbScope.system(actor="bench")) as s:
                    s.emit(DomainEvent(type=EventType.WARNING_RAISED, region_code=REGION, actor="bench",
                                       payload={"n": n}))
                    s.wait_for_positions = waits_for_positions(CONSUMERS, s.event_types)
                committed[n] = time.perf_counter()

            for _ in range(args.rounds):
                committed.clear()
                received.clear()
                tasks = []
                for _ in range(args.deliveries):
                    tasks.append(asyncio.create_task(commit_one()))
                    await asyncio.sleep(1.0 / args.rate)
                await asyncio.gather(*tasks)
                deadline = time.perf_counter() + 30
                # a bounded wait; the receiver counts rather than signals
                while len(received.keys() & committed.keys()) < len(committed) and time.perf_counter() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                lat = sorted(received[p] - committed[p] for p in committed if p in received)
                lost = len(committed) - len(lat)
                if lost:
                    print(f"webhook: {lost} events not received within 30 s")
                p50s.append(lat[len(lat) // 2])
                p99s.append(lat[min(len(lat) - 1, int(len(lat) * 0.99))])
            async with db.session(DbScope.system()) as s:
                await s.execute("UPDATE webhook_subscription SET active = false WHERE id = $1", sub.id)
    finally:
        await listener.stop()
        await worker.stop()
        await db.close()
    ok = statistics.median(p99s) <= WEBHOOK_P99_TARGET_S
    print(f"webhook commit→received p50: {spread(p50s, ' ms', scale=1000.0)}")
    print(f"webhook commit→received p99: {spread(p99s, ' ms', scale=1000.0)}  target ≤ "
          f"{WEBHOOK_P99_TARGET_S * 1000:.0f} ms: {'OK' if ok else 'MISSED'}")
    return ok


# (c) replay vs COPY --------------------------------------------------------------------------------------------


async def _fill_events(url: str, n: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        have = int(await conn.fetchval("SELECT count(*) FROM domain_event"))
        if have >= n:
            print(f"replay: reusing {have:,} events")
            return
        started = time.perf_counter()
        # Through the pending outbox and the sequencer, as the services write them (migration 0022), so the
        # rows carry what the sequencer stores for the export.
        for start in range(have, n, 200_000):
            count = min(200_000, n - start)
            await conn.execute(
                """INSERT INTO domain_event_pending (type, region_code, subject_id, item_id, actor, audiences,
                                                     payload)
                   SELECT 'record.entered', (ARRAY['340102','340103','340104','340111'])[1 + i % 4],
                          gen_random_uuid(), gen_random_uuid(), 'bench',
                          ARRAY['bureau','subject'], jsonb_build_object('recordId', gen_random_uuid(),
                          'kind', 'interview', 'version', 1, 'n', i)
                   FROM generate_series(1, $1) AS i""", count)
            await conn.execute("SELECT yibao_sequence_events()")
        await conn.execute("ANALYZE domain_event")
        print(f"replay: wrote {n - have:,} events in {time.perf_counter() - started:.1f}s")
    finally:
        await conn.close()


async def _replay(db: Any, *, page: int) -> tuple[float, int]:
    from domain import feed
    from domain.db_scope import DbScope
    from domain.events import Audience

    scope = feed.FeedScope(audience=Audience.BUREAU, region_prefix="3401")
    db_scope = DbScope(read_prefix="3401", actor="bench")
    after, n = 0, 0
    started = time.perf_counter()
    while True:
        async with db.session(db_scope) as s:
            result = await feed.changes(session=s, scope=scope, after=after, types=None, first=page)
        n += len(result.events)
        after = result.end_position
        if not result.has_next:
            return time.perf_counter() - started, n


async def _replay_in_server(url: str, *, page: int) -> float:
    """The same pages, same SQL and same row-level scope, with only each page's last position and count sent back:
    the database's share of a replay, without the client decoding rows."""
    import asyncpg

    from domain import feed
    from domain.db_scope import APPLY_SCOPE
    from domain.events import EVENT_COLUMNS, Audience

    clause, extra = feed.FeedScope(audience=Audience.BUREAU, region_prefix="3401").where(3)
    sql = f"""SELECT max(position), count(*) FROM (SELECT {EVENT_COLUMNS} FROM domain_event
              WHERE position > $1 AND {clause} ORDER BY position LIMIT $2) p"""
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        after = 0
        while True:
            async with conn.transaction():
                await conn.execute(APPLY_SCOPE, "yibao_app", "3401", "", "", "bench")
                last, n = await conn.fetchrow(sql, after, page, *extra)
            if not n:
                return time.perf_counter() - started
            after = last
    finally:
        await conn.close()


async def _copy(url: str) -> tuple[float, int]:
    import asyncpg

    from domain.events import EVENT_COLUMNS

    conn = await asyncpg.connect(url)
    size = 0

    async def sink(chunk: bytes) -> None:
        nonlocal size
        size += len(chunk)

    try:
        started = time.perf_counter()
        status = await conn.copy_from_query(f"SELECT {EVENT_COLUMNS} FROM domain_event ORDER BY position",
                                            output=sink)
        return time.perf_counter() - started, int(status.split()[-1])
    finally:
        await conn.close()


_SECRET = "bench-events-secret-0123456789abcdef0123"
_ISSUER = "yibao-bench"


async def _export_over_http(base: str, token: str, *, limit: int) -> tuple[float, int, int]:
    """``GET /feed.ndjson`` from cursor 0 as a client that only counts: (seconds, lines, bytes)."""
    import httpx

    lines = size = 0
    async with httpx.AsyncClient(timeout=None) as http:
        started = time.perf_counter()
        async with http.stream("GET", f"{base}/feed.ndjson", params={"limit": str(limit)},
                               headers={"Authorization": f"Bearer {token}"}) as r:
            if r.status_code != 200:
                raise RuntimeError(f"/feed.ndjson answered {r.status_code}: {(await r.aread()).decode()}")
            async for chunk in r.aiter_raw():
                size += len(chunk)
                lines += chunk.count(b"\n")
        return time.perf_counter() - started, lines, size


async def bench_replay(url: str, args: argparse.Namespace) -> bool:
    from api.identity import mint_token
    from bench import servers
    from domain.access import OfficerRole, PrincipalKind
    from domain.db import Database

    await _fill_events(url, args.events)
    token = mint_token(secret=_SECRET, issuer=_ISSUER, kind=PrincipalKind.OFFICER, id="340100-bench",
                       region_code="340100", role=OfficerRole.OFFICER, name="基准", department="合肥市医疗保障局",
                       ttl_seconds=3600)
    logs = Path(tempfile.mkdtemp(prefix="yibao-bench-events-logs-"))
    server = servers.project("project", database_url=url, port=args.port, logs=logs, extra_env={
        "YIBAO_JWT_SECRET": _SECRET, "YIBAO_JWT_ISSUER": _ISSUER, "YIBAO_CHECK_OFFICERS": "0",
        "YIBAO_RATE_LIMIT_AUTHENTICATED": "100000/minute", "YIBAO_FEED_EXPORT_MAX_EVENTS": str(10 * args.events)})
    base = f"http://{servers.LOOPBACK}:{args.port}"
    db = await Database.connect(url, min_size=1, max_size=2)
    export_s: list[float] = []
    replay_s: list[float] = []
    server_s: list[float] = []
    copy_s: list[float] = []
    try:
        with servers.running([server]):
            await asyncio.to_thread(server.wait_ready, f"{base}/healthz")
            await _export_over_http(base, token, limit=1000)  # warm the process and its pool
            for _ in range(args.rounds):
                t, n_copy = await _copy(url)
                copy_s.append(t)
                t, n_export, size = await _export_over_http(base, token, limit=10 * args.events)
                export_s.append(t)
                if not args.skip_paged:
                    t, _ = await _replay(db, page=args.page)
                    replay_s.append(t)
                    server_s.append(await _replay_in_server(url, page=args.page))
                if n_copy != n_export:
                    print(f"replay: exported {n_export:,} events, COPY {n_copy:,} (other regions' events are out "
                          "of scope)")
            print(f"replay: {n_export:,} lines, {size / 1e6:.0f} MB of NDJSON per export (logs in {logs})")
    finally:
        await db.close()
    ratios = [c / e for c, e in zip(copy_s, export_s, strict=True)]
    ok = statistics.median(ratios) >= REPLAY_TARGET
    print(f"replay  GET /feed.ndjson over HTTP: {spread(export_s, ' s')}")
    print(f"replay  COPY:                       {spread(copy_s, ' s')}")
    print(f"replay  feed.ndjson vs COPY: {spread(ratios, '×')}  target ≥ {REPLAY_TARGET}×: "
          f"{'OK' if ok else 'MISSED'}")
    if replay_s:
        paged = [c / r for c, r in zip(copy_s, replay_s, strict=True)]
        in_server = [c / r for c, r in zip(copy_s, server_s, strict=True)]
        print(f"replay  changes() pages of {args.page}, in process: {spread(replay_s, ' s')}")
        print(f"replay  same pages, in the server only:  {spread(server_s, ' s')}")
        print(f"replay  changes() pages vs COPY: {spread(paged, '×')}  (server-side share {spread(in_server, '×')})")
    return ok


async def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    chosen = args.only or ["outbox", "webhook", "replay"]
    results = []
    async with _database(args) as url:
        if "outbox" in chosen:
            results.append(await bench_outbox(url, args))
        if "webhook" in chosen:
            results.append(await bench_webhook(url, args))
        if "replay" in chosen:
            results.append(await bench_replay(url, args))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
