"""解析评价规则集: turn the JSON form of a rule set into a validated ``RuleSet``, naming every problem.

Decimals are written as strings in JSON so that money and scores never pass through float.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from domain.errors import InvalidInput
from domain.rules.catalog import Grade, RecordKind, ServiceScope, SubjectClass
from domain.rules.evaluation.field_reader import FieldReader
from domain.rules.evaluation.measures import Measure, parse_measure_params
from domain.rules.evaluation.ruleset import (
    AgreementEndReason,
    Band,
    Cycle,
    Exclusion,
    Indicator,
    Item,
    ItemMode,
    RuleSet,
    ScoreRange,
    ScoreSource,
    Tier,
)
from domain.rules.evaluation.ruleset_checks import (
    check_bands,
    check_codes,
    check_tiers,
    check_weights,
    interval_text,
    is_empty_interval,
)

_REGION = re.compile(r"^\d{6}$")
_ZERO = Decimal(0)
# what an enum's values are, in Chinese and English, for "unknown ..." problems
_GRADE = ("信用等级", "grade")
_SUBJECT_CLASS = ("主体类别", "subject class")
_SERVICE_SCOPE = ("服务范围", "service scope")


def parse_ruleset(data: dict[str, Any]) -> RuleSet:
    """Parse and validate a rule set; raise ``InvalidInput`` naming every problem found."""
    r = FieldReader()
    d = r.obj(data, "ruleset")
    code = r.code(d, "code", "ruleset")
    label_zh, label_en = (f"规则集 '{code}'", f"rule set '{code}'") if code else ("规则集", "rule set")
    version = r.integer(d, "version", "ruleset", lo=1, hi=1_000_000)
    jurisdiction = r.text(d, "jurisdiction", "ruleset")
    if jurisdiction and not _REGION.match(jurisdiction):
        r.problem("ruleset.jurisdiction", f"'{jurisdiction}' 不是六位行政区划代码",
                  f"'{jurisdiction}' is not a 6-digit region code")
    classes = r.enums(SubjectClass, r.lst(d, "subject_classes", "ruleset"), "ruleset.subject_classes",
                      _SUBJECT_CLASS)
    if "subject_classes" in d and not d.get("subject_classes"):
        r.problem("ruleset.subject_classes", "至少需要列出一个主体类别", "must name at least one subject class")
    scopes: tuple[ServiceScope, ...] | None = None
    if d.get("service_scopes") is not None:
        scopes = r.enums(ServiceScope, r.lst(d, "service_scopes", "ruleset"), "ruleset.service_scopes",
                         _SERVICE_SCOPE)
    effective_from = r.day(d, "effective_from", "ruleset") or date.min
    effective_to = r.day(d, "effective_to", "ruleset", required=False)
    if effective_to is not None and effective_from != date.min and effective_to < effective_from:
        r.problem("ruleset.effective_to", f"失效日期 {effective_to} 早于生效日期（effective_from）{effective_from}",
                  f"{effective_to} is before effective_from {effective_from}")
    source = r.enum(ScoreSource, d.get("score_source"), "ruleset.score_source", ("评分来源", "score source"))
    cycle = _parse_cycle(r, d.get("cycle"))
    score_range = _parse_range(r, d.get("score_range"))
    raw_bands = r.lst(d, "bands", "ruleset")
    bands = tuple(_parse_band(r, b, f"ruleset.bands[{i}]") for i, b in enumerate(raw_bands))
    check_bands(r, bands, score_range)
    deductions = _parse_items(r, d, "deductions", "ruleset")
    bonuses = _parse_items(r, d, "bonuses", "ruleset")
    indicators = tuple(
        _parse_indicator(r, x, f"ruleset.indicators[{i}]")
        for i, x in enumerate(r.lst(d, "indicators", "ruleset", required=False))
    )
    total_weight = r.opt_dec(d, "total_weight", "ruleset")
    if source is ScoreSource.WEIGHTED:
        check_weights(r, indicators, total_weight)
        if deductions or bonuses:
            r.problem("ruleset", "加权规则集的扣分项和加分项应放在各指标之内",
                      "a weighted rule set keeps its items inside its indicators")
    elif indicators or total_weight is not None:
        r.problem("ruleset",
                  f"只有加权规则集才有指标（indicators）和总权重（total_weight），评分来源 '{source}' 不适用",
                  f"indicators and total_weight belong to weighted rule sets, not '{source}'")
    base_score = r.dec(d, "base_score", "ruleset")
    if source is ScoreSource.ASSESSMENT and base_score != 0:
        r.problem("ruleset.base_score", "以考核得分为来源的规则集从考核得分起算，基础分应为 0",
                  "an assessment rule set starts from the assessment score, so base is 0")
    floor, ceiling = r.opt_dec(d, "floor", "ruleset"), r.opt_dec(d, "ceiling", "ruleset")
    if floor is not None and ceiling is not None and floor > ceiling:
        r.problem("ruleset", f"最低分（floor）{floor} 高于最高分（ceiling）{ceiling}",
                  f"floor {floor} is above ceiling {ceiling}")
    exclusions = tuple(
        _parse_exclusion(r, x, f"ruleset.exclusions[{i}]")
        for i, x in enumerate(r.lst(d, "exclusions", "ruleset", required=False))
    )
    measures = tuple(
        _parse_measure(r, x, f"ruleset.measures[{i}]")
        for i, x in enumerate(r.lst(d, "measures", "ruleset", required=False))
    )
    check_codes(r, deductions, bonuses, indicators, exclusions, measures)
    graded = {b.grade for b in bands}
    for i, m in enumerate(measures):
        for g in m.grades:
            if g not in graded:
                r.problem(f"ruleset.measures[{i}]", f"措施 '{m.code}' 适用的 {g} 级在本规则集中没有等级区间",
                          f"measure '{m.code}': grade {g} has no band in this rule set")
    # read before the verdict, so that a missing name or a flag that is not true/false is reported too
    name, description = r.text(d, "name", "ruleset"), r.text(d, "description", "ruleset")
    allow_local = r.flag(d, "allow_local_rulesets", "ruleset", True)
    repaired_count = r.flag(d, "repaired_records_count", "ruleset", True)
    show_disputed = r.flag(d, "show_disputed", "ruleset", False)
    if r.problems:
        n = len(r.problems)
        raise InvalidInput(
            f"{label_zh} 无效（{n} 个问题）：" + "；".join(p.text_in("zh") for p in r.problems),
            en=f"{label_en} is invalid ({n} problem{'s' if n > 1 else ''}): "
            + "; ".join(p.text_in("en") for p in r.problems),
            problems=[p.as_detail() for p in r.problems],
        )
    assert source is not None  # a missing source was recorded as a problem above
    return RuleSet(
        code=code,
        version=version,
        name=name,
        description=description,
        jurisdiction=jurisdiction,
        subject_classes=classes,
        service_scopes=scopes,
        effective_from=effective_from,
        effective_to=effective_to,
        cycle=cycle,
        score_source=source,
        base_score=base_score,
        score_range=score_range,
        bands=bands,
        deductions=deductions,
        bonuses=bonuses,
        indicators=indicators,
        total_weight=total_weight,
        floor=floor,
        ceiling=ceiling,
        exclusions=exclusions,
        measures=measures,
        allow_local_rulesets=allow_local,
        repaired_records_count=repaired_count,
        show_disputed=show_disputed,
    )


def _parse_cycle(r: FieldReader, raw: Any) -> Cycle:
    d = r.obj(raw, "ruleset.cycle")
    period = r.text(d, "period", "ruleset.cycle")
    if period and period != "calendar_year":
        r.problem("ruleset.cycle.period", f"不支持 '{period}'（目前只支持自然年 calendar_year）",
                  f"'{period}' is not supported (only calendar_year)")
    return Cycle(
        period=period,
        evaluate_offset_years=r.integer(d, "evaluate_offset_years", "ruleset.cycle", lo=0, hi=2),
        apply_offset_years=r.integer(d, "apply_offset_years", "ruleset.cycle", lo=0, hi=2),
        note=r.text(d, "note", "ruleset.cycle", required=False),
    )


def _parse_range(r: FieldReader, raw: Any) -> ScoreRange:
    d = r.obj(raw, "ruleset.score_range")
    lo, hi = r.opt_dec(d, "lower", "ruleset.score_range"), r.opt_dec(d, "upper", "ruleset.score_range")
    if lo is not None and hi is not None and lo >= hi:
        r.problem("ruleset.score_range", f"分数下限 {lo} 应低于上限 {hi}", f"lower {lo} is not below upper {hi}")
    return ScoreRange(lower=lo, upper=hi)


def _parse_band(r: FieldReader, raw: Any, path: str) -> Band:
    d = r.obj(raw, path)
    grade = r.enum(Grade, d.get("grade"), f"{path}.grade", _GRADE) or Grade.E
    band = Band(
        grade=grade,
        lower=r.opt_dec(d, "lower", path),
        upper=r.opt_dec(d, "upper", path),
        lower_inclusive=r.flag(d, "lower_inclusive", path, True),
        upper_inclusive=r.flag(d, "upper_inclusive", path, False),
    )
    if is_empty_interval(band.lower, band.upper, band.lower_inclusive, band.upper_inclusive):
        shown = interval_text(band.lower, band.upper, band.lower_inclusive, band.upper_inclusive)
        r.problem(path, f"{grade} 级区间 {shown} 为空", f"band {grade} {shown} is empty")
    return band


def _parse_items(r: FieldReader, d: dict[str, Any], key: str, path: str) -> tuple[Item, ...]:
    raws = r.lst(d, key, path, required=False)
    return tuple(_parse_item(r, x, f"{path}.{key}[{i}]") for i, x in enumerate(raws))


def _parse_item(r: FieldReader, raw: Any, path: str) -> Item:
    d = r.obj(raw, path)
    kinds = r.enums(RecordKind, r.lst(d, "kinds", path), f"{path}.kinds", ("记录类型", "record kind"))
    if "kinds" in d and not d.get("kinds"):
        r.problem(f"{path}.kinds", "至少需要列出一种记录类型", "must name at least one record kind")
    mode = r.enum(ItemMode, d.get("mode"), f"{path}.mode", ("计分方式", "item mode"))
    points_each = r.opt_dec(d, "points_each", path)
    tiers = tuple(_parse_tier(r, t, f"{path}.tiers[{i}]") for i, t in enumerate(r.lst(d, "tiers", path,
                                                                                   required=False)))
    cap = r.opt_dec(d, "cap", path)
    if mode is ItemMode.PER_OCCURRENCE and (points_each is None or points_each <= 0):
        r.problem(f"{path}.points_each", "按次计分（per_occurrence）的项目须填写大于 0 的每次分值",
                  "a per_occurrence item needs points_each above 0")
    if mode is not ItemMode.PER_OCCURRENCE and points_each is not None:
        r.problem(f"{path}.points_each", "只有按次计分（per_occurrence）的项目才有每次分值",
                  "only per_occurrence items have points_each")
    if mode is ItemMode.AMOUNT_TIERS:
        check_tiers(r, tiers, path)
    elif tiers:
        r.problem(f"{path}.tiers", "只有按金额分档（amount_tiers）的项目才有档次", "only amount_tiers items have tiers")
    if cap is not None and cap <= 0:
        r.problem(f"{path}.cap", "分值上限应大于 0", "must be above 0")
    return Item(
        code=r.code(d, "code", path),
        name=r.text(d, "name", path),
        clause=r.text(d, "clause", path),
        kinds=kinds,
        mode=mode or ItemMode.PER_OCCURRENCE,
        points_each=points_each,
        tiers=tiers,
        cap=cap,
    )


def _parse_tier(r: FieldReader, raw: Any, path: str) -> Tier:
    d = r.obj(raw, path)
    tier = Tier(
        lower=r.dec(d, "lower", path),
        upper=r.opt_dec(d, "upper", path),
        lower_inclusive=r.flag(d, "lower_inclusive", path, True),
        upper_inclusive=r.flag(d, "upper_inclusive", path, False),
        points=r.dec(d, "points", path),
        label=r.opt_text(d, "label", path),
    )
    if tier.points < 0:
        r.problem(f"{path}.points", "分值应不小于 0（加分或扣分由项目所在的列表决定）",
                  "must be 0 or more (the list the item sits in gives the sign)")
    if tier.lower < 0:
        r.problem(f"{path}.lower", "金额应不小于 0", "amounts are 0 or more")
    if is_empty_interval(tier.lower, tier.upper, tier.lower_inclusive, tier.upper_inclusive):
        shown = interval_text(tier.lower, tier.upper, tier.lower_inclusive, tier.upper_inclusive)
        r.problem(path, f"档次 {shown} 为空", f"tier {shown} is empty")
    return tier


def _parse_indicator(r: FieldReader, raw: Any, path: str) -> Indicator:
    d = r.obj(raw, path)
    weight = r.dec(d, "weight", path)
    if weight <= 0:
        r.problem(f"{path}.weight", "权重应大于 0", "must be above 0")
    base = r.opt_dec(d, "base", path)
    base = Decimal(100) if base is None else base
    if not _ZERO <= base <= Decimal(100):
        r.problem(f"{path}.base", "指标按 0 至 100 分计分，基础分应在此范围内",
                  "an indicator is scored 0..100, so its base must be in that range")
    return Indicator(
        code=r.code(d, "code", path),
        name=r.text(d, "name", path),
        weight=weight,
        base=base,
        deductions=_parse_items(r, d, "deductions", path),
        bonuses=_parse_items(r, d, "bonuses", path),
        clause=r.opt_text(d, "clause", path),
    )


def _parse_exclusion(r: FieldReader, raw: Any, path: str) -> Exclusion:
    d = r.obj(raw, path)
    reason: AgreementEndReason | None = None
    if d.get("agreement_end_reason") is not None:
        reason = r.enum(AgreementEndReason, d["agreement_end_reason"], f"{path}.agreement_end_reason",
                        ("协议终止原因", "agreement end reason"))
    months: int | None = None
    if d.get("min_business_months") is not None:
        months = r.integer(d, "min_business_months", path, lo=1, hi=12)
    if (d.get("agreement_end_reason") is None) == (d.get("min_business_months") is None):
        r.problem(path, "agreement_end_reason（协议终止原因）与 min_business_months（最少经营月数）须且只须填写一项",
                  "set exactly one of agreement_end_reason and min_business_months")
    return Exclusion(
        code=r.code(d, "code", path),
        clause=r.text(d, "clause", path),
        description=r.text(d, "description", path),
        agreement_end_reason=reason,
        min_business_months=months,
    )


def _parse_measure(r: FieldReader, raw: Any, path: str) -> Measure:
    d = r.obj(raw, path)
    grades = r.enums(Grade, r.lst(d, "grades", path), f"{path}.grades", _GRADE)
    if "grades" in d and not d.get("grades"):
        r.problem(f"{path}.grades", "至少需要列出一个等级", "must name at least one grade")
    classes: tuple[SubjectClass, ...] | None = None
    if d.get("subject_classes") is not None:
        classes = r.enums(SubjectClass, r.lst(d, "subject_classes", path), f"{path}.subject_classes",
                          _SUBJECT_CLASS)
    scopes: tuple[ServiceScope, ...] | None = None
    if d.get("service_scopes") is not None:
        scopes = r.enums(ServiceScope, r.lst(d, "service_scopes", path), f"{path}.service_scopes",
                         _SERVICE_SCOPE)
    return Measure(
        code=r.code(d, "code", path),
        grades=grades,
        clause=r.text(d, "clause", path),
        description=r.text(d, "description", path),
        params=parse_measure_params(d.get("params"), f"{path}.params", r.problems),
        discretionary=r.flag(d, "discretionary", path, False),
        condition=r.opt_text(d, "condition", path),
        subject_classes=classes,
        service_scopes=scopes,
    )
