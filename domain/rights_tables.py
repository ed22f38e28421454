"""The subject's rights (migration 0012): objections, repair applications, evidence files and issued credit
reports, declared like ``domain/tables.py`` for alembic and the drift test."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import SQLModel

from domain.tables import _col


class ObjectionRow(SQLModel, table=True):
    """异议: a subject's dispute of a record, a result or a publication, and how it was handled."""

    __tablename__ = "objection"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    item_type: str = _col(sa.Text, nullable=False)
    item_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    record_id: uuid.UUID | None = _col(sa.Uuid)
    handler_region: str = _col(sa.Text, nullable=False)
    handler_department: str = _col(sa.Text, nullable=False)
    reasons: str = _col(sa.Text, nullable=False)
    status: str = _col(sa.Text, nullable=False)
    application_no: str = _col(sa.Text, nullable=False)
    filed_by: str = _col(sa.Text, nullable=False)
    filed_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    filed_on: date = _col(sa.Date, nullable=False)
    accept_due: date = _col(sa.Date, nullable=False)
    decide_due: date | None = _col(sa.Date)
    deadline_note: str | None = _col(sa.Text)
    accepted_by: str | None = _col(sa.Text)
    accepted_at: datetime | None = _col(sa.DateTime(timezone=True))
    decided_by: str | None = _col(sa.Text)
    decided_at: datetime | None = _col(sa.DateTime(timezone=True))
    decision_reason: str | None = _col(sa.Text)
    correction: str | None = _col(sa.Text)
    decision_no: str | None = _col(sa.Text)
    publicly_disputed: bool = _col(sa.Boolean, nullable=False)


class RepairApplicationRow(SQLModel, table=True):
    """信用修复申请: a subject's application to repair one dishonesty record, and the decision."""

    __tablename__ = "repair_application"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    record_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    kind: str = _col(sa.Text, nullable=False)
    handler_department: str = _col(sa.Text, nullable=False)
    status: str = _col(sa.Text, nullable=False)
    materials: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)
    statement: str = _col(sa.Text, nullable=False)
    application_no: str = _col(sa.Text, nullable=False)
    display_started: date = _col(sa.Date, nullable=False)
    eligible_from: date = _col(sa.Date, nullable=False)
    filed_by: str = _col(sa.Text, nullable=False)
    filed_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    decided_by: str | None = _col(sa.Text)
    decided_at: datetime | None = _col(sa.DateTime(timezone=True))
    decision_reason: str | None = _col(sa.Text)
    decision_no: str | None = _col(sa.Text)
    reapply_from: date | None = _col(sa.Date)
    revoked_by: str | None = _col(sa.Text)
    revoked_at: datetime | None = _col(sa.DateTime(timezone=True))
    revoke_reason: str | None = _col(sa.Text)
    revocation_record_id: uuid.UUID | None = _col(sa.Uuid)


class EvidenceFileRow(SQLModel, table=True):
    """证明材料: a PDF or image a subject attached to an objection or a repair application."""

    __tablename__ = "evidence_file"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    objection_id: uuid.UUID | None = _col(sa.Uuid)
    repair_id: uuid.UUID | None = _col(sa.Uuid)
    file_name: str = _col(sa.Text, nullable=False)
    media_type: str = _col(sa.Text, nullable=False)
    size_bytes: int = _col(sa.Integer, nullable=False)
    sha256: str = _col(sa.Text, nullable=False)
    content: bytes = _col(sa.LargeBinary, nullable=False)
    uploaded_by: str = _col(sa.Text, nullable=False)
    uploaded_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class CreditReportRow(SQLModel, table=True):
    """信用报告: an issued credit report's number, verification code and content digest (not its content)."""

    __tablename__ = "credit_report"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    report_no: str = _col(sa.Text, nullable=False)
    verification_code: str = _col(sa.Text, nullable=False)
    digest: str = _col(sa.Text, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    result_id: uuid.UUID | None = _col(sa.Uuid)
    issued_by: str = _col(sa.Text, nullable=False)
    issued_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class SubjectRepresentativeRow(SQLModel, table=True):
    """代理人: a person an institution named to act for it (migration 0019)."""

    __tablename__ = "subject_representative"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    name: str = _col(sa.Text, nullable=False)
    resident_id: str = _col(sa.Text, nullable=False)
    role: str = _col(sa.Text, nullable=False)
    appointed_by: str = _col(sa.Text, nullable=False)
    appointed_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    revoked_by: str | None = _col(sa.Text)
    revoked_at: datetime | None = _col(sa.DateTime(timezone=True))
