"""The exchange tables (migration 0013), declared like ``domain/tables.py`` for alembic and the drift test."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import SQLModel

from domain.tables import _col


class ExchangeBureau(SQLModel, table=True):
    """A bureau's unified social credit code: the 双公示 deciding authority and data source unit."""

    __tablename__ = "exchange_bureau"
    region_code: str = _col(sa.Text, primary_key=True, nullable=False)
    name: str = _col(sa.Text, nullable=False)
    uscc: str = _col(sa.Text, nullable=False)


class PlatformPush(SQLModel, table=True):
    """One publication change pushed to the provincial public credit platform (001 art.5)."""

    __tablename__ = "platform_push"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    event_position: int = _col(sa.BigInteger, nullable=False)
    publication_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    action: str = _col(sa.Text, nullable=False)
    payload: dict[str, Any] = _col(pg.JSONB, nullable=False)
    status: str = _col(sa.Text, nullable=False)
    attempts: int = _col(sa.Integer, nullable=False)
    next_attempt_at: datetime | None = _col(sa.DateTime(timezone=True))
    last_error: str | None = _col(sa.Text)
    platform_ref: str | None = _col(sa.Text)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    sent_at: datetime | None = _col(sa.DateTime(timezone=True))
    acknowledged_at: datetime | None = _col(sa.DateTime(timezone=True))
    layout: str = _col(sa.Text, nullable=False)  # migration 0021: 'penalty' or 'list'


class JointMeasure(SQLModel, table=True):
    """联合惩戒: a measure binding other departments for a subject on the serious-dishonesty list."""

    __tablename__ = "joint_measure"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    publication_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    code: str = _col(sa.Text, nullable=False)
    description: str = _col(sa.Text, nullable=False)
    departments: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)
    basis: str = _col(sa.Text, nullable=False)
    starts_on: date = _col(sa.Date, nullable=False)
    ends_on: date | None = _col(sa.Date)
    lifted_at: datetime | None = _col(sa.DateTime(timezone=True))
    lift_reason: str | None = _col(sa.Text)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class BankConsent(SQLModel, table=True):
    """医保e贷: a subject's consent to a named bank, for a purpose and a period."""

    __tablename__ = "bank_consent"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    bank_client: str = _col(sa.Text, nullable=False)
    purpose: str = _col(sa.Text, nullable=False)
    valid_from: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    valid_until: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    revoked_at: datetime | None = _col(sa.DateTime(timezone=True))
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class BankAccess(SQLModel, table=True):
    """One read a bank made under a consent, shown to the subject."""

    __tablename__ = "bank_access"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    consent_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    bank_client: str = _col(sa.Text, nullable=False)
    purpose: str = _col(sa.Text, nullable=False)
    what: str = _col(sa.Text, nullable=False)
    accessed_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class OversightDeadline(SQLModel, table=True):
    """A province's deadlines in days: decision to entry, entry to confirmation (001 art.30)."""

    __tablename__ = "oversight_deadline"
    province_code: str = _col(sa.Text, primary_key=True, nullable=False)
    entry_days: int = _col(sa.Integer, nullable=False)
    confirmation_days: int = _col(sa.Integer, nullable=False)
