"""Bureau-audience types: the full archive as officers (and a subject, for itself) see it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from domain import archive, evaluation, record_queries, subjects
from domain.evaluation import StoredResult
from domain.paging import page_size
from domain.record_views import CreditRecordView, RecordEventView, RecordVersion
from domain.rules.catalog import RecordCategory as RecordCategoryValue
from domain.rules.workflow import RecordState
from domain.session import Session
from domain.subjects import SubjectRow
from schema.context import Context
from schema.entities import subject_reference
from schema.enums import (
    RecordAction,
    RecordCategory,
    RecordKind,
    RecordStatus,
    RegionLevel,
    ServiceScope,
    SubjectClass,
    SubjectKind,
)
from tenants import Region as RegionData
from tenants import region_tree

if TYPE_CHECKING:
    from schema.credit_results import CreditResult


@strawberry.federation.type(keys=["code"], description="A GB/T 2260 administrative division; a bureau sits on each.")
class Region:
    code: strawberry.ID
    # Descriptive fields other agencies' subgraphs also declare (their own Region.name): shareable.
    name: str = strawberry.federation.field(shareable=True)
    level: RegionLevel = strawberry.federation.field(shareable=True)
    parent_code: strawberry.ID | None = strawberry.federation.field(shareable=True)

    @classmethod
    def from_data(cls, region: RegionData) -> Region:
        return cls(
            code=strawberry.ID(region.code),
            name=region.name,
            level=region.level,
            parent_code=strawberry.ID(region.parent_code) if region.parent_code else None,
        )

    @classmethod
    def resolve_reference(cls, code: strawberry.ID) -> Region | None:
        found = region_tree().find(str(code))
        return cls.from_data(found) if found else None

    @strawberry.field(description="The divisions directly below this one.")
    def children(self) -> list[Region]:
        return [Region.from_data(r) for r in region_tree().children(str(self.code))]

    @strawberry.field(description="The divisions above this one, nearest first.")
    def ancestors(self) -> list[Region]:
        return [Region.from_data(r) for r in region_tree().ancestors(str(self.code))]

    @strawberry.field(description="The full name, province first (e.g. 重庆市巫山县).")
    def full_name(self) -> str:
        chain = [r.name for r in reversed(region_tree().ancestors(str(self.code)))]
        return "".join([*chain, self.name])


def region_of(code: str) -> Region:
    return Region.from_data(region_tree().get(code))


@strawberry.type(description="One immutable version of a record's content.")
class RecordVersionType:
    version: int
    title: str
    facts: str | None
    amount: Decimal | None = strawberry.field(description="Yuan, exact to the fen.")
    points: Decimal | None
    score: Decimal | None
    occurred_on: date | None
    decided_on: date | None
    penalty: str | None
    penalty_until: date | None
    legal_basis: str | None
    clauses: list[str]
    details: JSON
    author_id: str = strawberry.field(description="Who wrote this version (officer id, or the subject).")
    author_kind: str
    change_reason: str | None
    created_at: datetime

    @classmethod
    def from_version(cls, v: RecordVersion) -> RecordVersionType:
        c = v.content
        return cls(
            version=v.version,
            title=c.title,
            facts=c.facts,
            amount=c.amount,
            points=c.points,
            score=c.score,
            occurred_on=c.occurred_on,
            decided_on=c.decided_on,
            penalty=c.penalty,
            penalty_until=c.penalty_until,
            legal_basis=c.legal_basis,
            clauses=list(c.clauses),
            details=c.details,
            author_id=v.author_id,
            author_kind=v.author_kind,
            change_reason=v.change_reason,
            created_at=v.created_at,
        )


@strawberry.type(description="An attributed workflow step on a record.")
class RecordEvent:
    action: str = strawberry.field(
        description="The step, named as RecordAction names it (REVIEW_APPROVE, CONFIRM ...), plus ENTER and DECLARE "
        "for the step that created the record; enumLabels(names: [\"RecordAction\"]) labels all of them."
    )
    version: int
    from_status: RecordStatus | None
    to_status: RecordStatus
    actor_id: str
    actor_kind: str
    reason: str | None
    at: datetime

    @classmethod
    def from_view(cls, e: RecordEventView) -> RecordEvent:
        return cls(
            action=e.action.upper(),  # stored lower case; the API speaks the enum's case
            version=e.version,
            from_status=RecordState(e.from_status) if e.from_status else None,
            to_status=RecordState(e.to_status),
            actor_id=e.actor_id,
            actor_kind=e.actor_kind,
            reason=e.reason,
            at=e.at,
        )


async def _versions(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[RecordVersion]]:
    return await record_queries.versions_of(session=session, record_ids=ids)


async def _events(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[RecordEventView]]:
    return await record_queries.events_of(session=session, record_ids=ids)


async def _current_results(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, StoredResult]:
    return await evaluation.current_results(session=session, subject_ids=ids)


async def _subjects(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, SubjectRow]:
    return await subjects.subjects_by_ids(session=session, ids=ids)


@strawberry.type(name="CreditRecord", description="A record in a subject's credit archive (信用档案).")
class CreditRecordType:
    """Plain fields are copied from the view when the object is built (``of``): strawberry reads them as attributes,
    while a method field costs a resolver call with its own Info and argument conversion (issue 12: a page of 50
    subjects with 3 records each resolves ~750 fields)."""

    view: strawberry.Private[CreditRecordView]
    id: strawberry.ID
    category: RecordCategory
    kind: RecordKind
    status: RecordStatus
    department: str = strawberry.field(
        description="The producing department, which answers for the record (谁产生、谁负责).")
    entered_by: str = strawberry.field(description="The officer (or subject) who first entered the record.")
    entered_at: datetime
    reviewed_by: str | None
    confirmed_by: str | None
    region: Region
    current: RecordVersionType = strawberry.field(description="The version in the workflow now (it may await review).")
    effective_version: int | None = strawberry.field(
        description="The number of the version in force: the last one confirmed, if any.")

    @classmethod
    def of(cls, view: CreditRecordView) -> CreditRecordType:
        return cls(view=view, id=strawberry.ID(str(view.id)), category=view.category, kind=view.kind,
                   status=view.status, department=view.department, entered_by=view.entered_by,
                   entered_at=view.entered_at, reviewed_by=view.reviewed_by, confirmed_by=view.confirmed_by,
                   region=region_of(view.region_code), current=RecordVersionType.from_version(view.current),
                   effective_version=view.effective_version)

    @strawberry.field(
        description="Workflow steps you may take now: possible from the current status, allowed to your role in "
        "the record's region, and not refused by separation of duties (the enterer does not review or confirm, "
        "the reviewer does not confirm)."
    )
    def next_actions(self, info: strawberry.Info[Context, None]) -> list[RecordAction]:
        return list(archive.actions_for(access=info.context.access, record=self.view))

    @strawberry.field(description="Every version, oldest first; none is ever overwritten.")
    async def versions(self, info: strawberry.Info[Context, None]) -> list[RecordVersionType]:
        found = await info.context.loader("versions", _versions, list).load(self.view.id)
        return [RecordVersionType.from_version(v) for v in found]

    @strawberry.field(description="Every workflow step, oldest first, with who took it.")
    async def history(self, info: strawberry.Info[Context, None]) -> list[RecordEvent]:
        found = await info.context.loader("events", _events, list).load(self.view.id)
        return [RecordEvent.from_view(e) for e in found]

    @strawberry.field
    async def subject(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[SubjectType, strawberry.lazy("schema.types")] | None:
        row = await info.context.loader("subjects", _subjects).load(self.view.subject_id)
        return SubjectType.of(row) if row else None


async def _latest(
    session: Session, keys: list[tuple[uuid.UUID, int, str | None]]
) -> dict[tuple[uuid.UUID, int, str | None], list[CreditRecordView]]:
    # Group the page's keys by (limit, category): one statement per distinct shape, not per subject.
    out: dict[tuple[uuid.UUID, int, str | None], list[CreditRecordView]] = {}
    shapes = {(limit, cat) for _, limit, cat in keys}
    for limit, cat in shapes:
        ids = [sid for sid, lim, c in keys if (lim, c) == (limit, cat)]
        found = await record_queries.latest_records(
            session=session, subject_ids=ids, limit=limit, category=RecordCategoryValue(cat) if cat else None
        )
        for sid, records in found.items():
            out[(sid, limit, cat)] = records
    return out


@strawberry.federation.type(
    name="Subject", keys=["id", "code"],
    description="信用主体: a credit subject, as a bureau (or the subject itself) sees it.",
)
class SubjectType:
    """Plain fields copied from the row when built (``of``), read as attributes (see ``CreditRecordType``)."""

    row: strawberry.Private[SubjectRow]
    id: strawberry.ID
    kind: SubjectKind
    subject_class: SubjectClass
    code: str = strawberry.field(
        description="Unified social credit code (institutions) or resident ID number (individuals).")
    name: str
    service_scope: ServiceScope | None
    phone: str | None
    address: str | None
    region: Region
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, row: SubjectRow) -> SubjectType:
        return cls(row=row, id=strawberry.ID(str(row.id)), kind=row.kind, subject_class=row.subject_class,
                   code=row.code, name=row.name, service_scope=row.service_scope, phone=row.phone,
                   address=row.address, region=region_of(row.region_code), created_at=row.created_at,
                   created_by=row.created_by)

    @strawberry.field(
        description="The institution this subject belongs to (a village clinic's township centre, "
        "a legal representative's institution)."
    )
    async def parent(self, info: strawberry.Info[Context, None]) -> SubjectType | None:
        if self.row.parent_subject_id is None:
            return None
        row = await info.context.loader("subjects", _subjects).load(self.row.parent_subject_id)
        return SubjectType.of(row) if row else None

    @strawberry.field(description="The newest records of this subject's archive, batched across a page.")
    async def records(
        self, info: strawberry.Info[Context, None], first: int = 5, category: RecordCategory | None = None
    ) -> list[CreditRecordType]:
        size = page_size(first, maximum=info.context.max_page_size)
        key = (self.row.id, size, str(category) if category else None)
        found = await info.context.loader("latest", _latest, list).load(key)
        return [CreditRecordType.of(v) for v in found]

    @strawberry.field(description="The current credit result (grade, score, report) of the latest evaluated cycle.")
    async def credit_result(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[CreditResult, strawberry.lazy("schema.credit_results")] | None:
        from schema.credit_results import CreditResult

        found = await info.context.loader("current_results", _current_results).load(self.row.id)
        return CreditResult(result=found) if found else None

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info[Context, None], id: strawberry.ID | None = None,
                                code: str | None = None) -> SubjectType:
        """A subject by id or by code for another agency's gateway: NOT_FOUND outside the caller's scope."""
        return cls.of(await subject_reference(info.context, id=id, code=code))


@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class CountedPage:
    """What every paged connection has: its PageInfo, and a totalCount computed only when a client asks."""

    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match, not just this page (costs one count statement).")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type
class SubjectEdge:
    cursor: str
    node: SubjectType


@strawberry.type(description="A page of subjects; totalCount counts every match, not just this page.")
class SubjectConnection(CountedPage):
    edges: list[SubjectEdge]


@strawberry.type
class CreditRecordEdge:
    cursor: str
    node: CreditRecordType


@strawberry.type(description="A page of records; totalCount counts every match, not just this page.")
class CreditRecordConnection(CountedPage):
    edges: list[CreditRecordEdge]


@strawberry.type(description="How many subjects a region holds, for dashboards.")
class RegionCount:
    region: Region
    count: int


@strawberry.type(description="One enum value and the Chinese label a user interface shows for it.")
class EnumLabel:
    value: str = strawberry.field(description="The value as the API sends it (e.g. RECOVERED_FUNDS).")
    label: str = strawberry.field(description="中文标签, e.g. 追回医保基金.")


@strawberry.type(description="The labels of every value of one enum (the same text as the SDL descriptions).")
class EnumLabels:
    name: str = strawberry.field(description="The GraphQL enum's name, e.g. RecordKind.")
    values: list[EnumLabel]
