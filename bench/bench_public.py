"""Benchmark: the anonymous public API against a bare Starlette + asyncpg floor (issue 4, Speed).

Three comparisons, measured side by side in one run on province-scale synthetic data with a realistic share
of items published (institutions' current results, and their serious dishonesty records):

- a single-institution lookup, ``publicInstitution(code:)``, a different code per request (cache off):
  target ≥ 0.5× the floor's throughput (the floor may be at most 2× faster);
- cached hits: the same lookup repeated, served from the anonymous response cache: target ≥ 1.0×;
- a 50-row public page, ``publicGrades(regionCode:, first: 50)`` (cache off): target ≥ 0.35×.

The floor runs the same SQL through the same ``public_item`` view as the same role, and returns the same JSON.

Run: ``.venv/bin/python -m bench.bench_public`` (200k subjects / 1M records, a few minutes);
``--subjects 1000000 --records 5000000`` or ``--subjects 5000000 --records 25000000`` for the larger runs.
DATABASE_URL, ``--keep`` and ``--pgdata`` work as in bench_archive.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.bench_archive import _database, _same_json
from bench.harness import LoadResult, floor_app, load, print_ratio, serve, warm

LOOKUP = """query Lookup($code: String!) { publicInstitution(code: $code) {
    name unifiedSocialCreditCode subjectClass region { code name } } }"""
PAGE_SIZE = 50
PAGE = """query Grades($region: ID!) { publicGrades(regionCode: $region, first: 50) { edges { node {
    grade cycleYear publishedAt publicUntil region { code name }
    institution { name unifiedSocialCreditCode subjectClass } } } } }"""
# Targets as the harness counts them (floor req/s ÷ app req/s): ≥ 0.5× → ≤ 2.0, ≥ 1.0× → ≤ 1.0, ≥ 0.35× → ≤ 2.86.
TARGETS = {"lookup": 1 / 0.5, "cached": 1 / 1.0, "page": 1 / 0.35}
CYCLE_YEAR = 2025


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bench_public", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--subjects", type=int, default=200_000, help="subjects to load into an empty database")
    p.add_argument("--records", type=int, default=1_000_000, help="records to load into an empty database")
    p.add_argument("--province", default="340000", help="the province loaded")
    p.add_argument("--city", default="340100", help="the city whose page of published grades is read")
    p.add_argument("--published-share", type=float, default=0.8,
                   help="share of institutions whose current result is published")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--duration", type=float, default=8.0, help="seconds per measured round and side")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best round of each side counts")
    p.add_argument("--pool-size", type=int, default=10)
    p.add_argument("--keep", action="store_true", help="keep the embedded pgdata (for quicker re-runs)")
    p.add_argument("--pgdata", type=Path, default=None, help="embedded pgdata folder (default: a new /tmp one)")
    return p


async def _fill(url: str, args: argparse.Namespace) -> None:
    """Migrate, load the province when empty, and publish when nothing is published yet."""
    from api.postgres import migrate
    from domain.synthetic_scale import write_province_scale

    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        present = int(await conn.fetchval("SELECT count(*) FROM subject"))
        if present:
            records = int(await conn.fetchval("SELECT count(*) FROM credit_record"))
            print(f"data: reusing {present:,} subjects and {records:,} records")
        else:
            summary = await write_province_scale(conn, province_code=args.province, subjects=args.subjects,
                                                 records=args.records)
            print(f"data: loaded {summary.subjects:,} subjects and {summary.records:,} records "
                  f"in {summary.seconds:.1f}s")
        if not await conn.fetchval("SELECT count(*) FROM publication"):
            await _publish(conn, args)
        counts = await conn.fetch("SELECT item_type, count(*) AS n FROM publication GROUP BY 1 ORDER BY 1")
        print("published: " + ", ".join(f"{r['n']:,} {r['item_type']}s" for r in counts))
    finally:
        await conn.close()


# The public payload, built by SQL in the shape domain.publication builds it (the benchmark checks the app's
# answer against the floor's, and the tests check the shape against build_result_payload).
_SUBJECT_JSON = """jsonb_build_object('kind', 'institution', 'name', s.name, 'unifiedSocialCreditCode', s.code,
                                       'subjectClass', s.subject_class, 'regionCode', s.region_code)"""


async def _publish(conn: asyncpg.Connection, args: argparse.Namespace) -> None:
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
            int(args.published_share * 1000))
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


def _floors(pool: asyncpg.Pool) -> dict[str, Any]:
    """Bare endpoints: the public role, the same view and statements the app runs, the same JSON."""
    from domain.db import _APPLY_SCOPE, PUBLIC_ROLE
    from tenants import region_tree

    tree = region_tree()
    setup = (_APPLY_SCOPE, (PUBLIC_ROLE, "", "", "", "public:anonymous"))

    def region(code: str) -> dict[str, str]:
        return {"code": code, "name": tree.get(code).name}

    lookup_sql = ("SELECT i.public_payload FROM public_item i WHERE i.public_key = $1 "
                  "ORDER BY i.published_at DESC LIMIT 1")

    def lookup_args(body: Any, done: list[list[asyncpg.Record]]) -> Sequence[Any]:
        return (body["variables"]["code"].strip().upper(),)

    def lookup_json(results: list[list[asyncpg.Record]]) -> Any:
        if not results[0]:
            return {"data": {"publicInstitution": None}}
        s = results[0][0]["public_payload"]["subject"]
        return {"data": {"publicInstitution": {
            "name": s["name"], "unifiedSocialCreditCode": s["unifiedSocialCreditCode"],
            "subjectClass": s["subjectClass"].upper(), "region": region(s["regionCode"])}}}

    page_sql = """SELECT i.id, i.item_type, i.region_code, i.publisher_region, i.published_at, i.public_until,
        i.public_payload FROM public_item i WHERE i.region_code LIKE $1 AND i.item_type = $2
        ORDER BY i.published_at DESC, i.id DESC LIMIT $3"""

    def page_args(body: Any, done: list[list[asyncpg.Record]]) -> Sequence[Any]:
        return (tree.subtree_prefix(body["variables"]["region"]) + "%", "result", PAGE_SIZE + 1)

    def page_json(results: list[list[asyncpg.Record]]) -> Any:
        edges = []
        for r in results[0][:PAGE_SIZE]:
            p = r["public_payload"]
            s = p["subject"]
            edges.append({"node": {
                "grade": p["result"]["grade"], "cycleYear": p["result"]["cycleYear"],
                "publishedAt": r["published_at"].isoformat(),
                "publicUntil": r["public_until"].isoformat() if r["public_until"] else None,
                "region": region(r["region_code"]),
                "institution": {"name": s["name"], "unifiedSocialCreditCode": s["unifiedSocialCreditCode"],
                                "subjectClass": s["subjectClass"].upper()}}})
        return {"data": {"publicGrades": {"edges": edges}}}

    return {"lookup": floor_app(pool, sql=lookup_sql, args_factory=lookup_args, to_json=lookup_json, setup=setup),
            "page": floor_app(pool, sql=page_sql, args_factory=page_args, to_json=page_json, setup=setup)}


async def run(args: argparse.Namespace) -> bool:
    """Fill and publish, serve the app (cache off and on) and the floors on loopback, drive them, print ratios."""
    from api.app import create_app
    from api.protection import ProtectionSettings
    from api.settings import Settings
    from domain.db import Database, init_connection

    started = time.perf_counter()
    async with _database(args) as url:
        await _fill(url, args)
        settings = Settings(database_url=url, jwt_secret="bench-secret-0123456789abcdef0123456789",
                            jwt_issuer="yibao-bench", pool_size=args.pool_size)
        setup = await asyncpg.connect(url)
        try:
            codes = [r["public_key"] for r in await setup.fetch(
                "SELECT public_key FROM publication WHERE item_type = 'result' AND status = 'published'")]
        finally:
            await setup.close()
        random.Random(4).shuffle(codes)
        print(f"lookup codes: {len(codes):,} published institutions")
        db = await Database.connect(url, max_size=args.pool_size)
        pool = await asyncpg.create_pool(url, min_size=2, max_size=args.pool_size, init=init_connection)
        assert pool is not None
        # The anonymous rate limit (120/minute per address) would turn most of a run into fast 429s: lift it.
        unlimited = {"anonymous_limit": "100000000/minute"}
        uncached = create_app(settings=settings, database=db,
                              protection=ProtectionSettings(**unlimited, cache_ttl_seconds=0))
        cached = create_app(settings=settings, database=db, protection=ProtectionSettings(**unlimited))
        floors = _floors(pool)

        def lookup(n: int) -> dict[str, Any]:
            return {"query": LOOKUP, "variables": {"code": codes[n % len(codes)]}}

        one = lookup(0)
        page = {"query": PAGE, "variables": {"region": args.city}}
        results: dict[str, tuple[list[LoadResult], list[LoadResult]]] = {k: ([], []) for k in TARGETS}
        ok = True
        try:
            async with (serve(uncached) as app_url, serve(cached) as cached_url,
                        serve(floors["lookup"]) as lookup_url, serve(floors["page"]) as page_url,
                        httpx.AsyncClient(timeout=30) as http):
                plan = {  # name: (app url, floor url, payload factory)
                    "lookup": (f"{app_url}/graphql", f"{lookup_url}/graphql", lookup),
                    "cached": (f"{cached_url}/graphql", f"{lookup_url}/graphql", lambda _: one),
                    "page": (f"{app_url}/graphql", f"{page_url}/graphql", lambda _: page),
                }
                for name, (app_gql, floor_gql, payload) in plan.items():
                    same = await _same_json(http, app_gql, floor_gql, payload(0), {})
                    print(f"{name}: same JSON from app and floor: {'yes' if same else 'NO'}")
                    ok = ok and same
                    await warm(lambda a=app_gql, p=payload: http.post(a, json=p(1)))
                    await warm(lambda f=floor_gql, p=payload: http.post(f, json=p(1)))
                for _ in range(max(1, args.rounds)):
                    for name, (app_gql, floor_gql, payload) in plan.items():
                        measured, floor = results[name]
                        floor.append(await load(floor_gql, payload_factory=payload, concurrency=args.concurrency,
                                                duration_s=args.duration))
                        measured.append(await load(app_gql, payload_factory=payload, concurrency=args.concurrency,
                                                   duration_s=args.duration))
        finally:
            await pool.close()
            await db.close()
        titles = {"lookup": "public single-institution lookup (cache off), target >= 0.5x the floor",
                  "cached": "public lookup, cached hits, target >= 1.0x the floor",
                  "page": f"public page publicGrades(first: {PAGE_SIZE}) (cache off), target >= 0.35x the floor"}
        print(f"\nconcurrency {args.concurrency}, {args.rounds} rounds of {args.duration:.0f}s per side "
              "(best round counts)")
        summary = []
        for name, (measured, floor) in results.items():
            best_app = max(measured, key=lambda r: (not r.errors, r.rps))
            best_floor = max(floor, key=lambda r: (not r.errors, r.rps))
            ok = print_ratio(titles[name], best_app, best_floor, TARGETS[name]) and ok
            summary.append(f"{name} {best_app.rps / best_floor.rps:.2f}x" if best_floor.rps else f"{name} n/a")
        print("throughput vs floor: " + ", ".join(summary))
    print(f"total {time.perf_counter() - started:.0f}s")
    return ok


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return 0 if asyncio.run(run(args)) else 1


if __name__ == "__main__":
    sys.exit(main())
