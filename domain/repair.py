"""信用修复: a subject applies to repair a dishonesty record; the department that found it decides.

Conditions are rules (``domain.rules.repair``). Approval records ``record.repaired``, which the take-down
consumer handles like any end of display: the record's live publications come down at once, so it leaves the
public answers and the serious-dishonesty list; the black list (``evaluation.credit_lists``) no longer counts a
repaired record. A repair obtained with false materials is revoked, and the revocation enters a new dishonesty
record through the archive's own workflow (it is reviewed and confirmed like any other).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from domain import archive
from domain.access import Access, PrincipalKind
from domain.documents.evidence import EvidenceUpload, check_evidence, store_evidence
from domain.documents.numbering import next_number
from domain.errors import Conflict, Forbidden, NotFound
from domain.events import DomainEvent, EventType
from domain.objections import SELF_DECLARED, NothingToObject, require
from domain.rules.catalog import RecordCategory, RecordKind
from domain.rules.disclosure import CHINA_STANDARD_TIME
from domain.rules.records import RecordContent
from domain.rules.repair import RepairCondition, RepairState, check_application, next_repair_state, reapply_date
from domain.session import Session

COLUMNS = """id, subject_id, region_code, record_id, kind, handler_department, status, materials, statement,
    application_no, display_started, eligible_from, filed_by, filed_at, decided_by, decided_at, decision_reason,
    decision_no, reapply_from, revoked_by, revoked_at, revoke_reason, revocation_record_id"""
FALSE_MATERIALS_BASIS = "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展改革委令2023年第58号）"


@dataclass(frozen=True)
class RepairView:
    """信用修复申请 as stored."""

    id: uuid.UUID
    subject_id: uuid.UUID
    region_code: str
    record_id: uuid.UUID
    kind: RecordKind
    handler_department: str
    status: RepairState
    materials: tuple[RepairCondition, ...]
    statement: str
    application_no: str
    display_started: date
    eligible_from: date
    filed_by: str
    filed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    decision_no: str | None
    reapply_from: date | None
    revoked_by: str | None
    revoked_at: datetime | None
    revoke_reason: str | None
    revocation_record_id: uuid.UUID | None

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> RepairView:
        d = dict(r)
        d["kind"] = RecordKind(d["kind"])
        d["status"] = RepairState(d["status"])
        d["materials"] = tuple(RepairCondition(m) for m in d["materials"])
        return cls(**d)


def _emit(session: Session, type: EventType, view: RepairView, *, actor: str, item_id: uuid.UUID | None = None,
          **extra: object) -> None:
    session.emit(DomainEvent(
        type=type, region_code=view.region_code, subject_id=view.subject_id, item_id=item_id or view.id, actor=actor,
        payload={"repairId": str(view.id), "applicationNo": view.application_no, "recordId": str(view.record_id),
                 "kind": str(view.kind), "status": str(view.status),
                 **{k: v for k, v in extra.items() if v is not None}}))


async def _display_started(session: Session, record_id: uuid.UUID, entered_at: datetime) -> date:
    """When the record's display began: its first publication, else its confirmation (China time)."""
    at = await session.fetchval(
        """SELECT coalesce(
               (SELECT min(published_at) FROM publication WHERE item_type = 'record' AND item_id = $1
                  AND published_at IS NOT NULL),
               (SELECT max(e.at) FROM record_event e JOIN credit_record r ON r.id = e.record_id
                  WHERE e.record_id = $1 AND e.to_status = 'confirmed' AND e.version = r.effective_version))""",
        record_id)
    return (at or entered_at).astimezone(CHINA_STANDARD_TIME).date()


async def apply_for_repair(*, session: Session, access: Access, record_id: uuid.UUID, statement: str,
                           materials: frozenset[RepairCondition], evidence: list[EvidenceUpload],
                           today: date) -> RepairView:
    """申请信用修复: a subject applies to repair one of its dishonesty records, with materials."""
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("信用修复由信用主体本人申请。", resource="repair", action="apply")
    require(access, "repair", "apply", "您无权申请信用修复。", subject_id=p.id)
    subject_id = uuid.UUID(p.id)
    files = check_evidence(evidence)
    r = await session.fetchrow(
        """SELECT r.subject_id, r.region_code, r.kind, r.category, r.status, r.department, r.effective_version,
                  r.entered_at, v.penalty_until
           FROM credit_record r
           LEFT JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
           WHERE r.id = $1""", record_id)
    if r is None or r["subject_id"] != subject_id:
        raise NotFound("没有找到该信息，或它不属于您的信用档案。", field="recordId")
    if (r["category"] != RecordCategory.DISHONESTY or r["effective_version"] is None or r["status"] == "withdrawn"
            or r["department"] == SELF_DECLARED):
        raise NothingToObject("只有已认定生效的失信信息可以申请信用修复。", field="recordId", status=r["status"])
    previous = await session.fetch(
        "SELECT status, reapply_from FROM repair_application WHERE record_id = $1 ORDER BY filed_at DESC", record_id)
    if any(x["status"] in (RepairState.SUBMITTED, RepairState.APPROVED) for x in previous):
        raise Conflict("该信息已有正在办理或已获准的信用修复申请。", field="recordId")
    refused = [x["reapply_from"] for x in previous if x["status"] == RepairState.REFUSED]
    kind = RecordKind(r["kind"])
    started = await _display_started(session, record_id, r["entered_at"])
    eligible = check_application(kind=kind, display_started=started, today=today, materials=materials,
                                 penalty_until=r["penalty_until"], reapply_from=max(refused) if refused else None)
    text = statement.strip()[:2000] or "本主体已纠正失信行为、消除不良影响，申请信用修复。"
    number = await next_number(session=session, word="repair", on=today)
    row = await session.fetchrow(
        f"""INSERT INTO repair_application (subject_id, region_code, record_id, kind, handler_department, status,
                materials, statement, application_no, display_started, eligible_from, filed_by)
            VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}""",
        subject_id, r["region_code"], record_id, str(kind), r["department"], sorted(str(m) for m in materials), text,
        number, started, eligible, p.actor)
    assert row is not None
    await store_evidence(session=session, files=files, subject_id=subject_id, region_code=r["region_code"],
                         actor=p.actor, repair_id=row["id"])
    view = RepairView.from_record(row)
    _emit(session, EventType.REPAIR_SUBMITTED, view, actor=p.actor, evidenceFiles=len(files))
    return view


