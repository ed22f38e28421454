"""The tables, declared once with SQLModel: alembic's metadata and the reference for the drift test.

Queries on hot paths run as plain SQL over asyncpg (a SQLModel session select costs ~5x a raw query);
these classes say what the columns are. Row-level security, triggers and grants live in the migrations.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import Field, SQLModel


def _col(type_: Any, *, nullable: bool = True, primary_key: bool = False, **kw: Any) -> Any:
    return Field(sa_column=sa.Column(type_, nullable=nullable, primary_key=primary_key, **kw))


class Region(SQLModel, table=True):
    """A GB/T 2260 administrative division; a bureau sits on each."""

    __tablename__ = "region"
    code: str = _col(sa.Text, primary_key=True, nullable=False)
    name: str = _col(sa.Text, nullable=False)
    level: str = _col(sa.Text, nullable=False)
    parent_code: str | None = _col(sa.Text)
    path: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)


class Officer(SQLModel, table=True):
    """A bureau officer, or the staff of a handling agency or licensed evaluator acting for a bureau."""

    __tablename__ = "officer"
    id: str = _col(sa.Text, primary_key=True, nullable=False)
    name: str = _col(sa.Text, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    role: str = _col(sa.Text, nullable=False)
    department: str = _col(sa.Text, nullable=False)
    organisation: str | None = _col(sa.Text)
    active: bool = _col(sa.Boolean, nullable=False)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class Subject(SQLModel, table=True):
    """信用主体: an institution (by unified social credit code) or an individual (by resident ID)."""

    __tablename__ = "subject"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    kind: str = _col(sa.Text, nullable=False)
    subject_class: str = _col(sa.Text, nullable=False)
    code: str = _col(sa.Text, nullable=False)
    name: str = _col(sa.Text, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    service_scope: str | None = _col(sa.Text)
    parent_subject_id: uuid.UUID | None = _col(sa.Uuid)
    phone: str | None = _col(sa.Text)
    address: str | None = _col(sa.Text)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    created_by: str = _col(sa.Text, nullable=False)
    updated_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class CreditRecord(SQLModel, table=True):
    """A record in a subject's credit archive; its content lives in versions, its workflow in events."""

    __tablename__ = "credit_record"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    category: str = _col(sa.Text, nullable=False)
    kind: str = _col(sa.Text, nullable=False)
    status: str = _col(sa.Text, nullable=False)
    current_version: int = _col(sa.Integer, nullable=False)
    effective_version: int | None = _col(sa.Integer)
    reviewed_by: str | None = _col(sa.Text)
    confirmed_by: str | None = _col(sa.Text)
    department: str = _col(sa.Text, nullable=False)
    entered_by: str = _col(sa.Text, nullable=False)
    entered_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    updated_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class CreditRecordVersion(SQLModel, table=True):
    """One immutable version of a record's content."""

    __tablename__ = "credit_record_version"
    record_id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    version: int = _col(sa.Integer, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    title: str = _col(sa.Text, nullable=False)
    facts: str | None = _col(sa.Text)
    amount: Decimal | None = _col(sa.Numeric(14, 2))
    points: Decimal | None = _col(sa.Numeric(8, 2))
    score: Decimal | None = _col(sa.Numeric(8, 2))
    occurred_on: date | None = _col(sa.Date)
    decided_on: date | None = _col(sa.Date)
    penalty: str | None = _col(sa.Text)
    penalty_until: date | None = _col(sa.Date)
    legal_basis: str | None = _col(sa.Text)
    clauses: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)
    details: dict[str, Any] = _col(pg.JSONB, nullable=False)
    author_id: str = _col(sa.Text, nullable=False)
    author_kind: str = _col(sa.Text, nullable=False)
    change_reason: str | None = _col(sa.Text)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class RecordEvent(SQLModel, table=True):
    """An attributed workflow step on a record (entry, review, confirmation, withdrawal ...)."""

    __tablename__ = "record_event"
    id: int = _col(sa.BigInteger, primary_key=True, nullable=False)
    record_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    version: int = _col(sa.Integer, nullable=False)
    action: str = _col(sa.Text, nullable=False)
    from_status: str | None = _col(sa.Text)
    to_status: str = _col(sa.Text, nullable=False)
    actor_id: str = _col(sa.Text, nullable=False)
    actor_kind: str = _col(sa.Text, nullable=False)
    reason: str | None = _col(sa.Text)
    at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class AuditLog(SQLModel, table=True):
    """Every insert and update of subjects and records, with the acting principal (written by triggers)."""

    __tablename__ = "audit_log"
    id: int = _col(sa.BigInteger, primary_key=True, nullable=False)
    table_name: str = _col(sa.Text, nullable=False)
    row_id: str = _col(sa.Text, nullable=False)
    subject_id: uuid.UUID | None = _col(sa.Uuid)
    region_code: str = _col(sa.Text, nullable=False)
    op: str = _col(sa.Text, nullable=False)
    old: dict[str, Any] | None = _col(pg.JSONB)
    new: dict[str, Any] | None = _col(pg.JSONB)
    actor: str = _col(sa.Text, nullable=False)
    at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class Publication(SQLModel, table=True):
    """An item the city bureau prepares, publishes and withdraws, with its window and redacted public view."""

    __tablename__ = "publication"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    item_type: str = _col(sa.Text, nullable=False)
    item_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    publisher_region: str = _col(sa.Text, nullable=False)
    category: str = _col(sa.Text, nullable=False)
    kind: str = _col(sa.Text, nullable=False)
    status: str = _col(sa.Text, nullable=False)
    window_months: int | None = _col(sa.Integer)
    prepared_by: str = _col(sa.Text, nullable=False)
    prepared_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    published_by: str | None = _col(sa.Text)
    published_at: datetime | None = _col(sa.DateTime(timezone=True))
    public_until: datetime | None = _col(sa.DateTime(timezone=True))
    withdrawn_by: str | None = _col(sa.Text)
    withdrawn_at: datetime | None = _col(sa.DateTime(timezone=True))
    withdraw_reason: str | None = _col(sa.Text)
    public_key: str | None = _col(sa.Text)
    public_name: str | None = _col(sa.Text)
    public_payload: dict[str, Any] | None = _col(pg.JSONB)
    grade: str | None = _col(sa.Text)
    cycle_year: int | None = _col(sa.Integer)
    shared_payload: dict[str, Any] | None = _col(pg.JSONB)
    # Stored generated columns (migration 0014): the province and city prefixes of region_code, for the
    # public page indexes.
    region_province: str | None = _col(sa.Text)
    region_city: str | None = _col(sa.Text)


class Notification(SQLModel, table=True):
    """A message to a credit subject (its publication, say), which it reads with its own token."""

    __tablename__ = "notification"
    id: int = _col(sa.BigInteger, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    kind: str = _col(sa.Text, nullable=False)
    message: str = _col(sa.Text, nullable=False)
    publication_id: uuid.UUID | None = _col(sa.Uuid)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


metadata = SQLModel.metadata

# The other capabilities declare their tables in modules of their own; import them so this metadata is whole.
from domain import (  # noqa: E402, F401
    delivery_tables,
    evaluation_tables,
    event_tables,
    exchange_tables,
    hardening_tables,
    import_tables,
    integrity_tables,
    list_entry_tables,
    rights_tables,
)
