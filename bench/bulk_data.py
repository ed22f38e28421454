"""Data for the bulk benchmarks (bench_publish_cycle, bench_open_data): a municipality (Chongqing, whose
bureau publishes for every district, 001 art.22) loaded by ``write_province_scale``, and a current result of
cycle ``CYCLE_YEAR`` for every subject, institutions and individuals alike (only institutions' are published)."""

from __future__ import annotations

import time

import asyncpg

CYCLE_YEAR = 2025
REGION = "500000"  # a municipality: one publishing bureau over the whole province-level region


async def fill_results(url: str, *, subjects: int) -> int:
    """Load the region and its results when the database has none yet; the number of institution results."""
    from domain.synthetic_scale import write_province_scale

    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT count(*) FROM subject"):
            started = time.perf_counter()
            await write_province_scale(conn, province_code=REGION, subjects=subjects, records=subjects // 10)
            print(f"data: loaded {subjects:,} subjects in {time.perf_counter() - started:.1f}s")
        if not await conn.fetchval("SELECT count(*) FROM evaluation_result WHERE cycle_year = $1", CYCLE_YEAR):
            await conn.execute(
                f"""INSERT INTO evaluation_result (id, subject_id, region_code, subject_class, service_scope,
                        ruleset_code, ruleset_version, cycle_year, as_of, trigger, base, score, grade, evaluated_by,
                        evaluated_at)
                    SELECT uuidv7(), s.id, s.region_code, s.subject_class, s.service_scope, 'ah-institutions', 1,
                           {CYCLE_YEAR}, DATE '{CYCLE_YEAR + 1}-01-15', 'cycle', 100, sc.score,
                           CASE WHEN sc.score >= 90 THEN 'A' WHEN sc.score >= 75 THEN 'B'
                                WHEN sc.score >= 60 THEN 'C' ELSE 'D' END, 'bench', now()
                    FROM subject s CROSS JOIN LATERAL (
                        SELECT (40 + (abs(hashtext(s.code)) % 6100) / 100.0)::numeric(6, 2) AS score) sc""")
            await conn.execute("ANALYZE evaluation_result")
        return int(await conn.fetchval(
            """SELECT count(*) FROM evaluation_result e JOIN subject s ON s.id = e.subject_id
               WHERE e.cycle_year = $1 AND s.kind = 'institution'""", CYCLE_YEAR))
    finally:
        await conn.close()

