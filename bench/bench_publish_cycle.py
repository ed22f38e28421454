"""Benchmark: publishing a whole cycle (``domain.cycle_publication.publish_cycle``: checks, window, payloads,
one ``publication.published`` event per row, the audit trigger) against a plain ``INSERT … SELECT`` of the same
publication rows (same columns, same payload SQL, nothing else). Issue 13's target: ≥ 0.5× the plain insert's
throughput, i.e. a time ratio ≤ 2.

Run: ``.venv/bin/python -m bench.bench_publish_cycle --subjects 200000`` (``--help``). The database is
``bench.embedded.bench_database`` (DATABASE_URL's server, else an embedded PostgreSQL under /tmp). Each round
runs in a transaction that is rolled back, so every round publishes the same cycle from scratch; the two sides
alternate (interleaved rounds) and the median and spread of each are printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

import asyncpg

from bench.bulk_data import CYCLE_YEAR, REGION, fill_results
from bench.embedded import bench_database
from bench.report import entry, rounds

TARGET = 2.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bench_publish_cycle", description=__doc__)
    p.add_argument("--subjects", type=int, default=200_000, help="subjects loaded (institutions are ~1/4)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds of each side")
    p.add_argument("--keep", action="store_true", help="keep the embedded pgdata (for quicker re-runs)")
    p.add_argument("--pgdata", default=None, help="embedded pgdata folder (default: a new /tmp one)")
    return p


class _Operator:
    """The operator running the benchmark may publish the region (a bench, not a bureau)."""

    def allows(self, sub: str, obj: str, act: str, rel: str) -> bool:
        return True


def _floor_sql() -> str:
    from domain.cycle_publication import _payload_sql

    return f"""INSERT INTO publication (item_type, item_id, subject_id, region_code, publisher_region, category,
                   kind, status, window_months, prepared_by, prepared_at, published_by, published_at, public_until,
                   public_payload, public_key, public_name, shared_payload, grade, cycle_year)
               SELECT 'result', e.id, e.subject_id, e.region_code, '{REGION}', 'result', e.grade, 'published', NULL,
                      'bench', now(), 'bench', now(), now() + interval '12 months', {_payload_sql()}, s.code, s.name,
                      jsonb_build_object('score', e.score::text), e.grade, e.cycle_year
               FROM evaluation_result e JOIN subject s ON s.id = e.subject_id
               WHERE e.cycle_year = {CYCLE_YEAR} AND e.superseded_at IS NULL AND s.kind = 'institution'
                 AND e.grade IS NOT NULL"""


async def _floor(conn: asyncpg.Connection) -> tuple[float, int]:
    tx = conn.transaction()
    await tx.start()
    try:
        started = time.perf_counter()
        status = await conn.execute(_floor_sql())
        return time.perf_counter() - started, int(status.split()[-1])
    finally:
        await tx.rollback()


async def _publish(conn: asyncpg.Connection) -> tuple[float, int]:
    from domain import cycle_publication
    from domain.access import Access, OfficerRole, Principal, PrincipalKind
    from domain.db_scope import DbScope
    from domain.single_connection_db import SingleConnectionDatabase

    principal = Principal(kind=PrincipalKind.OFFICER, id="bench", region_code=REGION, role=OfficerRole.OFFICER)
    access = Access(principal=principal, authorizer=_Operator())
    db = SingleConnectionDatabase(conn)
    tx = conn.transaction()
    await tx.start()
    try:
        started = time.perf_counter()
        async with db.session(DbScope.system(actor="bench")) as s:  # commits the savepoint: events flushed too
            run = await cycle_publication.publish_cycle(session=s, access=access, region_code=REGION,
                                                        cycle_year=CYCLE_YEAR, today=date.today())
        return time.perf_counter() - started, run.published
    finally:
        await tx.rollback()
        await db.close()


async def run(args: argparse.Namespace) -> bool:
    from domain.db import init_connection

    async with bench_database("yibao_bench_bulk", pgdata=args.pgdata, keep=args.keep) as url:
        institutions = await fill_results(url, subjects=args.subjects)
        conn = await asyncpg.connect(url)
        await init_connection(conn)
        publishes: list[float] = []
        floors: list[float] = []
        try:
            for _ in range(max(args.rounds, 1)):
                seconds, n_floor = await _floor(conn)
                floors.append(seconds)
                seconds, n_pub = await _publish(conn)
                publishes.append(seconds)
                if n_pub != n_floor:
                    raise SystemExit(f"publish_cycle published {n_pub:,} rows, the plain insert {n_floor:,}")
        finally:
            await conn.close()
    import statistics

    ratio = statistics.median(publishes) / statistics.median(floors)
    ok = ratio <= TARGET
    print(f"publishing cycle {CYCLE_YEAR} of {REGION}: {institutions:,} institution results")
    print("  " + rounds("publish_cycle (+ events)", publishes))
    print("  " + rounds("plain INSERT … SELECT   ", floors))
    print(f"  ratio: {ratio:.2f}x the plain insert's time ({1 / ratio:.2f}x its throughput); "
          f"target <= {TARGET:.1f}x: {'meets' if ok else 'MISSES'}")
    return ok


main = entry(_parser, run)


if __name__ == "__main__":
    sys.exit(main())
