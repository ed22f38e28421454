"""Random inspection plan types (双随机、一公开): a drawn plan, its public form, and what a plan is drawn from."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain import evaluation
from domain.evaluation import StoredPlan
from schema.enums import Grade
from schema.public import PublicSubject, public_subject_of
from schema.types import Region, region_of


@strawberry.type(description="One drawn subject and its inspectors.")
class InspectionAssignment:
    subject_id: strawberry.ID
    grade: Grade | None
    inspectors: list[str]


@strawberry.type(description="双随机抽查计划: drawn reproducibly from its recorded seed.")
class InspectionPlan:
    id: strawberry.ID
    region: Region
    year: int
    seed: str = strawberry.field(description="The seed (a 62-bit integer, as text); the same seed gives the same plan.")
    ratios: JSON
    inspectors: list[str]
    team_size: int
    created_by: str
    created_at: datetime
    published_at: datetime | None = strawberry.field(description="When a city-level bureau made it public.")
    published_by: str | None
    assignments: list[InspectionAssignment]

    @classmethod
    def from_plan(cls, p: StoredPlan) -> InspectionPlan:
        return cls(id=strawberry.ID(str(p.id)), region=region_of(p.region_code), year=p.year, seed=str(p.seed),
                   ratios=p.ratios, inspectors=list(p.inspectors), team_size=p.team_size, created_by=p.created_by,
                   created_at=p.created_at, published_at=p.published_at, published_by=p.published_by,
                   assignments=[InspectionAssignment(subject_id=strawberry.ID(str(s)), grade=g, inspectors=list(i))
                                for s, g, i in p.assignments])


@strawberry.type(description="A drawn subject of a published plan, as the public sees it, and its inspectors.")
class PublicPlanSubject:
    subject: PublicSubject
    inspectors: list[str] = strawberry.field(description="The inspector team's ids.")


@strawberry.type(description="一公开: a published random inspection plan, for anyone.")
class PublicInspectionPlan:
    id: strawberry.ID
    region: Region
    year: int
    published_at: datetime
    subjects: list[PublicPlanSubject]

    @classmethod
    def from_plan(cls, p: evaluation.PublicPlan) -> PublicInspectionPlan:
        return cls(id=strawberry.ID(str(p.id)), region=region_of(p.region_code), year=p.year,
                   published_at=p.published_at,
                   subjects=[PublicPlanSubject(subject=public_subject_of(s.subject), inspectors=list(s.inspectors))
                             for s in p.subjects])


@strawberry.input(description="What a random inspection plan is drawn from.")
class DrawInspectionPlanInput:
    region_code: strawberry.ID
    year: int
    inspectors: list[str]
    team_size: int = 2
    seed: str | None = strawberry.field(default=None, description="Re-draw a published plan; a fresh one if none.")
