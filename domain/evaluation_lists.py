"""Dashboards over evaluation (信用评价): results, early warnings and the red and black lists as pages with
totals and orders, and grade distributions by subject class and by rule set.

Read functions only, kept apart from the evaluation service so its write paths can change independently.
Every page is one statement, its total one more (and a linked subject one batched statement in the schema).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.access import Access
from domain.errors import InvalidInput
from domain.evaluation import RESULT_COLUMNS, ListEntry, StoredResult, StoredWarning, credit_lists
from domain.paging import Page, SortKey
from domain.rules.catalog import Grade
from domain.rules.lists import ListKind
from domain.rules.name_order import name_order_key
from domain.rules.warnings import WarningKind
from domain.session import Session
from tenants import region_tree


def _without_sort_value(row: Any) -> dict[str, Any]:
    return {k: v for k, v in dict(row).items() if k != "sort_value"}


EVALUATION_ORDERS: dict[str, SortKey] = {
    "EVALUATED_AT_DESC": SortKey("EVALUATED_AT_DESC", "evaluated_at", descending=True, cast="timestamptz"),
    "EVALUATED_AT_ASC": SortKey("EVALUATED_AT_ASC", "evaluated_at", cast="timestamptz"),
    "CYCLE_YEAR_DESC": SortKey("CYCLE_YEAR_DESC", "cycle_year", descending=True, cast="int"),
}


async def results_page(
    *, session: Session, access: Access, subject_id: uuid.UUID, first: int, after: str | None, order: SortKey
) -> Page[StoredResult]:
    """Every result of a subject, superseded ones included, a page at a time."""
    access.require("evaluation", "read", subject_id=str(subject_id))
    keyset, args = order.after(after, first_param=2)
    rows = await session.fetch(
        f"""SELECT {RESULT_COLUMNS}, {order.expression} AS sort_value FROM evaluation_result
            WHERE subject_id = $1 {keyset} ORDER BY {order.order_by} LIMIT ${len(args) + 2}""",
        subject_id, *args, first + 1)
    items = [StoredResult.from_record(_without_sort_value(r)) for r in rows]
    return Page.from_rows(items, [order.cursor(r["sort_value"], r["id"]) for r in rows], first)


async def count_results(*, session: Session, access: Access, subject_id: uuid.UUID) -> int:
    """How many results a subject has, superseded ones included."""
    access.require("evaluation", "read", subject_id=str(subject_id))
    return int(await session.fetchval("SELECT count(*) FROM evaluation_result WHERE subject_id = $1", subject_id))


@dataclass(frozen=True)
class WarningFilter:
    region_code: str | None = None
    subject_id: uuid.UUID | None = None
    kind: WarningKind | None = None


WARNING_ORDERS: dict[str, SortKey] = {
    "RAISED_AT_DESC": SortKey("RAISED_AT_DESC", "raised_at", descending=True, cast="timestamptz"),
    "RAISED_AT_ASC": SortKey("RAISED_AT_ASC", "raised_at", cast="timestamptz"),
}


def _warning_scope(access: Access, flt: WarningFilter) -> tuple[str, list[Any]]:
    scope = access.region_scope("evaluation", region_code=flt.region_code)
    clauses, args = [scope.clause("region_code", 1)], [scope.argument]  # credit_warning_region_idx
    if flt.subject_id:
        args.append(flt.subject_id)
        clauses.append(f"subject_id = ${len(args)}")
    if flt.kind:
        args.append(str(flt.kind))
        clauses.append(f"kind = ${len(args)}")
    return " AND ".join(clauses), args


async def warnings_page(
    *, session: Session, access: Access, flt: WarningFilter, first: int, after: str | None, order: SortKey
) -> Page[StoredWarning]:
    """监测预警 in the principal's subtree (or a region of it), a page at a time."""
    where, args = _warning_scope(access, flt)
    keyset, keyset_args = order.after(after, first_param=len(args) + 1)
    args += [*keyset_args, first + 1]
    rows = await session.fetch(
        f"""SELECT id, subject_id, region_code, kind, message, record_kind, result_id, raised_at,
                   {order.expression} AS sort_value
            FROM credit_warning WHERE {where} {keyset} ORDER BY {order.order_by} LIMIT ${len(args)}""", *args)
    items = [StoredWarning(**_without_sort_value(r)) for r in rows]
    return Page.from_rows(items, [order.cursor(r["sort_value"], r["id"]) for r in rows], first)


