"""Benchmark: importing a CSV of credit records (``domain.imports.service.import_records``: reading, every row's
checks, COPY into staging, the set-based checks against the archive, the batch write into records, versions and
workflow events with their integrity-chain triggers, one ``record.entered`` outbox event per record) against a
plain PostgreSQL ``COPY … FROM STDIN (FORMAT csv)`` of the same file into a plain table of the same columns.
Issue 13's target: ≥ 0.5× the plain COPY's throughput, i.e. a time ratio ≤ 2.

Run: ``.venv/bin/python -m bench.bench_import --rows 1000000`` (``--help``). The database is
``bench.embedded.bench_database`` (DATABASE_URL's server, else an embedded PostgreSQL under /tmp). Each round runs
in a transaction that is rolled back, so every round imports the same file from scratch; the two sides alternate
(interleaved rounds) and the median and spread of each are printed.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import asyncpg

from bench.embedded import bench_database
from bench.report import entry, rounds

TARGET = 2.0
PROVINCE = "340000"
CYCLE_YEAR = 2025
FLOOR_TABLE = """CREATE TEMP TABLE floor_import (source_id text, subject_code text, kind text, title text, facts text,
    amount numeric(14, 2), occurred_on date, decided_on date, legal_basis text, penalty text)"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bench_import", description=__doc__)
    p.add_argument("--rows", type=int, default=1_000_000, help="record rows in the file")
    p.add_argument("--subjects", type=int, default=100_000, help="subjects loaded (the rows name them in turn)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each side")
    p.add_argument("--no-archive-floor", dest="archive_floor", action="store_false",
                   help="skip the second floor (COPY + bare INSERTs into the record tables)")
    p.add_argument("--keep", action="store_true", help="keep the embedded pgdata (for quicker re-runs)")
    p.add_argument("--pgdata", default=None, help="embedded pgdata folder (default: a new /tmp one)")
    return p


class _Operator:
    """The operator running the benchmark may import anywhere in the province (a bench, not a bureau)."""

    def allows(self, sub: str, obj: str, act: str, rel: str) -> bool:
        return True


