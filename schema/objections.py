"""Objections (异议): a subject's dispute of a record, result or publication, and how the producing
department accepts, refuses, upholds or rejects it. Resolvers translate input into one domain call and back."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain import objections
from domain.objections import ObjectionFilter, ObjectionView
from domain.rules.objections import Correction as _Correction
from domain.rules.objections import ObjectionAction
from domain.rules.objections import ObjectionItem as _ObjectionItem
from domain.rules.objections import ObjectionState as _ObjectionState
from schema.archive import RecordContentInput
from schema.context import Context, parse_uuid
from schema.enums import labelled
from schema.evidence import EvidenceFile, EvidenceInput, _evidence
from schema.types import Region, region_of

Info = strawberry.Info[Context, None]


ObjectionItem = labelled(_ObjectionItem, description="What an objection disputes.")
ObjectionStatus = labelled(_ObjectionState, name="ObjectionStatus",
                                  description="submitted → accepted | refused → upheld | rejected.")
Correction = labelled(_Correction, description="How an upheld objection corrects a record.")


@strawberry.type(name="Objection", description="异议: a subject's dispute of a record, result or publication.")
class ObjectionType:
    view: strawberry.Private[ObjectionView]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.id))

    @strawberry.field
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.subject_id))

    @strawberry.field
    def item_type(self) -> ObjectionItem:  # type: ignore[valid-type]
        return self.view.item_type

    @strawberry.field
    def item_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.item_id))

    @strawberry.field(description="The disputed record (a publication's record too), if a record is concerned.")
    def record_id(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.view.record_id)) if self.view.record_id else None

    @strawberry.field(description="The department that produced the item and handles the objection.")
    def handler_department(self) -> str:
        return self.view.handler_department

    @strawberry.field
    def handler_region(self) -> Region:
        return region_of(self.view.handler_region)

    @strawberry.field
    def reasons(self) -> str:
        return self.view.reasons

    @strawberry.field
    def status(self) -> ObjectionStatus:  # type: ignore[valid-type]
        return self.view.status

    @strawberry.field
    def application_no(self) -> str:
        return self.view.application_no

    @strawberry.field
    def filed_at(self) -> datetime:
        return self.view.filed_at

    @strawberry.field(description="Accept or refuse by this day (working days on the official calendar).")
    def accept_due(self) -> date:
        return self.view.accept_due

    @strawberry.field(description="Decide by this day, once accepted.")
    def decide_due(self) -> date | None:
        return self.view.decide_due

    @strawberry.field(description="Set when a deadline was counted without the official holiday calendar.")
    def deadline_note(self) -> str | None:
        return self.view.deadline_note

    @strawberry.field(description="Whether the deadline it is running against has passed.")
    def overdue(self, info: Info) -> bool:
        return self.view.overdue(info.context.today())

    @strawberry.field
    def accepted_by(self) -> str | None:
        return self.view.accepted_by

    @strawberry.field
    def decided_by(self) -> str | None:
        return self.view.decided_by

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.view.decided_at

    @strawberry.field
    def decision_reason(self) -> str | None:
        return self.view.decision_reason

    @strawberry.field
    def correction(self) -> Correction | None:  # type: ignore[valid-type]
        return self.view.correction

    @strawberry.field
    def decision_no(self) -> str | None:
        return self.view.decision_no

    @strawberry.field
    async def evidence(self, info: Info) -> list[EvidenceFile]:
        return await _evidence(info, self.view.id)


@strawberry.input
class FileObjectionInput:
    item_type: ObjectionItem  # type: ignore[valid-type]
    item_id: strawberry.ID
    reasons: str
    evidence: list[EvidenceInput] | None = None


@strawberry.type
class ObjectionQuery:
    @strawberry.field(description="One objection (its subject, or the bureaus of its subtree).")
    async def objection(self, info: Info, id: strawberry.ID) -> ObjectionType:
        ctx = info.context
        return ObjectionType(view=await objections.get_objection(session=await ctx.session(), access=ctx.access,
                                                                 id=parse_uuid(id, field="id")))

    @strawberry.field(description="Objections handled in your subtree: the bureau's dashboard, the province's "
                                  "oversight; overdueOnly lists those past their deadline.")
    async def objections(self, info: Info, region_code: strawberry.ID | None = None,
                         status: ObjectionStatus | None = None,  # type: ignore[valid-type]
                         overdue_only: bool = False) -> list[ObjectionType]:
        ctx = info.context
        flt = ObjectionFilter(region_code=str(region_code) if region_code else None, status=status,
                              overdue_only=overdue_only)
        found = await objections.list_objections(session=await ctx.session(), access=ctx.access, flt=flt,
                                                 today=ctx.today())
        return [ObjectionType(view=v) for v in found]


async def _decide(info: Info, id: strawberry.ID, action: ObjectionAction, reason: str | None = None,
                  correction: _Correction | None = None, content: RecordContentInput | None = None) -> ObjectionType:
    ctx = info.context
    view = await objections.decide_objection(
        session=await ctx.session(), access=ctx.access, id=parse_uuid(id, field="id"), action=action, reason=reason,
        correction=correction, content=content.to_domain() if content else None, today=ctx.today())
    return ObjectionType(view=view)


@strawberry.type
class ObjectionMutation:
    @strawberry.mutation(description="提出异议: dispute one of your records, results or publications (subjects).")
    async def file_objection(self, info: Info, input: FileObjectionInput) -> ObjectionType:
        ctx = info.context
        view = await objections.file_objection(
            session=await ctx.session(), access=ctx.access, item_type=input.item_type,
            item_id=parse_uuid(input.item_id, field="itemId"), reasons=input.reasons,
            evidence=[e.to_domain() for e in input.evidence or []], today=ctx.today())
        return ObjectionType(view=view)

    @strawberry.mutation(description="受理: the producing department accepts an objection; the decision deadline "
                                     "starts.")
    async def accept_objection(self, info: Info, id: strawberry.ID) -> ObjectionType:
        return await _decide(info, id, ObjectionAction.ACCEPT)

    @strawberry.mutation(description="不予受理, with the reason the subject is told.")
    async def refuse_objection(self, info: Info, id: strawberry.ID, reason: str) -> ObjectionType:
        return await _decide(info, id, ObjectionAction.REFUSE, reason)

    @strawberry.mutation(description="异议成立: the item is corrected through its workflow — a record by a new "
                                     "version (content) or a withdrawal; a result by re-evaluation; a result's "
                                     "publication by withdrawal.")
    async def uphold_objection(self, info: Info, id: strawberry.ID, reason: str,
                               correction: Correction | None = None,  # type: ignore[valid-type]
                               content: RecordContentInput | None = None) -> ObjectionType:
        return await _decide(info, id, ObjectionAction.UPHOLD, reason, correction, content)

    @strawberry.mutation(description="异议不成立, with the reason the subject is told.")
    async def reject_objection(self, info: Info, id: strawberry.ID, reason: str) -> ObjectionType:
        return await _decide(info, id, ObjectionAction.REJECT, reason)
