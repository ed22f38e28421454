"""The documents of 000 §三's annex, each drawn from the stored application or decision (never from input):
异议信息处理申请, 异议处理结果告知 (ours), 信用修复申请, 信用修复处理结果反馈, 不予信用修复告知, 信用修复确认."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.documents.layout import OfficialDocument
from domain.documents.numbering import bureau_name
from domain.errors import DomainError
from domain.objections import ObjectionView
from domain.repair import RepairView
from domain.rules.disclosure import CHINA_STANDARD_TIME
from domain.rules.objections import ObjectionItem, ObjectionState
from domain.rules.repair import CONDITION_NAMES, RepairState

FOOTNOTE = "本文书由医保信用管理系统根据已存储的申请和决定生成；文号可在信用档案中查询核对。"


class DocumentKind(StrEnum):
    OBJECTION_APPLICATION = "objection_application"  # 异议信息处理申请
    OBJECTION_DECISION = "objection_decision"  # 异议处理结果告知
    REPAIR_APPLICATION = "repair_application"  # 信用修复申请
    REPAIR_RESULT_FEEDBACK = "repair_result_feedback"  # 信用修复处理结果反馈
    REPAIR_REFUSAL_NOTICE = "repair_refusal_notice"  # 不予信用修复告知
    REPAIR_CONFIRMATION = "repair_confirmation"  # 信用修复确认


class DocumentNotAvailable(DomainError):
    """The document does not exist (yet) for this application: e.g. a refusal notice of an approved repair."""

    code = "DOCUMENT_NOT_AVAILABLE"


@dataclass(frozen=True)
class Party:
    """The subject as documents name it."""

    name: str
    code: str


_ITEM_NAMES = {ObjectionItem.RECORD: "信用信息", ObjectionItem.RESULT: "信用评价结果",
               ObjectionItem.PUBLICATION: "公开公示信息"}
_STATE_NAMES = {ObjectionState.SUBMITTED: "已提交，待受理", ObjectionState.ACCEPTED: "已受理，核实中",
                ObjectionState.REFUSED: "不予受理", ObjectionState.UPHELD: "异议成立，已更正",
                ObjectionState.REJECTED: "异议不成立"}


def _day(at: datetime | None, fallback: date) -> date:
    return at.astimezone(CHINA_STANDARD_TIME).date() if at is not None else fallback


def objection_application(*, o: ObjectionView, party: Party, item_title: str) -> OfficialDocument:
    """异议信息处理申请书: addressed to the handling department, in the subject's words."""
    return OfficialDocument(
        issuer="异议信息处理申请书", number=f"申请编号：{o.application_no}", title="医疗保障信用异议信息处理申请",
        dated=o.filed_on, addressee=o.handler_department,
        fields=[("申请人", party.name), ("统一代码/证件号", party.code), ("异议对象", _ITEM_NAMES[o.item_type]),
                ("异议信息", item_title), ("受理期限", f"{o.accept_due.isoformat()}前（工作日计算）")
                ],
        paragraphs=[f"申请人对上述{_ITEM_NAMES[o.item_type]}有异议，事实和理由如下：", o.reasons,
                    "申请人承诺所提交的材料真实、准确、完整，如有虚假，愿承担相应责任。"]
        + ([o.deadline_note] if o.deadline_note else []),
        signature=f"申请人：{party.name}", footnote=FOOTNOTE)


def objection_decision(*, o: ObjectionView, party: Party, item_title: str) -> OfficialDocument:
    """异议处理结果告知书: the handling department's decision and its reasons."""
    if o.decision_no is None:
        raise DocumentNotAvailable("该异议尚未办结，没有处理结果告知书。", field="id")
    correction = {"amend": "已对该信息作出更正，更正内容经审核确认后生效。", "withdraw": "已撤销该信息。"}
    body = [f"你（单位）于{o.filed_on.isoformat()}提出的异议申请（{o.application_no}），经核实，处理结果为："
            f"{_STATE_NAMES[o.status]}。", f"理由：{o.decision_reason or ''}"]
    if o.status is ObjectionState.UPHELD and o.correction is not None:
        body.append(correction[str(o.correction)])
    body.append("如对处理结果不服，可依法申请行政复议或者提起行政诉讼。")
    return OfficialDocument(
        issuer=o.handler_department, number=o.decision_no, title="异议处理结果告知书",
        dated=_day(o.decided_at, o.filed_on), addressee=party.name,
        fields=[("统一代码/证件号", party.code), ("异议信息", item_title)], paragraphs=body,
        signature=o.handler_department, footnote=FOOTNOTE)


