"""异议处理: a subject disputes a record, a result or a publication; the department that produced it decides.

The state machine and deadlines are rules (``domain.rules.objections``, ``domain.rules.deadlines``). An upheld
objection corrects the item through the archive's own workflow (``archive.act_on_record``: a new version, or a
withdrawal), never in place; the spine then re-grades the subject and takes the publication down, as it does for
any amendment or withdrawal. A disputed result is corrected by re-evaluating the subject (the old result is
superseded and leaves the public); a disputed publication of a result is withdrawn.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from domain import archive, evaluation, publication_withdrawal
from domain.access import Access, PrincipalKind
from domain.documents.evidence import EvidenceUpload, check_evidence, store_evidence
from domain.documents.numbering import bureau_name, next_number
from domain.errors import DomainError, Forbidden, InvalidInput, NotFound
from domain.events import DomainEvent, EventType
from domain.rules.deadlines import is_overdue
from domain.rules.objections import (
    OPEN_STATES,
    Correction,
    ObjectionAction,
    ObjectionItem,
    ObjectionState,
    accept_deadline,
    check_reasons,
    decide_deadline,
    is_handler,
    next_state,
    overdue_due,
)
from domain.rules.records import RecordContent
from domain.rules.workflow import RecordAction
from domain.session import Session
from domain.subjects import subjects_by_ids

SELF_DECLARED = "信用主体自行申报"  # the department archive.declare_record names on a subject's own declaration


class NothingToObject(DomainError):
    """The item exists but was never decided against the subject (not in force, or its own declaration)."""

    code = "NOT_DECIDED_AGAINST_SUBJECT"


class ObjectionOpen(DomainError):
    """An objection to the same item is still being handled."""

    code = "OBJECTION_ALREADY_OPEN"


COLUMNS = """id, subject_id, region_code, item_type, item_id, record_id, handler_region, handler_department, reasons,
    status, application_no, filed_by, filed_at, filed_on, accept_due, decide_due, deadline_note, accepted_by,
    accepted_at, decided_by, decided_at, decision_reason, correction, decision_no"""

_EVENTS = {
    ObjectionAction.ACCEPT: EventType.OBJECTION_ACCEPTED,
    ObjectionAction.REFUSE: EventType.OBJECTION_REFUSED,
    ObjectionAction.UPHOLD: EventType.OBJECTION_UPHELD,
    ObjectionAction.REJECT: EventType.OBJECTION_REJECTED,
}


def require(access: Access, obj: str, act: str, message: str, *, region_code: str | None = None,
            subject_id: str | None = None) -> None:
    """``Access.require`` with the refusal told in Chinese, for the subject's rights."""
    if not access.allows(obj, act, region_code=region_code, subject_id=subject_id):
        raise Forbidden(message, resource=obj, action=act, region=region_code)


@dataclass(frozen=True)
class ObjectionView:
    """异议 as stored."""

    id: uuid.UUID
    subject_id: uuid.UUID
    region_code: str
    item_type: ObjectionItem
    item_id: uuid.UUID
    record_id: uuid.UUID | None
    handler_region: str
    handler_department: str
    reasons: str
    status: ObjectionState
    application_no: str
    filed_by: str
    filed_at: datetime
    filed_on: date
    accept_due: date
    decide_due: date | None
    deadline_note: str | None
    accepted_by: str | None
    accepted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    correction: Correction | None
    decision_no: str | None

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> ObjectionView:
        d = dict(r)
        d["item_type"] = ObjectionItem(d["item_type"])
        d["status"] = ObjectionState(d["status"])
        d["correction"] = Correction(d["correction"]) if d["correction"] else None
        return cls(**d)

    def due(self) -> date | None:
        """The deadline the objection is running against while open."""
        return overdue_due(state=self.status, accept_due=self.accept_due, decide_due=self.decide_due)

    def overdue(self, today: date) -> bool:
        due = self.due()
        return due is not None and is_overdue(due=due, today=today)


@dataclass(frozen=True)
class _Item:
    region_code: str
    handler_region: str
    handler_department: str
    record_id: uuid.UUID | None


