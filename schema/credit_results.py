"""Credit result types (信用评价结果): a result with its report lines and measures, and a page of results."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from domain import evaluation
from domain.db import Session
from domain.evaluation import StoredLine, StoredMeasure, StoredResult
from schema.context import Context
from schema.enums import Grade
from schema.types import CountedPage, Region, region_of

Info = strawberry.Info[Context, None]


@strawberry.type(description="One line of a credit report: which records, from which clause, for how many points.")
class CreditReportLine:
    line_no: int
    item_code: str
    clause: str
    indicator_code: str | None
    record_ids: list[strawberry.ID]
    points: Decimal = strawberry.field(description="Signed: what the line adds to the score.")
    explanation: str

    @classmethod
    def from_line(cls, ln: StoredLine) -> CreditReportLine:
        return cls(line_no=ln.line_no, item_code=ln.item_code, clause=ln.clause, indicator_code=ln.indicator_code,
                   record_ids=[strawberry.ID(str(r)) for r in ln.record_ids], points=ln.points,
                   explanation=ln.explanation)


@strawberry.type(description="结果应用: a measure that follows from a result, and the year it applies in.")
class CreditMeasure:
    code: str
    grade: Grade
    description: str
    clause: str
    params: JSON
    discretionary: bool = strawberry.field(description="The source says the bureau may (可), not shall.")
    condition: str | None
    applies_in_year: int

    @classmethod
    def from_measure(cls, m: StoredMeasure) -> CreditMeasure:
        return cls(code=m.code, grade=m.grade, description=m.description, clause=m.clause, params=m.params,
                   discretionary=m.discretionary, condition=m.condition, applies_in_year=m.applies_in_year)


async def _lines(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[StoredLine]]:
    return await evaluation.lines_of(session=session, result_ids=ids)


async def _measures(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[StoredMeasure]]:
    return await evaluation.measures_of(session=session, result_ids=ids)


@strawberry.type(description="信用评价结果: score, grade and the credit report; immutable, superseded by a "
                             "re-evaluation.")
class CreditResult:
    result: strawberry.Private[StoredResult]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.result.id))

    @strawberry.field
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.result.subject_id))

    @strawberry.field
    def region(self) -> Region:
        return region_of(self.result.region_code)

    @strawberry.field
    def rule_set_code(self) -> str:
        return self.result.ruleset_code

    @strawberry.field
    def rule_set_version(self) -> int:
        return self.result.ruleset_version

    @strawberry.field(description="The calendar year evaluated.")
    def cycle_year(self) -> int:
        return self.result.cycle_year

    @strawberry.field(description="The date the records were considered as known on.")
    def as_of(self) -> date:
        return self.result.as_of

    @strawberry.field(description="cycle or realtime.")
    def trigger(self) -> str:
        return self.result.trigger

    @strawberry.field
    def base(self) -> Decimal:
        return self.result.base

    @strawberry.field(description="None when the subject is not evaluated (see excludedReason).")
    def score(self) -> Decimal | None:
        return self.result.score

    @strawberry.field
    def grade(self) -> Grade | None:
        return self.result.grade

    @strawberry.field
    def excluded_reason(self) -> str | None:
        return self.result.excluded_reason

    @strawberry.field
    def evaluated_by(self) -> str:
        return self.result.evaluated_by

    @strawberry.field
    def evaluated_at(self) -> datetime:
        return self.result.evaluated_at

    @strawberry.field
    def superseded_at(self) -> datetime | None:
        return self.result.superseded_at

    @strawberry.field
    def superseded_by(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.result.superseded_by)) if self.result.superseded_by else None

    @strawberry.field(description="The report: base + the sum of the lines' points is the score.")
    async def lines(self, info: Info) -> list[CreditReportLine]:
        found = await info.context.loader("evaluation.lines", _lines, list).load(self.result.id)
        return [CreditReportLine.from_line(ln) for ln in found]

    @strawberry.field(description="The measures that follow from the grade.")
    async def measures(self, info: Info) -> list[CreditMeasure]:
        found = await info.context.loader("evaluation.measures", _measures, list).load(self.result.id)
        return [CreditMeasure.from_measure(m) for m in found]


@strawberry.type
class CreditResultEdge:
    cursor: str
    node: CreditResult


@strawberry.type(description="A page of a subject's results; totalCount counts all of them.")
class CreditResultConnection(CountedPage):
    edges: list[CreditResultEdge]
