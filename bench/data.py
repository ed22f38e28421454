"""Benchmark data: a database (DATABASE_URL, or an embedded PostgreSQL under /tmp), migrated and filled with
``domain.synthetic_scale.write_province_scale`` (the generator behind ``yibao synth``), and a realistic share of
it published, as the city bureaus would have.
"""

from __future__ import annotations

import argparse
import time
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import asyncpg

from bench.embedded import bench_database

CYCLE_YEAR = 2025


def database(args: argparse.Namespace) -> AbstractAsyncContextManager[str]:
    """DATABASE_URL, or a database on an embedded server under /tmp that is removed afterwards (``--keep`` and
    ``--pgdata`` as given); ``fill`` migrates it."""
    return bench_database("yibao_bench", pgdata=Path(args.pgdata) if args.pgdata else None, keep=args.keep,
                          migrated=False)


async def fill(url: str, args: argparse.Namespace) -> None:
    """Migrate, and load the province when the database has no subjects yet."""
    from api.postgres import migrate
    from domain.synthetic_scale import write_province_scale

    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        present = int(await conn.fetchval("SELECT count(*) FROM subject"))
        if present:
            records = int(await conn.fetchval("SELECT count(*) FROM credit_record"))
            print(f"data: reusing {present:,} subjects and {records:,} records")
            return
        summary = await write_province_scale(conn, province_code=args.province, subjects=args.subjects,
                                             records=args.records)
        print(f"data: loaded {summary.subjects:,} subjects and {summary.records:,} records "
              f"in {summary.seconds:.1f}s")
    finally:
        await conn.close()


async def fill_published(url: str, args: argparse.Namespace) -> None:
    """Migrate, load the province when empty, and publish when nothing is published yet."""
    await fill(url, args)
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT count(*) FROM publication"):
            await publish_share(conn, share=args.published_share)
        counts = await conn.fetch("SELECT item_type, count(*) AS n FROM publication GROUP BY 1 ORDER BY 1")
        print("published: " + ", ".join(f"{r['n']:,} {r['item_type']}s" for r in counts))
    finally:
        await conn.close()


# The public payload, built by SQL in the shape domain.public_payloads builds it (the benchmark checks the app's
# answer against the floor's, and the tests check the shape against build_result_payload).
_SUBJECT_JSON = """jsonb_build_object('kind', 'institution', 'name', s.name, 'unifiedSocialCreditCode', s.code,
                                       'subjectClass', s.subject_class, 'regionCode', s.region_code)"""


async def publish_share(conn: asyncpg.Connection, *, share: float) -> None:
    """Set-based setup: a current result for every institution, a share of them published with their serious
    dishonesty records, as the city bureaus would have (audit rows skipped: this is fixture data)."""
    started = time.perf_counter()
    tree_cities = "yibao-bench"
    async with conn.transaction():
        await conn.execute("ALTER TABLE publication DISABLE TRIGGER publication_audit")
        await conn.execute(
            f"""INSERT INTO evaluation_result (id, subject_id, region_code, subject_class, service_scope,
                    ruleset_code, ruleset_version, cycle_year, as_of, trigger, base, score, grade, evaluated_by,
                    evaluated_at)
                SELECT gen_random_uuid(), s.id, s.region_code, s.subject_class, s.service_scope,
                       'ah-institutions', 1, {CYCLE_YEAR}, DATE '{CYCLE_YEAR + 1}-01-15', 'cycle', 100, sc.score,
                       CASE WHEN sc.score >= 90 THEN 'A' WHEN sc.score >= 75 THEN 'B'
                            WHEN sc.score >= 60 THEN 'C' ELSE 'D' END, '{tree_cities}',
                       now() - interval '30 days'
                FROM subject s CROSS JOIN LATERAL (SELECT (40 + (abs(hashtext(s.code)) % 6100) / 100.0)::numeric
                                                   AS score) sc
                WHERE s.kind = 'institution'""")
        # publisher = the city (first four digits + '00'); a share of institutions, chosen by hash
        await conn.execute(
            f"""INSERT INTO publication (item_type, item_id, subject_id, region_code, publisher_region, category,
                    kind, status, window_months, prepared_by, prepared_at, published_by, published_at,
                    public_until, public_key, public_name, public_payload, grade, cycle_year, shared_payload)
                SELECT 'result', e.id, s.id, s.region_code, substr(s.region_code, 1, 4) || '00', 'result',
                       e.grade, 'published', NULL, '{tree_cities}', now() - interval '20 days', '{tree_cities}',
                       now() - interval '20 days' + (abs(hashtext(s.code || 'p')) % 86400) * interval '1 second',
                       now() + interval '11 months', s.code, s.name,
                       jsonb_build_object('subject', {_SUBJECT_JSON},
                                          'result', jsonb_build_object('grade', e.grade, 'cycleYear', e.cycle_year)),
                       e.grade, e.cycle_year, jsonb_build_object('score', e.score::text)
                FROM evaluation_result e JOIN subject s ON s.id = e.subject_id
                WHERE e.superseded_at IS NULL AND abs(hashtext(s.id::text)) % 1000 < $1""",
            int(share * 1000))
        await conn.execute(
            f"""INSERT INTO publication (item_type, item_id, subject_id, region_code, publisher_region, category,
                    kind, status, window_months, prepared_by, prepared_at, published_by, published_at,
                    public_until, public_key, public_name, public_payload, shared_payload)
                SELECT 'record', r.id, s.id, r.region_code, substr(r.region_code, 1, 4) || '00', r.category,
                       r.kind, 'published', 12, '{tree_cities}', now() - interval '10 days', '{tree_cities}',
                       now() - interval '10 days', now() + interval '11 months', s.code, s.name,
                       jsonb_build_object('subject', {_SUBJECT_JSON},
                                          'record', jsonb_build_object('category', r.category, 'kind', r.kind,
                                              'department', r.department, 'occurred_on', v.occurred_on,
                                              'decided_on', v.decided_on, 'legal_basis', v.legal_basis,
                                              'penalty_until', v.penalty_until)),
                       jsonb_build_object('title', v.title, 'amount', v.amount::text, 'penalty', v.penalty)
                FROM credit_record r
                JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
                JOIN subject s ON s.id = r.subject_id
                WHERE s.kind = 'institution' AND r.status = 'confirmed'
                  AND r.kind IN ('fraud', 'administrative_penalty', 'agreement_suspended', 'referred_case')""")
        await conn.execute("ALTER TABLE publication ENABLE TRIGGER publication_audit")
    for table in ("evaluation_result", "publication"):
        await conn.execute(f"ANALYZE {table}")
    print(f"setup: published results and serious dishonesty records in {time.perf_counter() - started:.1f}s")
