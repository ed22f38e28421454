"""The floor: a bare Starlette + asyncpg process doing the minimal SQL for the same answers as the project.

Not the project's SQL: no transaction, no role switch, no row-level scope, no view, one statement per request,
written by hand for each answer (the officer page's subjects and their newest records in ONE statement). It
returns the same JSON documents as the project (the benchmark checks that before measuring), so the difference
between the two is what the project's stack costs: HTTP handling, GraphQL, authorization, scope, dataloaders.

Endpoints (POST, GraphQL-shaped bodies): ``/lookup`` (publicInstitution), ``/page`` (publicGrades, 50 rows),
``/officer`` (subjects(first: 50) with records(first: 3)) and ``/cached`` (an in-memory floor: the answer for a
body computed once and then served from a dict, the least work any cache can do).

Run: ``python -m bench.floor_server --database-url URL --port 8123`` (uvicorn, one process, loopback).
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CHINA = ZoneInfo("Asia/Shanghai")  # the API writes times in Beijing time (+08:00); so does the floor

PAGE = 50
RECORDS = 3

# Live public items as the public_item view defines them (migration 0014), read straight from the table.
_LIVE = """p.status = 'published' AND p.published_at <= now()
  AND COALESCE(p.public_until, 'infinity'::timestamptz) > now()
  AND NOT EXISTS (SELECT 1 FROM evaluation_result e
                  WHERE p.item_type = 'result' AND e.id = p.item_id AND e.superseded_at IS NOT NULL)"""

LOOKUP_SQL = f"""SELECT p.public_payload->'subject' AS s FROM publication p
    WHERE p.public_key = $1 AND {_LIVE} ORDER BY p.published_at DESC LIMIT 1"""

_LEVEL = {2: "region_province", 4: "region_city", 6: "region_code"}


def page_sql(prefix: str) -> str:
    """The 50 newest published results of a subtree: one index range (the prefix's own column)."""
    return f"""SELECT p.region_code, p.published_at, p.public_until, p.public_payload FROM publication p
        WHERE p.{_LEVEL[len(prefix)]} = $1 AND p.item_type = 'result' AND {_LIVE}
        ORDER BY p.published_at DESC, p.id DESC LIMIT {PAGE + 1}"""


# A subtree's first 50 subjects by code and each one's newest three records, in one statement.
OFFICER_SQL = f"""SELECT s.code, s.name, x.kind, x.title, x.amount
    FROM (SELECT id, code, name FROM subject WHERE region_code LIKE $1 ORDER BY code LIMIT {PAGE}) s
    LEFT JOIN LATERAL (
        SELECT r.kind, v.title, v.amount, r.entered_at, r.id FROM credit_record r
        JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.current_version
        WHERE r.subject_id = s.id ORDER BY r.entered_at DESC, r.id LIMIT {RECORDS}) x ON true
    ORDER BY s.code, x.entered_at DESC, x.id"""


def create_floor(database_url: str, *, officer_prefix: str, pool_size: int = 10) -> Starlette:
    """The floor app; its pool opens at start-up. Region names come from the project's tree, in memory."""
    from domain.db import init_connection
    from tenants import region_tree

    tree = region_tree()
    names = {r.code: r.name for r in tree}
    pool: asyncpg.Pool = None  # type: ignore[assignment]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncpg.create_pool(database_url, min_size=pool_size, max_size=pool_size,
                                         init=init_connection)
        yield
        await pool.close()

    def region(code: str) -> dict[str, str]:
        return {"code": code, "name": names[code]}

    async def lookup_answer(body: dict[str, Any]) -> dict[str, Any]:
        row = await pool.fetchrow(LOOKUP_SQL, body["variables"]["code"].strip().upper())
        if row is None:
            return {"data": {"publicInstitution": None}}
        s = row["s"]
        return {"data": {"publicInstitution": {
            "name": s["name"], "unifiedSocialCreditCode": s["unifiedSocialCreditCode"],
            "subjectClass": s["subjectClass"].upper(), "region": region(s["regionCode"])}}}

    async def lookup(request: Request) -> Response:
        return JSONResponse(await lookup_answer(json.loads(await request.body())))

    async def page(request: Request) -> Response:
        body = json.loads(await request.body())
        prefix = tree.subtree_prefix(body["variables"]["region"])
        edges = []
        for r in (await pool.fetch(page_sql(prefix), prefix))[:PAGE]:
            p = r["public_payload"]
            s = p["subject"]
            edges.append({"node": {
                "grade": p["result"]["grade"], "cycleYear": p["result"]["cycleYear"],
                "publishedAt": r["published_at"].astimezone(CHINA).isoformat(),
                "publicUntil": r["public_until"].astimezone(CHINA).isoformat() if r["public_until"] else None,
                "region": region(r["region_code"]),
                "institution": {"name": s["name"], "unifiedSocialCreditCode": s["unifiedSocialCreditCode"],
                                "subjectClass": s["subjectClass"].upper()}}})
        return JSONResponse({"data": {"publicGrades": {"edges": edges}}})

    async def officer(request: Request) -> Response:
        await request.body()
        nodes: dict[str, dict[str, Any]] = {}
        for r in await pool.fetch(OFFICER_SQL, officer_prefix + "%"):
            node = nodes.setdefault(r["code"], {"code": r["code"], "name": r["name"], "records": []})
            if r["kind"] is not None:
                amount: Decimal | None = r["amount"]
                node["records"].append({"kind": r["kind"].upper(), "current": {
                    "title": r["title"], "amount": None if amount is None else str(amount.quantize(Decimal("0.01")))}})
        return JSONResponse({"data": {"subjects": {"edges": [{"node": n} for n in nodes.values()]}}})

    answers: dict[bytes, bytes] = {}

    async def cached(request: Request) -> Response:
        body = await request.body()
        hit = answers.get(body)
        if hit is None:
            hit = answers[body] = JSONResponse(await lookup_answer(json.loads(body))).body
        return Response(hit, media_type="application/json")

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    routes = [Route("/lookup", lookup, methods=["POST"]), Route("/page", page, methods=["POST"]),
              Route("/officer", officer, methods=["POST"]), Route("/cached", cached, methods=["POST"]),
              Route("/healthz", health, methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    p = argparse.ArgumentParser(prog="python -m bench.floor_server", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--officer-prefix", default="34", help="the officer page's region prefix")
    p.add_argument("--pool-size", type=int, default=10)
    args = p.parse_args(argv)
    app = create_floor(args.database_url, officer_prefix=args.officer_prefix, pool_size=args.pool_size)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
