"""Bulk import (migration 0020): batches and the source ids of imported records, declared like
``domain/tables.py`` for alembic and the drift test."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import SQLModel

from domain.tables import _col


class ImportBatch(SQLModel, table=True):
    """批量导入批次: one accepted import, attributed to the importing officer and the source system."""

    __tablename__ = "import_batch"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    source: str = _col(sa.Text, nullable=False)
    file_name: str = _col(sa.Text, nullable=False)
    file_format: str = _col(sa.Text, nullable=False)
    encoding: str | None = _col(sa.Text)
    cycle_year: int = _col(sa.Integer, nullable=False)
    rows_read: int = _col(sa.Integer, nullable=False)
    rows_accepted: int = _col(sa.Integer, nullable=False)
    rows_rejected: int = _col(sa.Integer, nullable=False)
    rows_already: int = _col(sa.Integer, nullable=False)
    imported_by: str = _col(sa.Text, nullable=False)
    imported_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class ImportedRecord(SQLModel, table=True):
    """Which record came from which row of which source (unique per source and source id)."""

    __tablename__ = "imported_record"
    record_id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    batch_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    source: str = _col(sa.Text, nullable=False)
    source_id: str = _col(sa.Text, nullable=False)
    line: int = _col(sa.Integer, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
