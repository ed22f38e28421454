"""档案写入: the append-only rows of the archive: a new record, a numbered version of its content, and the
attributed event of each workflow step. Nothing here changes a version once written.
"""

from __future__ import annotations

import uuid

from domain.rules.catalog import RecordKind
from domain.rules.records import RecordContent
from domain.rules.workflow import Transition
from domain.session import Session


async def insert_version(
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


async def insert_event(
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


async def create_record(
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
    await insert_version(
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
    await insert_event(
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
