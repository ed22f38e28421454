"""The bureau's publication workflow (公开): a prepared or published item with its window, the bureau's
list of them, the preview of what the public would see, and preparing, publishing and withdrawing."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import publication, publication_lists, publication_views, publication_withdrawal
from domain.paging import page_size, sort_key
from domain.publication_views import PublicationView
from domain.rules.catalog import Grade as _Grade
from domain.rules.catalog import RecordKind as _RecordKind
from domain.rules.disclosure import DisclosureWindow
from domain.rules.disclosure import window_months as span_months
from schema.context import Context, parse_uuid
from schema.enums import Grade, PublicationOrder, RecordCategory, RecordKind, labelled
from schema.public import PublicListItem, public_list_item_of
from schema.types import CountedPage, PageInfo, Region, region_of

Info = strawberry.Info[Context, None]


PublicationStatus = labelled(publication_views.PublicationStatus, description="公开状态: where a publication stands.")
PublicationItemType = labelled(publication_views.ItemType, name="PublicationItemType",
                               description="公开内容: what a publication makes public.")


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


@strawberry.type
class PublicationQuery:
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
