"""公开事项: the values a publication is read as (the bureau's ``PublicationView``, the public's ``PublicItem``)
and the publication row they are built from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import asyncpg

from domain.errors import NotFound
from domain.rules.catalog import Grade, RecordCategory, RecordKind
from domain.rules.redaction import PublicIndividual, PublicInstitution, public_subject_from_json
from domain.session import Session


class ItemType(StrEnum):
    """What a publication makes public: a record or an institution's evaluation result (list entries later)."""

    RECORD = "record"
    RESULT = "result"
    LIST_ENTRY = "list_entry"


class PublicationStatus(StrEnum):
    PREPARED = "prepared"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class PublicRecordView:
    """A record as the public sees it: no amounts, facts, details or staff; title only if policy shows it."""

    category: RecordCategory
    kind: RecordKind
    department: str | None
    title: str | None
    occurred_on: date | None
    decided_on: date | None
    legal_basis: str | None
    penalty_until: date | None
    clauses: tuple[str, ...]


@dataclass(frozen=True)
class PublicResultView:
    """An evaluation result as the public sees it: the grade and the cycle, never the score or the report."""

    grade: Grade
    cycle_year: int


# Item category of result publications (records use their RecordCategory).
RESULT_CATEGORY = "result"


@dataclass(frozen=True)
class PublicItem:
    """One public item: the redacted subject and record or result, its region and its window; ``shared``
    holds the public-plus fields a federation client's agreement gives it (institutions only), else empty."""

    id: uuid.UUID
    item_type: ItemType
    region_code: str
    publisher_region: str
    published_at: datetime | None
    public_until: datetime | None
    subject: PublicInstitution | PublicIndividual
    record: PublicRecordView | None = None
    result: PublicResultView | None = None
    shared: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, *, id: uuid.UUID, item_type: str, region_code: str, publisher_region: str,
                     published_at: datetime | None, public_until: datetime | None,
                     payload: dict[str, Any], shared: dict[str, Any] | None = None) -> PublicItem:
        record = payload.get("record")
        result = payload.get("result")
        return cls(id=id, item_type=ItemType(item_type), region_code=region_code,
                   publisher_region=publisher_region, published_at=published_at, public_until=public_until,
                   subject=public_subject_from_json(payload["subject"]),
                   record=_record_from_payload(record) if record is not None else None,
                   result=PublicResultView(grade=Grade(result["grade"]), cycle_year=int(result["cycleYear"]))
                   if result is not None else None, shared=shared or {})


@dataclass(frozen=True)
class PublicationView:
    """A publication as the bureau sees it."""

    id: uuid.UUID
    item_type: ItemType
    item_id: uuid.UUID
    subject_id: uuid.UUID
    region_code: str
    publisher_region: str
    category: RecordCategory | None  # None for an evaluation result
    kind: str
    status: PublicationStatus
    window_months: int | None
    prepared_by: str
    prepared_at: datetime
    published_by: str | None
    published_at: datetime | None
    public_until: datetime | None
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> PublicationView:
        return cls(id=r["id"], item_type=ItemType(r["item_type"]), item_id=r["item_id"], subject_id=r["subject_id"],
                   region_code=r["region_code"], publisher_region=r["publisher_region"],
                   category=None if r["category"] == RESULT_CATEGORY else RecordCategory(r["category"]),
                   kind=r["kind"], status=PublicationStatus(r["status"]),
                   window_months=r["window_months"], prepared_by=r["prepared_by"], prepared_at=r["prepared_at"],
                   published_by=r["published_by"], published_at=r["published_at"], public_until=r["public_until"],
                   withdrawn_by=r["withdrawn_by"], withdrawn_at=r["withdrawn_at"],
                   withdraw_reason=r["withdraw_reason"])


PUBLICATION_COLUMNS = """p.id, p.item_type, p.item_id, p.subject_id, p.region_code, p.publisher_region, p.category,
    p.kind, p.status, p.window_months, p.prepared_by, p.prepared_at, p.published_by, p.published_at,
    p.public_until, p.withdrawn_by, p.withdrawn_at, p.withdraw_reason"""


def _record_from_payload(data: dict[str, Any]) -> PublicRecordView:
    def day(key: str) -> date | None:
        value = data.get(key)
        return date.fromisoformat(value) if value else None

    return PublicRecordView(category=RecordCategory(data["category"]), kind=RecordKind(data["kind"]),
                            department=data.get("department"), title=data.get("title"),
                            occurred_on=day("occurred_on"), decided_on=day("decided_on"),
                            legal_basis=data.get("legal_basis"), penalty_until=day("penalty_until"),
                            clauses=tuple(data.get("clauses") or ()))


async def publication_row(session: Session, id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record:
    """One publication in the principal's region, locked for update when ``lock``."""
    row = await session.fetchrow(
        f"SELECT {PUBLICATION_COLUMNS} FROM publication p WHERE p.id = $1{' FOR UPDATE' if lock else ''}", id)
    if row is None:
        raise NotFound("您的辖区内没有该公开事项。", en="No such publication in your region.", field="id")
    return row
