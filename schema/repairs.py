"""Credit repair (信用修复): a subject's application to repair a dishonesty record, and its approval, refusal
or revocation. Resolvers translate input into one domain call and back."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain import repair
from domain.repair import RepairView
from domain.rules.repair import RepairCondition as _RepairCondition
from domain.rules.repair import RepairState as _RepairState
from schema.context import Context, parse_uuid
from schema.enums import RecordKind, labelled
from schema.evidence import EvidenceFile, EvidenceInput, _evidence

Info = strawberry.Info[Context, None]


RepairStatus = labelled(_RepairState, name="RepairStatus", description="Where a repair application stands.")
RepairCondition = labelled(_RepairCondition, description="A condition of credit repair the subject meets.")


@strawberry.type(name="RepairApplication", description="信用修复申请 and its decision.")
class RepairType:
    view: strawberry.Private[RepairView]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.id))

    @strawberry.field
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.subject_id))

    @strawberry.field
    def record_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.record_id))

    @strawberry.field
    def kind(self) -> RecordKind:
        return self.view.kind

    @strawberry.field(description="The department that found the dishonesty and decides.")
    def handler_department(self) -> str:
        return self.view.handler_department

    @strawberry.field
    def status(self) -> RepairStatus:  # type: ignore[valid-type]
        return self.view.status

    @strawberry.field
    def materials(self) -> list[RepairCondition]:  # type: ignore[valid-type]
        return list(self.view.materials)

    @strawberry.field
    def statement(self) -> str:
        return self.view.statement

    @strawberry.field
    def application_no(self) -> str:
        return self.view.application_no

    @strawberry.field(description="When the record's display began (first publication, else confirmation).")
    def display_started(self) -> date:
        return self.view.display_started

    @strawberry.field(description="The end of the minimum display period.")
    def eligible_from(self) -> date:
        return self.view.eligible_from

    @strawberry.field
    def filed_at(self) -> datetime:
        return self.view.filed_at

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
    def decision_no(self) -> str | None:
        return self.view.decision_no

    @strawberry.field(description="After a refusal: the first day the subject may apply again.")
    def reapply_from(self) -> date | None:
        return self.view.reapply_from

    @strawberry.field
    def revoked_by(self) -> str | None:
        return self.view.revoked_by

    @strawberry.field
    def revoke_reason(self) -> str | None:
        return self.view.revoke_reason

    @strawberry.field(description="The dishonesty record a revocation for false materials entered.")
    def revocation_record_id(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.view.revocation_record_id)) if self.view.revocation_record_id else None

    @strawberry.field
    async def evidence(self, info: Info) -> list[EvidenceFile]:
        return await _evidence(info, self.view.id, of_repair=True)


@strawberry.input
class ApplyForRepairInput:
    record_id: strawberry.ID
    statement: str
    materials: list[RepairCondition]  # type: ignore[valid-type]
    evidence: list[EvidenceInput] | None = None


@strawberry.type
class RepairQuery:
    @strawberry.field(description="One repair application (its subject, or the bureaus of its subtree).")
    async def repair_application(self, info: Info, id: strawberry.ID) -> RepairType:
        ctx = info.context
        return RepairType(view=await repair.get_repair(session=await ctx.session(), access=ctx.access,
                                                       id=parse_uuid(id, field="id")))

    @strawberry.field(description="Repair applications in your subtree, oldest first.")
    async def repair_applications(self, info: Info,
                                  status: RepairStatus | None = None) -> list[RepairType]:  # type: ignore[valid-type]
        ctx = info.context
        found = await repair.list_repairs(session=await ctx.session(), access=ctx.access, status=status)
        return [RepairType(view=v) for v in found]


@strawberry.type
class RepairMutation:
    @strawberry.mutation(description="申请信用修复: apply to repair one of your dishonesty records (subjects).")
    async def apply_for_repair(self, info: Info, input: ApplyForRepairInput) -> RepairType:
        ctx = info.context
        view = await repair.apply_for_repair(
            session=await ctx.session(), access=ctx.access, record_id=parse_uuid(input.record_id, field="recordId"),
            statement=input.statement, materials=frozenset(input.materials),
            evidence=[e.to_domain() for e in input.evidence or []], today=ctx.today())
        return RepairType(view=view)

    @strawberry.mutation(description="准予信用修复: the record's public display stops at once.")
    async def approve_repair(self, info: Info, id: strawberry.ID, reason: str | None = None) -> RepairType:
        ctx = info.context
        return RepairType(view=await repair.decide_repair(session=await ctx.session(), access=ctx.access,
                                                          id=parse_uuid(id, field="id"), approve=True, reason=reason,
                                                          today=ctx.today()))

    @strawberry.mutation(description="不予信用修复, with reasons; the subject learns when it may apply again.")
    async def refuse_repair(self, info: Info, id: strawberry.ID, reason: str) -> RepairType:
        ctx = info.context
        return RepairType(view=await repair.decide_repair(session=await ctx.session(), access=ctx.access,
                                                          id=parse_uuid(id, field="id"), approve=False, reason=reason,
                                                          today=ctx.today()))

    @strawberry.mutation(description="撤销信用修复 obtained with false materials; enters a new dishonesty record.")
    async def revoke_repair(self, info: Info, id: strawberry.ID, reason: str) -> RepairType:
        ctx = info.context
        return RepairType(view=await repair.revoke_repair(session=await ctx.session(), access=ctx.access,
                                                          id=parse_uuid(id, field="id"), reason=reason,
                                                          today=ctx.today()))
