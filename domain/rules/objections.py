"""异议处理 (001 art.32, 000 §三(九)): a subject disputes an item; the department that produced it decides.

States, as a pure state machine::

    submitted ──accept──▶ accepted ──uphold──▶ upheld (the item is corrected: a new version or a withdrawal)
        │                     └──────reject──▶ rejected (with a reason)
        └──refuse (with a reason)──▶ refused

Who handles it (谁产生、谁负责, 001 art.15; 谁出具评价结果、谁处理异议, 000 §三(九)): a record's producing
department (``credit_record.department``); a result's issuing bureau (the bureau of the region it was evaluated
in); a publication's publishing bureau (the city, 001 art.22).

Deadlines are rule data per jurisdiction, in working days (``domain.rules.deadlines``). The seeds only say
"及时" (promptly, 001 art.32); the numbers below are our configuration, the nearest entry up the region tree
applies, and a province may set its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from domain.errors import Conflict, InvalidInput
from domain.rules.deadlines import Deadline, add_working_days


class ObjectionItem(StrEnum):
    """What is disputed."""

    RECORD = "record"  # 信用信息
    RESULT = "result"  # 信用评价结果
    PUBLICATION = "publication"  # 公开公示的信息


class ObjectionState(StrEnum):
    SUBMITTED = "submitted"  # 已提交
    ACCEPTED = "accepted"  # 已受理
    REFUSED = "refused"  # 不予受理
    UPHELD = "upheld"  # 异议成立，已更正
    REJECTED = "rejected"  # 异议不成立


class ObjectionAction(StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    UPHOLD = "uphold"
    REJECT = "reject"


class Correction(StrEnum):
    """How an upheld objection corrects a record: through the archive workflow, never in place."""

    AMEND = "amend"  # a new version, reviewed and confirmed again
    WITHDRAW = "withdraw"  # 撤销 (a second officer approves when a version is in force)


S, A = ObjectionState, ObjectionAction
_NEXT: Mapping[tuple[ObjectionState, ObjectionAction], ObjectionState] = MappingProxyType({
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.REFUSE): S.REFUSED,
    (S.ACCEPTED, A.UPHOLD): S.UPHELD,
    (S.ACCEPTED, A.REJECT): S.REJECTED,
})
_REASON_REQUIRED = frozenset({A.REFUSE, A.REJECT, A.UPHOLD})
FINAL_STATES = frozenset({S.REFUSED, S.UPHELD, S.REJECTED})
OPEN_STATES = frozenset({S.SUBMITTED, S.ACCEPTED})


def next_state(*, state: ObjectionState, action: ObjectionAction, reason: str | None) -> ObjectionState:
    """Apply a decision: ``Conflict`` if it does not fit the state (deciding twice), ``InvalidInput`` without a
    reason where one is owed to the subject."""
    target = _NEXT.get((state, action))
    if target is None:
        if state in FINAL_STATES:
            raise Conflict("该异议已办结，不能再次作出决定。", state=str(state), action=str(action))
        if state is S.SUBMITTED:
            raise Conflict("该异议尚未受理，请先受理或不予受理。", state=str(state), action=str(action))
        raise Conflict("该异议已受理，请作出成立或不成立的决定。", state=str(state), action=str(action))
    if action in _REASON_REQUIRED and not (reason or "").strip():
        raise InvalidInput("请填写理由，理由将告知信用主体。", field="reason")
    return target


def check_reasons(reasons: str) -> str:
    """The subject's grounds for objecting: required, at most 2000 characters."""
    text = reasons.strip()
    if not text:
        raise InvalidInput("请说明异议的事实和理由。", field="reasons")
    if len(text) > 2000:
        raise InvalidInput("异议理由不能超过2000字。", field="reasons")
    return text


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """办理时限: accept (受理) within ``accept_days`` working days of filing; decide (核实处理) within
    ``decide_days`` working days of acceptance."""

    accept_days: int
    decide_days: int
    source: str


DEFAULT_RULE = DeadlineRule(accept_days=3, decide_days=15, source="默认配置（种子文件只要求“及时处理”）")
# By region node; the nearest one up the tree applies (county → city → province → default).
DEADLINE_RULES: Mapping[str, DeadlineRule] = MappingProxyType({
    "340000": DeadlineRule(accept_days=2, decide_days=10, source="安徽省配置（001第三十二条“及时作出处理”）"),
    "510000": DeadlineRule(accept_days=3, decide_days=15, source="四川省配置（000 §三(九)）"),
    "440000": DeadlineRule(accept_days=3, decide_days=10, source="广东省配置"),
    "500000": DeadlineRule(accept_days=2, decide_days=10, source="重庆市配置"),
})


def deadline_rule(region_code: str) -> DeadlineRule:
    """The deadline rule for a handler at ``region_code``: its own node's, else its city's, else its
    province's, else the default."""
    for code in (region_code, region_code[:4] + "00", region_code[:2] + "0000"):
        if code in DEADLINE_RULES:
            return DEADLINE_RULES[code]
    return DEFAULT_RULE


def accept_deadline(*, region_code: str, filed_on: date) -> Deadline:
    """When the handler must have accepted or refused an objection filed on ``filed_on``."""
    return add_working_days(start=filed_on, days=deadline_rule(region_code).accept_days)


def decide_deadline(*, region_code: str, accepted_on: date) -> Deadline:
    """When the handler must have decided an objection accepted on ``accepted_on``."""
    return add_working_days(start=accepted_on, days=deadline_rule(region_code).decide_days)


def is_handler(*, handler_department: str, handler_region: str, item: ObjectionItem,
               department: str, region_code: str) -> bool:
    """Whether a bureau (its department name and node) is the one that produced the disputed item: a record's
    producing department by name; a result's or publication's issuing bureau by its node."""
    if item is ObjectionItem.RECORD:
        return bool(department) and department == handler_department
    return region_code == handler_region


def overdue_due(*, state: ObjectionState, accept_due: date, decide_due: date | None) -> date | None:
    """The deadline an open objection is running against, or None once it is closed."""
    if state is S.SUBMITTED:
        return accept_due
    if state is S.ACCEPTED:
        return decide_due
    return None
