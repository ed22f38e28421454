"""The subject's rights: objections (异议), credit repair (信用修复), the subject's whole archive, the annex's
documents and the verifiable credit report. Resolvers translate input into one domain call and back."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from typing import Any

import strawberry

from domain import objections, repair, self_service
from domain.documents import credit_report, service
from domain.documents.evidence import EvidenceUpload, EvidenceView, evidence_of
from domain.documents.rights_docs import DocumentKind as _DocumentKind
from domain.objections import ObjectionFilter, ObjectionView
from domain.repair import RepairView
from domain.rules.objections import Correction as _Correction
from domain.rules.objections import ObjectionAction
from domain.rules.objections import ObjectionItem as _ObjectionItem
from domain.rules.objections import ObjectionState as _ObjectionState
from domain.rules.repair import RepairCondition as _RepairCondition
from domain.rules.repair import RepairState as _RepairState
from schema.archive import RecordContentInput
from schema.context import Context, parse_uuid
from schema.credit_results import CreditResult
from schema.enums import RecordKind, labelled
from schema.publications import PublicationType
from schema.types import CreditRecordType, Region, SubjectType, region_of

Info = strawberry.Info[Context, None]

ObjectionItem = labelled(_ObjectionItem, description="What an objection disputes.")
ObjectionStatus = labelled(_ObjectionState, name="ObjectionStatus",
                                  description="submitted → accepted | refused → upheld | rejected.")
Correction = labelled(_Correction, description="How an upheld objection corrects a record.")
RepairStatus = labelled(_RepairState, name="RepairStatus", description="Where a repair application stands.")
RepairCondition = labelled(_RepairCondition, description="A condition of credit repair the subject meets.")
DocumentKind = labelled(_DocumentKind, description="The documents of 000 §三's annex.")


@strawberry.input(description="An evidence file: PDF, PNG or JPEG, base64-encoded, at most 2 MB.")
class EvidenceInput:
    file_name: str
    content_base64: str

    def to_domain(self) -> EvidenceUpload:
        return EvidenceUpload(file_name=self.file_name, content_base64=self.content_base64)


@strawberry.type(description="证明材料: an attached file (its content is not served back).")
class EvidenceFile:
    id: strawberry.ID
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str


async def _evidence(info: Info, owner: uuid.UUID, *, of_repair: bool = False) -> list[EvidenceFile]:
    # one statement for every objection (or repair) on the page, not one per row
    async def load(session: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[EvidenceView]]:
        return await evidence_of(session=session, objection_ids=None if of_repair else ids,
                                 repair_ids=ids if of_repair else None)

    name = "repair_evidence" if of_repair else "objection_evidence"
    found = await info.context.loader(name, load, default=list).load(owner)
    return [EvidenceFile(id=strawberry.ID(str(f.id)), file_name=f.file_name, media_type=f.media_type,
                         size_bytes=f.size_bytes, sha256=f.sha256) for f in found]


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


@strawberry.type(description="A generated PDF, base64-encoded.")
class DocumentFile:
    file_name: str
    media_type: str
    size_bytes: int
    content_base64: str

    @classmethod
    def of(cls, *, file_name: str, media_type: str, content: bytes) -> DocumentFile:
        return cls(file_name=file_name, media_type=media_type, size_bytes=len(content),
                   content_base64=base64.b64encode(content).decode("ascii"))


@strawberry.type(description="信用报告: an issued credit report and how anyone can verify it.")
class IssuedCreditReport:
    report_no: str
    verification_code: str
    digest: str = strawberry.field(description="SHA-256 of the PDF bytes, hex.")
    issued_at: datetime
    file: DocumentFile


@strawberry.type(description="Whether a credit report with this number, code and digest was issued; nothing else.")
class CreditReportCheck:
    valid: bool
    issued_at: datetime | None


@strawberry.type(description="信用信息自查 (001 art.25): a subject's whole archive, and what is public now.")
class MyArchive:
    data: strawberry.Private[self_service.SubjectArchive]

    @strawberry.field
    def subject(self) -> SubjectType:
        return SubjectType.of(self.data.subject)

    @strawberry.field(description="Every record, with versions and history (fields of CreditRecord).")
    def records(self) -> list[CreditRecordType]:
        return [CreditRecordType.of(v) for v in self.data.records]

    @strawberry.field(description="Every evaluation result, superseded ones included, with lines and measures.")
    def results(self) -> list[CreditResult]:
        return [CreditResult(result=r) for r in self.data.results]

    @strawberry.field(description="Every publication (prepared, published, withdrawn), with publicUntil.")
    def publications(self) -> list[PublicationType]:
        return [PublicationType(view=v) for v in self.data.publications]

    @strawberry.field(description="The publications the public sees at this instant.")
    def public_now(self) -> list[PublicationType]:
        return [PublicationType(view=v) for v in self.data.publications if v.id in self.data.public_now]

    @strawberry.field
    def objections(self) -> list[ObjectionType]:
        return [ObjectionType(view=v) for v in self.data.objections]

    @strawberry.field
    def repairs(self) -> list[RepairType]:
        return [RepairType(view=v) for v in self.data.repairs]


@strawberry.input
class FileObjectionInput:
    item_type: ObjectionItem  # type: ignore[valid-type]
    item_id: strawberry.ID
    reasons: str
    evidence: list[EvidenceInput] | None = None


@strawberry.input
class ApplyForRepairInput:
    record_id: strawberry.ID
    statement: str
    materials: list[RepairCondition]  # type: ignore[valid-type]
    evidence: list[EvidenceInput] | None = None


@strawberry.type
class RightsQuery:
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

    @strawberry.field(description="信用信息自查: your whole archive (subjects only).")
    async def my_archive(self, info: Info) -> MyArchive:
        ctx = info.context
        return MyArchive(data=await self_service.my_archive(session=await ctx.session(), access=ctx.access))

    @strawberry.field(description="A document of 000 §三's annex as a PDF, generated from the stored decision.")
    async def rights_document(self, info: Info, kind: DocumentKind, id: strawberry.ID) -> DocumentFile:  # type: ignore[valid-type]
        ctx = info.context
        doc = await service.render_document(session=await ctx.session(), access=ctx.access, kind=kind,
                                            id=parse_uuid(id, field="id"))
        return DocumentFile.of(file_name=doc.file_name, media_type=doc.media_type, content=doc.content)

    @strawberry.field(description="报告核验 (anyone): whether a credit report with this number, verification code "
                                  "and SHA-256 digest was issued, and when. Reveals nothing else.")
    async def verify_credit_report(self, info: Info, report_no: str, verification_code: str,
                                   digest: str) -> CreditReportCheck:
        ctx = info.context
        check = await credit_report.verify_credit_report(session=await ctx.session(), access=ctx.access,
                                                         report_no=report_no, code=verification_code, digest=digest)
        return CreditReportCheck(valid=check.valid, issued_at=check.issued_at)


async def _decide(info: Info, id: strawberry.ID, action: ObjectionAction, reason: str | None = None,
                  correction: _Correction | None = None, content: RecordContentInput | None = None) -> ObjectionType:
    ctx = info.context
    view = await objections.decide_objection(
        session=await ctx.session(), access=ctx.access, id=parse_uuid(id, field="id"), action=action, reason=reason,
        correction=correction, content=content.to_domain() if content else None, today=ctx.today())
    return ObjectionType(view=view)


@strawberry.type
class RightsMutation:
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

    @strawberry.mutation(description="出具信用报告: your credit report as a PDF with a number and verification code.")
    async def issue_credit_report(self, info: Info) -> IssuedCreditReport:
        ctx = info.context
        r = await credit_report.issue_credit_report(session=await ctx.session(), access=ctx.access, today=ctx.today())
        return IssuedCreditReport(report_no=r.report_no, verification_code=r.verification_code, digest=r.digest,
                                  issued_at=r.issued_at,
                                  file=DocumentFile.of(file_name=r.file_name, media_type=r.media_type,
                                                       content=r.content))
