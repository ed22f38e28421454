"""双公示: a published penalty or list entry in the national administrative-penalty layout, for the provincial
public credit platform (001 art.5: the province pushes credit information to the provincial platform).

The layout is the national "double publicity" data standard for administrative penalties (行政处罚): one flat row
with the standard's field codes (CF_*), which provincial platforms accept as they are. Our readings:

- 行政相对人: an institution is named with its unified social credit code; an individual's name and resident ID
  are masked exactly as our public views mask them (the push is publication, not archive sharing).
- 违法事实 "as publishable": the record's facts with resident ID and mobile numbers masked; no details.
- 处罚类别: the one the bureau wrote in the record's details (``penaltyCategory``) when it is one of the standard's
  categories; otherwise 罚款 when there is an amount, else 其他.
- 罚款金额 is in 万元 (the standard's unit), exact to 6 decimals, from the amount in yuan.
- Dates are written ``YYYY/MM/DD``; 2099/12/31 stands for "long term" (no end), as the standard has it.
- A serious-dishonesty entry (严重失信名单) is a penalty-like decision about a record: it travels in the penalty
  layout, the list named in 备注 (BZ).
- A red or black list entry (红名单/黑名单, 004 §三(五): "对列入信用'黑名单'的，与信用平台对接") is a decision about a
  subject, not about a record: it has no document number, penalty or amount, so it travels in the standard's list
  layout (``to_list_row``, field codes MD_*): the subject as in the penalty layout, the list, the reasons and the
  basis, the deciding authority and its code, the decision date, the validity period and the data source unit.
  The seeds give no field codes for it; ours follow the penalty layout's pinyin initials (MD: 名单).
- Individuals are masked with domain/rules/redaction.py's functions, the ones the public views use; a value they
  cannot mask (a malformed ID) is masked entirely rather than sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.errors import InvalidInput
from domain.rules import redaction
from domain.rules.catalog import Grade, RecordKind
from domain.rules.labels import label_of
from domain.rules.lists import ListReason

LONG_TERM = "2099/12/31"
PENALTY_CATEGORIES: tuple[str, ...] = (
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级", "吊销许可证件",
    "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他",
)
INSTITUTION, INDIVIDUAL = "法人及非法人组织", "自然人"
# The standard's field codes, in its order: what the platform's import reads.
FIELDS: tuple[str, ...] = (
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH", "CF_WFXW", "CF_SY",
    "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_YXQ", "CF_GSJZQ", "CF_CFJG", "CF_CFJGDM",
    "CF_SJLY", "CF_SJLYDM", "BZ",
)
_RESIDENT_ID = re.compile(r"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


class ListKind(StrEnum):
    """Which published list an entry belongs to, if any."""

    NONE = ""
    SERIOUS_DISHONESTY = "serious_dishonesty"  # 严重失信名单
    BLACK = "black"  # 黑名单
    RED = "red"  # 红名单


LIST_NAMES = {ListKind.SERIOUS_DISHONESTY: "医疗保障领域严重失信名单", ListKind.BLACK: "医疗保障信用黑名单",
              ListKind.RED: "医疗保障信用红名单"}


@dataclass(frozen=True)
class PenaltyFacts:
    """What the archive knows of a published penalty (plain values, read by the push consumer)."""

    subject_name: str
    is_institution: bool
    subject_code: str  # USCC, or resident ID for an individual
    decision_number: str  # 行政处罚决定书文号
    violation_type: str  # 违法行为类型
    facts: str | None
    legal_basis: str | None
    penalty: str | None  # the decision's wording (处罚内容)
    penalty_category: str | None  # as written by the bureau, checked against the standard's list
    amount: Decimal | None  # yuan
    decided_on: date | None
    penalty_until: date | None  # 处罚有效期; None: long term
    public_until: date | None  # 公示截止期; None: long term
    authority: str  # 处罚机关
    authority_code: str  # 处罚机关统一社会信用代码
    source_unit: str  # 数据来源单位
    source_unit_code: str  # 数据来源单位统一社会信用代码
    list_kind: ListKind = ListKind.NONE


def mask_name(name: str) -> str:
    """An individual's name as the public sees it (redaction.mask_name); an empty one stays empty."""
    try:
        return redaction.mask_name(name)
    except InvalidInput:
        return ""


def mask_resident_id(value: str) -> str:
    """A resident ID as the public sees it (redaction.mask_resident_id); one it cannot mask is all stars."""
    try:
        return redaction.mask_resident_id(value)
    except InvalidInput:
        return "*" * len(value.strip())


def publishable_facts(facts: str | None) -> str:
    """The facts with resident ID and mobile numbers masked (they are for the archive, not for publication)."""
    if not facts:
        return ""
    masked = _RESIDENT_ID.sub(lambda m: m.group(1) + "********" + m.group(2), facts)
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), masked)


