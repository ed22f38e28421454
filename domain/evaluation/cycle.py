"""年度评价: a region's annual cycle, set-based in SQL; what-if on a draft rule set; grades by region."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

# Declares the evaluation tables on the shared SQLModel metadata (alembic, the drift test) wherever this
# service is loaded; domain/tables.py is to import it as well, so the metadata is whole on its own.
from domain import evaluation_tables  # noqa: F401
from domain.access import Access
from domain.errors import Conflict, InvalidInput, unknown_region
from domain.evaluation.rulesets import StoredRuleSet, get_ruleset, validate_ruleset
from domain.events import EventType
from domain.rules.catalog import Grade
from domain.rules.evaluation.cycle_sql import compile_cycle
from domain.rules.evaluation.measures_sql import measures_sql
from domain.session import Session
from tenants import region_tree

# ---------------------------------------------------------------------------------------------- the cycle


@dataclass(frozen=True)
class CycleRun:
    """What a region's cycle stored: how many results, and the grades they got (None: excluded)."""

    region_code: str
    cycle_year: int
    ruleset_code: str
    ruleset_version: int
    evaluated: int
    distribution: dict[Grade | None, int]


_CYCLE_TABLE = "yibao_cycle_rows"
_CYCLE_WORK_MEM = "128MB"


async def _cycle_ruleset(*, session: Session, access: Access, region_code: str, code: str,
                         version: int | None) -> StoredRuleSet:
    tree = region_tree()
    if tree.find(region_code) is None:
        raise unknown_region(region_code)
    access.require("evaluation", "run", region_code=region_code)
    stored = await get_ruleset(session=session, access=access, code=code, version=version)
    if not tree.is_within(region_code, stored.jurisdiction):
        raise InvalidInput(f"评价规则集 {code} 适用于 {stored.jurisdiction}，不覆盖 {region_code}。",
            en=f"Rule set {code} is for {stored.jurisdiction}, which does not cover {region_code}.",
                           field="regionCode")
    return stored


