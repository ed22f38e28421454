"""What a credit record's content must hold, by category and kind; plain checks over plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from domain.errors import InvalidInput
from domain.rules.catalog import RecordCategory, RecordKind

# 001 art.9: the standard clauses of a written credit commitment (信用承诺).
STANDARD_COMMITMENT_CLAUSES: tuple[str, ...] = (
    "遵守医疗保障相关法律、法规、规章，全面履行应尽的责任和义务",
    "严格执行医疗保障政策，诚信履行服务协议，诚信经营，维护医疗保障基金安全",
    "自愿接受医疗保障部门依法依规开展的监督检查和信用评价",
    "自觉接受政府、行业协会、社会公众、新闻舆论的监督，积极履行社会责任",
    "对违法失信行为，依照有关法律法规规章和政策规定自觉接受处罚，并依法承担相应责任",
)

MAX_AMOUNT = Decimal("999999999999.99")  # numeric(14, 2)
_AMOUNT_KINDS = frozenset({RecordKind.RECOVERED_FUNDS, RecordKind.AUDIT_REDUCTION})
# Kinds a subject may declare about itself (002 art.11); dishonesty always comes from the authorities.
DECLARABLE_CATEGORIES = frozenset({RecordCategory.BASIC, RecordCategory.TRUST, RecordCategory.COMMITMENT})


@dataclass(frozen=True)
class RecordContent:
    """The content of one version of a credit record."""

    title: str
    facts: str | None = None
    amount: Decimal | None = None
    points: Decimal | None = None
    score: Decimal | None = None
    occurred_on: date | None = None
    decided_on: date | None = None
    penalty: str | None = None
    penalty_until: date | None = None
    legal_basis: str | None = None
    clauses: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


def check_content(*, kind: RecordKind, content: RecordContent, today: date) -> RecordContent:
    """The content, normalised, or ``InvalidInput`` listing every problem for this kind of record."""
    problems: list[tuple[str, str, str]] = []  # (field, Chinese, English)
    title = content.title.strip()
    if not 1 <= len(title) <= 200:
        problems.append(("title", "记录标题须为 1 到 200 个字符。", "A record needs a title of 1 to 200 characters."))
    if content.amount is not None:
        if content.amount < 0 or content.amount > MAX_AMOUNT:
            problems.append(("amount", "金额须在 0 到 999,999,999,999.99 元之间。",
                            "The amount must be between 0 and 999,999,999,999.99 yuan."))
        elif content.amount != content.amount.quantize(Decimal("0.01")):
            problems.append(("amount", "金额以元为单位，最多两位小数（分）。",
                "The amount is in yuan with at most two decimals (fen)."))
    if kind in _AMOUNT_KINDS and content.amount is None:
        problems.append(("amount", "追回医保基金和审核扣减须填写金额（元）。",
                        "Recovered funds and audit reductions need the amount in yuan."))
    if kind is RecordKind.ANNUAL_ASSESSMENT and (
        content.score is None or not Decimal(0) <= content.score <= Decimal(100)
    ):
        problems.append(("score", "年度考核须填写 0 到 100 的得分。",
            "An annual assessment needs its score from 0 to 100."))
    if kind is RecordKind.STAFF_POINTS and (content.points is None or content.points <= 0):
        problems.append(("points", "医保医师记分须填写记分分值（大于 0）。",
                        "A staff-points record needs the points it scores (more than 0)."))
    for name, day in (("occurredOn", content.occurred_on), ("decidedOn", content.decided_on)):
        if day is not None and day > today:
            problems.append((name, f"{name} 不能是将来的日期。", f"{name} cannot be in the future."))
    if content.occurred_on and content.decided_on and content.decided_on < content.occurred_on:
        problems.append(("decidedOn", "决定日期不能早于所认定行为的发生日期。",
            "A decision cannot come before what it decides on."))
    if kind.category is RecordCategory.DISHONESTY:
        if content.occurred_on is None:
            problems.append(("occurredOn", "失信信息须填写行为发生日期。",
                "A dishonesty record needs the date of the conduct."))
        if not (content.facts or "").strip():
            problems.append(("facts", "失信信息须填写查明的事实。", "A dishonesty record needs the facts found."))
        if not (content.legal_basis or "").strip():
            problems.append(("legalBasis", "失信信息须填写法律依据。", "A dishonesty record needs its legal basis."))
    if content.penalty_until is not None and content.penalty is None:
        problems.append(("penalty", "填写处罚期限时须同时填写处罚内容。",
            "A penalty period needs the penalty it belongs to."))
    clauses = tuple(c.strip() for c in content.clauses if c.strip())
    if kind is RecordKind.CREDIT_COMMITMENT and not clauses:
        clauses = STANDARD_COMMITMENT_CLAUSES
    if problems:
        raise InvalidInput(
            "记录内容不完整或不一致：" + "".join(zh for _, zh, _ in problems),
            en="The record is incomplete or inconsistent: " + " ".join(en for _, _, en in problems),
            problems=[{"field": f, "message": zh, "en": en} for f, zh, en in problems],
        )
    return RecordContent(
        title=title,
        facts=content.facts,
        amount=content.amount,
        points=content.points,
        score=content.score,
        occurred_on=content.occurred_on,
        decided_on=content.decided_on,
        penalty=content.penalty,
        penalty_until=content.penalty_until,
        legal_basis=content.legal_basis,
        clauses=clauses,
        details=dict(content.details),
    )