def repair_application(*, r: RepairView, party: Party, record_title: str) -> OfficialDocument:
    """信用修复申请书."""
    materials = "、".join(CONDITION_NAMES[m] for m in r.materials) or "无"
    return OfficialDocument(
        issuer="信用修复申请书", number=f"申请编号：{r.application_no}", title="医疗保障信用修复申请",
        dated=_day(r.filed_at, r.eligible_from), addressee=r.handler_department,
        fields=[("申请人", party.name), ("统一代码/证件号", party.code), ("失信信息", record_title),
                ("公示起始日", r.display_started.isoformat()), ("可申请修复日", r.eligible_from.isoformat()),
                ("已具备条件", materials)],
        paragraphs=[r.statement, "申请人承诺所提交的修复材料真实、准确、完整，如有虚假，愿承担相应法律责任，"
                    "并同意撤销信用修复、记入失信信息。"],
        signature=f"申请人：{party.name}", footnote=FOOTNOTE)


def _decided(r: RepairView) -> tuple[str, date]:
    if r.decision_no is None or r.decided_at is None:
        raise DocumentNotAvailable("该信用修复申请尚未作出决定。", field="id")
    return r.decision_no, _day(r.decided_at, r.eligible_from)


def repair_result_feedback(*, r: RepairView, party: Party, record_title: str) -> OfficialDocument:
    """信用修复处理结果反馈单."""
    number, day = _decided(r)
    outcome = {RepairState.APPROVED: "准予信用修复", RepairState.REFUSED: "不予信用修复",
               RepairState.REVOKED: "准予信用修复（后因提供虚假材料被撤销）"}[r.status]
    body = [f"你（单位）提交的信用修复申请（{r.application_no}），处理结果为：{outcome}。",
            f"理由：{r.decision_reason or ''}"]
    if r.status is RepairState.REVOKED:
        body.append(f"撤销理由：{r.revoke_reason or ''}")
    return OfficialDocument(
        issuer=r.handler_department, number=number, title="信用修复处理结果反馈单", dated=day, addressee=party.name,
        fields=[("统一代码/证件号", party.code), ("失信信息", record_title), ("处理结果", outcome)],
        paragraphs=body, signature=r.handler_department, footnote=FOOTNOTE)


def repair_refusal_notice(*, r: RepairView, party: Party, record_title: str) -> OfficialDocument:
    """不予信用修复告知书: the reasons and when the subject may apply again."""
    if r.status is not RepairState.REFUSED:
        raise DocumentNotAvailable("该信用修复申请未被拒绝，没有不予修复告知书。", field="id")
    number, day = _decided(r)
    again = r.reapply_from.isoformat() if r.reapply_from else "—"
    return OfficialDocument(
        issuer=r.handler_department, number=number, title="不予信用修复告知书", dated=day, addressee=party.name,
        fields=[("统一代码/证件号", party.code), ("失信信息", record_title), ("可再次申请日", again)],
        paragraphs=[f"你（单位）提交的信用修复申请（{r.application_no}），经审核，决定不予信用修复。",
                    f"理由：{r.decision_reason or ''}", f"你（单位）可于{again}起再次提出信用修复申请。",
                    "如对本决定不服，可依法申请行政复议或者提起行政诉讼。"],
        signature=r.handler_department, footnote=FOOTNOTE)


def repair_confirmation(*, r: RepairView, party: Party, record_title: str) -> OfficialDocument:
    """信用修复确认书: approval; the display stopped on the decision day."""
    if r.status not in (RepairState.APPROVED, RepairState.REVOKED):
        raise DocumentNotAvailable("该信用修复申请未获准，没有信用修复确认书。", field="id")
    number, day = _decided(r)
    body = [f"你（单位）提交的信用修复申请（{r.application_no}）符合信用修复条件，准予信用修复。",
            f"自{day.isoformat()}起停止公示该失信信息，并移出严重失信名单和黑名单。"]
    if r.status is RepairState.REVOKED:
        body.append(f"注：该修复已因提供虚假材料被撤销（{r.revoke_reason or ''}）。")
    return OfficialDocument(
        issuer=r.handler_department, number=number, title="信用修复确认书", dated=day, addressee=party.name,
        fields=[("统一代码/证件号", party.code), ("失信信息", record_title)], paragraphs=body,
        signature=r.handler_department, footnote=FOOTNOTE)


__all__ = ["DocumentKind", "DocumentNotAvailable", "Party", "bureau_name"]
