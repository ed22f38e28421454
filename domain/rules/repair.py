"""信用修复: when a subject may have a dishonesty record repaired (001 art.19, 000 §三(十), 004 §三(六)).

A subject that corrected the conduct and removed its effects applies; the department that found the dishonesty
decides; approval stops the public display at once (001 art.19). 004 §三(六) names the ways: a credit commitment
(信用承诺), topic training (专题培训), a credit report (信用报告). The national measures the Guangdong seed cites
(NDRC order No. 58, 2023) add a minimum display period before repair and leave the gravest cases unrepairable;
the seeds give no numbers, so the periods below are our configuration, by kind of dishonesty:

- minor kinds (interview, audit reduction, recovered funds, late repayment, staff points, other): 3 months,
  a signed commitment, and the penalty fulfilled;
- agreement suspension and administrative penalties: 6 months, plus training;
- fraud (serious dishonesty, 欺诈骗保): 12 months, every condition, a credit report included;
- cases referred to discipline, police or the courts (涉刑、司法): not repairable.

The display starts when the record was first published, else when it was confirmed. A repaired record stops
being displayed and no longer keeps its subject on the black list; whether it still counts in scoring is the
rule set's business: ``RuleSet.repaired_records_count`` (false in the Guangdong rule set, whose seed cites NDRC
order No. 58), which the engine and the cycle SQL both honour from the day the repair is approved.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType

from domain.errors import Conflict, DomainError, InvalidInput
from domain.rules.catalog import RecordCategory, RecordKind
from domain.rules.lists import SERIOUS_DISHONESTY_KINDS


class RepairNotAllowed(DomainError):
    """This kind of dishonesty cannot be repaired."""

    code = "REPAIR_NOT_ALLOWED"


class RepairTooEarly(DomainError):
    """The minimum display period has not passed yet."""

    code = "REPAIR_TOO_EARLY"


class RepairConditionsUnmet(DomainError):
    """Materials required for this kind of dishonesty are missing."""

    code = "REPAIR_CONDITIONS_UNMET"


class RepairCondition(StrEnum):
    PENALTY_FULFILLED = "penalty_fulfilled"  # 已履行行政处罚/协议处理义务
    COMMITMENT_SIGNED = "commitment_signed"  # 已签署信用承诺书
    TRAINING_COMPLETED = "training_completed"  # 已参加信用修复专题培训
    CREDIT_REPORT_SUBMITTED = "credit_report_submitted"  # 已提交信用报告


CONDITION_NAMES: Mapping[RepairCondition, str] = MappingProxyType({
    RepairCondition.PENALTY_FULFILLED: "履行处罚或协议处理义务",
    RepairCondition.COMMITMENT_SIGNED: "签署信用承诺书",
    RepairCondition.TRAINING_COMPLETED: "参加信用修复专题培训",
    RepairCondition.CREDIT_REPORT_SUBMITTED: "提交信用报告",
})


class RepairState(StrEnum):
    SUBMITTED = "submitted"  # 已申请
    APPROVED = "approved"  # 准予修复
    REFUSED = "refused"  # 不予修复
    REVOKED = "revoked"  # 撤销修复 (false materials)


@dataclass(frozen=True, slots=True)
class RepairRule:
    """The conditions of repair for one kind of dishonesty."""

    repairable: bool
    min_months: int = 0
    conditions: frozenset[RepairCondition] = frozenset()
    refusal_wait_months: int = 3  # how long after a refusal the subject may apply again


_C = RepairCondition
_MINOR = RepairRule(repairable=True, min_months=3, conditions=frozenset({_C.COMMITMENT_SIGNED, _C.PENALTY_FULFILLED}))
_MIDDLE = RepairRule(repairable=True, min_months=6, conditions=frozenset(
    {_C.COMMITMENT_SIGNED, _C.PENALTY_FULFILLED, _C.TRAINING_COMPLETED}))
_SERIOUS = RepairRule(repairable=True, min_months=12, conditions=frozenset(RepairCondition), refusal_wait_months=6)
_NEVER = RepairRule(repairable=False)

REPAIR_RULES: Mapping[RecordKind, RepairRule] = MappingProxyType({
    RecordKind.INTERVIEW: _MINOR,
    RecordKind.AUDIT_REDUCTION: _MINOR,
    RecordKind.RECOVERED_FUNDS: _MINOR,
    RecordKind.LATE_REPAYMENT: _MINOR,
    RecordKind.STAFF_POINTS: _MINOR,
    RecordKind.OTHER_DISHONESTY: _MINOR,
    RecordKind.AGREEMENT_SUSPENDED: _MIDDLE,
    RecordKind.ADMINISTRATIVE_PENALTY: _MIDDLE,
    RecordKind.FRAUD: _SERIOUS,
    RecordKind.REFERRED_CASE: _NEVER,
})


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day when it is shorter)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_for(kind: RecordKind) -> RepairRule:
    """The repair rule of a kind of record; only dishonesty can be repaired."""
    if kind.category is not RecordCategory.DISHONESTY:
        raise InvalidInput("只有失信信息可以申请信用修复。", field="recordId", kind=str(kind))
    return REPAIR_RULES[kind]


def is_serious(kind: RecordKind) -> bool:
    return kind in SERIOUS_DISHONESTY_KINDS


def check_application(*, kind: RecordKind, display_started: date, today: date,
                      materials: frozenset[RepairCondition], penalty_until: date | None = None,
                      reapply_from: date | None = None) -> date:
    """Whether a repair application may be filed today; returns the day the minimum period ended.

    Raises ``RepairNotAllowed`` (unrepairable kind), ``RepairTooEarly`` (minimum period, a running penalty, or
    a refusal's waiting time), ``RepairConditionsUnmet`` (materials missing)."""
    rule = rule_for(kind)
    if not rule.repairable:
        raise RepairNotAllowed("该类失信信息（移送司法、纪检监察等处理的案件）不予信用修复。", kind=str(kind))
    eligible = add_months(display_started, rule.min_months)
    if today < eligible:
        raise RepairTooEarly(f"该失信信息最短公示期为{rule.min_months}个月，{eligible.isoformat()}起方可申请信用修复。",
                             eligibleFrom=eligible.isoformat())
    if penalty_until is not None and today <= penalty_until:
        raise RepairTooEarly(f"处罚期至{penalty_until.isoformat()}，期满后方可申请信用修复。",
                             eligibleFrom=(penalty_until + timedelta(days=1)).isoformat())
    if reapply_from is not None and today < reapply_from:
        raise RepairTooEarly(f"上次申请未予修复，{reapply_from.isoformat()}起方可再次申请。",
                             eligibleFrom=reapply_from.isoformat())
    missing = sorted(rule.conditions - materials)
    if missing:
        raise RepairConditionsUnmet("尚缺以下修复条件：" + "、".join(CONDITION_NAMES[c] for c in missing) + "。",
                                    missing=[str(c) for c in missing])
    return eligible


def next_repair_state(*, state: RepairState, to: RepairState, reason: str | None) -> RepairState:
    """Decide an application (approve/refuse a submitted one) or revoke an approved one (with a reason)."""
    allowed = {(RepairState.SUBMITTED, RepairState.APPROVED), (RepairState.SUBMITTED, RepairState.REFUSED),
               (RepairState.APPROVED, RepairState.REVOKED)}
    if (state, to) not in allowed:
        if state is RepairState.SUBMITTED:
            raise Conflict("该修复申请尚未作出决定。", state=str(state))
        raise Conflict("该修复申请已作出决定，不能再次决定。", state=str(state))
    if to in (RepairState.REFUSED, RepairState.REVOKED) and not (reason or "").strip():
        raise InvalidInput("请填写理由，理由将告知信用主体。", field="reason")
    return to


def reapply_date(*, kind: RecordKind, refused_on: date) -> date:
    """When a refused subject may apply again."""
    return add_months(refused_on, rule_for(kind).refusal_wait_months)