async def count_warnings(*, session: Session, access: Access, flt: WarningFilter) -> int:
    """How many early warnings match ``flt``."""
    where, args = _warning_scope(access, flt)
    return int(await session.fetchval(f"SELECT count(*) FROM credit_warning WHERE {where}", *args))


def _list_sort_value(entry: ListEntry, order: str) -> str:
    if order == "GRADE_ASC":
        return str(entry.grade) if entry.grade else "~"  # ungraded entries last
    if order == "NAME_ASC":
        return name_order_key(entry.subject.name) if entry.subject else ""  # by pinyin, as subjects are
    return str(entry.membership.list_kind)


LIST_ORDERS: dict[str, SortKey] = {
    name: SortKey(name, name.lower()) for name in ("LIST_KIND_ASC", "GRADE_ASC", "NAME_ASC")
}


@dataclass(frozen=True)
class ListsPage:
    """A page of the red and black lists, with the total of the whole (filtered) list."""

    page: Page[ListEntry]
    total: int


async def credit_lists_page(
    *, session: Session, access: Access, region_code: str, cycle_year: int, today: date,
    list_kind: ListKind | None, first: int, after: str | None, order: SortKey,
) -> ListsPage:
    """红黑名单 of a region for a cycle, a page at a time (derived from results and records, then paged)."""
    entries = await credit_lists(session=session, access=access, region_code=region_code, cycle_year=cycle_year,
                                 today=today)
    if list_kind is not None:
        entries = [e for e in entries if e.membership.list_kind is list_kind]
    keyed = sorted(((_list_sort_value(e, order.name), str(e.subject_id)), e) for e in entries)
    start = order.position(after)
    rest = [e for k, e in keyed if start is None or k > start]
    items = rest[: first + 1]
    keys = [order.cursor(_list_sort_value(e, order.name), e.subject_id) for e in items]
    return ListsPage(page=Page.from_rows(items, keys, first), total=len(entries))


GRADE_DIMENSIONS = {"SUBJECT_CLASS": "subject_class", "RULE_SET": "ruleset_code"}


async def grade_breakdown(
    *, session: Session, access: Access, region_code: str | None, cycle_year: int, by: str
) -> list[tuple[str, Grade | None, int]]:
    """Current grades of a region's subtree for a cycle, counted per subject class or per rule set."""
    column = GRADE_DIMENSIONS.get(by)
    if column is None:
        raise InvalidInput(f"不支持的分组：{by}。", en=f"Unsupported grouping: {by}.", field="by")
    region = region_code or access.principal.region_code
    if not region or region_tree().find(region) is None:
        raise InvalidInput("请指定要统计的行政区划（regionCode）。", en="Name the region to count (regionCode).",
                           field="regionCode")
    access.require("evaluation", "read", region_code=region)
    # evaluation_result_region_idx (region_code, cycle_year) serves the filter; the column is on the result row.
    rows = await session.fetch(
        f"""SELECT {column} AS dimension, grade, count(*) AS n FROM evaluation_result
            WHERE region_code LIKE $1 AND cycle_year = $2 AND superseded_at IS NULL
            GROUP BY 1, 2 ORDER BY 1, 2""", region_tree().subtree_prefix(region) + "%", cycle_year)
    return [(r["dimension"], Grade(r["grade"]) if r["grade"] else None, int(r["n"])) for r in rows]
