"""Queries and mutations over the credit archive's records (bureau and subject audiences): entering, declaring,
reviewing, confirming, amending and withdrawing a record, and reading records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from domain import archive, record_queries
from domain.errors import InvalidInput
from domain.paging import page_size, sort_key
from domain.record_queries import RecordFilter
from domain.rules.catalog import RecordCategory as _RecordCategory
from domain.rules.catalog import RecordKind as _RecordKind
from domain.rules.records import RecordContent
from domain.rules.workflow import RecordAction as _RecordAction
from schema.context import Context, parse_uuid
from schema.enums import RecordCategory, RecordKind, RecordOrder, RecordStatus
from schema.types import CreditRecordConnection, CreditRecordEdge, CreditRecordType, PageInfo

Info = strawberry.Info[Context, None]


@strawberry.input(description="The content of a record version.")
class RecordContentInput:
    title: str
    facts: str | None = None
    amount: Decimal | None = strawberry.field(default=None, description="Yuan, at most two decimals.")
    points: Decimal | None = None
    score: Decimal | None = None
    occurred_on: date | None = None
    decided_on: date | None = None
    penalty: str | None = None
    penalty_until: date | None = None
    legal_basis: str | None = None
    clauses: list[str] | None = strawberry.field(
        default=None, description="Commitment clauses; the standard clauses of 001 art.9 when omitted."
    )
    details: JSON | None = None

    def to_domain(self) -> RecordContent:
        if self.details is not None and not isinstance(self.details, dict):
            raise InvalidInput("details 必须是 JSON 对象。", field="details")
        return RecordContent(
            title=self.title,
            facts=self.facts,
            amount=self.amount,
            points=self.points,
            score=self.score,
            occurred_on=self.occurred_on,
            decided_on=self.decided_on,
            penalty=self.penalty,
            penalty_until=self.penalty_until,
            legal_basis=self.legal_basis,
            clauses=tuple(self.clauses or ()),
            details=dict(self.details or {}),
        )


@strawberry.input
class EnterRecordInput:
    subject_id: strawberry.ID
    kind: RecordKind
    content: RecordContentInput


@strawberry.input
class DeclareRecordInput:
    kind: RecordKind
    content: RecordContentInput


@strawberry.type
class ArchiveQuery:
    @strawberry.field(description="One credit record with its versions and history.")
    async def record(self, info: Info, id: strawberry.ID) -> CreditRecordType | None:
        ctx = info.context
        view = await record_queries.get_record(session=await ctx.session(), access=ctx.access,
                                               id=parse_uuid(id, field="id"))
        return CreditRecordType.of(view)

    @strawberry.field(
        description="Records in your subtree, newest entered first unless orderBy says otherwise: filter by status "
        "for a review queue, by subject, kind and dates for a dashboard: occurredFrom/To the current version's "
        "date of the conduct or event, enteredFrom/To the day it was entered (Beijing calendar, both ends included)."
    )
    async def records(
        self,
        info: Info,
        status: RecordStatus | None = None,
        category: RecordCategory | None = None,
        region_code: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
        subject_id: strawberry.ID | None = None,
        kind: RecordKind | None = None,
        occurred_from: date | None = None,
        occurred_to: date | None = None,
        entered_from: date | None = None,
        entered_to: date | None = None,
        order_by: RecordOrder = RecordOrder.ENTERED_AT_DESC,  # type: ignore[attr-defined]
    ) -> CreditRecordConnection:
        ctx = info.context
        size = page_size(first, maximum=ctx.max_page_size)
        flt = RecordFilter(
            status=status,
            category=category,
            region_code=str(region_code) if region_code else None,
            subject_id=parse_uuid(subject_id, field="subjectId") if subject_id else None,
            kind=_RecordKind(kind) if kind else None,
            occurred_from=occurred_from,
            occurred_to=occurred_to,
            entered_from=entered_from,
            entered_to=entered_to,
        )
        session = await ctx.session()
        order = sort_key(record_queries.RECORD_ORDERS, order_by.value, "ENTERED_AT_DESC")
        page = await record_queries.list_records(
            session=session, access=ctx.access, flt=flt, first=size, after=after, order=order
        )

        async def count() -> int:
            return await record_queries.count_records(session=session, access=ctx.access, flt=flt)

        pairs = zip(page.items, page.keys, strict=True)
        edges = [CreditRecordEdge(cursor=k, node=CreditRecordType.of(v)) for v, k in pairs]
        return CreditRecordConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.keys[-1] if page.keys else None),
            count=count,
        )


async def _act(
    info: Info,
    id: strawberry.ID,
    action: _RecordAction,
    reason: str | None = None,
    content: RecordContentInput | None = None,
) -> CreditRecordType:
    ctx = info.context
    view = await archive.act_on_record(
        session=await ctx.session(),
        access=ctx.access,
        record_id=parse_uuid(id, field="id"),
        action=action,
        reason=reason,
        content=content.to_domain() if content else None,
        today=ctx.today(),
    )
    return CreditRecordType.of(view)


@strawberry.type
class ArchiveMutation:
    @strawberry.mutation(description="录入: enter a record into a subject's archive; it awaits review.")
    async def enter_record(self, info: Info, input: EnterRecordInput) -> CreditRecordType:
        ctx = info.context
        view = await archive.enter_record(
            session=await ctx.session(),
            access=ctx.access,
            subject_id=parse_uuid(input.subject_id, field="subjectId"),
            kind=_RecordKind(input.kind),
            content=input.content.to_domain(),
            today=ctx.today(),
        )
        return CreditRecordType.of(view)

    @strawberry.mutation(description="申报: a subject declares its own basic, trust or commitment information.")
    async def declare_record(self, info: Info, input: DeclareRecordInput) -> CreditRecordType:
        ctx = info.context
        view = await archive.declare_record(
            session=await ctx.session(),
            access=ctx.access,
            kind=_RecordKind(input.kind),
            content=input.content.to_domain(),
            today=ctx.today(),
        )
        return CreditRecordType.of(view)

    @strawberry.mutation(description="审核: approve or reject an entered record (not one you entered).")
    async def review_record(
        self, info: Info, id: strawberry.ID, approve: bool, reason: str | None = None
    ) -> CreditRecordType:
        action = _RecordAction.REVIEW_APPROVE if approve else _RecordAction.REVIEW_REJECT
        return await _act(info, id, action, reason)

    @strawberry.mutation(description="确认: confirm a reviewed record; it comes into force.")
    async def confirm_record(self, info: Info, id: strawberry.ID) -> CreditRecordType:
        return await _act(info, id, _RecordAction.CONFIRM)

    @strawberry.mutation(description="Verify a subject's declaration (it then awaits confirmation).")
    async def verify_declaration(self, info: Info, id: strawberry.ID) -> CreditRecordType:
        return await _act(info, id, _RecordAction.VERIFY_DECLARATION)

    @strawberry.mutation(description="Reject a subject's declaration, with the reason it is told.")
    async def reject_declaration(self, info: Info, id: strawberry.ID, reason: str) -> CreditRecordType:
        return await _act(info, id, _RecordAction.REJECT_DECLARATION, reason)

    @strawberry.mutation(
        description="Write a new version of a record; it goes through review again while "
        "the confirmed version stays in force."
    )
    async def amend_record(
        self, info: Info, id: strawberry.ID, content: RecordContentInput, reason: str
    ) -> CreditRecordType:
        return await _act(info, id, _RecordAction.AMEND, reason, content)

    @strawberry.mutation(
        description="撤销: withdraw a record, with a reason; it stays readable with its history. A record with a "
        "version in force is only marked WITHDRAWAL_REQUESTED: a second officer approves or refuses the request."
    )
    async def withdraw_record(self, info: Info, id: strawberry.ID, reason: str) -> CreditRecordType:
        return await _act(info, id, _RecordAction.WITHDRAW, reason)

    @strawberry.mutation(description="Approve another officer's request to withdraw a record in force.")
    async def approve_withdrawal(self, info: Info, id: strawberry.ID) -> CreditRecordType:
        return await _act(info, id, _RecordAction.APPROVE_WITHDRAWAL)

    @strawberry.mutation(description="Refuse a request to withdraw a record, with a reason; it stays in force.")
    async def refuse_withdrawal(self, info: Info, id: strawberry.ID, reason: str) -> CreditRecordType:
        return await _act(info, id, _RecordAction.REFUSE_WITHDRAWAL, reason)


__all__ = ["ArchiveMutation", "ArchiveQuery", "_RecordCategory"]
