"""信用评价: evaluate one subject's records of one cycle under a rule set, as pure computation.

The engine takes plain values (``SubjectFacts``) and returns an ``Evaluation`` whose report lines always
add up: ``base + sum(line.points) == score``. Clamping to a declared floor or ceiling appears as its own
line, and weighted indicators contribute weighted lines, so the invariant holds for every score source.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.errors import InvalidInput
from domain.rules.catalog import Grade, RecordKind, ServiceScope, SubjectClass
from domain.rules.evaluation.ruleset import (
    AgreementEndReason,
    Indicator,
    Item,
    ItemMode,
    RuleSet,
    ScoreSource,
)

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RecordFact:
    """One confirmed archive record, reduced to what evaluation needs."""

    record_id: str
    kind: RecordKind
    occurred_on: date
    amount: Decimal | None = None  # yuan
    points: Decimal | None = None  # the record's own points (staff 记分)
    score: Decimal | None = None  # an assessment score
    usable_until: date | None = None  # end of its disclosure period (001 art.23-24); None: no end
    repaired_on: date | None = None  # the day its credit repair was approved (信用修复), if it was


@dataclass(frozen=True)
class SubjectFacts:
    """A subject and its records, as the evaluation sees them."""

    subject_id: str
    subject_class: SubjectClass
    service_scope: ServiceScope | None = None
    agreement_end_reason: AgreementEndReason | None = None
    # whole months the subject did business in the cycle (a full year is 12)
    months_in_business: int = 12
    records: Sequence[RecordFact] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReportLine:
    """One line of the credit report: what counted, from which clause, for how many points."""

    item_code: str
    clause: str
    record_ids: tuple[str, ...]
    points: Decimal  # signed: what this line adds to the score
    explanation: str
    indicator_code: str | None = None


@dataclass(frozen=True)
class UnusedRecord:
    """A record of the cycle that the evaluation left out, and why."""

    record_id: str
    reason: str  # "past_disclosure_period" | "after_as_of" | "repaired"


@dataclass(frozen=True)
class Evaluation:
    """信用评价结果: score, grade and the report lines that explain them."""

    subject_id: str
    subject_class: SubjectClass
    service_scope: ServiceScope | None
    ruleset_code: str
    ruleset_version: int
    cycle_year: int
    as_of: date
    base: Decimal
    score: Decimal | None  # None when excluded
    grade: Grade | None  # None when excluded
    excluded_reason: str | None
    lines: tuple[ReportLine, ...]
    unused_records: tuple[UnusedRecord, ...] = ()


def evaluate(
    *, ruleset: RuleSet, facts: SubjectFacts, as_of: date, cycle_year: int | None = None
) -> Evaluation:
    """Evaluate ``facts`` under ``ruleset`` as known on ``as_of``, for the cycle the rule set implies."""
    if not ruleset.applies_to(subject_class=facts.subject_class, service_scope=facts.service_scope):
        scope = f" ({facts.service_scope})" if facts.service_scope else ""
        raise InvalidInput(
            f"规则集 {ruleset.code} 不评价 {facts.subject_class}{scope} 类主体",
            en=f"rule set {ruleset.code} does not evaluate {facts.subject_class}{scope} subjects",
            subject_id=facts.subject_id,
        )
    year = as_of.year - ruleset.cycle.evaluate_offset_years if cycle_year is None else cycle_year
    start, end = ruleset.cycle.bounds(year)
    if as_of < start:
        raise InvalidInput(f"{as_of} 时 {year} 年度评价周期尚未开始",
            en=f"cycle {year} has not started on {as_of}", subject_id=facts.subject_id)
    dupes = [rid for rid, n in Counter(r.record_id for r in facts.records).items() if n > 1]
    if dupes:
        raise InvalidInput(
            f"记录编号重复：{'、'.join(sorted(dupes))}",
            en=f"record ids given more than once: {', '.join(sorted(dupes))}", subject_id=facts.subject_id
        )

    def result(base: Decimal, score: Decimal | None, grade: Grade | None, excluded: str | None,
               lines: Iterable[ReportLine], unused: Iterable[UnusedRecord] = ()) -> Evaluation:
        return Evaluation(
            subject_id=facts.subject_id, subject_class=facts.subject_class, service_scope=facts.service_scope,
            ruleset_code=ruleset.code, ruleset_version=ruleset.version, cycle_year=year, as_of=as_of,
            base=base, score=score, grade=grade, excluded_reason=excluded, lines=tuple(lines),
            unused_records=tuple(unused),
        )

    for ex in ruleset.exclusions:
        if _excluded_by(ex.agreement_end_reason, ex.min_business_months, facts):
            line = ReportLine(item_code=ex.code, clause=ex.clause, record_ids=(), points=_ZERO,
                              explanation=f"不参与信用评价：{ex.description}")
            return result(_ZERO, None, None, ex.code, [line])

    used: list[RecordFact] = []
    unused: list[UnusedRecord] = []
    for rec in facts.records:
        if not start <= rec.occurred_on <= end:
            continue  # another cycle's record: not this evaluation's business
        if rec.occurred_on > as_of:
            unused.append(UnusedRecord(rec.record_id, "after_as_of"))
        elif rec.usable_until is not None and rec.usable_until < as_of:
            # 001 art.24: information past its disclosure period must not be used against the subject
            unused.append(UnusedRecord(rec.record_id, "past_disclosure_period"))
        elif not ruleset.repaired_records_count and rec.repaired_on is not None and rec.repaired_on <= as_of:
            # the rule set says a repaired record no longer counts, from the day the repair was approved
            unused.append(UnusedRecord(rec.record_id, "repaired"))
        else:
            used.append(rec)

    lines: list[ReportLine] = []
    source = ruleset.score_source
    if source is ScoreSource.WEIGHTED:
        base = _weighted_base(ruleset)
        for ind in ruleset.indicators:
            lines.extend(_indicator_lines(ruleset, ind, used))
    else:
        base = ruleset.base_score  # 0 for 'assessment' and 'points' (validated / declared)
        if source is ScoreSource.ASSESSMENT:
            assessment = _assessment_line(used)
            if assessment is None:
                line = ReportLine(item_code="NO_ASSESSMENT", clause="", record_ids=(), points=_ZERO,
                                  explanation=f"{year} 年度无可用的年度考核得分，无法评定等级")
                return result(_ZERO, None, None, "no_assessment", [line], unused)
            lines.append(assessment)
        # in 'points' the score counts penalty points: deductions add to it, bonuses take away
        penalty_sign = 1 if source is ScoreSource.POINTS else -1
        verbs = ("记", "减记") if source is ScoreSource.POINTS else ("扣", "加")
        for item in ruleset.deductions:
            lines.extend(_item_line(item, used, penalty_sign, verbs[0]))
        for item in ruleset.bonuses:
            lines.extend(_item_line(item, used, -penalty_sign, verbs[1]))

    score = base + sum((ln.points for ln in lines), _ZERO)
    if ruleset.floor is not None and score < ruleset.floor:
        lines.append(ReportLine(item_code="FLOOR", clause="", record_ids=(), points=ruleset.floor - score,
                                explanation=f"得分 {_pts(score)} 低于下限，按 {_pts(ruleset.floor)} 分计"))
        score = ruleset.floor
    if ruleset.ceiling is not None and score > ruleset.ceiling:
        lines.append(ReportLine(item_code="CEILING", clause="", record_ids=(), points=ruleset.ceiling - score,
                                explanation=f"得分 {_pts(score)} 高于上限，按 {_pts(ruleset.ceiling)} 分计"))
        score = ruleset.ceiling
    if not ruleset.score_range.contains(score):
        raise InvalidInput(f"分数 {score} 超出规则集 {ruleset.code} 的分值范围",
            en=f"score {score} is outside the range of rule set {ruleset.code}",
                           subject_id=facts.subject_id)
    grade = next((b.grade for b in ruleset.bands if b.contains(score)), None)
    if grade is None:  # validation makes the bands cover the range, so this is a broken rule set
        raise InvalidInput(f"分数 {score} 不在规则集 {ruleset.code} 的任何等级区间内",
            en=f"score {score} falls in no band of rule set {ruleset.code}")
    return result(base, score, grade, None, lines, unused)


def grade_distribution(evaluations: Iterable[Evaluation]) -> dict[Grade | None, int]:
    """How many evaluations got each grade; ``None`` counts the excluded ones (what-if)."""
    return dict(Counter(e.grade for e in evaluations))


def _excluded_by(reason: AgreementEndReason | None, min_months: int | None, facts: SubjectFacts) -> bool:
    if reason is not None:
        return facts.agreement_end_reason is reason
    # "不足6个月" excludes; exactly 6 months is evaluated (002 art.26: 不足 does not include the number)
    return min_months is not None and facts.months_in_business < min_months


def _assessment_line(used: list[RecordFact]) -> ReportLine | None:
    candidates = [r for r in used if r.kind is RecordKind.ANNUAL_ASSESSMENT]
    if not candidates:
        return None
    # a corrected assessment is entered as a newer record; the latest one stands
    rec = max(candidates, key=lambda r: (r.occurred_on, r.record_id))
    if rec.score is None:
        raise InvalidInput(f"考核记录 {rec.record_id} 没有得分", en=f"assessment record {rec.record_id} has no score")
    return ReportLine(item_code="ASSESSMENT", clause="年度考核得分", record_ids=(rec.record_id,),
                      points=rec.score, explanation=f"年度考核得分 {_pts(rec.score)} 分")


def _item_line(item: Item, used: list[RecordFact], sign: int, verb: str) -> list[ReportLine]:
    """The line an item contributes (none when no record of its kinds counted)."""
    matching = sorted((r for r in used if r.kind in item.kinds), key=lambda r: (r.occurred_on, r.record_id))
    if not matching:
        return []
    ids = tuple(r.record_id for r in matching)
    if item.mode is ItemMode.PER_OCCURRENCE:
        each = item.points_each or _ZERO
        raw = each * len(matching)
        text = f"{item.name} {len(matching)} 次，每次{verb}{_pts(each)}分"
    elif item.mode is ItemMode.AMOUNT_TIERS:
        # SQL sum() ignores nulls, so a record without an amount adds nothing
        total = sum((r.amount for r in matching if r.amount is not None), _ZERO)
        tier = next((t for t in item.tiers if t.contains(total)), None)
        raw = _ZERO if tier is None else tier.points
        where = "" if tier is None or tier.label is None else f"（{tier.label}）"
        text = f"{item.name}合计 {total:,.2f} 元{where}"
        text += f"，不在计分档内，不{verb}分" if tier is None else f"{verb}{_pts(raw)}分"
    else:
        raw = sum((r.points for r in matching if r.points is not None), _ZERO)
        text = f"{item.name} {len(matching)} 条，合计{verb}{_pts(raw)}分"
    points = raw if item.cap is None else min(raw, item.cap)
    if points != raw:
        text += f"，本项最多{verb}{_pts(points)}分"
    if item.mode is not ItemMode.AMOUNT_TIERS:
        text += f"，共{verb}{_pts(points)}分"
    return [ReportLine(item_code=item.code, clause=item.clause, record_ids=ids, points=sign * points,
                       explanation=text)]


def _weighted_base(ruleset: RuleSet) -> Decimal:
    total = ruleset.total_weight or _HUNDRED
    return sum((_q(i.base * i.weight / total) for i in ruleset.indicators), _ZERO)


def _indicator_lines(ruleset: RuleSet, ind: Indicator, used: list[RecordFact]) -> list[ReportLine]:
    """An indicator's lines, each carrying its weighted contribution so that lines add up."""
    raw: list[ReportLine] = []
    for item in ind.deductions:
        raw.extend(_item_line(item, used, -1, "扣"))
    for item in ind.bonuses:
        raw.extend(_item_line(item, used, 1, "加"))
    unclamped = ind.base + sum((ln.points for ln in raw), _ZERO)
    clamped = min(max(unclamped, _ZERO), _HUNDRED)  # an indicator is scored 0..100
    if clamped != unclamped:
        raw.append(ReportLine(item_code=f"{ind.code}.CLAMP", clause=ind.clause or "", record_ids=(),
                              points=clamped - unclamped,
                              explanation=f"指标得分 {_pts(unclamped)} 超出 0–100，按 {_pts(clamped)} 分计"))
    total = ruleset.total_weight or _HUNDRED
    out: list[ReportLine] = []
    for ln in raw:
        weighted = _q(ln.points * ind.weight / total)
        out.append(ReportLine(
            item_code=ln.item_code, clause=ln.clause, record_ids=ln.record_ids, points=weighted,
            explanation=f"[{ind.name}，权重 {_pts(ind.weight)}/{_pts(total)}] {ln.explanation}"
                        f"（指标内 {_pts(ln.points)} 分，折合 {_pts(weighted)} 分）",
            indicator_code=ind.code,
        ))
    return out


def _q(value: Decimal) -> Decimal:
    # weighted contributions are rounded per line to 0.01; the score is their sum, so the report adds up
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _pts(value: Decimal) -> str:
    """Points for people: 10 not 10.00, 2.5 not 2.50."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
