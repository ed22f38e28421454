"""信用档案: entering, declaring, reviewing, confirming, amending and withdrawing credit records.

Records are never changed in place: content lives in numbered versions, every workflow step is an
attributed event, and the version in force (``effective_version``) only moves when a version is confirmed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from domain.access import Access, PrincipalKind
from domain.db import Session, grouped
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.events import DomainEvent, EventType
from domain.paging import Page, SortKey, encode_time_cursor
from domain.rules.catalog import RecordCategory, RecordKind
from domain.rules.records import DECLARABLE_CATEGORIES, RecordContent, check_content
from domain.rules.workflow import (
    RecordAction,
    RecordHistory,
    RecordState,
    Transition,
    actions_open_to,
    start_declaration,
    start_entry,
    transition,
)

RECORD_COLUMNS = """r.id, r.subject_id, r.region_code, r.category, r.kind, r.status, r.current_version,
    r.effective_version, r.reviewed_by, r.confirmed_by, r.department, r.entered_by, r.entered_at, r.updated_at"""
VERSION_COLUMNS = """v.record_id, v.version, v.title, v.facts, v.amount, v.points, v.score, v.occurred_on,
    v.decided_on, v.penalty, v.penalty_until, v.legal_basis, v.clauses, v.details, v.author_id, v.author_kind,
    v.change_reason, v.created_at"""

# The event each workflow step records (a withdrawal of a record in force first records its request).
_EVENT = {
    RecordAction.REVIEW_APPROVE: EventType.RECORD_REVIEWED,
    RecordAction.VERIFY_DECLARATION: EventType.RECORD_REVIEWED,
    RecordAction.REVIEW_REJECT: EventType.RECORD_REJECTED,
    RecordAction.REJECT_DECLARATION: EventType.RECORD_REJECTED,
    RecordAction.CONFIRM: EventType.RECORD_CONFIRMED,
    RecordAction.AMEND: EventType.RECORD_AMENDED,
    RecordAction.WITHDRAW: EventType.RECORD_WITHDRAWN,
    RecordAction.APPROVE_WITHDRAWAL: EventType.RECORD_WITHDRAWN,
    RecordAction.REFUSE_WITHDRAWAL: EventType.RECORD_WITHDRAWAL_REFUSED,
}

# Which Casbin action each workflow step needs.
_PERMISSION = {
    RecordAction.REVIEW_APPROVE: "review",
    RecordAction.REVIEW_REJECT: "review",
    RecordAction.VERIFY_DECLARATION: "review",
    RecordAction.REJECT_DECLARATION: "review",
    RecordAction.CONFIRM: "confirm",
    RecordAction.AMEND: "write",
    RecordAction.WITHDRAW: "write",
    RecordAction.APPROVE_WITHDRAWAL: "review",
    RecordAction.REFUSE_WITHDRAWAL: "review",
}


@dataclass(frozen=True)
class RecordVersion:
    record_id: uuid.UUID
    version: int
    content: RecordContent
    author_id: str
    author_kind: str
    change_reason: str | None
    created_at: datetime

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> RecordVersion:
        content = RecordContent(
            title=r["title"],
            facts=r["facts"],
            amount=r["amount"],
            points=r["points"],
            score=r["score"],
            occurred_on=r["occurred_on"],
            decided_on=r["decided_on"],
            penalty=r["penalty"],
            penalty_until=r["penalty_until"],
            legal_basis=r["legal_basis"],
            clauses=tuple(r["clauses"]),
            details=r["details"] or {},
        )
        return cls(
            record_id=r["record_id"],
            version=r["version"],
            content=content,
            author_id=r["author_id"],
            author_kind=r["author_kind"],
            change_reason=r["change_reason"],
            created_at=r["created_at"],
        )


@dataclass(frozen=True)
class CreditRecordView:
    """A record with its current version (the one in the workflow) attached."""

    id: uuid.UUID
    subject_id: uuid.UUID
    region_code: str
    category: RecordCategory
    kind: RecordKind
    status: RecordState
    current_version: int
    effective_version: int | None
    reviewed_by: str | None
    confirmed_by: str | None
    department: str
    entered_by: str
    entered_at: datetime
    updated_at: datetime
    current: RecordVersion

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> CreditRecordView:
        return cls(
            id=r["id"],
            subject_id=r["subject_id"],
            region_code=r["region_code"],
            category=RecordCategory(r["category"]),
            kind=RecordKind(r["kind"]),
            status=RecordState(r["status"]),
            current_version=r["current_version"],
            effective_version=r["effective_version"],
            reviewed_by=r["reviewed_by"],
            confirmed_by=r["confirmed_by"],
            department=r["department"],
            entered_by=r["entered_by"],
            entered_at=r["entered_at"],
            updated_at=r["updated_at"],
            current=RecordVersion.from_record(r),
        )


@dataclass(frozen=True)
class RecordEventView:
    id: int
    record_id: uuid.UUID
    version: int
    action: str
    from_status: str | None
    to_status: str
    actor_id: str
    actor_kind: str
    reason: str | None
    at: datetime


_SELECT_RECORD = f"""SELECT {RECORD_COLUMNS}, {VERSION_COLUMNS}
    FROM credit_record r JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.current_version"""


async def _insert_version(
    session: Session,
    *,
    record_id: uuid.UUID,
    version: int,
    subject_id: uuid.UUID,
    region_code: str,
    content: RecordContent,
    author_id: str,
    author_kind: str,
    reason: str | None,
) -> None:
    c = content
    await session.execute(
        """INSERT INTO credit_record_version (record_id, version, subject_id, region_code, title, facts, amount,
               points, score, occurred_on, decided_on, penalty, penalty_until, legal_basis, clauses, details,
               author_id, author_kind, change_reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)""",
        record_id,
        version,
        subject_id,
        region_code,
        c.title,
        c.facts,
        c.amount,
        c.points,
        c.score,
        c.occurred_on,
        c.decided_on,
        c.penalty,
        c.penalty_until,
        c.legal_basis,
        list(c.clauses),
        c.details,
        author_id,
        author_kind,
        reason,
    )


async def _insert_event(
    session: Session,
    *,
    record_id: uuid.UUID,
    subject_id: uuid.UUID,
    region_code: str,
    version: int,
    step: Transition,
    action: str,
    actor_kind: str,
) -> None:
    await session.execute(
        """INSERT INTO record_event (record_id, subject_id, region_code, version, action, from_status, to_status,
               actor_id, actor_kind, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        record_id,
        subject_id,
        region_code,
        version,
        action,
        str(step.previous_state) if step.previous_state else None,
        str(step.state),
        step.actor_id,
        actor_kind,
        step.reason,
    )


