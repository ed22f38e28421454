"""Tables of the hardening work (issue 11) for alembic: idempotency keys. RLS and grants live in migration 0009."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import SQLModel

from domain.tables import _col


class IdempotencyKey(SQLModel, table=True):
    """A mutation's answer under the key its client sent, per principal, so a retry is not applied twice."""

    __tablename__ = "idempotency_key"
    principal: str = _col(sa.Text, primary_key=True, nullable=False)
    key: str = _col(sa.Text, primary_key=True, nullable=False)
    request_hash: str = _col(sa.Text, nullable=False)
    response: dict[str, Any] | None = _col(pg.JSONB)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
