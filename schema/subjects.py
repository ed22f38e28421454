"""Queries and mutations over credit subjects (信用主体): registering one, finding one, and listing and
counting them per region (bureau audience)."""

from __future__ import annotations

import strawberry

from domain import subjects
from domain.paging import page_size, sort_key
from domain.rules.catalog import Grade as _Grade
from domain.subjects import NewSubject, SubjectFilter
from schema.context import Context, parse_uuid
from schema.enums import Grade, ServiceScope, SubjectClass, SubjectKind, SubjectOrder
from schema.types import PageInfo, RegionCount, SubjectConnection, SubjectEdge, SubjectType, region_of

Info = strawberry.Info[Context, None]


@strawberry.input
class SubjectFilterInput:
    region_code: strawberry.ID | None = strawberry.field(default=None, description="Limit to this subtree.")
    subject_class: SubjectClass | None = None
    kind: SubjectKind | None = None
    name_contains: str | None = None
    grade: Grade | None = strawberry.field(
        default=None, description="The current grade of the subject's latest evaluated cycle (as creditResult)."
    )
    cycle_year: int | None = strawberry.field(
        default=None, description="With grade: the cycle whose current grade is meant, instead of the latest."
    )

    def to_domain(self) -> SubjectFilter:
        return SubjectFilter(
            region_code=str(self.region_code) if self.region_code else None,
            subject_class=self.subject_class,
            kind=self.kind,
            name_contains=self.name_contains,
            grade=_Grade(self.grade) if self.grade else None,
            grade_cycle_year=self.cycle_year,
        )


@strawberry.input
class CreateSubjectInput:
    subject_class: SubjectClass
    code: str = strawberry.field(description="Unified social credit code or resident ID, check character included.")
    name: str
    region_code: strawberry.ID
    service_scope: ServiceScope | None = None
    parent_subject_id: strawberry.ID | None = None
    phone: str | None = None
    address: str | None = None


@strawberry.type
class SubjectQuery:
    @strawberry.field(description="One subject by id or by its code, within your region.")
    async def subject(self, info: Info, id: strawberry.ID | None = None,
                      code: str | None = None) -> SubjectType | None:
        ctx = info.context
        row = await subjects.get_subject(
            session=await ctx.session(), access=ctx.access, id=parse_uuid(id, field="id") if id else None, code=code
        )
        return SubjectType.of(row)

    @strawberry.field(description="Subjects in your region subtree, by code unless orderBy says otherwise, with "
                      "paging and totals.")
    async def subjects(
        self,
        info: Info,
        filter: SubjectFilterInput | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: SubjectOrder = SubjectOrder.CODE_ASC,  # type: ignore[attr-defined]
    ) -> SubjectConnection:
        ctx = info.context
        flt = filter.to_domain() if filter else SubjectFilter()
        size = page_size(first, maximum=ctx.max_page_size)
        session = await ctx.session()
        order = sort_key(subjects.SUBJECT_ORDERS, order_by.value, "CODE_ASC")
        page = await subjects.list_subjects(
            session=session, access=ctx.access, flt=flt, first=size, after=after, order=order
        )

        async def count() -> int:
            return await subjects.count_subjects(session=session, access=ctx.access, flt=flt)

        edges = [SubjectEdge(cursor=k, node=SubjectType.of(s)) for s, k in zip(page.items, page.keys, strict=True)]
        return SubjectConnection(
            edges=edges,
            count=count,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.keys[-1] if page.keys else None),
        )

    @strawberry.field(description="Subjects per child division of a region, every child listed (0 when it has "
                      "none), for dashboards.")
    async def subject_counts_by_region(
        self, info: Info, parent_code: strawberry.ID | None = None, filter: SubjectFilterInput | None = None
    ) -> list[RegionCount]:
        ctx = info.context
        flt = filter.to_domain() if filter else SubjectFilter()
        rows = await subjects.counts_by_region(
            session=await ctx.session(),
            access=ctx.access,
            parent_code=str(parent_code) if parent_code else None,
            flt=flt,
        )
        return [RegionCount(region=region_of(code), count=n) for code, _, n in rows]


@strawberry.type
class SubjectMutation:
    @strawberry.mutation(description="Register a credit subject in your subtree; its code is checked.")
    async def create_subject(self, info: Info, input: CreateSubjectInput) -> SubjectType:
        ctx = info.context
        new = NewSubject(
            subject_class=input.subject_class,
            code=input.code,
            name=input.name,
            region_code=str(input.region_code),
            service_scope=input.service_scope,
            parent_subject_id=parse_uuid(input.parent_subject_id, field="parentSubjectId")
            if input.parent_subject_id
            else None,
            phone=input.phone,
            address=input.address,
        )
        row = await subjects.create_subject(session=await ctx.session(), access=ctx.access, new=new)
        return SubjectType.of(row)
