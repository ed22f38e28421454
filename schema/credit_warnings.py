"""Early warning types (监测预警): one warning with its subject, and a page of warnings."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from domain.evaluation import StoredWarning
from domain.rules.catalog import RecordKind as _RecordKind
from domain.rules.warnings import WarningKind as _WarningKind
from schema.context import Context
from schema.enums import RecordKind, WarningKind
from schema.types import CountedPage, Region, SubjectType, _subjects, region_of

Info = strawberry.Info[Context, None]


@strawberry.type(description="监测预警: an early warning for the subject's bureau.")
class CreditWarning:
    id: strawberry.ID
    subject_id: strawberry.ID
    region: Region
    kind: str = strawberry.field(deprecation_reason="Use warningKind (an enum with Chinese labels).")
    message: str
    record_kind: str | None = strawberry.field(deprecation_reason="Use repeatedRecordKind (an enum).")
    result_id: strawberry.ID | None
    raised_at: datetime
    warning_kind: WarningKind = strawberry.field(description="Why the warning was raised.")
    repeated_record_kind: RecordKind | None = strawberry.field(
        description="For a repeated violation: the kind of record that recurred.")

    @strawberry.field(description="The subject warned about (batched across a page: one statement, not one per row).")
    async def subject(self, info: Info) -> SubjectType | None:
        row = await info.context.loader("subjects", _subjects).load(uuid.UUID(str(self.subject_id)))
        return SubjectType.of(row) if row else None

    @classmethod
    def of(cls, w: StoredWarning) -> CreditWarning:
        return cls(id=strawberry.ID(str(w.id)), subject_id=strawberry.ID(str(w.subject_id)),
                   region=region_of(w.region_code), kind=w.kind, message=w.message, record_kind=w.record_kind,
                   result_id=strawberry.ID(str(w.result_id)) if w.result_id else None, raised_at=w.raised_at,
                   warning_kind=_WarningKind(w.kind),
                   repeated_record_kind=_RecordKind(w.record_kind) if w.record_kind else None)


@strawberry.type
class CreditWarningEdge:
    cursor: str
    node: CreditWarning


@strawberry.type(description="A page of early warnings; totalCount counts every match.")
class CreditWarningConnection(CountedPage):
    edges: list[CreditWarningEdge]