async def run_cycle(*, session: Session, access: Access, region_code: str, cycle_year: int, ruleset_code: str,
                    today: date, ruleset_version: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> CycleRun:
    """Evaluate every subject of a region that the (active) rule set covers for ``cycle_year``, set-based;
    ``progress(done, total)`` hears after each of its steps (each step is one statement over the region)."""
    steps = 6

    def step(done: int) -> None:
        if progress is not None:
            progress(done, steps)

    stored = await _cycle_ruleset(session=session, access=access, region_code=region_code, code=ruleset_code,
                                  version=ruleset_version)
    if stored.status != "active":
        raise Conflict(f"评价规则集 {stored.code} 第{stored.version}版的状态是 {stored.status}；"
                       "周期评价只能使用生效的规则集（草稿请用 whatIf 试算）。",
                       en=f"Rule set {stored.code} v{stored.version} is {stored.status}; a cycle runs on an active "
                       "rule set (use what-if for a draft).")
    rs = stored.ruleset
    if today < date(cycle_year, 1, 1):
        raise InvalidInput(f"{today} 时 {cycle_year} 年度评价周期尚未开始。",
            en=f"Cycle {cycle_year} has not started on {today}.", field="cycleYear")
    compiled = compile_cycle(rs, region_prefix=region_tree().subtree_prefix(region_code), cycle_year=cycle_year,
                             as_of=today)
    at = await session.fetchval("SELECT clock_timestamp()")
    actor = access.principal.actor
    t = _CYCLE_TABLE
    # one batch job grouping a whole region: let its sort and hash stay in memory (this transaction only)
    await session.execute(f"SET LOCAL work_mem = '{_CYCLE_WORK_MEM}'")
    await session.execute(f"DROP TABLE IF EXISTS pg_temp.{t}")
    # Row-level security's test gives the planner no row estimate, so it would probe the records index once
    # per record (nested loops) where hashing a whole region's records is far cheaper; the ids are time-ordered
    # (uuidv7), so the results, their lines and measures go to the right edge of their indexes.
    await session.execute("SET LOCAL enable_nestloop = off")
    await session.execute(f"CREATE TEMP TABLE {t} ON COMMIT DROP AS SELECT uuidv7() AS result_id, c.* "
                          f"FROM ({compiled.select}) c", *compiled.args)
    await session.execute("SET LOCAL enable_nestloop TO DEFAULT")
    step(1)
    # supersede first: the current result of a subject and cycle is unique
    await session.execute(
        f"""UPDATE evaluation_result o SET superseded_at = $2, superseded_by = c.result_id FROM {t} c
            WHERE o.subject_id = c.subject_id AND o.cycle_year = $1 AND o.superseded_at IS NULL""", cycle_year, at)
    step(2)
    await session.execute(
        f"""INSERT INTO evaluation_result (id, subject_id, region_code, subject_class, service_scope, ruleset_code,
                ruleset_version, cycle_year, as_of, trigger, base, score, grade, excluded_reason, evaluated_by,
                evaluated_at)
            SELECT result_id, subject_id, region_code, subject_class, service_scope, $1, $2, $3, $4, 'cycle', base,
                   score, grade, excluded_reason, $5, $6 FROM {t}""",
        rs.code, rs.version, cycle_year, today, actor, at)
    step(3)
    await session.execute(
        f"""INSERT INTO evaluation_line (result_id, subject_id, region_code, line_no, item_code, clause,
                indicator_code, record_ids, points, explanation) {compiled.lines_sql(t)}""")
    step(4)
    msql = measures_sql(rs, table=t, cycle_year=cycle_year)
    if msql is not None:
        await session.execute(
            f"""INSERT INTO applied_measure (result_id, code, subject_id, region_code, grade, description, clause,
                    params, discretionary, condition, applies_in_year) {msql}""")
    step(5)
    rows = await session.fetch(f"SELECT grade, count(*) AS n FROM {t} GROUP BY grade")
    await session.execute(f"DROP TABLE {t}")
    _emit_cycle_events(session, region_prefix=region_tree().subtree_prefix(region_code), cycle_year=cycle_year,
                       at=at, actor=actor)
    step(6)
    dist = {Grade(r["grade"]) if r["grade"] else None: int(r["n"]) for r in rows}
    return CycleRun(region_code=region_code, cycle_year=cycle_year, ruleset_code=rs.code,
                    ruleset_version=rs.version, evaluated=sum(dist.values()), distribution=dist)


def _emit_cycle_events(session: Session, *, region_prefix: str, cycle_year: int, at: datetime, actor: str) -> None:
    """One result.stored per result the cycle stored and one result.superseded per result it replaced, set-based
    (the results of one cycle run share their instant)."""
    for type, instant in ((EventType.RESULT_SUPERSEDED, "superseded_at"), (EventType.RESULT_STORED, "evaluated_at")):
        session.emit_query(
            f"""SELECT $1::text, region_code, subject_id, id, $2::text, '{{bureau,subject}}'::text[],
                       jsonb_build_object('resultId', id, 'cycleYear', cycle_year, 'grade', grade, 'score', score,
                                          'trigger', 'cycle', 'supersededBy', superseded_by), NULL::jsonb
                FROM evaluation_result
                WHERE cycle_year = $3 AND {instant} = $4 AND region_code LIKE $5 || '%'
                ORDER BY id""", str(type), actor, cycle_year, at, region_prefix)


@dataclass(frozen=True)
class WhatIf:
    """A draft rule set's grade distribution over a region beside the current one; nothing is stored."""

    region_code: str
    cycle_year: int
    draft: dict[Grade | None, int]
    current: dict[Grade | None, int]


async def what_if(*, session: Session, access: Access, region_code: str, data: Any, today: date,
                  cycle_year: int | None = None) -> WhatIf:
    """Run a draft rule set over a region's subjects set-based and compare with their current grades."""
    rs = validate_ruleset(data=data)
    tree = region_tree()
    if tree.find(region_code) is None:
        raise unknown_region(region_code)
    access.require("evaluation", "run", region_code=region_code)
    year = today.year - rs.cycle.evaluate_offset_years if cycle_year is None else cycle_year
    compiled = compile_cycle(rs, region_prefix=tree.subtree_prefix(region_code), cycle_year=year, as_of=today)
    draft_rows = await session.fetch(f"SELECT grade, count(*) AS n FROM ({compiled.select}) c GROUP BY grade",
                                     *compiled.args)
    current_rows = await session.fetch(
        f"""SELECT e.grade, count(*) AS n FROM ({compiled.select}) c
            JOIN evaluation_result e ON e.subject_id = c.subject_id AND e.cycle_year = $5
             AND e.superseded_at IS NULL GROUP BY e.grade""", *compiled.args, year)

    def dist(rows: list[asyncpg.Record]) -> dict[Grade | None, int]:
        return {Grade(r["grade"]) if r["grade"] else None: int(r["n"]) for r in rows}

    return WhatIf(region_code=region_code, cycle_year=year, draft=dist(draft_rows), current=dist(current_rows))


async def grades_by_region(*, session: Session, access: Access, parent_code: str | None,
                           cycle_year: int) -> list[tuple[str, Grade | None, int]]:
    """Current grades per child region of ``parent_code`` (default: the principal's node), for dashboards."""
    parent = parent_code or access.principal.region_code
    if not parent or region_tree().find(parent) is None:
        raise InvalidInput("请指定要细分统计的行政区划（parentCode）。",
            en="Name the region to break down (parentCode).", field="parentCode")
    access.require("evaluation", "read", region_code=parent)
    tree = region_tree()
    depth = len(tree.ancestors(parent)) + 1
    rows = await session.fetch(
        f"""SELECT r.path[{depth + 1}] AS child, e.grade, count(*) AS n
            FROM evaluation_result e JOIN region r ON r.code = e.region_code
            WHERE e.region_code LIKE $1 AND e.cycle_year = $2 AND e.superseded_at IS NULL
            GROUP BY 1, 2 ORDER BY 1, 2""", tree.subtree_prefix(parent) + "%", cycle_year)
    return [(r["child"] or parent, Grade(r["grade"]) if r["grade"] else None, int(r["n"])) for r in rows]
