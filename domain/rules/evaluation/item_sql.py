"""One rule-set item in the cycle's SQL: which records it reads, whether a subject has its line, the line's
signed points and its explanation, written exactly as ``engine`` scores and explains the same item.

The compiler (``cycle_sql``) names the item's aggregate columns (``a.<key>_n``, ``_ids``, ``_total``,
``_sum``); the expressions here read them.
"""

from __future__ import annotations

from decimal import Decimal

from domain.rules.catalog import RecordKind
from domain.rules.evaluation.ruleset import Item, ItemMode, Tier
from domain.rules.evaluation.sql_literals import sql_numeric, sql_text


def points_text(expr: str) -> str:
    """A number as report text, written as the engine writes points."""
    # engine._pts: 10 not 10.00, 2.5 not 2.50
    return f"trim_scale({expr})::text"


def within_sql(expr: str, lower: Decimal | None, upper: Decimal | None, lo_inc: bool, hi_inc: bool) -> str:
    """The condition that ``expr`` lies between the bounds (``None``: unbounded), as a band or tier reads it."""
    parts = []
    if lower is not None:
        parts.append(f"{expr} {'>=' if lo_inc else '>'} {sql_numeric(lower)}")
    if upper is not None:
        parts.append(f"{expr} {'<=' if hi_inc else '<'} {sql_numeric(upper)}")
    return " AND ".join(parts) or "true"


def kinds_filter(kinds: tuple[RecordKind, ...]) -> str:
    """The condition that a cycle record (``rec``) is of one of ``kinds``."""
    return "rec.kind IN (" + ", ".join(sql_text(str(k)) for k in kinds) + ")"


def item_line_sql(item: Item, key: str, sign: int, verb: str) -> tuple[str, str, str]:
    """(has, signed points, explanation) expressions of an item's line over the aggregate row."""
    has = f"a.{key}_n > 0"
    if item.mode is ItemMode.PER_OCCURRENCE:
        each = item.points_each or Decimal(0)
        raw = f"(a.{key}_n * {sql_numeric(each)})"
        head = (f"{sql_text(item.name)} || ' ' || a.{key}_n || ' 次，每次{verb}' || {points_text(sql_numeric(each))} "
                "|| '分'")
    elif item.mode is ItemMode.AMOUNT_TIERS:
        total = f"a.{key}_total"
        raw = "(CASE " + " ".join(f"WHEN {_tier(t, total)} THEN {sql_numeric(t.points)}" for t in item.tiers)
        raw += " ELSE 0::numeric END)"
        where = "(CASE " + " ".join(
            f"WHEN {_tier(t, total)} THEN {sql_text('' if t.label is None else f'（{t.label}）')}"
            for t in item.tiers) + " ELSE '' END)"
        found = "(" + " OR ".join(f"({_tier(t, total)})" for t in item.tiers) + ")"
        head = (f"{sql_text(item.name)} || '合计 ' || to_char({total}, 'FM999,999,999,999,999,990.00') || ' 元' "
                f"|| {where} || CASE WHEN {found} THEN '{verb}' || {points_text(raw)} || '分' "
                f"ELSE '，不在计分档内，不{verb}分' END")
    else:
        raw = f"a.{key}_sum"
        head = f"{sql_text(item.name)} || ' ' || a.{key}_n || ' 条，合计{verb}' || {points_text(raw)} || '分'"
    capped = raw if item.cap is None else f"LEAST({raw}, {sql_numeric(item.cap)})"
    text = head
    if item.cap is not None:
        text += f" || CASE WHEN {capped} <> {raw} THEN '，本项最多{verb}' || {points_text(capped)} || '分' ELSE '' END"
    if item.mode is not ItemMode.AMOUNT_TIERS:
        text += f" || '，共{verb}' || {points_text(capped)} || '分'"
    points = f"(CASE WHEN {has} THEN {sign} * {capped} ELSE 0::numeric END)"
    return has, points, text


def _tier(t: Tier, total: str) -> str:
    return within_sql(total, t.lower, t.upper, t.lower_inclusive, t.upper_inclusive)