def penalty_category(written: str | None, amount: Decimal | None) -> str:
    """处罚类别: the bureau's if it is a standard category, else 罚款 with an amount, else 其他."""
    if written and written.strip() in PENALTY_CATEGORIES:
        return written.strip()
    return "罚款" if amount is not None and amount > 0 else "其他"


def ten_thousand_yuan(amount: Decimal | None) -> str:
    """An amount in yuan as the standard's 万元, 6 decimals ('' when there is none)."""
    if amount is None:
        return ""
    return str((amount / Decimal(10000)).quantize(Decimal("0.000001")))


def standard_date(day: date | None, *, long_term: bool = False) -> str:
    """``YYYY/MM/DD``; a missing end date is the standard's long term (or '' for a missing start)."""
    if day is None:
        return LONG_TERM if long_term else ""
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def to_double_publicity(p: PenaltyFacts) -> dict[str, str]:
    """The 双公示 administrative-penalty row of a published penalty or list entry, field by field."""
    row = {
        "CF_XDR_MC": p.subject_name if p.is_institution else mask_name(p.subject_name),
        "CF_XDR_LB": INSTITUTION if p.is_institution else INDIVIDUAL,
        "CF_XDR_SHXYM": p.subject_code if p.is_institution else "",
        "CF_XDR_ZJLX": "" if p.is_institution else "身份证",
        "CF_XDR_ZJHM": "" if p.is_institution else mask_resident_id(p.subject_code),
        "CF_WSH": p.decision_number,
        "CF_WFXW": p.violation_type,
        "CF_SY": publishable_facts(p.facts),
        "CF_YJ": p.legal_basis or "",
        "CF_CFLB": penalty_category(p.penalty_category, p.amount),
        "CF_NR": p.penalty or "",
        "CF_NR_FK": ten_thousand_yuan(p.amount),
        "CF_JDRQ": standard_date(p.decided_on),
        "CF_YXQ": standard_date(p.penalty_until, long_term=True),
        "CF_GSJZQ": standard_date(p.public_until, long_term=True),
        "CF_CFJG": p.authority,
        "CF_CFJGDM": p.authority_code,
        "CF_SJLY": p.source_unit,
        "CF_SJLYDM": p.source_unit_code,
        "BZ": f"列入{LIST_NAMES[p.list_kind]}" if p.list_kind is not ListKind.NONE else "",
    }
    assert tuple(row) == FIELDS
    return row


def missing_fields(row: dict[str, str]) -> list[str]:
    """The standard's required fields that are empty: the platform refuses such a row, so it is not sent."""
    required = ["CF_XDR_MC", "CF_WSH", "CF_WFXW", "CF_YJ", "CF_CFLB", "CF_NR", "CF_JDRQ", "CF_CFJG", "CF_CFJGDM",
                "CF_SJLY", "CF_SJLYDM"]
    if row["CF_XDR_LB"] == INSTITUTION:
        required.append("CF_XDR_SHXYM")
    return [f for f in required if not row[f]]


# The province's oversight of its bureaus (001 art.30: information not pushed, or not pushed in time). The seeds
# set no number of days; the national 双公示 rule is publication within 7 working days of the decision, which we
# read as 7 calendar days for entry after the decision and 7 more for review and confirmation after entry. A
# province sets its own in ``oversight_deadline``; the SQL of domain/exchange/oversight.py compares with the same
# numbers, passed as parameters.
DEFAULT_ENTRY_DAYS = 7
DEFAULT_CONFIRMATION_DAYS = 7


def entry_late(*, decided_on: date, entered_on: date, entry_days: int = DEFAULT_ENTRY_DAYS) -> bool:
    """Whether information was entered later than ``entry_days`` after its decision."""
    return (entered_on - decided_on).days > entry_days


def confirmation_late(*, entered_on: date, confirmed_on: date | None, today: date,
                      confirmation_days: int = DEFAULT_CONFIRMATION_DAYS) -> bool:
    """Whether confirmation came (or, still missing, is) later than ``confirmation_days`` after entry."""
    return ((confirmed_on or today) - entered_on).days > confirmation_days


# ------------------------------------------------------------------------------------ red and black lists

# The list layout's field codes, in order (see the module docstring).
LIST_FIELDS: tuple[str, ...] = (
    "MD_XDR_MC", "MD_XDR_LB", "MD_XDR_SHXYM", "MD_XDR_ZJLX", "MD_XDR_ZJHM", "MD_MDLX", "MD_LRYY", "MD_LRYJ",
    "MD_RDJG", "MD_RDJGDM", "MD_RDRQ", "MD_YXQ_Q", "MD_YXQ_Z", "MD_SJLY", "MD_SJLYDM", "BZ",
)
LIST_REQUIRED: tuple[str, ...] = ("MD_XDR_MC", "MD_MDLX", "MD_LRYY", "MD_LRYJ", "MD_RDJG", "MD_RDJGDM", "MD_RDRQ",
                                  "MD_YXQ_Q", "MD_SJLY", "MD_SJLYDM")
