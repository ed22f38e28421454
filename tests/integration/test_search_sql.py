"""The name search's SQL agrees with ``domain.rules.search_sql``: the database's function carries the threshold
from there, its bigram form is the one the rules describe, and its rank puts exact > prefix > contains > typo."""

from __future__ import annotations

import asyncpg
import pytest

from domain.rules.search import escape_like
from domain.rules.search_sql import NAME_MATCH_THRESHOLD, name_bigrams, name_rank_sql

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_search_function_in_the_database_uses_the_threshold_of_the_rules(
    conn: asyncpg.Connection
) -> None:
    config = await conn.fetchval(
        "SELECT proconfig FROM pg_proc WHERE proname = 'yibao_public_institution_search'")
    assert f"pg_trgm.word_similarity_threshold={NAME_MATCH_THRESHOLD}" in config


@pytest.mark.parametrize("name", ["瑶海区益康大药房", "益", "益康", "合肥市第一人民医院（东院）", "ABC药店", "%益%", "益_康"])
async def test_the_database_writes_a_name_as_the_bigrams_the_rules_describe(
    conn: asyncpg.Connection, name: str
) -> None:
    assert await conn.fetchval("SELECT public.yibao_name_bigrams($1)", name) == name_bigrams(name)


async def test_the_exact_name_ranks_above_a_prefix_above_a_name_containing_it_above_a_typo(
    conn: asyncpg.Connection
) -> None:
    q = "益康大药房"
    names = ["益康大药房", "益康大药房二分店", "瑶海区益康大药房", "瑶海区益康大药店"]
    rank = name_rank_sql(name="n", q="$1::text", q_like="$2::text")
    rows = await conn.fetch(f"SELECT n, {rank} AS rank FROM unnest($3::text[]) n ORDER BY rank DESC",
                            q, escape_like(q), names)
    assert [r["n"] for r in rows] == names
    assert len({r["rank"] for r in rows}) == len(names)
