"""档案查询: reading the archive: one record, a page or count of records under a filter, and the versions,
events and newest records of many at once (for DataLoaders).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.access import Access
from domain.errors import InvalidInput, NotFound
from domain.grouping import grouped
from domain.paging import Page, SortKey
from domain.record_views import (
    RECORD_COLUMNS,
    SELECT_RECORD,
    VERSION_COLUMNS,
    CreditRecordView,
    RecordEventView,
    RecordVersion,
)
from domain.rules.catalog import RecordCategory, RecordKind
from domain.rules.workflow import RecordState
from domain.session import Session


async def get_record(*, session: Session, access: Access, id: uuid.UUID) -> CreditRecordView:
    """One record with its current version, if the principal may read it."""
    row = await session.fetchrow(f"{SELECT_RECORD} WHERE r.id = $1", id)
    if row is None:
        raise NotFound("您的辖区内没有该信用记录。", en="No such record in your region.", field="id")
    access.require("record", "read", region_code=row["region_code"], subject_id=str(row["subject_id"]))
    return CreditRecordView.from_record(row)


async def latest_records(
    *, session: Session, subject_ids: list[uuid.UUID], limit: int, category: RecordCategory | None = None
) -> dict[uuid.UUID, list[CreditRecordView]]:
    """The newest ``limit`` records of each subject, for a whole page of subjects in one statement."""
    rows = await session.fetch(
        f"""SELECT x.* FROM unnest($1::uuid[]) AS ids(id) CROSS JOIN LATERAL (
                {SELECT_RECORD} WHERE r.subject_id = ids.id AND ($3::text IS NULL OR r.category = $3)
                ORDER BY r.entered_at DESC, r.id LIMIT $2) x""",
        subject_ids,
        limit,
        str(category) if category else None,
    )
    return grouped(rows, keys=subject_ids, key="subject_id", build=CreditRecordView.from_record)


async def versions_of(*, session: Session, record_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[RecordVersion]]:
    """Every version of each record, oldest first."""
    rows = await session.fetch(
        f"SELECT {VERSION_COLUMNS} FROM credit_record_version v WHERE v.record_id = ANY($1) ORDER BY v.version",
        record_ids,
    )
    return grouped(rows, keys=record_ids, key="record_id", build=RecordVersion.from_record)


async def events_of(*, session: Session, record_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[RecordEventView]]:
    """The workflow history of each record, oldest first."""
    rows = await session.fetch(
        """SELECT id, record_id, version, action, from_status, to_status, actor_id, actor_kind, reason, at
           FROM record_event WHERE record_id = ANY($1) ORDER BY id""",
        record_ids,
    )
    return grouped(rows, keys=record_ids, key="record_id", build=lambda r: RecordEventView(**dict(r)))


@dataclass(frozen=True)
class RecordFilter:
    status: RecordState | None = None
    category: RecordCategory | None = None
    region_code: str | None = None
    subject_id: uuid.UUID | None = None
    kind: RecordKind | None = None
    occurred_from: date | None = None  # the current version's date of the conduct or event, inclusive
    occurred_to: date | None = None
    entered_from: date | None = None  # the day the record was entered (Beijing calendar), inclusive
    entered_to: date | None = None


# The orders a page of records offers; newest entered first is the review queue's and the default.
RECORD_ORDERS: dict[str, SortKey] = {
    "ENTERED_AT_DESC": SortKey("ENTERED_AT_DESC", "r.entered_at", descending=True, id_expression="r.id",
                               cast="timestamptz"),
    "ENTERED_AT_ASC": SortKey("ENTERED_AT_ASC", "r.entered_at", id_expression="r.id", cast="timestamptz"),
    "UPDATED_AT_DESC": SortKey("UPDATED_AT_DESC", "r.updated_at", descending=True, id_expression="r.id",
                               cast="timestamptz"),
    # Records without a date of conduct (basic information) sort as the oldest.
    "OCCURRED_ON_DESC": SortKey("OCCURRED_ON_DESC", "coalesce(v.occurred_on, DATE '0001-01-01')", descending=True,
                                id_expression="r.id", cast="date"),
    "OCCURRED_ON_ASC": SortKey("OCCURRED_ON_ASC", "coalesce(v.occurred_on, DATE '0001-01-01')",
                               id_expression="r.id", cast="date"),
}


_CURRENT_VERSION_JOIN = "JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.current_version"


def _record_scope(access: Access, flt: RecordFilter) -> tuple[str, list[Any], bool]:
    """The WHERE clause and its arguments for records matching ``flt`` in the principal's subtree, and whether
    it reads the current version (``v``)."""
    scope = access.region_scope("record", region_code=flt.region_code)
    clauses = [scope.clause("r.region_code", 1)]
    args: list[Any] = [scope.argument]

    def add(clause: str, value: Any) -> None:
        args.append(value)
        clauses.append(clause.replace("$?", f"${len(args)}"))

    if flt.status:
        add("r.status = $?", str(flt.status))
    if flt.category:
        add("r.category = $?", str(flt.category))
    if flt.kind:
        add("r.kind = $?", str(flt.kind))
    if flt.subject_id:
        add("r.subject_id = $?", flt.subject_id)
    # Days on the bureaus' calendar: an entry at 07:00 Beijing time on 3 March belongs to 3 March.
    if flt.entered_from:
        add("r.entered_at >= ($?::date::timestamp AT TIME ZONE 'Asia/Shanghai')", flt.entered_from)
    if flt.entered_to:
        add("r.entered_at < (($?::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')", flt.entered_to)
    if flt.occurred_from:
        add("v.occurred_on >= $?", flt.occurred_from)
    if flt.occurred_to:
        add("v.occurred_on <= $?", flt.occurred_to)
    if flt.occurred_from and flt.occurred_to and flt.occurred_from > flt.occurred_to:
        raise InvalidInput("日期范围的开始晚于结束。", en="The date range starts after it ends.", field="occurredFrom")
    if flt.entered_from and flt.entered_to and flt.entered_from > flt.entered_to:
        raise InvalidInput("日期范围的开始晚于结束。", en="The date range starts after it ends.", field="enteredFrom")
    return " AND ".join(clauses), args, bool(flt.occurred_from or flt.occurred_to)


async def list_records(
    *,
    session: Session,
    access: Access,
    flt: RecordFilter,
    first: int,
    after: str | None,
    order: SortKey = RECORD_ORDERS["ENTERED_AT_DESC"],
) -> Page[CreditRecordView]:
    """Records in the principal's subtree (a review queue, say), newest entered first unless told."""
    where, args, _ = _record_scope(access, flt)
    keyset, keyset_args = order.after(after, first_param=len(args) + 1)
    args += keyset_args
    args.append(first + 1)
    rows = await session.fetch(
        f"""SELECT {RECORD_COLUMNS}, {VERSION_COLUMNS}, {order.expression} AS sort_value
            FROM credit_record r {_CURRENT_VERSION_JOIN}
            WHERE {where} {keyset} ORDER BY {order.order_by} LIMIT ${len(args)}""",
        *args,
    )
    items = [CreditRecordView.from_record(r) for r in rows]
    return Page.from_rows(items, [order.cursor(r["sort_value"], r["id"]) for r in rows], first)


async def count_records(*, session: Session, access: Access, flt: RecordFilter) -> int:
    """How many records match ``flt`` in the principal's subtree."""
    where, args, reads_version = _record_scope(access, flt)
    join = _CURRENT_VERSION_JOIN if reads_version else ""
    return int(await session.fetchval(f"SELECT count(*) FROM credit_record r {join} WHERE {where}", *args))
