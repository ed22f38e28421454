"""What the public audience (信息公开) sees: its own types. Its queries are in public_queries.py, the
bureau's publication workflow in publications.py, federation clients' items in shared_items.py.

The public types below are their own classes, built only from ``domain.publication_views.PublicItem`` (the stored,
already redacted view): none of them has a field that could hold a resident ID, an unmasked individual's
name, a phone number, an address, an amount, facts or details. Public queries read through the
``public_item`` view only; bureau fields stay behind ``Access.require`` (the public gets FORBIDDEN).

Published evaluation results (``PublicGrade``) carry an institution, its grade and the cycle year: no score,
no report lines, and no individual (individuals' results are never published). Federation clients get
``sharedItems``: the same public items confined to their configured region, with a ``SharedDetails`` of the
public-plus fields their agreement names; it is FORBIDDEN to everyone else.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from domain import objections, public_items, public_search
from domain.paging import page_size
from domain.public_items import PublicFilter
from domain.publication_views import PublicItem
from domain.rules.catalog import RecordCategory as _RecordCategory
from domain.rules.redaction import PublicIndividual as _PublicIndividual
from domain.rules.redaction import PublicInstitution as _PublicInstitution
from schema.context import Context
from schema.entities import public_institution_reference, public_item_reference
from schema.enums import Grade, RecordCategory, RecordKind, SubjectClass, labelled
from schema.types import CountedPage, PageInfo, Region, region_of

Info = strawberry.Info[Context, None]


class PublicListKind(Enum):
    SERIOUS_DISHONESTY = "serious_dishonesty"  # 严重失信名单
    POOR_GRADE = "poor_grade"  # 信用等级差名单: published results graded C, D or E


labelled(PublicListKind, description="公开名单: the lists the city bureau publishes (001 art.22).")


@strawberry.federation.type(keys=["unifiedSocialCreditCode"],
                            description="What the public sees of an institution: its name, code, class and region, "
                            "and its public page: its one current published grade, published records, commitments "
                            "and the published lists it is on.")
class PublicInstitution:
    name: str
    unified_social_credit_code: str
    subject_class: SubjectClass
    region: Region
    # The grade found with the institution (a search page loads them in one statement); None: ask when read.
    preloaded_grade: strawberry.Private[PublicItem | None] = None
    grade_loaded: strawberry.Private[bool] = False

    @classmethod
    def of(cls, s: _PublicInstitution) -> PublicInstitution:
        return cls(name=s.name, unified_social_credit_code=s.unified_social_credit_code,
                   subject_class=s.subject_class, region=region_of(s.region_code))

    @strawberry.field(description="Its one current published credit grade (信用等级): the published result of its "
                                  "latest evaluated cycle; null when none is public.")
    async def grade(self, info: Info) -> PublicGrade | None:
        item = self.preloaded_grade
        if not self.grade_loaded:
            ctx = info.context
            item = await public_search.current_grade(session=await ctx.session(), access=ctx.access,
                                                     code=self.unified_social_credit_code)
        return PublicGrade.of(item) if item is not None else None

    @strawberry.field(description="Its published records (dishonesty, trust, basic information and "
                                  "commitments), newest first, optionally of one category.")
    async def records(self, info: Info, category: RecordCategory | None = None, first: int = 20,
                      after: str | None = None) -> PublicRecordConnection:
        flt = PublicFilter(category=_RecordCategory(category) if category else None,
                           institution_code=self.unified_social_credit_code)
        return await _public_page(info, flt, first, after)

    @strawberry.field(description="Its published credit commitments (信用承诺, 001 art.10).")
    async def commitments(self, info: Info, first: int = 20, after: str | None = None) -> PublicRecordConnection:
        flt = PublicFilter(category=_RecordCategory.COMMITMENT, institution_code=self.unified_social_credit_code)
        return await _public_page(info, flt, first, after)

    @strawberry.field(description="The published lists it is on now (严重失信名单, 信用等级差名单).")
    async def lists(self, info: Info) -> list[PublicListKind]:
        ctx = info.context
        serious, poor = await public_search.lists_of(session=await ctx.session(), access=ctx.access,
                                                     code=self.unified_social_credit_code)
        return ([PublicListKind.SERIOUS_DISHONESTY] if serious else []) + ([PublicListKind.POOR_GRADE] if poor else [])


    @classmethod
    async def resolve_reference(cls, info: Info, unified_social_credit_code: str) -> PublicInstitution:
        """An institution with published information, by its unified social credit code (federation key)."""
        return cls.of(await public_institution_reference(info.context, unified_social_credit_code))

@strawberry.type
class PublicInstitutionEdge:
    cursor: str
    node: PublicInstitution
    rank: float = strawberry.field(description="How well it matches the search (higher is better).")


@strawberry.type(description="A page of institutions found by a public search, best match first; totalCount "
                             "counts every match.")
class PublicInstitutionConnection(CountedPage):
    edges: list[PublicInstitutionEdge]


async def _load_disputed(session: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, bool]:
    found = await objections.publicly_disputed(session=session, publication_ids=ids)
    return {i: i in found for i in ids}


def institution_hit_of(hit: public_search.InstitutionHit) -> PublicInstitution:
    found = PublicInstitution.of(hit.institution)
    found.preloaded_grade, found.grade_loaded = hit.grade, True
    return found


@strawberry.type(description="What the public sees of an individual: a masked name and ID, class and region.")
class PublicIndividual:
    masked_name: str = strawberry.field(description="First character kept, e.g. 张*.")
    masked_id: str = strawberry.field(description="First 6 and last 4 characters of the resident ID shown.")
    subject_class: SubjectClass
    region: Region

    @classmethod
    def of(cls, s: _PublicIndividual) -> PublicIndividual:
        return cls(masked_name=s.masked_name, masked_id=s.masked_resident_id, subject_class=s.subject_class,
                   region=region_of(s.region_code))


PublicSubject = Annotated[PublicInstitution | PublicIndividual, strawberry.union(
    "PublicSubject", description="A subject as the public sees it.")]


def public_subject_of(s: _PublicInstitution | _PublicIndividual) -> PublicInstitution | PublicIndividual:
    return PublicInstitution.of(s) if isinstance(s, _PublicInstitution) else PublicIndividual.of(s)


@strawberry.federation.type(keys=["id"], description="A published record: that it exists, its kind, dates and "
                                          "window; no amounts, facts or details (001 art.21).")
class PublicRecord:
    id: strawberry.ID = strawberry.field(description="The publication's stable id (a federation key).")
    category: RecordCategory
    kind: RecordKind
    title: str | None = strawberry.field(description="Only where the jurisdiction's redaction policy shows it.")
    department: str | None = strawberry.field(description="The department that produced the record.")
    occurred_on: date | None
    decided_on: date | None
    legal_basis: str | None
    penalty_until: date | None
    clauses: list[str] = strawberry.field(description="A commitment's clauses (001 art.10); empty otherwise.")
    published_at: datetime | None
    public_until: datetime | None = strawberry.field(description="When it stops being public; null = long term.")
    region: Region
    publisher_region: Region
    subject: PublicSubject

    @strawberry.field(description="异议处理中: the subject's objection to it is being handled (shown only where the "
                                  "rule set says so, e.g. Anhui; false otherwise).")
    async def disputed(self, info: Info) -> bool:
        return bool(await info.context.loader("disputed", _load_disputed, default=lambda: False).load(
            uuid.UUID(str(self.id))))

    @classmethod
    def of(cls, item: PublicItem) -> PublicRecord:
        r = item.record
        assert r is not None, "a public record item carries a record"
        return cls(id=strawberry.ID(str(item.id)), category=r.category, kind=r.kind, title=r.title,
                   department=r.department,
                   occurred_on=r.occurred_on, decided_on=r.decided_on, legal_basis=r.legal_basis,
                   penalty_until=r.penalty_until, clauses=list(r.clauses), published_at=item.published_at,
                   public_until=item.public_until, region=region_of(item.region_code),
                   publisher_region=region_of(item.publisher_region), subject=public_subject_of(item.subject))

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> PublicRecord:
        """A published record by its stable id (federation key); NOT_FOUND once it leaves its window."""
        return cls.of(await public_item_reference(info.context, str(id), result=False))


@strawberry.federation.type(keys=["id"], description="A published credit evaluation result of an institution "
                                          "(001 art.22): its grade and cycle year; the score and the report are "
                                          "not public.")
class PublicGrade:
    id: strawberry.ID = strawberry.field(description="The publication's stable id (a federation key).")
    grade: Grade
    cycle_year: int
    published_at: datetime | None
    public_until: datetime | None = strawberry.field(
        description="When it stops being public; it leaves earlier if a re-evaluation supersedes the result.")
    region: Region
    publisher_region: Region
    institution: PublicInstitution

    @strawberry.field(description="异议处理中: the subject's objection to it is being handled (shown only where the "
                                  "rule set says so, e.g. Anhui; false otherwise).")
    async def disputed(self, info: Info) -> bool:
        return bool(await info.context.loader("disputed", _load_disputed, default=lambda: False).load(
            uuid.UUID(str(self.id))))

    @classmethod
    def of(cls, item: PublicItem) -> PublicGrade:
        r = item.result
        assert r is not None and isinstance(item.subject, _PublicInstitution), "a result item of an institution"
        return cls(id=strawberry.ID(str(item.id)), grade=r.grade, cycle_year=r.cycle_year,
                   published_at=item.published_at,
                   public_until=item.public_until, region=region_of(item.region_code),
                   publisher_region=region_of(item.publisher_region), institution=PublicInstitution.of(item.subject))

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> PublicGrade:
        """A published evaluation result by its stable id (federation key); NOT_FOUND once it is withdrawn."""
        return cls.of(await public_item_reference(info.context, str(id), result=True))


PublicListItem = Annotated[PublicRecord | PublicGrade, strawberry.union(
    "PublicListItem", description="An entry of a published list: a record or an evaluation result.")]


def public_list_item_of(item: PublicItem) -> PublicRecord | PublicGrade:
    return PublicGrade.of(item) if item.result is not None else PublicRecord.of(item)


@strawberry.type
class PublicGradeEdge:
    cursor: str
    node: PublicGrade


@strawberry.type(description="A page of published evaluation results; totalCount counts every match.")
class PublicGradeConnection(CountedPage):
    edges: list[PublicGradeEdge]


@strawberry.type
class PublicListEdge:
    cursor: str
    node: PublicListItem


@strawberry.type(description="A page of a published list; totalCount counts every entry.")
class PublicListConnection(CountedPage):
    edges: list[PublicListEdge]


@strawberry.type
class PublicRecordEdge:
    cursor: str
    node: PublicRecord


@strawberry.type(description="A page of public records; totalCount counts every match.")
class PublicRecordConnection(CountedPage):
    edges: list[PublicRecordEdge]


@strawberry.type(description="The whole answer to a verification: nothing about the person beyond this.")
class VerificationResult:
    has_current_sanction: bool


async def _page(info: Info, flt: PublicFilter, first: int, after: str | None, edge, connection,  # type: ignore[no-untyped-def]
                shared: bool = False):
    ctx = info.context
    size = page_size(first, maximum=ctx.max_page_size)
    session = await ctx.session()
    if shared:
        page = await public_items.shared_items(session=session, access=ctx.access, region_code=flt.region_code,
                                              first=size, after=after)
    else:
        page = await public_items.public_items(session=session, access=ctx.access, flt=flt, first=size, after=after)

    async def count() -> int:
        return await public_items.count_public_items(session=session, access=ctx.access, flt=flt)

    edges = [edge(k, i) for i, k in zip(page.items, page.keys, strict=True)]
    return connection(edges=edges, count=count, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=page.keys[-1] if page.keys else None))


async def _public_page(info: Info, flt: PublicFilter, first: int, after: str | None) -> PublicRecordConnection:
    return await _page(info, flt, first, after, lambda k, i: PublicRecordEdge(cursor=k, node=PublicRecord.of(i)),
                       PublicRecordConnection)