async def _resolve_item(session: Session, *, item_type: ObjectionItem, item_id: uuid.UUID,
                        subject_id: uuid.UUID) -> _Item:
    """The disputed item as the subject sees it (row-level security hides everyone else's: NOT_FOUND)."""
    missing = NotFound("没有找到该信息，或它不属于您的信用档案。", field="itemId")
    if item_type is ObjectionItem.RECORD:
        r = await session.fetchrow(
            """SELECT subject_id, region_code, department, status, effective_version FROM credit_record
               WHERE id = $1""", item_id)
        if r is None or r["subject_id"] != subject_id:
            raise missing
        if r["effective_version"] is None or r["status"] == "withdrawn" or r["department"] == SELF_DECLARED:
            raise NothingToObject("该信息尚未由医疗保障部门认定生效（或已撤销、或为自行申报），无需提出异议。",
                                  field="itemId", status=r["status"])
        return _Item(region_code=r["region_code"], handler_region=r["region_code"],
                     handler_department=r["department"], record_id=item_id)
    if item_type is ObjectionItem.RESULT:
        r = await session.fetchrow("SELECT subject_id, region_code FROM evaluation_result WHERE id = $1", item_id)
        if r is None or r["subject_id"] != subject_id:
            raise missing
        return _Item(region_code=r["region_code"], handler_region=r["region_code"],
                     handler_department=bureau_name(r["region_code"]), record_id=None)
    r = await session.fetchrow(
        """SELECT subject_id, region_code, publisher_region, status, item_type, item_id FROM publication
           WHERE id = $1""", item_id)
    if r is None or r["subject_id"] != subject_id:
        raise missing
    if r["status"] != "published":
        raise NothingToObject("该信息未公开公示（或已撤下），无需对公示提出异议。", field="itemId", status=r["status"])
    return _Item(region_code=r["region_code"], handler_region=r["publisher_region"],
                 handler_department=bureau_name(r["publisher_region"]),
                 record_id=r["item_id"] if r["item_type"] == "record" else None)


async def file_objection(*, session: Session, access: Access, item_type: ObjectionItem, item_id: uuid.UUID,
                         reasons: str, evidence: list[EvidenceUpload], today: date) -> ObjectionView:
    """提出异议: a subject disputes one of its own items, with reasons and evidence files."""
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("异议由信用主体本人提出。", resource="objection", action="file")
    require(access, "objection", "file", "您无权提出异议。", subject_id=p.id)
    subject_id = uuid.UUID(p.id)
    text = check_reasons(reasons)
    files = check_evidence(evidence)
    item = await _resolve_item(session, item_type=item_type, item_id=item_id, subject_id=subject_id)
    open_one = await session.fetchval(
        """SELECT application_no FROM objection WHERE subject_id = $1 AND item_type = $2 AND item_id = $3
             AND status = ANY($4)""", subject_id, str(item_type), item_id, sorted(str(s) for s in OPEN_STATES))
    if open_one is not None:
        raise ObjectionOpen(f"对该信息的异议（{open_one}）正在办理中，请等待处理结果。", field="itemId")
    deadline = accept_deadline(region_code=item.handler_region, filed_on=today)
    shown = await _shows_disputed(session, subject_id=subject_id, today=today)
    number = await next_number(session=session, word="objection", on=today)
    row = await session.fetchrow(
        f"""INSERT INTO objection (subject_id, region_code, item_type, item_id, record_id, handler_region,
                handler_department, reasons, status, application_no, filed_by, filed_on, accept_due, deadline_note,
                publicly_disputed)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted', $9, $10, $11, $12, $13, $14) RETURNING {COLUMNS}""",
        subject_id, item.region_code, str(item_type), item_id, item.record_id, item.handler_region,
        item.handler_department, text, number, p.actor, today, deadline.due, deadline.note, shown)
    assert row is not None
    await store_evidence(session=session, files=files, subject_id=subject_id, region_code=item.region_code,
                         actor=p.actor, objection_id=row["id"])
    view = ObjectionView.from_record(row)
    _emit(session, EventType.OBJECTION_SUBMITTED, view, actor=p.actor, acceptDue=deadline.due.isoformat(),
          evidenceFiles=len(files))
    if shown:
        await _announce_marker(session, view, EventType.PUBLICATION_DISPUTED, actor=p.actor)
    return view


