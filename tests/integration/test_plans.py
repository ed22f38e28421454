"""The hot read paths are index range scans at province scale: their EXPLAIN plans are pinned here (issue 12).

A database of its own holds a small synthetic province (``yibao synth``'s generator) with most institutions'
results and their serious dishonesty records published, analysed like a real one. The statements checked are
the ones the app really sends: requests go through the ASGI app and every statement is captured with its
arguments, then explained in the same scope. Plans, not timings: a plan that reads the province instead of
the page is the regression that makes a page grow with the province.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.postgres import ensure_database, migrate
from api.protection import ProtectionSettings
from api.settings import Settings
from bench.data import publish_share
from domain.access import OfficerRole
from domain.db import Database
from domain.db_scope import APPLY_SCOPE, PUBLIC_ROLE, DbScope
from domain.rules.search import parse_public_search
from domain.rules.search_sql import NAME_MATCH_THRESHOLD, search_body
from domain.synthetic_scale import write_province_scale
from tests.support.factories import auth, officer

PLANS_DATABASE = "yibao_plans"
BIG_TABLES = {"subject", "credit_record", "credit_record_version", "publication", "evaluation_result"}
LOOKUP = "query($code: String!) { publicInstitution(code: $code) { name region { code } } }"
GRADES = """query($region: ID, $grade: Grade) { publicGrades(regionCode: $region, grade: $grade, first: 50) {
  edges { node { grade institution { name } } } } }"""
OFFICER_PAGE = """{ subjects(first: 50) { totalCount edges { node { code name
  records(first: 3) { kind current { title amount } } } } } }"""
REVIEW_QUEUE = "query($status: RecordStatus) { records(status: $status, first: 50) { edges { node { id } } } }"
pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def plans_url(pg_admin_url: str) -> str:
    """A migrated database with 12,000 subjects, 100,000 records and ~80 % of institutions published."""
    url = await ensure_database(pg_admin_url, PLANS_DATABASE, recreate=True)
    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        await write_province_scale(conn, province_code="340000", subjects=12_000, records=100_000)
        await publish_share(conn, share=0.8)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return url


@dataclass
class Statement:
    sql: str
    args: tuple[Any, ...]


@pytest.fixture(scope="module")
def settings() -> Iterator[Settings]:
    yield Settings(database_url=None, jwt_secret="test-secret-0123456789abcdef0123456789", jwt_issuer="yibao-test",
                   check_officers=False)  # tokens for officers the synthetic data never inserts


@pytest.fixture(scope="module")
async def database(plans_url: str) -> AsyncIterator[Database]:
    db = await Database.connect(plans_url, max_size=2)
    yield db
    await db.close()


async def _sent(database: Database, settings: Settings, query: str, variables: dict[str, Any] | None = None,
                *, as_: Any = None) -> list[Statement]:
    """The statements a request sends (scope and transaction control left out), after checking its answer."""
    seen: list[Statement] = []
    stop = database.listen(lambda q: seen.append(Statement(q.query, tuple(q.args))))
    app = create_app(settings=settings, database=database, protection=ProtectionSettings(cache_ttl_seconds=0))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            body = (await http.post("/graphql", json={"query": query, "variables": variables or {}},
                                    headers=auth(settings, as_))).json()
    finally:
        stop()
    assert "errors" not in body, body
    return [s for s in seen if not _bookkeeping(s.sql)]


def _bookkeeping(sql: str) -> bool:
    """Transaction control, the scope, the pool's reset and asyncpg's one-off type introspection."""
    text = sql.strip().upper()
    return (text.rstrip(";") in ("BEGIN", "COMMIT", "ROLLBACK") or "SET_CONFIG(" in text
            or "PG_ADVISORY_UNLOCK_ALL" in text or "TYPEINFO_TREE" in text)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def _plan(database: Database, scope: DbScope, st: Statement) -> list[dict[str, Any]]:
    """EXPLAIN (FORMAT JSON) of a statement with its arguments, in ``scope`` (custom plan, as sent)."""
    async with database.pool.acquire() as conn, conn.transaction():
        await conn.execute(APPLY_SCOPE, scope.role, scope.read_prefix, scope.write_prefix, scope.subject_id,
                           scope.actor)
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {st.sql}", *st.args)
    return list(_nodes(raw[0]["Plan"]))


def _seq_scans(nodes: list[dict[str, Any]]) -> set[str]:
    return {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan" and n["Relation Name"] in BIG_TABLES}


def _indexes(nodes: list[dict[str, Any]]) -> set[str]:
    return {n["Index Name"] for n in nodes if "Index Name" in n}


async def _page_plan(database: Database, *args: Any) -> list[dict[str, Any]]:
    """The plan yibao_public_page makes for these arguments (the owner explains the statement it builds)."""
    async with database.pool.acquire() as conn, conn.transaction():
        sql = await conn.fetchval("SELECT yibao_public_page_sql($1, $2, $3, $4, $5, $6, $7)", *args[:7])
        await conn.execute(f"PREPARE page(text, text, text, text[], text[], text, timestamptz, uuid, integer) "
                           f"AS {sql}")
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        execute = await conn.fetchval(
            "SELECT format('EXECUTE page(%L, %L, %L, %L::text[], %L::text[], %L, %L::timestamptz, %L::uuid, %L)', "
            "$1::text, $2::text, $3::text, $4::text[], $5::text[], $6::text, $7::timestamptz, $8::uuid, $9::int)",
            *args)
        raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {execute}")
        await conn.execute("DEALLOCATE page")
    return list(_nodes(raw[0]["Plan"]))


@pytest.mark.parametrize(("region", "grades", "indexes"), [
    ("3401", None, {"publication_page_city_idx"}),
    # One province only here: its page is the whole table, which the all-regions index serves as well.
    ("34", ["C", "D", "E"], {"publication_page_province_idx", "publication_page_all_idx"}),
    ("340102", None, {"publication_page_county_idx"}),
    (None, None, {"publication_page_all_idx"}),
])
async def test_a_public_grades_page_walks_one_index_in_page_order_without_sorting_the_province(
    database: Database, region: str | None, grades: list[str] | None, indexes: set[str]
) -> None:
    nodes = await _page_plan(database, region, "result", None, None, grades, None, None, None, 51)
    assert indexes & _indexes(nodes)
    assert not _seq_scans(nodes)
    if region is None or len(region) == 2:
        # The widest pages read the index in page order and stop after 51 rows. (A small city of this small
        # province may be read and sorted instead: PostgreSQL picks that when it is cheaper.)
        assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort", "Bitmap Heap Scan")]


async def test_the_public_grades_page_the_app_sends_is_one_call_of_the_page_function(
    database: Database, settings: Settings
) -> None:
    sent = await _sent(database, settings, GRADES, {"region": "340100", "grade": "C"})
    assert len(sent) == 1 and "yibao_public_page(" in sent[0].sql
    assert sent[0].args[0] == "3401" and sent[0].args[4] == ["C"]


async def test_the_public_lookup_reads_the_public_key_index_through_the_view(
    database: Database, settings: Settings, plans_url: str
) -> None:
    conn = await asyncpg.connect(plans_url)
    try:
        code = await conn.fetchval("SELECT public_key FROM publication WHERE item_type = 'result' LIMIT 1")
    finally:
        await conn.close()
    sent = await _sent(database, settings, LOOKUP, {"code": code})
    assert len(sent) == 1
    nodes = await _plan(database, DbScope(role=PUBLIC_ROLE, actor="public:anonymous"), sent[0])
    assert "publication_public_key_idx" in _indexes(nodes)
    assert not _seq_scans(nodes)


async def test_an_officer_subject_page_with_records_is_three_index_driven_statements(
    database: Database, settings: Settings
) -> None:
    province = officer("340000", OfficerRole.OFFICER)
    sent = await _sent(database, settings, OFFICER_PAGE, as_=province)
    assert len(sent) <= 3  # the page, its count, the newest records of all 50 subjects
    scope = DbScope(read_prefix="34", write_prefix="", actor=province.actor)
    page = [s for s in sent if "count(" not in s.sql]
    for st in page:
        nodes = await _plan(database, scope, st)
        assert not _seq_scans(nodes), st.sql
        assert _indexes(nodes), st.sql


@pytest.mark.parametrize("status", ["ENTERED", "CONFIRMED", None])
async def test_the_review_queue_is_read_from_an_index_not_a_scan_of_the_province(
    database: Database, settings: Settings, status: str | None
) -> None:
    city = officer("340100", OfficerRole.REVIEWER)
    sent = await _sent(database, settings, REVIEW_QUEUE, {"status": status}, as_=city)
    assert len(sent) == 1
    nodes = await _plan(database, DbScope(read_prefix="3401", actor=city.actor), sent[0])
    assert not _seq_scans(nodes), sent[0].sql


async def test_a_name_search_with_a_wrong_character_reads_the_name_indexes_not_the_province(
    database: Database
) -> None:
    async with database.pool.acquire() as conn, conn.transaction():
        key, name = await conn.fetchrow("""SELECT public_key, public_name FROM public_item
            WHERE public_key IS NOT NULL AND length(public_name) >= 8 ORDER BY id LIMIT 1""")
        typo = parse_public_search(name[-5:-1] + "店")  # part of the name, its last character wrong
        # The owner explains the function's own statement, with the function's threshold (it is not inlined).
        await conn.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {NAME_MATCH_THRESHOLD}")
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        sql = search_body(q="$1::text", q_like="$2::text", by_code="$3::boolean", region_like="$4::text",
                          confined_like="$5::text")
        args = (typo.text, typo.like, typo.by_code, "34%", "%")
        raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
        found = await conn.fetch(sql, *args)
    nodes = list(_nodes(raw[0]["Plan"]))
    assert {"publication_public_name_trgm_idx", "publication_public_name_bigram_idx"} <= _indexes(nodes)
    assert not _seq_scans(nodes)
    assert key in [r["public_key"] for r in found]
