"""Bulk exchange (issue 13): previewing and publishing a region's whole cycle of results in one operation."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from domain import cycle_publication
from domain.rules.catalog import Grade as _Grade
from schema.context import Context
from schema.grade_counts import GradeCount, _counts
from schema.types import Region, region_of


def _grades(by_grade: dict[_Grade, int]) -> list[GradeCount]:
    counts: dict[_Grade | None, int] = dict(by_grade.items())
    return _counts(counts)


@strawberry.type(description="周期公开预览: what publishing a region's cycle would publish; nothing is written.")
class CyclePublicationPreview:
    region: Region
    cycle_year: int
    by_grade: list[GradeCount] = strawberry.field(description="Current graded results of institutions, by grade.")
    already_public: int = strawberry.field(description="Of those, results already published (or prepared).")
    to_publish: int = strawberry.field(description="Results publishCycle would publish now.")
    individuals_never_published: int = strawberry.field(
        description="Individuals' results in the cycle: never published (001 art.22).")


@strawberry.type(description="周期公开: what publishing a region's cycle published.")
class CyclePublication:
    region: Region
    cycle_year: int
    published: int
    by_grade: list[GradeCount]
    already_public: int
    published_at: datetime | None
    public_until: datetime | None


@strawberry.type
class BulkQuery:
    @strawberry.field(description="Preview publishing a finished cycle's institution results for a region.")
    async def preview_cycle_publication(self, info: Info[Context, None], region_code: strawberry.ID,
                                        cycle_year: int) -> CyclePublicationPreview:
        ctx = info.context
        p = await cycle_publication.preview_cycle_publication(
            session=await ctx.session(), access=ctx.access, region_code=str(region_code), cycle_year=cycle_year,
            today=ctx.today())
        return CyclePublicationPreview(region=region_of(p.region_code), cycle_year=p.cycle_year,
                                       by_grade=_grades(p.by_grade), already_public=p.already_live,
                                       to_publish=p.to_publish, individuals_never_published=p.individuals)


@strawberry.type
class BulkMutation:
    @strawberry.mutation(description="Publish every institution's current result of a finished cycle in a "
                                     "region at once (city-level bureaus only); results already public are kept.")
    async def publish_cycle(self, info: Info[Context, None], region_code: strawberry.ID, cycle_year: int,
                            window_months: int | None = None) -> CyclePublication:
        ctx = info.context
        r = await cycle_publication.publish_cycle(
            session=await ctx.session(), access=ctx.access, region_code=str(region_code), cycle_year=cycle_year,
            window_months=window_months, today=ctx.today())
        return CyclePublication(region=region_of(r.region_code), cycle_year=r.cycle_year, published=r.published,
                                by_grade=_grades(r.by_grade), already_public=r.already_live,
                                published_at=r.published_at, public_until=r.public_until)
