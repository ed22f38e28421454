"""The evaluation tables (rule sets, results, report lines, measures, inspection plans, warnings) for alembic.

Declared like ``domain/tables.py``; SQLModel keeps one metadata, so importing this module adds them to
``domain.tables.metadata``. Row-level security, triggers and grants live in migration 0002.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import SQLModel

from domain.tables import _col


class RuleSetRow(SQLModel, table=True):
    """信用评价规则集: a versioned rule set stored as its JSON body, with its status and effective dates."""

    __tablename__ = "ruleset"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    code: str = _col(sa.Text, nullable=False)
    version: int = _col(sa.Integer, nullable=False)
    jurisdiction: str = _col(sa.Text, nullable=False)
    name: str = _col(sa.Text, nullable=False)
    status: str = _col(sa.Text, nullable=False)
    body: dict[str, Any] = _col(pg.JSONB, nullable=False)
    effective_from: date = _col(sa.Date, nullable=False)
    effective_to: date | None = _col(sa.Date)
    created_by: str = _col(sa.Text, nullable=False)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    activated_by: str | None = _col(sa.Text)
    activated_at: datetime | None = _col(sa.DateTime(timezone=True))


class EvaluationResult(SQLModel, table=True):
    """信用评价结果: immutable; a re-evaluation supersedes it."""

    __tablename__ = "evaluation_result"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    subject_class: str = _col(sa.Text, nullable=False)
    service_scope: str | None = _col(sa.Text)
    ruleset_code: str = _col(sa.Text, nullable=False)
    ruleset_version: int = _col(sa.Integer, nullable=False)
    cycle_year: int = _col(sa.Integer, nullable=False)
    as_of: date = _col(sa.Date, nullable=False)
    trigger: str = _col(sa.Text, nullable=False)
    base: Decimal = _col(sa.Numeric, nullable=False)
    score: Decimal | None = _col(sa.Numeric)
    grade: str | None = _col(sa.Text)
    excluded_reason: str | None = _col(sa.Text)
    evaluated_by: str = _col(sa.Text, nullable=False)
    evaluated_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    superseded_at: datetime | None = _col(sa.DateTime(timezone=True))
    superseded_by: uuid.UUID | None = _col(sa.Uuid)


class EvaluationLine(SQLModel, table=True):
    """One line of a credit report: records → points → clause."""

    __tablename__ = "evaluation_line"
    result_id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    line_no: int = _col(sa.Integer, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    item_code: str = _col(sa.Text, nullable=False)
    clause: str = _col(sa.Text, nullable=False)
    indicator_code: str | None = _col(sa.Text)
    record_ids: list[uuid.UUID] = _col(pg.ARRAY(sa.Uuid), nullable=False)
    points: Decimal = _col(sa.Numeric, nullable=False)
    explanation: str = _col(sa.Text, nullable=False)


class AppliedMeasureRow(SQLModel, table=True):
    """结果应用: a measure attached to a result, with the year it applies in."""

    __tablename__ = "applied_measure"
    result_id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    code: str = _col(sa.Text, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    grade: str = _col(sa.Text, nullable=False)
    description: str = _col(sa.Text, nullable=False)
    clause: str = _col(sa.Text, nullable=False)
    params: dict[str, Any] = _col(pg.JSONB, nullable=False)
    discretionary: bool = _col(sa.Boolean, nullable=False)
    condition: str | None = _col(sa.Text)
    applies_in_year: int = _col(sa.Integer, nullable=False)


class InspectionPlanRow(SQLModel, table=True):
    """双随机抽查计划: drawn reproducibly from its recorded seed."""

    __tablename__ = "inspection_plan"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    year: int = _col(sa.Integer, nullable=False)
    seed: int = _col(sa.BigInteger, nullable=False)
    ratios: dict[str, Any] = _col(pg.JSONB, nullable=False)
    inspectors: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)
    team_size: int = _col(sa.Integer, nullable=False)
    created_by: str = _col(sa.Text, nullable=False)
    created_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    published_at: datetime | None = _col(sa.DateTime(timezone=True))
    published_by: str | None = _col(sa.Text)
    # what the public sees, redacted at publish time (0005)
    public_subjects: list[dict[str, Any]] | None = _col(pg.JSONB)


class InspectionAssignmentRow(SQLModel, table=True):
    """One drawn subject of a plan and its inspectors."""

    __tablename__ = "inspection_assignment"
    plan_id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    grade: str | None = _col(sa.Text)
    inspectors: list[str] = _col(pg.ARRAY(sa.Text), nullable=False)


class CreditWarningRow(SQLModel, table=True):
    """监测预警: an early warning raised for the subject's bureau."""

    __tablename__ = "credit_warning"
    id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    kind: str = _col(sa.Text, nullable=False)
    message: str = _col(sa.Text, nullable=False)
    record_kind: str | None = _col(sa.Text)
    result_id: uuid.UUID | None = _col(sa.Uuid)
    raised_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
