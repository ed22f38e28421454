"""Published red and black list entries (migration 0021), declared like ``domain/tables.py`` for alembic and the
drift test."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import SQLModel

from domain.tables import _col


class CreditListEntry(SQLModel, table=True):
    """红黑名单: a subject put on the red or black list when its grade of a cycle was published."""

    __tablename__ = "credit_list_entry"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    publication_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    result_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    cycle_year: int = _col(sa.Integer, nullable=False)
    grade: str | None = _col(sa.Text)
    list_kind: str = _col(sa.Text, nullable=False)
    reasons: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)
    serious_kinds: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)
    publisher_region: str = _col(sa.Text, nullable=False)
    listed_on: date = _col(sa.Date, nullable=False)
    listed_until: date | None = _col(sa.Date)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    removed_at: datetime | None = _col(sa.DateTime(timezone=True))
    removed_reason: str | None = _col(sa.Text)
