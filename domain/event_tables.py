"""The event spine's tables (migration 0007), declared like ``domain/tables.py`` for alembic and the drift test."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import SQLModel

from domain.tables import _col


class DomainEventRow(SQLModel, table=True):
    """领域事件: the sequenced outbox; ``position`` follows the order in which events became visible."""

    __tablename__ = "domain_event"
    position: int = _col(sa.BigInteger, primary_key=True, nullable=False)
    type: str = _col(sa.Text, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    subject_id: uuid.UUID | None = _col(sa.Uuid)
    item_id: uuid.UUID | None = _col(sa.Uuid)
    actor: str = _col(sa.Text, nullable=False)
    audiences: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)
    payload: dict[str, Any] = _col(pg.JSONB, nullable=False)
    public_payload: dict[str, Any] | None = _col(pg.JSONB)
    occurred_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    outbox_id: int | None = _col(sa.BigInteger)  # its id in domain_event_pending (migration 0022)
    # Its line of GET /feed.ndjson, internal and public form, stored by the sequencer (migration 0022).
    feed_line: str | None = _col(sa.Text)
    public_line: str | None = _col(sa.Text)


class DomainEventPendingRow(SQLModel, table=True):
    """The outbox proper (migration 0022): events of committing transactions, until the sequencer numbers them."""

    __tablename__ = "domain_event_pending"
    id: int = _col(sa.BigInteger, primary_key=True, nullable=False)
    type: str = _col(sa.Text, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    subject_id: uuid.UUID | None = _col(sa.Uuid)
    item_id: uuid.UUID | None = _col(sa.Uuid)
    actor: str = _col(sa.Text, nullable=False)
    audiences: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)
    payload: dict[str, Any] = _col(pg.JSONB, nullable=False)
    public_payload: dict[str, Any] | None = _col(pg.JSONB)
    occurred_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class EventConsumerRow(SQLModel, table=True):
    """A consumer's bookmark in the outbox."""

    __tablename__ = "event_consumer"
    name: str = _col(sa.Text, primary_key=True, nullable=False)
    position: int = _col(sa.BigInteger, nullable=False)
    updated_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    failures: int = _col(sa.Integer, nullable=False)
    last_error: str | None = _col(sa.Text)
