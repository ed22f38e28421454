"""信用记录: how a credit record, its versions and its workflow events are read from their rows (the column
lists and the values built from them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.rules.catalog import RecordCategory, RecordKind
from domain.rules.records import RecordContent
from domain.rules.workflow import RecordState

RECORD_COLUMNS = """r.id, r.subject_id, r.region_code, r.category, r.kind, r.status, r.current_version,
    r.effective_version, r.reviewed_by, r.confirmed_by, r.department, r.entered_by, r.entered_at, r.updated_at"""
VERSION_COLUMNS = """v.record_id, v.version, v.title, v.facts, v.amount, v.points, v.score, v.occurred_on,
    v.decided_on, v.penalty, v.penalty_until, v.legal_basis, v.clauses, v.details, v.author_id, v.author_kind,
    v.change_reason, v.created_at"""


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


SELECT_RECORD = f"""SELECT {RECORD_COLUMNS}, {VERSION_COLUMNS}
    FROM credit_record r JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.current_version"""