# What the platform needs to find the row it takes down (with the reason, CXYY).
LIST_KEY_FIELDS: tuple[str, ...] = ("MD_XDR_MC", "MD_XDR_SHXYM", "MD_XDR_ZJHM", "MD_MDLX", "MD_RDRQ")
LIST_REASONS: dict[ListReason, str] = {
    ListReason.SERIOUS_DISHONESTY: "存在未修复的严重失信行为",
    ListReason.POOR_GRADE: "信用评价等级为差",
    ListReason.TOP_GRADE: "信用评价等级为最高等级",
    ListReason.NO_DISHONESTY_IN_CYCLE: "评价年度内无失信信息",
    ListReason.TRUST_RECORD: "评价年度内有守信信息",
}
# 信用修复, supersession and the end of the window each end an entry; the platform is told why (CXYY).
REMOVED_BY_REPAIR = "信用修复已获准，移出名单"
REMOVED_AT_EXPIRY = "名单公示期届满"
REMOVED_BY_REPAIR_REVOKED = "信用修复已撤销，重新认定名单"
REMOVED_AS_REDECIDED = "名单重新认定"
REMOVED_WITH_GRADE = "评价结果公示已撤销"  # when the withdrawal gave no reason of its own


@dataclass(frozen=True)
class ListEntryFacts:
    """What the archive knows of a published red or black list entry (plain values, read by the push consumer)."""

    subject_name: str
    is_institution: bool
    subject_code: str  # USCC, or resident ID for an individual
    list_kind: ListKind  # RED or BLACK
    reasons: tuple[ListReason, ...]
    serious_dishonesty_kinds: tuple[RecordKind, ...]
    grade: Grade | None
    cycle_year: int
    decided_on: date  # 认定日期: the day the cycle's grades (and so the lists) were published
    valid_until: date | None  # the publication window's end; None: long term
    authority: str  # 认定机关: the city bureau that published the cycle (001 art.22)
    authority_code: str
    source_unit: str
    source_unit_code: str


def list_reason(reasons: tuple[ListReason, ...]) -> str:
    """列入原因: the reasons in words, in the order the rule gave them."""
    return "；".join(LIST_REASONS[r] for r in reasons)


def list_basis(*, list_kind: ListKind, grade: Grade | None, cycle_year: int,
               serious_dishonesty_kinds: tuple[RecordKind, ...]) -> str:
    """列入依据: the seed that makes the list, the published grade of the cycle, and the serious kinds if any."""
    parts = ["《关于推进医疗保障信用体系建设的意见》三（五）"]
    if grade is not None:
        parts.append(f"{cycle_year}年度医保信用评价结果{grade}级")
    if list_kind is ListKind.BLACK and serious_dishonesty_kinds:
        parts.append("严重失信信息种类：" + "、".join(label_of(k) for k in serious_dishonesty_kinds))
    return "；".join(parts)


def to_list_row(e: ListEntryFacts) -> dict[str, str]:
    """The list-layout row of a red or black list entry, field by field (nothing personal beyond these fields)."""
    if e.list_kind not in (ListKind.RED, ListKind.BLACK):
        raise ValueError(f"not a red or black list: {e.list_kind!r}")
    row = {
        "MD_XDR_MC": e.subject_name if e.is_institution else mask_name(e.subject_name),
        "MD_XDR_LB": INSTITUTION if e.is_institution else INDIVIDUAL,
        "MD_XDR_SHXYM": e.subject_code if e.is_institution else "",
        "MD_XDR_ZJLX": "" if e.is_institution else "身份证",
        "MD_XDR_ZJHM": "" if e.is_institution else mask_resident_id(e.subject_code),
        "MD_MDLX": LIST_NAMES[e.list_kind],
        "MD_LRYY": list_reason(e.reasons),
        "MD_LRYJ": list_basis(list_kind=e.list_kind, grade=e.grade, cycle_year=e.cycle_year,
                              serious_dishonesty_kinds=e.serious_dishonesty_kinds),
        "MD_RDJG": e.authority,
        "MD_RDJGDM": e.authority_code,
        "MD_RDRQ": standard_date(e.decided_on),
        "MD_YXQ_Q": standard_date(e.decided_on),
        "MD_YXQ_Z": standard_date(e.valid_until, long_term=True),
        "MD_SJLY": e.source_unit,
        "MD_SJLYDM": e.source_unit_code,
        "BZ": "",
    }
    assert tuple(row) == LIST_FIELDS
    return row


def missing_list_fields(row: dict[str, str]) -> list[str]:
    """The list layout's required fields that are empty (an institution needs its code, an individual an ID)."""
    required = [*LIST_REQUIRED, "MD_XDR_SHXYM" if row["MD_XDR_LB"] == INSTITUTION else "MD_XDR_ZJHM"]
    return [f for f in required if not row[f]]


def list_take_down(row: dict[str, str], *, reason: str) -> dict[str, str]:
    """The take-down message of a pushed list row: the fields that find it, and why it comes down (CXYY)."""
    return {**{k: row[k] for k in LIST_KEY_FIELDS}, "CXYY": reason}