async def get_repair(*, session: Session, access: Access, id: uuid.UUID, lock: bool = False) -> RepairView:
    """One repair application, if the principal may read it."""
    row = await session.fetchrow(
        f"SELECT {COLUMNS} FROM repair_application WHERE id = $1" + (" FOR UPDATE" if lock else ""), id)
    if row is None:
        raise NotFound("没有找到该信用修复申请。", field="id")
    access.require("repair", "read", region_code=row["region_code"], subject_id=str(row["subject_id"]))
    return RepairView.from_record(row)


async def _as_handler(session: Session, access: Access, id: uuid.UUID) -> RepairView:
    view = await get_repair(session=session, access=access, id=id, lock=True)
    require(access, "repair", "decide", "您无权决定信用修复：由作出失信认定的医疗保障部门的经办人员决定。",
            region_code=view.region_code)
    if access.principal.department != view.handler_department:
        raise Forbidden(f"信用修复应由作出失信认定的部门（{view.handler_department}）决定。", resource="repair",
                        action="decide", handler=view.handler_department)
    return view


async def decide_repair(*, session: Session, access: Access, id: uuid.UUID, approve: bool, reason: str | None,
                        today: date) -> RepairView:
    """准予/不予信用修复: the department that found the dishonesty decides; approval stops the display at once."""
    p = access.principal
    view = await _as_handler(session, access, id)
    target = next_repair_state(state=view.status, to=RepairState.APPROVED if approve else RepairState.REFUSED,
                               reason=reason)
    reason = reason.strip() if reason else None
    number = await next_number(session=session, word="repair_decision", on=today)
    again = None if approve else reapply_date(kind=view.kind, refused_on=today)
    row = await session.fetchrow(
        f"""UPDATE repair_application SET status = $2, decided_by = $3, decided_at = now(), decision_reason = $4,
                decision_no = $5, reapply_from = $6 WHERE id = $1 RETURNING {COLUMNS}""",
        id, str(target), p.actor, reason or ("符合信用修复条件，准予修复。" if approve else None), number, again)
    assert row is not None
    updated = RepairView.from_record(row)
    if approve:
        _emit(session, EventType.REPAIR_APPROVED, updated, actor=p.actor, decisionNo=number)
        # the record's display ends: the take-down consumer withdraws its live publications
        _emit(session, EventType.RECORD_REPAIRED, updated, actor=p.actor, item_id=view.record_id, decisionNo=number)
    else:
        _emit(session, EventType.REPAIR_REFUSED, updated, actor=p.actor, reason=reason,
              reapplyFrom=again.isoformat() if again else None)
    return updated


async def revoke_repair(*, session: Session, access: Access, id: uuid.UUID, reason: str, today: date) -> RepairView:
    """撤销信用修复: a repair obtained with false materials is revoked and recorded as new dishonesty."""
    p = access.principal
    view = await _as_handler(session, access, id)
    next_repair_state(state=view.status, to=RepairState.REVOKED, reason=reason)
    record = await archive.enter_record(
        session=session, access=access, subject_id=view.subject_id, kind=RecordKind.OTHER_DISHONESTY,
        content=RecordContent(title="提供虚假材料骗取信用修复", facts=f"{view.application_no}：{reason.strip()}",
                              occurred_on=today, decided_on=today, legal_basis=FALSE_MATERIALS_BASIS),
        today=today)
    row = await session.fetchrow(
        f"""UPDATE repair_application SET status = 'revoked', revoked_by = $2, revoked_at = now(), revoke_reason = $3,
                revocation_record_id = $4 WHERE id = $1 RETURNING {COLUMNS}""", id, p.actor, reason.strip(), record.id)
    assert row is not None
    updated = RepairView.from_record(row)
    _emit(session, EventType.REPAIR_REVOKED, updated, actor=p.actor, reason=reason.strip(),
          newRecordId=str(record.id))
    return updated


async def repairs_of_subject(*, session: Session, access: Access, subject_id: uuid.UUID) -> list[RepairView]:
    """A subject's repair applications, newest first."""
    access.require("repair", "read", subject_id=str(subject_id))
    rows = await session.fetch(
        f"SELECT {COLUMNS} FROM repair_application WHERE subject_id = $1 ORDER BY filed_at DESC, id", subject_id)
    return [RepairView.from_record(r) for r in rows]


async def list_repairs(*, session: Session, access: Access, status: RepairState | None,
                       limit: int = 100) -> list[RepairView]:
    """Repair applications in the principal's subtree (the deciding bureau's queue), oldest first."""
    scope = access.region_scope("repair")
    rows = await session.fetch(
        f"""SELECT {COLUMNS} FROM repair_application WHERE {scope.clause("region_code", 1)}
              AND ($2::text IS NULL OR status = $2) ORDER BY filed_at, id LIMIT $3""",
        scope.argument, str(status) if status else None, limit)
    return [RepairView.from_record(r) for r in rows]
