"""The delivery tables (migration 0011), declared like ``domain/tables.py`` for alembic and the drift test.

pgqueuer's own tables live in the ``jobs`` schema, created by the same migration; they are the library's.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import SQLModel

from domain.tables import _col


class WebhookSubscriptionRow(SQLModel, table=True):
    """回调订阅: a client endpoint receiving the events of one scope, signed with its secret."""

    __tablename__ = "webhook_subscription"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    audience: str = _col(sa.Text, nullable=False)
    url: str = _col(sa.Text, nullable=False)
    secret: str = _col(sa.Text, nullable=False)
    types: list[str] | None = _col(pg.ARRAY(sa.Text))
    description: str = _col(sa.Text, nullable=False)
    active: bool = _col(sa.Boolean, nullable=False)
    after_position: int = _col(sa.BigInteger, nullable=False)
    created_by: str = _col(sa.Text, nullable=False)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class WebhookDeliveryRow(SQLModel, table=True):
    """回调投递: one event to one subscription: pending, delivered, or dead after its last attempt."""

    __tablename__ = "webhook_delivery"
    id: int = _col(sa.BigInteger, primary_key=True, nullable=False)
    subscription_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    position: int = _col(sa.BigInteger, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    event_type: str = _col(sa.Text, nullable=False)
    status: str = _col(sa.Text, nullable=False)
    attempts: int = _col(sa.Integer, nullable=False)
    next_attempt_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    last_status: int | None = _col(sa.Integer)
    last_error: str | None = _col(sa.Text)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    delivered_at: datetime | None = _col(sa.DateTime(timezone=True))
    dead_at: datetime | None = _col(sa.DateTime(timezone=True))
    replays: int = _col(sa.Integer, nullable=False)


class PublicationExpiryRow(SQLModel, table=True):
    """The marker that a publication's window end was announced (``publication.expired``), once."""

    __tablename__ = "publication_expiry"
    publication_id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    public_until: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    announced_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
