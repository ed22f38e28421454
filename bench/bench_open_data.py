"""Benchmark: the open-data export (``domain.open_data.export_public``: a transaction under the public role,
COPY of the ``public_item`` view through a bounded queue to the consumer) against a plain
``COPY (SELECT …) TO STDOUT`` of the same columns straight from the ``publication`` table as the owner (no
view, no role, no queue). Issue 13's target: ≥ 0.5× the plain COPY's throughput (time ratio ≤ 2), with flat
memory: the process's peak RSS is printed before and after the export rounds.

Run: ``.venv/bin/python -m bench.bench_open_data --subjects 200000`` (``--help``). The database is
``bench.embedded.bench_database``; the cycle is published once with ``publish_cycle`` (kept between runs with
``--keep --pgdata DIR``). Rounds alternate (interleaved); the median and spread of each side are printed.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import date

import asyncpg

from bench.bulk_data import CYCLE_YEAR, REGION, fill_results
from bench.embedded import bench_database
from bench.report import entry, rounds

TARGET = 2.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bench_open_data", description=__doc__)
    p.add_argument("--subjects", type=int, default=200_000, help="subjects loaded (institutions are ~1/4)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds of each side")
    p.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    p.add_argument("--keep", action="store_true", help="keep the embedded pgdata (for quicker re-runs)")
    p.add_argument("--pgdata", default=None, help="embedded pgdata folder (default: a new /tmp one)")
    return p


class _Operator:
    def allows(self, sub: str, obj: str, act: str, rel: str) -> bool:
        return True


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _publish_once(url: str) -> int:
    """Publish the cycle (committed) unless it is already public; the number of public items."""
    from domain import cycle_publication
    from domain.access import Access, OfficerRole, Principal, PrincipalKind
    from domain.db import Database
    from domain.db_scope import DbScope

    db = await Database.connect(url, min_size=1, max_size=1)
    try:
        principal = Principal(kind=PrincipalKind.OFFICER, id="bench", region_code=REGION, role=OfficerRole.OFFICER)
        access = Access(principal=principal, authorizer=_Operator())
        async with db.session(DbScope.system(actor="bench")) as s:
            await cycle_publication.publish_cycle(session=s, access=access, region_code=REGION,
                                                  cycle_year=CYCLE_YEAR, today=date.today())
        async with db.session(DbScope.system(actor="bench")) as s:
            return int(await s.fetchval("SELECT count(*) FROM public_item"))
    finally:
        await db.close()


def _floor_sql(fmt: str) -> str:
    from domain.open_data import COLUMNS, SCHEMA_VERSION

    plain = [(name, sql.replace("i.", "p.")) for name, sql in COLUMNS]
    if fmt == "csv":
        select = ", ".join(f"{sql} AS {name}" for name, sql in plain)
    else:
        pairs = ", ".join(f"'{name}', {sql}" for name, sql in plain)
        select = f"json_build_object('schemaVersion', {SCHEMA_VERSION}, {pairs})::text"
    return f"SELECT {select} FROM publication p WHERE p.status = 'published' AND p.region_code LIKE '50%' ORDER BY p.id"


async def _floor(conn: asyncpg.Connection, fmt: str) -> tuple[float, int]:
    written = 0

    async def sink(chunk: bytes) -> None:
        nonlocal written
        written += len(chunk)

    options = {"format": "csv", "header": True} if fmt == "csv" else {"format": "csv", "delimiter": "\x02",
                                                                       "quote": "\x01"}
    started = time.perf_counter()
    await conn.copy_from_query(_floor_sql(fmt), output=sink, **options)
    return time.perf_counter() - started, written


async def _export(db: object, fmt: str) -> tuple[float, int]:
    from domain.open_data import ExportFormat, export_public

    started = time.perf_counter()
    written = 0
    _, stream = await export_public(db=db, region_code=REGION, fmt=ExportFormat(fmt))  # type: ignore[arg-type]
    async for chunk in stream:
        written += len(chunk)
    return time.perf_counter() - started, written


async def run(args: argparse.Namespace) -> bool:
    from domain.db import Database

    async with bench_database("yibao_bench_bulk", pgdata=args.pgdata, keep=args.keep) as url:
        await fill_results(url, subjects=args.subjects)
        items = await _publish_once(url)
        conn = await asyncpg.connect(url)
        db = await Database.connect(url, min_size=1, max_size=1)
        exports: list[float] = []
        floors: list[float] = []
        rss_before = _rss_mb()
        try:
            for _ in range(max(args.rounds, 1)):
                seconds, floor_bytes = await _floor(conn, args.format)
                floors.append(seconds)
                seconds, export_bytes = await _export(db, args.format)
                exports.append(seconds)
        finally:
            await conn.close()
            await db.close()
        rss_after = _rss_mb()
    ratio = statistics.median(exports) / statistics.median(floors)
    ok = ratio <= TARGET
    print(f"open-data export of {REGION} ({args.format}): {items:,} public items, {export_bytes / 1e6:.1f} MB "
          f"(plain COPY: {floor_bytes / 1e6:.1f} MB)")
    print("  " + rounds("export_public (public role, view)", exports))
    print("  " + rounds("plain COPY (SELECT …) TO STDOUT  ", floors))
    print(f"  ratio: {ratio:.2f}x the plain COPY's time ({1 / ratio:.2f}x its throughput); "
          f"target <= {TARGET:.1f}x: {'meets' if ok else 'MISSES'}")
    print(f"  peak RSS: {rss_before:.0f} MB before the rounds, {rss_after:.0f} MB after "
          f"(the export holds at most 16 COPY chunks)")
    return ok


main = entry(_parser, run)


if __name__ == "__main__":
    sys.exit(main())
