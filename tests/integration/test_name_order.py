"""Names sort by pinyin: PostgreSQL's ``yibao_name_order`` computes exactly the rule's key (domain/rules/name_order.py)."""

from __future__ import annotations

import asyncpg

from domain.rules.name_order import name_order_key

NAMES = ["瑶海区益康大药房", "安徽省立医院", "ABC 诊所", "123 门诊部", "重庆市万州区人民医院", "𠀀字号", "it's \\ 药店",
         "朱霞芳", "长江路社区卫生服务中心", ""]


async def test_the_database_computes_the_rules_key_for_every_name(conn: asyncpg.Connection) -> None:
    rows = await conn.fetch("SELECT n, yibao_name_order(n) AS k FROM unnest($1::text[]) n", NAMES)
    assert {r["n"]: r["k"] for r in rows} == {n: name_order_key(n) for n in NAMES}


async def test_ordering_by_the_key_is_pinyin_order_for_common_characters(conn: asyncpg.Connection) -> None:
    names = ["张", "安", "李", "钱", "赵", "孙", "周", "吴"]
    rows = await conn.fetch('SELECT n FROM unnest($1::text[]) n ORDER BY yibao_name_order(n) COLLATE "C"', names)
    assert [r["n"] for r in rows] == ["安", "李", "钱", "孙", "吴", "张", "赵", "周"]


async def test_a_page_of_subjects_by_name_walks_the_name_order_index(conn: asyncpg.Connection) -> None:
    await conn.execute("SET LOCAL enable_seqscan = off")
    plan = await conn.fetchval("""EXPLAIN (FORMAT JSON) SELECT s.id FROM subject s
        ORDER BY yibao_name_order(s.name) COLLATE "C", s.id LIMIT 50""")
    assert "subject_name_order_idx" in str(plan)
