"""The public's queries (信息公开): institution search, published records, grades, lists and commitments,
federation clients' shared items, and the yes-or-no verification of an individual."""

from __future__ import annotations

import strawberry

from domain import public_items, public_search
from domain.paging import page_size
from domain.public_items import PublicFilter
from domain.rules.catalog import Grade as _Grade
from domain.rules.catalog import RecordCategory as _RecordCategory
from schema.context import Context
from schema.enums import Grade, RecordCategory
from schema.public import (
    PublicGrade,
    PublicGradeConnection,
    PublicGradeEdge,
    PublicInstitution,
    PublicInstitutionConnection,
    PublicInstitutionEdge,
    PublicListConnection,
    PublicListEdge,
    PublicListKind,
    PublicRecordConnection,
    VerificationResult,
    _page,
    _public_page,
    institution_hit_of,
    public_list_item_of,
)
from schema.shared_items import SharedItemConnection, SharedItemEdge, shared_item_of
from schema.types import PageInfo

Info = strawberry.Info[Context, None]


@strawberry.type
class PublicQuery:
    @strawberry.field(description="信用查询: institutions with published information, by part of their name "
                                  "(typo-tolerant) or by their unified social credit code (or its first six or more "
                                  "characters), best match first. The search needs 2 to 60 characters.")
    async def public_institutions(self, info: Info, search: str, region_code: strawberry.ID | None = None,
                                  first: int = 20, after: str | None = None) -> PublicInstitutionConnection:
        ctx = info.context
        size = page_size(first, maximum=ctx.max_page_size)
        session = await ctx.session()
        region = str(region_code) if region_code else None
        page = await public_search.search_institutions(session=session, access=ctx.access, search=search,
                                                       region_code=region, first=size, after=after)

        async def count() -> int:
            return await public_search.count_institutions(session=session, access=ctx.access, search=search,
                                                          region_code=region)

        edges = [PublicInstitutionEdge(cursor=k, node=institution_hit_of(h), rank=h.rank)
                 for h, k in zip(page.items, page.keys, strict=True)]
        return PublicInstitutionConnection(edges=edges, count=count, page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=page.keys[-1] if page.keys else None))

    @strawberry.field(description="An institution with published information, by unified social credit code "
                                  "or full name.")
    async def public_institution(self, info: Info, code: str | None = None,
                                 name: str | None = None) -> PublicInstitution | None:
        ctx = info.context
        found = await public_items.public_institution(session=await ctx.session(), access=ctx.access, code=code,
                                                     name=name)
        return PublicInstitution.of(found) if found else None

    @strawberry.field(description="Published records, newest first, by region subtree and category.")
    async def public_records(self, info: Info, region_code: strawberry.ID | None = None,
                             category: RecordCategory | None = None, first: int = 20,
                             after: str | None = None) -> PublicRecordConnection:
        flt = PublicFilter(region_code=str(region_code) if region_code else None,
                           category=_RecordCategory(category) if category else None)
        return await _public_page(info, flt, first, after)

    @strawberry.field(description="Published credit evaluation results of institutions, newest first, by region "
                                  "subtree and grade (001 art.22).")
    async def public_grades(self, info: Info, region_code: strawberry.ID | None = None, grade: Grade | None = None,
                            first: int = 20, after: str | None = None) -> PublicGradeConnection:
        flt = public_items.grades_filter(str(region_code) if region_code else None,
                                        frozenset({_Grade(grade)}) if grade else None)
        return await _page(info, flt, first, after, lambda k, i: PublicGradeEdge(cursor=k, node=PublicGrade.of(i)),
                           PublicGradeConnection)  # type: ignore[no-any-return]

    @strawberry.field(description="A published list (001 art.22): the serious-dishonesty list (严重失信名单, "
                                  "records) or the poor-grade list (信用等级差名单, results graded C, D or E).")
    async def public_lists(self, info: Info, kind: PublicListKind = PublicListKind.SERIOUS_DISHONESTY,
                           region_code: strawberry.ID | None = None, first: int = 20,
                           after: str | None = None) -> PublicListConnection:
        region = str(region_code) if region_code else None
        flt = (public_items.poor_grade_filter(region) if kind is PublicListKind.POOR_GRADE
               else public_items.serious_dishonesty_filter(region))
        return await _page(info, flt, first, after,  # type: ignore[no-any-return]
                           lambda k, i: PublicListEdge(cursor=k, node=public_list_item_of(i)), PublicListConnection)

    @strawberry.field(description="Federation clients only: published records and results of the configured "
                                  "region subtree, with the public-plus fields of the sharing agreement.")
    async def shared_items(self, info: Info, region_code: strawberry.ID | None = None, first: int = 20,
                           after: str | None = None) -> SharedItemConnection:
        flt = public_items.shared_filter(str(region_code) if region_code else None)
        return await _page(info, flt, first, after,  # type: ignore[no-any-return]
                           lambda k, i: SharedItemEdge(cursor=k, node=shared_item_of(i)), SharedItemConnection,
                           shared=True)

    @strawberry.field(description="An institution's published credit commitments (信用承诺, 001 art.10).")
    async def public_commitments(self, info: Info, code: str, first: int = 20,
                                 after: str | None = None) -> PublicRecordConnection:
        flt = PublicFilter(category=_RecordCategory.COMMITMENT, institution_code=code)
        return await _public_page(info, flt, first, after)

    @strawberry.field(description="Whether the person with exactly this resident ID and name has a current "
                                  "publishable sanction; nothing more. Wildcards and partial IDs are refused; "
                                  "rate limited.")
    async def verify_individual(self, info: Info, resident_id: str, name: str) -> VerificationResult:
        ctx = info.context
        found = await public_items.verify_individual(session=await ctx.session(), access=ctx.access,
                                                    resident_id=resident_id, name=name)
        return VerificationResult(has_current_sanction=found)