async def _fill(url: str, *, subjects: int) -> list[str]:
    from domain.synthetic_scale import write_province_scale

    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT count(*) FROM subject"):
            started = time.perf_counter()
            await write_province_scale(conn, province_code=PROVINCE, subjects=subjects, records=subjects // 10)
            print(f"data: loaded {subjects:,} subjects in {time.perf_counter() - started:.1f}s")
        return [r["code"] for r in await conn.fetch(
            "SELECT code FROM subject WHERE region_code LIKE $1 || '%' ORDER BY id", PROVINCE[:2])]
    finally:
        await conn.close()


def _write_file(path: Path, *, rows: int, codes: list[str]) -> None:
    from domain.rules.import_layout import KEYS

    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(KEYS)
        for i in range(rows):
            out.writerow((f"B-{i:08d}", codes[i % len(codes)], "recovered_funds", "追回违规使用医保基金",
                          "串换药品收费", f"{1000 + i % 90000}.{i % 100:02d}", f"{CYCLE_YEAR}-{1 + i % 12:02d}-"
                          f"{1 + i % 28:02d}", "", "《医疗保障基金使用监督管理条例》第三十八条", ""))


async def _floor(conn: asyncpg.Connection, path: Path) -> tuple[float, int]:
    tx = conn.transaction()
    await tx.start()
    try:
        await conn.execute(FLOOR_TABLE)
        started = time.perf_counter()
        status = await conn.copy_to_table("floor_import", source=path, format="csv", header=True)
        return time.perf_counter() - started, int(status.split()[-1])
    finally:
        await tx.rollback()


# The least a write into the archive costs: the same rows COPY'd, then written into the three record tables (their
# indexes, row-level security and integrity-chain triggers included) with no checks, no batch, no events.
ARCHIVE_FLOOR = """
WITH s AS MATERIALIZED (SELECT f.*, gen_random_uuid() AS record_id, sub.id AS subject_id, sub.region_code
                        FROM floor_import f JOIN subject sub ON sub.code = f.subject_code),
     r AS (INSERT INTO credit_record (id, subject_id, region_code, category, kind, status, department, entered_by)
           SELECT record_id, subject_id, region_code, 'dishonesty', kind, 'entered', 'bench', 'bench' FROM s),
     v AS (INSERT INTO credit_record_version (record_id, version, subject_id, region_code, title, facts, amount,
               occurred_on, decided_on, penalty, legal_basis, author_id, author_kind)
           SELECT record_id, 1, subject_id, region_code, title, facts, amount, occurred_on, decided_on, penalty,
                  legal_basis, 'bench', 'officer' FROM s)
INSERT INTO record_event (record_id, subject_id, region_code, version, action, to_status, actor_id, actor_kind)
SELECT record_id, subject_id, region_code, 1, 'enter', 'entered', 'bench', 'officer' FROM s"""


async def _archive_floor(conn: asyncpg.Connection, path: Path) -> tuple[float, int]:
    tx = conn.transaction()
    await tx.start()
    try:
        await conn.execute("SELECT set_config('role', 'yibao_app', true), set_config('yibao.write_prefix', '*', true),"
                           " set_config('yibao.read_prefix', '*', true)")
        await conn.execute(FLOOR_TABLE)
        started = time.perf_counter()
        await conn.copy_to_table("floor_import", source=path, format="csv", header=True)
        status = await conn.execute(ARCHIVE_FLOOR)
        return time.perf_counter() - started, int(status.split()[-1])
    finally:
        await tx.rollback()


async def _import(conn: asyncpg.Connection, path: Path, phases: dict[str, float]) -> tuple[float, int]:
    from domain.access import Access, OfficerRole, Principal, PrincipalKind
    from domain.imports.service import import_records
    from domain.single_connection_db import SingleConnectionDatabase

    principal = Principal(kind=PrincipalKind.OFFICER, id="bench", region_code=PROVINCE, role=OfficerRole.OFFICER,
                          department="基准测试")
    access = Access(principal=principal, authorizer=_Operator())
    db = SingleConnectionDatabase(conn)
    tx = conn.transaction()
    await tx.start()
    marks: list[tuple[str, float]] = []

    def progress(phase: str, done: int, total: int) -> None:
        marks.append((f"{phase} {done}/{total}" if phase == "write" else phase, time.perf_counter()))

    try:
        started = time.perf_counter()
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            async with db.session(access.db_scope()) as s:  # commits the savepoint: events flushed too
                outcome = await import_records(session=s, access=access, source="bench", file_name=path.name,
                                               stream=stream, size=size, cycle_year=CYCLE_YEAR,
                                               today=date.today(), max_bytes=2 * 1024**3,
                                               progress=progress)
            marks.append(("commit", time.perf_counter()))
        marks.append(("events+commit", time.perf_counter()))
        previous = started
        for name, at in marks:
            phases[name] = phases.get(name, 0.0) + at - previous
            previous = at
        if outcome.problems:
            raise SystemExit(f"the bench file has rejected rows: {outcome.problems[:3]}")
        return time.perf_counter() - started, outcome.accepted
    finally:
        await tx.rollback()
        await db.close()


async def run(args: argparse.Namespace) -> bool:
    from domain.db import init_connection

    imports: list[float] = []
    floors: list[float] = []
    archive_floors: list[float] = []
    phases: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="yibao-bench-import-") as folder:
        path = Path(folder) / "records.csv"
        async with bench_database("yibao_bench_import", pgdata=args.pgdata, keep=args.keep) as url:
            codes = await _fill(url, subjects=args.subjects)
            _write_file(path, rows=args.rows, codes=codes)
            print(f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB")
            conn = await asyncpg.connect(url)
            await init_connection(conn)
            try:
                for _ in range(max(args.rounds, 1)):
                    seconds, n_floor = await _floor(conn, path)
                    floors.append(seconds)
                    if args.archive_floor:
                        seconds, _ = await _archive_floor(conn, path)
                        archive_floors.append(seconds)
                    seconds, n_import = await _import(conn, path, phases)
                    imports.append(seconds)
                    if n_import != n_floor:
                        raise SystemExit(f"the import wrote {n_import:,} rows, the plain COPY {n_floor:,}")
            finally:
                await conn.close()
    ratio = statistics.median(imports) / statistics.median(floors)
    ok = ratio <= TARGET
    print(f"importing {args.rows:,} record rows (validation, staging, batch write, chains, events)")
    print("  " + rounds("yibao import      ", imports))
    print("  " + rounds("plain COPY (csv)  ", floors))
    if archive_floors:
        print("  " + rounds("COPY + bare archive INSERTs", archive_floors))
        print(f"  the import takes {statistics.median(imports) / statistics.median(archive_floors):.2f}x the time of "
              "COPY plus a bare INSERT … SELECT into the record tables (their chain triggers included)")
    n_rounds = max(args.rounds, 1)
    print("  where the import's time goes (mean per round): " + ", ".join(
        f"{name} {seconds / n_rounds:.2f}s" for name, seconds in phases.items() if seconds / n_rounds >= 0.01))
    print(f"  ratio: {ratio:.2f}x the plain COPY's time ({1 / ratio:.2f}x its throughput); "
          f"target <= {TARGET:.1f}x: {'meets' if ok else 'MISSES'}")
    return ok


main = entry(_parser, run)


if __name__ == "__main__":
    sys.exit(main())
