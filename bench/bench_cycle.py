"""Benchmark: a province's evaluation cycle, set-based in SQL, against one plain aggregate over the same records.

Run: ``.venv/bin/python -m bench.bench_cycle`` (flags: ``--help``). It uses DATABASE_URL when set, otherwise an
embedded PostgreSQL under /tmp that it fills with ``write_province_scale`` and deletes afterwards. The cycle
runs under the shipped Anhui rule set in a transaction that is rolled back, so re-runs measure the same work.
Both sides are timed in the same run; the ratio is cycle time over aggregate time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date

import asyncpg

from bench.data import database as _database
from bench.data import fill as _fill
from bench.report import entry, spread

FLOOR_SQL = """SELECT v.subject_id, r.kind, sum(v.amount), count(*)
    FROM credit_record r JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
    WHERE v.region_code LIKE $1 AND v.occurred_on BETWEEN $2 AND $3 GROUP BY 1, 2"""
RULESET = "ah-institutions"
DEFAULT_TARGET = 1.3  # issue 12
DEFAULT_LIMIT_S = 60.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bench_cycle", description=__doc__)
    p.add_argument("--subjects", type=int, default=1_000_000)
    p.add_argument("--records", type=int, default=5_000_000)
    p.add_argument("--province", default="340000")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (median and spread over them)")
    p.add_argument("--target", type=float, default=DEFAULT_TARGET, help="allowed cycle/aggregate time ratio")
    p.add_argument("--limit", type=float, default=DEFAULT_LIMIT_S, help="allowed cycle seconds")
    p.add_argument("--keep", action="store_true", help="keep the embedded pgdata (for quicker re-runs)")
    p.add_argument("--pgdata", default=None, help="embedded pgdata folder (default: a new /tmp one)")
    return p


class _Operator:
    """The operator running the benchmark may run the province's cycle (a bench, not a bureau)."""

    def allows(self, sub: str, obj: str, act: str, rel: str) -> bool:
        return True


async def _floor(conn: asyncpg.Connection, prefix: str, year: int) -> float:
    started = time.perf_counter()
    await conn.fetch(FLOOR_SQL, prefix + "%", date(year, 1, 1), date(year, 12, 31))
    return time.perf_counter() - started


async def _cycle(conn: asyncpg.Connection, province: str, year: int, today: date) -> tuple[float, int]:
    from domain import evaluation
    from domain.access import Access, OfficerRole, Principal, PrincipalKind
    from domain.single_connection_db import SingleConnectionDatabase

    principal = Principal(kind=PrincipalKind.OFFICER, id="bench", region_code=province, role=OfficerRole.OFFICER)
    access = Access(principal=principal, authorizer=_Operator())
    db = SingleConnectionDatabase(conn)
    tx = conn.transaction()
    await tx.start()
    try:
        started = time.perf_counter()
        marks: list[float] = []
        async with db.session(access.db_scope()) as s:
            run = await evaluation.run_cycle(session=s, access=access, region_code=province, cycle_year=year,
                                             ruleset_code=RULESET, today=today,
                                             progress=lambda done, total: marks.append(time.perf_counter()))
        steps = [b - a for a, b in zip([started, *marks], marks, strict=False)]
        print("  cycle steps (compute, supersede, results, lines, measures, tally): "
              + ", ".join(f"{x:.2f}s" for x in steps))
        return time.perf_counter() - started, run.evaluated
    finally:
        await tx.rollback()  # the next round evaluates the same province from scratch
        await db.close()


async def run(args: argparse.Namespace) -> bool:
    """Fill the database, time the cycle and the plain aggregate in alternating rounds, print the ratio."""
    from domain.db import init_connection
    from tenants import region_tree

    async with _database(args) as url:
        await _fill(url, args)
        conn = await asyncpg.connect(url)
        await init_connection(conn)
        try:
            today = date.today()
            year = today.year - 1
            prefix = region_tree().subtree_prefix(args.province)
            cycles: list[float] = []
            floors: list[float] = []
            evaluated = 0
            for _ in range(max(args.rounds, 1)):
                floors.append(await _floor(conn, prefix, year))
                seconds, evaluated = await _cycle(conn, args.province, year, today)
                cycles.append(seconds)
        finally:
            await conn.close()
    # Ratios within a round (same noise on both sides), then their median, as the other benchmarks report them.
    ratios = [c / f for c, f in zip(cycles, floors, strict=True) if f]
    ratio = statistics.median(ratios) if ratios else float("inf")
    ok = ratio <= args.target and statistics.median(cycles) <= args.limit
    print(f"cycle {year} of {args.province} under {RULESET}: {evaluated:,} subjects evaluated")
    print(f"  cycle:     {spread(cycles, 's', digits=2)}")
    print(f"  aggregate: {spread(floors, 's', digits=2)}")
    print(f"  ratio:     {spread(ratios, 'x', digits=2)} the plain aggregate's time; target <= {args.target:.2f}x "
          f"and <= {args.limit:.0f}s: {'meets' if ok else 'MISSES'}")
    return ok


main = entry(_parser, run)


if __name__ == "__main__":
    sys.exit(main())