async def _create_record(
    session: Session,
    *,
    subject_id: uuid.UUID,
    region: str,
    kind: RecordKind,
    content: RecordContent,
    step: Transition,
    department: str,
    author_kind: str,
    action: str,
) -> uuid.UUID:
    """Write a new record, its first version and the event that started it; return its id."""
    record_id = uuid.uuid4()
    await session.execute(
        """INSERT INTO credit_record (id, subject_id, region_code, category, kind, status, department, entered_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        record_id,
        subject_id,
        region,
        str(kind.category),
        str(kind),
        str(step.state),
        department,
        step.actor_id,
    )
    await _insert_version(
        session,
        record_id=record_id,
        version=1,
        subject_id=subject_id,
        region_code=region,
        content=content,
        author_id=step.actor_id,
        author_kind=author_kind,
        reason=None,
    )
    await _insert_event(
        session,
        record_id=record_id,
        subject_id=subject_id,
        region_code=region,
        version=1,
        step=step,
        action=action,
        actor_kind=author_kind,
    )
    return record_id


async def _subject_region(session: Session, subject_id: uuid.UUID) -> str:
    region = await session.fetchval("SELECT region_code FROM subject WHERE id = $1", subject_id)
    if region is None:
        raise NotFound("您的辖区内没有该信用主体。", en="No such subject in your region.", field="subjectId")
    return str(region)


async def enter_record(
    *, session: Session, access: Access, subject_id: uuid.UUID, kind: RecordKind, content: RecordContent, today: date
) -> CreditRecordView:
    """录入: an officer enters a record into a subject's archive; it awaits review."""
    region = await _subject_region(session, subject_id)
    access.require("record", "write", region_code=region)
    content = check_content(kind=kind, content=content, today=today)
    p = access.principal
    department = p.department or f"{region}医疗保障局"
    record_id = await _create_record(
        session,
        subject_id=subject_id,
        region=region,
        kind=kind,
        content=content,
        step=start_entry(actor_id=p.id),
        department=department,
        author_kind="officer",
        action="enter",
    )
    _emit(session, EventType.RECORD_ENTERED, record_id=record_id, subject_id=subject_id, region=region, kind=kind,
          version=1, actor=p.actor)
    return await get_record(session=session, access=access, id=record_id)


async def declare_record(
    *, session: Session, access: Access, kind: RecordKind, content: RecordContent, today: date
) -> CreditRecordView:
    """申报: a subject declares its own basic or trust information; it awaits verification."""
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("只有信用主体本人可以申报自身信息；工作人员请使用录入。",
            en="Only a subject declares information about itself; officers enter records.")
    subject_id = uuid.UUID(p.id)
    access.require("record", "declare", subject_id=p.id)
    if kind.category not in DECLARABLE_CATEGORIES:
        raise InvalidInput(
            "信用主体可以申报基本信息、守信信息或信用承诺，不能申报失信信息。",
            en="A subject may declare basic, trust or commitment information, not dishonesty.", field="kind"
        )
    content = check_content(kind=kind, content=content, today=today)
    region = await _subject_region(session, subject_id)
    record_id = await _create_record(
        session,
        subject_id=subject_id,
        region=region,
        kind=kind,
        content=content,
        step=start_declaration(declarant_id=p.id),
        department="信用主体自行申报",
        author_kind="subject",
        action="declare",
    )
    _emit(session, EventType.RECORD_DECLARED, record_id=record_id, subject_id=subject_id, region=region, kind=kind,
          version=1, actor=p.actor)
    return await get_record(session=session, access=access, id=record_id)


def _emit(session: Session, type: EventType, *, record_id: uuid.UUID, subject_id: uuid.UUID, region: str,
          kind: RecordKind, version: int, actor: str, **extra: Any) -> None:
    session.emit(DomainEvent(
        type=type, region_code=region, subject_id=subject_id, item_id=record_id, actor=actor,
        payload={"recordId": str(record_id), "kind": str(kind), "category": str(kind.category), "version": version,
                 **{k: v for k, v in extra.items() if v is not None}}))


async def act_on_record(
    *,
    session: Session,
    access: Access,
    record_id: uuid.UUID,
    action: RecordAction,
    reason: str | None = None,
    content: RecordContent | None = None,
    today: date,
) -> CreditRecordView:
    """Move a record through its workflow (review, confirm, verify, amend, withdraw) as one attributed step."""
    row = await session.fetchrow(
        f"""SELECT {RECORD_COLUMNS}, v.author_id FROM credit_record r
            JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.current_version
            WHERE r.id = $1 FOR UPDATE OF r""",
        record_id,
    )
    if row is None:
        raise NotFound("您的辖区内没有该信用记录。", en="No such record in your region.", field="id")
    access.require("record", _PERMISSION[action], region_code=row["region_code"])
    state = RecordState(row["status"])
    requested_by, before = None, None
    if state is RecordState.WITHDRAWAL_REQUESTED:
        request = await session.fetchrow(
            """SELECT actor_id, from_status FROM record_event WHERE record_id = $1 AND to_status = $2
               ORDER BY id DESC LIMIT 1""", record_id, str(RecordState.WITHDRAWAL_REQUESTED))
        if request is not None:
            requested_by, before = request["actor_id"], RecordState(request["from_status"])
    history = RecordHistory(
        entered_by=row["author_id"],
        reviewed_by=row["reviewed_by"],
        confirmed_by=row["confirmed_by"],
        version=row["current_version"],
        confirmed_version=row["effective_version"],
        withdrawal_requested_by=requested_by,
        state_before_withdrawal=before,
    )
    step = transition(state=state, action=action, actor_id=access.principal.id, history=history, reason=reason)
    h = step.history
    if action is RecordAction.AMEND:
        if content is None:
            raise InvalidInput("更正记录需要提供新的内容。", en="An amendment needs the new content.", field="content")
        checked = check_content(kind=RecordKind(row["kind"]), content=content, today=today)
        await _insert_version(
            session,
            record_id=record_id,
            version=h.version,
            subject_id=row["subject_id"],
            region_code=row["region_code"],
            content=checked,
            author_id=access.principal.id,
            author_kind="officer",
            reason=reason,
        )
    await session.execute(
        """UPDATE credit_record SET status = $2, current_version = $3, effective_version = $4,
               reviewed_by = $5, confirmed_by = $6, updated_at = now() WHERE id = $1""",
        record_id,
        str(step.state),
        h.version,
        h.confirmed_version,
        h.reviewed_by,
        h.confirmed_by,
    )
    await _insert_event(
        session,
        record_id=record_id,
        subject_id=row["subject_id"],
        region_code=row["region_code"],
        version=h.version,
        step=step,
        action=str(action),
        actor_kind="officer",
    )
    event = (EventType.RECORD_WITHDRAWAL_REQUESTED if step.state is RecordState.WITHDRAWAL_REQUESTED
             else _EVENT[action])
    # The cycle a record in force counts in: consumers re-grade it (real time, 001 art.17) after commit.
    occurred = await session.fetchval(
        "SELECT occurred_on FROM credit_record_version WHERE record_id = $1 AND version = $2",
        record_id, h.confirmed_version or h.version)
    _emit(session, event, record_id=record_id, subject_id=row["subject_id"], region=row["region_code"],
          kind=RecordKind(row["kind"]), version=h.version, actor=access.principal.actor, status=str(step.state),
          reason=step.reason, cycleYear=(occurred or today).year)
    return await get_record(session=session, access=access, id=record_id)


async def get_record(*, session: Session, access: Access, id: uuid.UUID) -> CreditRecordView:
    """One record with its current version, if the principal may read it."""
    row = await session.fetchrow(f"{_SELECT_RECORD} WHERE r.id = $1", id)
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
                {_SELECT_RECORD} WHERE r.subject_id = ids.id AND ($3::text IS NULL OR r.category = $3)
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


def actions_for(*, access: Access, record: CreditRecordView) -> tuple[RecordAction, ...]:
    """The workflow steps this principal may take on ``record`` now: possible from its status, allowed to its role
    in the record's region (Casbin), and not refused by separation of duties (录入、审核、确认 by different people)."""
    p = access.principal
    history = RecordHistory(
        entered_by=record.current.author_id,
        reviewed_by=record.reviewed_by,
        confirmed_by=record.confirmed_by,
        version=record.current_version,
        confirmed_version=record.effective_version,
    )
    return tuple(
        a
        for a in actions_open_to(state=record.status, actor_id=p.id, history=history)
        if access.allows("record", _PERMISSION[a], region_code=record.region_code)
    )


def record_cursor(record: CreditRecordView) -> str:
    return encode_time_cursor(record.entered_at, record.id)


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))