async def _shows_disputed(session: Session, *, subject_id: uuid.UUID, today: date) -> bool:
    """Whether the rule set the subject is evaluated by shows open objections publicly (RuleSet.show_disputed)."""
    subject = (await subjects_by_ids(session=session, ids=[subject_id])).get(subject_id)
    if subject is None:
        return False
    try:
        stored = await evaluation.ruleset_for(session=session, subject=subject, on=today)
    except NotFound:
        return False
    return stored.ruleset.show_disputed


async def publicly_disputed(*, session: Session, publication_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """异议处理中: of these public items, those under an open objection that is shown publicly (any audience may
    ask: the function answers only about items public now, and nothing else of the objection)."""
    rows = await session.fetch("SELECT yibao_disputed_publications($1::uuid[]) AS id", publication_ids)
    return {r["id"] for r in rows}


def _emit(session: Session, type: EventType, view: ObjectionView, *, actor: str, **extra: Any) -> None:
    session.emit(DomainEvent(
        type=type, region_code=view.region_code, subject_id=view.subject_id, item_id=view.id, actor=actor,
        payload={"objectionId": str(view.id), "applicationNo": view.application_no, "itemType": str(view.item_type),
                 "itemId": str(view.item_id), "status": str(view.status), "handlerRegion": view.handler_region,
                 **{k: v for k, v in extra.items() if v is not None}}))


async def get_objection(*, session: Session, access: Access, id: uuid.UUID, lock: bool = False) -> ObjectionView:
    """One objection, if the principal may read it (its subject, or the bureaus of its subtree)."""
    row = await session.fetchrow(f"SELECT {COLUMNS} FROM objection WHERE id = $1" + (" FOR UPDATE" if lock else ""),
                                 id)
    if row is None:
        raise NotFound("没有找到该异议。", field="id")
    access.require("objection", "read", region_code=row["region_code"], subject_id=str(row["subject_id"]))
    return ObjectionView.from_record(row)


async def decide_objection(*, session: Session, access: Access, id: uuid.UUID, action: ObjectionAction,
                           reason: str | None = None, correction: Correction | None = None,
                           content: RecordContent | None = None, today: date) -> ObjectionView:
    """受理/不予受理/成立/不成立: the producing department's decision on an objection, with its consequences."""
    p = access.principal
    view = await get_objection(session=session, access=access, id=id, lock=True)
    require(access, "objection", "decide", "您无权处理异议：异议由产生该信息的医疗保障部门的经办人员处理。",
            region_code=view.region_code)
    if not is_handler(handler_department=view.handler_department, handler_region=view.handler_region,
                      item=view.item_type, department=p.department, region_code=p.region_code):
        raise Forbidden(f"该异议应由产生该信息的部门（{view.handler_department}）处理。", resource="objection",
                        action="decide", handler=view.handler_department)
    target = next_state(state=view.status, action=action, reason=reason)
    reason = reason.strip() if reason else None
    if action is ObjectionAction.UPHOLD:
        correction = await _correct(session=session, access=access, view=view, reason=reason or "",
                                    correction=correction, content=content, today=today)
    if action is ObjectionAction.ACCEPT:
        deadline = decide_deadline(region_code=view.handler_region, accepted_on=today)
        row = await session.fetchrow(
            f"""UPDATE objection SET status = $2, accepted_by = $3, accepted_at = now(), decide_due = $4,
                    deadline_note = coalesce(deadline_note, $5) WHERE id = $1 RETURNING {COLUMNS}""",
            id, str(target), p.actor, deadline.due, deadline.note)
    else:
        number = await next_number(session=session, word="objection_decision", on=today)
        row = await session.fetchrow(
            f"""UPDATE objection SET status = $2, decided_by = $3, decided_at = now(), decision_reason = $4,
                    correction = $5, decision_no = $6 WHERE id = $1 RETURNING {COLUMNS}""",
            id, str(target), p.actor, reason, str(correction) if correction else None, number)
    assert row is not None
    updated = ObjectionView.from_record(row)
    _emit(session, _EVENTS[action], updated, actor=p.actor, reason=reason,
          correction=str(correction) if correction else None,
          decideDue=updated.decide_due.isoformat() if updated.decide_due else None)
    if action is not ObjectionAction.ACCEPT and await session.fetchval(
            "SELECT publicly_disputed FROM objection WHERE id = $1", id):
        await _announce_marker(session, updated, EventType.PUBLICATION_DISPUTE_CLOSED, actor=p.actor)
    return updated


async def _announce_marker(session: Session, view: ObjectionView, type: EventType, *, actor: str) -> None:
    """Tell the public (feed, mirrors, caches) that the live publications of the disputed item gained or lost
    their 异议处理中 marker; nothing else of the objection is public."""
    ids = await session.fetch(
        """SELECT id, region_code FROM publication WHERE status = 'published'
             AND ((item_type = $1 AND item_id = $2) OR ($1 = 'publication' AND id = $2))""",
        str(view.item_type), view.item_id)
    for r in ids:
        public = {"publicationId": str(r["id"]), "disputed": type is EventType.PUBLICATION_DISPUTED}
        session.emit(DomainEvent(type=type, region_code=r["region_code"], subject_id=view.subject_id,
                                 item_id=r["id"], actor=actor, payload=public, public_payload=public))


async def _correct(*, session: Session, access: Access, view: ObjectionView, reason: str,
                   correction: Correction | None, content: RecordContent | None, today: date) -> Correction | None:
    """更正: an upheld objection changes the item through its own workflow."""
    why = f"异议成立（{view.application_no}）：{reason}"
    if view.record_id is not None:
        if correction is None:
            raise InvalidInput("异议成立时须说明更正方式：更正内容（amend）或撤销该信息（withdraw）。",
                               field="correction")
        if correction is Correction.AMEND and content is None:
            raise InvalidInput("更正内容时须提供更正后的信息内容。", field="content")
        await archive.act_on_record(
            session=session, access=access, record_id=view.record_id,
            action=RecordAction.AMEND if correction is Correction.AMEND else RecordAction.WITHDRAW,
            reason=why, content=content, today=today)
        return correction
    if view.item_type is ObjectionItem.PUBLICATION:
        await publication_withdrawal.withdraw(session=session, access=access, id=view.item_id, reason=why)
        return None
    # a disputed result: the issuing bureau evaluates again; the old result is superseded and leaves the public
    year = await session.fetchval("SELECT cycle_year FROM evaluation_result WHERE id = $1", view.item_id)
    await evaluation.evaluate_subject(session=session, access=access, subject_id=view.subject_id, today=today,
                                      cycle_year=year)
    return None


@dataclass(frozen=True)
class ObjectionFilter:
    region_code: str | None = None
    status: ObjectionState | None = None
    overdue_only: bool = False


async def list_objections(*, session: Session, access: Access, flt: ObjectionFilter, today: date,
                          limit: int = 100) -> list[ObjectionView]:
    """Objections handled in the principal's subtree (a bureau's dashboard; the province's oversight), the
    overdue ones alone when asked, oldest deadline first."""
    scope = access.region_scope("objection", region_code=flt.region_code)
    rows = await session.fetch(
        f"""SELECT {COLUMNS} FROM objection WHERE {scope.clause("handler_region", 1)}
              AND ($2::text IS NULL OR status = $2)
              AND (NOT $3 OR (status = 'submitted' AND accept_due < $4) OR (status = 'accepted' AND decide_due < $4))
            ORDER BY coalesce(decide_due, accept_due), filed_at LIMIT $5""",
        scope.argument, str(flt.status) if flt.status else None, flt.overdue_only, today, limit)
    return [ObjectionView.from_record(r) for r in rows]


async def objections_of_subject(*, session: Session, access: Access, subject_id: uuid.UUID) -> list[ObjectionView]:
    """A subject's own objections, newest first."""
    access.require("objection", "read", subject_id=str(subject_id))
    rows = await session.fetch(f"SELECT {COLUMNS} FROM objection WHERE subject_id = $1 ORDER BY filed_at DESC, id",
                               subject_id)
    return [ObjectionView.from_record(r) for r in rows]


