"""信用档案: entering, declaring, reviewing, confirming, amending and withdrawing credit records.

Records are never changed in place: content lives in numbered versions, every workflow step is an
attributed event, and the version in force (``effective_version``) only moves when a version is confirmed.
The rows are written by ``domain.record_writes``; reading the archive is ``domain.record_queries``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from domain.access import Access, PrincipalKind
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.events import DomainEvent, EventType
from domain.record_queries import get_record
from domain.record_views import RECORD_COLUMNS, CreditRecordView
from domain.record_writes import create_record, insert_event, insert_version
from domain.rules.catalog import RecordKind
from domain.rules.records import DECLARABLE_CATEGORIES, RecordContent, check_content
from domain.rules.workflow import (
    RecordAction,
    RecordHistory,
    RecordState,
    actions_open_to,
    start_declaration,
    start_entry,
    transition,
)
from domain.session import Session

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
    record_id = await create_record(
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
    record_id = await create_record(
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
        await insert_version(
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
    await insert_event(
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
