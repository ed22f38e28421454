"""The public audience (信息公开) and the bureau's publication workflow.

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
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry

from domain import (
    notifications,
    objections,
    public_items,
    public_search,
    publication,
    publication_lists,
    publication_views,
    publication_withdrawal,
)
from domain.notifications import NotificationView
from domain.paging import page_size, sort_key
from domain.public_items import PublicFilter
from domain.publication_views import PublicationView, PublicItem
from domain.rules.catalog import Grade as _Grade
from domain.rules.catalog import RecordCategory as _RecordCategory
from domain.rules.catalog import RecordKind as _RecordKind
from domain.rules.disclosure import DisclosureWindow
from domain.rules.disclosure import window_months as span_months
from domain.rules.redaction import PublicIndividual as _PublicIndividual
from domain.rules.redaction import PublicInstitution as _PublicInstitution
from schema.context import Context, parse_uuid
from schema.entities import public_institution_reference, public_item_reference
from schema.enums import (
    Grade,
    NotificationOrder,
    PublicationOrder,
    RecordCategory,
    RecordKind,
    SubjectClass,
    labelled,
)
from schema.types import CountedPage, PageInfo, Region, region_of

Info = strawberry.Info[Context, None]

PublicationStatus = labelled(publication_views.PublicationStatus, description="公开状态: where a publication stands.")
PublicationItemType = labelled(publication_views.ItemType, name="PublicationItemType",
                               description="公开内容: what a publication makes public.")


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


@strawberry.type(description="Public-plus fields a federation client's sharing agreement gives it about an "
                             "institution (001 art.33); each is null unless the agreement names it, and all are "
                             "null for individuals.")
class SharedDetails:
    title: str | None = strawberry.field(description="The record's title.")
    amount: Decimal | None = strawberry.field(description="The record's amount in yuan.")
    penalty: str | None = strawberry.field(description="The record's penalty wording.")
    score: Decimal | None = strawberry.field(description="The result's score.")


@strawberry.type(description="A published item as a federation client sees it.")
class SharedItem:
    item: PublicListItem
    shared: SharedDetails


@strawberry.type
class SharedItemEdge:
    cursor: str
    node: SharedItem


@strawberry.type(description="A federation client's page of published items in its configured region.")
class SharedItemConnection(CountedPage):
    edges: list[SharedItemEdge]


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def shared_item_of(item: PublicItem) -> SharedItem:
    s = item.shared
    return SharedItem(item=public_list_item_of(item), shared=SharedDetails(
        title=s.get("title"), amount=_decimal(s.get("amount")), penalty=s.get("penalty"),
        score=_decimal(s.get("score"))))


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


@strawberry.type(name="Publication", description="An item prepared or published by a bureau, with its window.")
class PublicationType:
    view: strawberry.Private[PublicationView]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.id))

    @strawberry.field
    def item_type(self) -> PublicationItemType:  # type: ignore[valid-type]
        return self.view.item_type

    @strawberry.field(description="The published record or evaluation result.")
    def item_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.item_id))

    @strawberry.field
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.subject_id))

    @strawberry.field
    def region(self) -> Region:
        return region_of(self.view.region_code)

    @strawberry.field(description="The city-level bureau that publishes it (设区市).")
    def publisher_region(self) -> Region:
        return region_of(self.view.publisher_region)

    @strawberry.field(description="The record's category; null for an evaluation result.")
    def category(self) -> RecordCategory | None:
        return self.view.category

    @strawberry.field(description="The record's kind, or the result's grade.",
                      deprecation_reason="One value per meaning: use recordKind for a record, grade for a result.")
    def kind(self) -> str:
        return self.view.kind

    @strawberry.field(description="The published record's kind; null for an evaluation result.")
    def record_kind(self) -> RecordKind | None:
        return _RecordKind(self.view.kind) if self.view.item_type is publication_views.ItemType.RECORD else None

    @strawberry.field(description="The published result's grade; null for a record.")
    def grade(self) -> Grade | None:
        return _Grade(self.view.kind) if self.view.item_type is publication_views.ItemType.RESULT else None

    @strawberry.field
    def status(self) -> PublicationStatus:  # type: ignore[valid-type]
        return self.view.status

    @strawberry.field(description="How many months the item is (or, once published, will be) public, rounded up: "
                                  "a negative item stretched to the end of a longer penalty reports the real span. "
                                  "Before publication, and for long-term items, the period chosen (null = default).")
    def window_months(self) -> int | None:
        v = self.view
        if v.published_at is not None and v.public_until is not None:
            return span_months(DisclosureWindow(published_at=v.published_at, public_until=v.public_until))
        return v.window_months

    @strawberry.field(description="The disclosure period the collecting department chose; null = the default.")
    def chosen_window_months(self) -> int | None:
        return self.view.window_months

    @strawberry.field
    def prepared_by(self) -> str:
        return self.view.prepared_by

    @strawberry.field
    def prepared_at(self) -> datetime:
        return self.view.prepared_at

    @strawberry.field
    def published_by(self) -> str | None:
        return self.view.published_by

    @strawberry.field
    def published_at(self) -> datetime | None:
        return self.view.published_at

    @strawberry.field
    def public_until(self) -> datetime | None:
        return self.view.public_until

    @strawberry.field
    def withdrawn_by(self) -> str | None:
        return self.view.withdrawn_by

    @strawberry.field
    def withdrawn_at(self) -> datetime | None:
        return self.view.withdrawn_at

    @strawberry.field
    def withdraw_reason(self) -> str | None:
        return self.view.withdraw_reason


@strawberry.type
class PublicationEdge:
    cursor: str
    node: PublicationType


@strawberry.type(description="A page of publications; totalCount counts every match.")
class PublicationConnection(CountedPage):
    edges: list[PublicationEdge]


@strawberry.type(name="SubjectNotification", description="A message to a credit subject about its archive.")
class SubjectNotification:
    id: strawberry.ID
    kind: str
    message: str
    publication_id: strawberry.ID | None
    created_at: datetime

    @classmethod
    def of(cls, n: NotificationView) -> SubjectNotification:
        return cls(id=strawberry.ID(str(n.id)), kind=n.kind, message=n.message,
                   publication_id=strawberry.ID(str(n.publication_id)) if n.publication_id else None,
                   created_at=n.created_at)


@strawberry.type
class SubjectNotificationEdge:
    cursor: str
    node: SubjectNotification


@strawberry.type(description="A page of your notifications; totalCount counts all of them.")
class SubjectNotificationConnection(CountedPage):
    edges: list[SubjectNotificationEdge]


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

    @strawberry.field(description="Publications in your region subtree, by status, subject and record kind, "
                                  "newest prepared first unless orderBy says otherwise, with totals.")
    async def publications(self, info: Info, status: PublicationStatus | None = None,  # type: ignore[valid-type]
                           first: int = 20, after: str | None = None, subject_id: strawberry.ID | None = None,
                           record_kind: RecordKind | None = None,
                           order_by: PublicationOrder = PublicationOrder.PREPARED_AT_DESC,  # type: ignore[attr-defined]
                           ) -> PublicationConnection:
        ctx = info.context
        size = page_size(first, maximum=ctx.max_page_size)
        session = await ctx.session()
        flt = publication_lists.PublicationFilter(
            status=publication_views.PublicationStatus(status) if status else None,
            subject_id=parse_uuid(subject_id, field="subjectId") if subject_id else None,
            record_kind=_RecordKind(record_kind) if record_kind else None)
        order = sort_key(publication_lists.PUBLICATION_ORDERS, order_by.value, "PREPARED_AT_DESC")
        page = await publication_lists.publications_page(session=session, access=ctx.access, flt=flt, first=size,
                                                         after=after, order=order)

        async def count() -> int:
            return await publication_lists.count_publications(session=session, access=ctx.access, flt=flt)

        edges = [PublicationEdge(cursor=k, node=PublicationType(view=v))
                 for v, k in zip(page.items, page.keys, strict=True)]
        return PublicationConnection(edges=edges, count=count, page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=page.keys[-1] if page.keys else None))

    @strawberry.field(description="What the public would see if this publication were published now.")
    async def publication_preview(self, info: Info, id: strawberry.ID) -> PublicListItem:
        ctx = info.context
        item = await publication.preview_publication(session=await ctx.session(), access=ctx.access,
                                                     id=parse_uuid(id, field="id"), now=ctx.now())
        return public_list_item_of(item)

    @strawberry.field(description="Your own notifications (as a subject), newest first.",
                      deprecation_reason="Use myNotificationsPage: paging, totalCount and orderBy.")
    async def my_notifications(self, info: Info, first: int = 20) -> list[SubjectNotification]:
        ctx = info.context
        size = page_size(first, maximum=ctx.max_page_size)
        found = await notifications.my_notifications(session=await ctx.session(), access=ctx.access, first=size)
        return [SubjectNotification.of(n) for n in found]

    @strawberry.field(description="Your own notifications (as a subject), a page at a time, newest first unless "
                                  "orderBy says otherwise.")
    async def my_notifications_page(
        self, info: Info, first: int = 20, after: str | None = None,
        order_by: NotificationOrder = NotificationOrder.CREATED_AT_DESC,  # type: ignore[attr-defined]
    ) -> SubjectNotificationConnection:
        ctx = info.context
        session = await ctx.session()
        order = sort_key(publication_lists.NOTIFICATION_ORDERS, order_by.value, "CREATED_AT_DESC")
        page = await publication_lists.notifications_page(
            session=session, access=ctx.access, first=page_size(first, maximum=ctx.max_page_size), after=after,
            order=order)

        async def count() -> int:
            return await publication_lists.count_notifications(session=session, access=ctx.access)

        return SubjectNotificationConnection(
            edges=[SubjectNotificationEdge(cursor=k, node=SubjectNotification.of(n))
                   for n, k in zip(page.items, page.keys, strict=True)],
            count=count, page_info=PageInfo(has_next_page=page.has_next,
                                            end_cursor=page.keys[-1] if page.keys else None))


@strawberry.type
class PublicationMutation:
    @strawberry.mutation(description="Prepare a confirmed record for publication (county or city bureau), with "
                                     "the disclosure period in months the collecting department chose.")
    async def prepare_publication(self, info: Info, record_id: strawberry.ID,
                                  window_months: int | None = None) -> PublicationType:
        ctx = info.context
        view = await publication.prepare_publication(session=await ctx.session(), access=ctx.access,
                                                     record_id=parse_uuid(record_id, field="recordId"),
                                                     window_months=window_months, now=ctx.now())
        return PublicationType(view=view)

    @strawberry.mutation(description="Prepare an institution's current evaluation result for publication "
                                     "(county or city bureau), public for 6 to 12 months (default 12) or until "
                                     "a re-evaluation supersedes it. Individuals' results are never published.")
    async def prepare_result_publication(self, info: Info, result_id: strawberry.ID,
                                         window_months: int | None = None) -> PublicationType:
        ctx = info.context
        view = await publication.prepare_result_publication(
            session=await ctx.session(), access=ctx.access, result_id=parse_uuid(result_id, field="resultId"),
            window_months=window_months, now=ctx.now())
        return PublicationType(view=view)

    @strawberry.mutation(description="Publish a prepared item: the city-level bureau only (001 art.22). "
                                     "The subject is notified.")
    async def publish(self, info: Info, id: strawberry.ID) -> PublicationType:
        ctx = info.context
        view = await publication.publish(session=await ctx.session(), access=ctx.access,
                                         id=parse_uuid(id, field="id"))
        return PublicationType(view=view)

    @strawberry.mutation(description="Withdraw a prepared or published item, with a reason.")
    async def withdraw_publication(self, info: Info, id: strawberry.ID, reason: str) -> PublicationType:
        ctx = info.context
        view = await publication_withdrawal.withdraw(session=await ctx.session(), access=ctx.access,
                                          id=parse_uuid(id, field="id"), reason=reason)
        return PublicationType(view=view)
