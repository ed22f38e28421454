"""Queries and mutations over regions, subjects and the credit archive (bureau and subject audiences)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from domain import archive, record_queries, subjects
from domain.access import PrincipalKind as _PrincipalKind
from domain.errors import InvalidInput
from domain.paging import page_size, sort_key
from domain.record_queries import RecordFilter
from domain.rules.catalog import Grade as _Grade
from domain.rules.catalog import RecordCategory as _RecordCategory
from domain.rules.catalog import RecordKind as _RecordKind
from domain.rules.labels import labels_for
from domain.rules.records import RecordContent
from domain.rules.workflow import RecordAction as _RecordAction
from domain.subjects import NewSubject, SubjectFilter
from schema.context import Context, parse_uuid
from schema.enums import (
    LABELLED,
    Grade,
    OfficerRole,
    PrincipalKind,
    RecordCategory,
    RecordKind,
    RecordOrder,
    RecordStatus,
    RegionLevel,
    ServiceScope,
    SubjectClass,
    SubjectKind,
    SubjectOrder,
)
from schema.types import (
    CreditRecordConnection,
    CreditRecordEdge,
    CreditRecordType,
    EnumLabel,
    EnumLabels,
    PageInfo,
    Region,
    RegionCount,
    SubjectConnection,
    SubjectEdge,
    SubjectType,
    _subjects,
    region_of,
)
from tenants import region_tree

Info = strawberry.Info[Context, None]


@strawberry.type(description="Who the request's token says is asking.")
class Me:
    kind: PrincipalKind
    id: str
    role: OfficerRole | None
    name: str
    region: Region | None


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
    @strawberry.field(description="The principal of this request; a subject's region is where it is registered.")
    async def me(self, info: Info) -> Me:
        ctx = info.context
        p = ctx.principal
        region_code, name = p.region_code, p.name
        if p.kind is _PrincipalKind.SUBJECT:
            row = await ctx.loader("subjects", _subjects).load(uuid.UUID(p.id))
            region_code = region_code or (row.region_code if row else None)
            name = name or (row.name if row else "")
        region = region_of(region_code) if region_code else None
        return Me(kind=p.kind, id=p.id, role=p.role, name=name, region=region)

    @strawberry.field(
        description="中文标签: the Chinese label of every value of the named enums (all of them when none is "
        "named). A client fetches this once and caches it: one small answer covers every enum-valued field, "
        "filter and drop-down, instead of a label field beside each value on every row."
    )
    def enum_labels(self, names: list[str] | None = None) -> list[EnumLabels]:
        chosen = sorted(LABELLED) if names is None else [n for n in names if n in LABELLED]
        out = []
        for name in chosen:
            table = labels_for(LABELLED[name].__name__)
            out.append(EnumLabels(name=name, values=[EnumLabel(value=k, label=v) for k, v in table.items()]))
        return out

    @strawberry.field(description="One division by its six-digit code.")
    def region(self, code: strawberry.ID) -> Region | None:
        found = region_tree().find(str(code))
        return Region.from_data(found) if found else None

    @strawberry.field(description="Divisions below a parent (provinces when none is given), or by name.")
    def regions(
        self,
        parent_code: strawberry.ID | None = None,
        name_contains: str | None = None,
        level: RegionLevel | None = None,
    ) -> list[Region]:
        tree = region_tree()
        if name_contains:
            found = tree.search(name_contains, limit=50)
        elif parent_code:
            found = list(tree.children(str(parent_code)))
        else:
            found = [r for r in tree if r.parent_code is None]
        return [Region.from_data(r) for r in found if level is None or r.level == level]

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
