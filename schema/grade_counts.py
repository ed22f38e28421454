"""Grade distributions: counts per grade for cycles, what-if runs and dashboards."""

from __future__ import annotations

import strawberry

from domain.rules.catalog import Grade as _Grade
from schema.enums import Grade, SubjectClass
from schema.types import Region


@strawberry.type(description="How many subjects got a grade (grade null: not evaluated, excluded).")
class GradeCount:
    grade: Grade | None
    count: int


def _counts(dist: dict[_Grade | None, int]) -> list[GradeCount]:
    order = {g: i for i, g in enumerate([*_Grade, None])}
    return [GradeCount(grade=g, count=n) for g, n in sorted(dist.items(), key=lambda x: order[x[0]])]


@strawberry.type(description="What a region's cycle stored.")
class CycleRun:
    region: Region
    cycle_year: int
    rule_set_code: str
    rule_set_version: int
    evaluated: int
    distribution: list[GradeCount]


@strawberry.type(description="A draft rule set's grades over a region beside the current ones; nothing stored.")
class WhatIfResult:
    region: Region
    cycle_year: int
    draft: list[GradeCount]
    current: list[GradeCount]


@strawberry.type(description="Current grades in one child region, for dashboards.")
class RegionGradeCount:
    region: Region
    grade: Grade | None
    count: int


@strawberry.type(description="Current grades counted by one dimension: the subject class or the rule set (the other "
                             "is null).")
class GradeBreakdownRow:
    subject_class: SubjectClass | None
    rule_set_code: str | None
    grade: Grade | None
    count: int
