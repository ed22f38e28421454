"""结果应用: the measures a rule set ties to each grade, and which of them apply to one evaluation.

A measure is data inside the rule set (``"measures": [...]``): the grades (and optionally subject classes
and service scopes) it is for, the clause it comes from, a description, and typed parameters that other
parts of the system act on (sampling ratios, budget and prepayment adjustments, audit counts ...).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain.errors import InvalidInput
from domain.rules.catalog import Grade, ServiceScope, SubjectClass
from domain.rules.evaluation.problem import Problem

if TYPE_CHECKING:
    from domain.rules.evaluation.engine import Evaluation
    from domain.rules.evaluation.ruleset import RuleSet


@dataclass(frozen=True)
class Range:
    """A closed range of numbers, e.g. budget +1–5 percentage points or a 3–6 month suspension."""

    min: Decimal
    max: Decimal


@dataclass(frozen=True)
class MeasureParams:
    """Typed parameters of a measure; ``None`` / ``False`` means the measure says nothing about it."""

    # 住院病历抽查比例 change in percentage points (Wushan A −5, C +5)
    sampling_ratio_delta_points: Decimal | None = None
    # 总额预算控制额指标 change in percentage points, signed (A +1..+5, C −5..−1)
    budget_pct: Range | None = None
    # 基金预付标准 change in percentage points, signed (A +1..+10, C −10..−1)
    prepayment_pct: Range | None = None
    # 稽核检查 per year (Wushan art.22: A exactly 1, B ≥2, C ≥3)
    audits_per_year_min: int | None = None
    audits_per_year_max: int | None = None
    # 双随机、一公开 sampling ratio, a fraction 0..1 (Anhui art.27)
    inspection_sampling_ratio: Decimal | None = None
    more_special_inspections: bool = False  # 增加专项检查、巡查夜查频次
    fewer_inspections: bool = False  # 减少检查频次 (Anhui art.28(二))
    key_monitoring: bool = False  # 列为重点监控和监督检查对象 (Anhui art.29(三))
    interview: bool = False  # 警示约谈
    rectification_deadline: bool = False  # 限期整改 (no number of days in any seed)
    settlement_suspension_months: Range | None = None  # 暂停医保网络结算/基金支付
    agreement_terminated: bool = False  # 解除服务协议
    chronic_disease_qualification_blocked: bool = False  # 慢特病待遇资格认定: no application, revoked
    negotiated_drug_designation_blocked: bool = False  # 国家谈判药品定点: no application, revoked
    pilots_blocked: bool = False  # 其他试点工作: no application, withdrawn
    public_praise: bool = False  # 官方网站公示宣传 (Anhui art.28(一))
    publish_dishonesty: bool = False  # 向社会公开失信信息 (Anhui art.29(二))
    purchaser_risk_warning: bool = False  # 依托集中采购平台向采购方提示风险 (Anhui art.29(四))
    credit_based_care: bool = False  # 信用就医 (Anhui art.28(三))
    missing_papers_accepted: bool = False  # 容缺受理 (Anhui art.28(三))
    staff_service_suspension_months: Range | None = None  # 医务人员暂停医保服务(支付)资格
    staff_service_terminated: bool = False  # 终止医务人员医保服务(支付)资格


@dataclass(frozen=True)
class Measure:
    """One measure of the catalog: for which grades, from which clause, with which parameters."""

    code: str
    grades: tuple[Grade, ...]
    clause: str
    description: str
    params: MeasureParams
    # "可" in the seed: the bureau may apply it; False means the clause says it shall
    discretionary: bool = False
    # a precondition the seed states in words (e.g. spending exceeded the budget in the evaluated year)
    condition: str | None = None
    subject_classes: tuple[SubjectClass, ...] | None = None
    service_scopes: tuple[ServiceScope, ...] | None = None


@dataclass(frozen=True)
class AppliedMeasure:
    """A measure that applies to one evaluated subject in one year."""

    subject_id: str
    grade: Grade
    measure_code: str
    clause: str
    description: str
    params: MeasureParams
    discretionary: bool
    condition: str | None
    applies_in_year: int


_RANGE_PARAMS = frozenset({"budget_pct", "prepayment_pct", "settlement_suspension_months",
                           "staff_service_suspension_months"})
_DECIMAL_PARAMS = frozenset({"sampling_ratio_delta_points", "inspection_sampling_ratio"})
_INT_PARAMS = frozenset({"audits_per_year_min", "audits_per_year_max"})
_PARAM_NAMES = tuple(f.name for f in fields(MeasureParams))


def measures_for(
    *, ruleset: RuleSet, evaluation: Evaluation, cycle_year: int | None = None
) -> list[AppliedMeasure]:
    """The measures of ``ruleset`` that apply to ``evaluation``, with the year they apply in."""
    if evaluation.ruleset_code != ruleset.code or evaluation.ruleset_version != ruleset.version:
        raise InvalidInput(
            f"该评价使用的是规则集 {evaluation.ruleset_code} 第{evaluation.ruleset_version}版，"
            f"而不是 {ruleset.code} 第{ruleset.version}版",
            en=f"evaluation was made with rule set {evaluation.ruleset_code} v{evaluation.ruleset_version}, "
            f"not {ruleset.code} v{ruleset.version}"
        )
    year = evaluation.cycle_year if cycle_year is None else cycle_year
    if year != evaluation.cycle_year:
        raise InvalidInput(f"该评价属于 {evaluation.cycle_year} 年度，而不是 {year} 年度",
            en=f"evaluation is for cycle {evaluation.cycle_year}, not {year}")
    grade = evaluation.grade
    if grade is None:  # excluded subjects are not graded, so no grade measure applies (002 art.19)
        return []
    applies_in = year + ruleset.cycle.apply_offset_years
    out: list[AppliedMeasure] = []
    for m in ruleset.measures:
        if grade not in m.grades:
            continue
        if m.subject_classes is not None and evaluation.subject_class not in m.subject_classes:
            continue
        if m.service_scopes is not None and evaluation.service_scope not in m.service_scopes:
            continue
        out.append(
            AppliedMeasure(
                subject_id=evaluation.subject_id,
                grade=grade,
                measure_code=m.code,
                clause=m.clause,
                description=m.description,
                params=m.params,
                discretionary=m.discretionary,
                condition=m.condition,
                applies_in_year=applies_in,
            )
        )
    return out


def parse_measure_params(data: Any, path: str, problems: list[Problem]) -> MeasureParams:
    """Parse a ``params`` object, appending every problem found to ``problems``."""
    if data is None:
        return MeasureParams()
    if not isinstance(data, dict):
        problems.append(Problem(path, "应为对象", "must be an object"))
        return MeasureParams()
    values: dict[str, Any] = {}
    for key, raw in data.items():
        where = f"{path}.{key}"
        if key not in _PARAM_NAMES:
            problems.append(Problem(where, "未知的措施参数", "unknown measure parameter"))
        elif key in _RANGE_PARAMS:
            rng = _parse_range(raw, where, problems)
            if rng is not None:
                values[key] = rng
        elif key in _DECIMAL_PARAMS:
            dec = parse_decimal(raw)
            if dec is None:
                problems.append(Problem(where, "应为数字", "must be a number"))
            else:
                values[key] = dec
        elif key in _INT_PARAMS:
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                problems.append(Problem(where, "应为不小于 0 的整数", "must be a whole number ≥ 0"))
            else:
                values[key] = raw
        elif not isinstance(raw, bool):
            problems.append(Problem(where, "应为 true 或 false", "must be true or false"))
        else:
            values[key] = raw
    params = MeasureParams(**values)
    lo, hi = params.audits_per_year_min, params.audits_per_year_max
    if lo is not None and hi is not None and lo > hi:
        problems.append(Problem(path,
                                f"每年检查次数下限 audits_per_year_min（{lo}）大于上限 audits_per_year_max（{hi}）",
                                f"audits_per_year_min {lo} is above audits_per_year_max {hi}"))
    ratio = params.inspection_sampling_ratio
    if ratio is not None and not Decimal(0) <= ratio <= Decimal(1):
        problems.append(Problem(f"{path}.inspection_sampling_ratio", "应为 0 到 1 之间的比例",
                                "must be a fraction between 0 and 1"))
    return params


def measure_params_to_dict(params: MeasureParams) -> dict[str, Any]:
    """The JSON form of ``params``: only the parameters that say something."""
    out: dict[str, Any] = {}
    for name in _PARAM_NAMES:
        value = getattr(params, name)
        if value is None or value is False:
            continue
        if isinstance(value, Range):
            out[name] = {"min": str(value.min), "max": str(value.max)}
        elif isinstance(value, Decimal):
            out[name] = str(value)
        else:
            out[name] = value
    return out


def _parse_range(raw: Any, where: str, problems: list[Problem]) -> Range | None:
    if not isinstance(raw, dict) or set(raw) != {"min", "max"}:
        problems.append(Problem(where, "应为含 min 与 max 两个字段的对象", "must be an object with min and max"))
        return None
    lo, hi = parse_decimal(raw["min"]), parse_decimal(raw["max"])
    if lo is None or hi is None:
        problems.append(Problem(where, "min 与 max 应为数字", "min and max must be numbers"))
        return None
    if lo > hi:
        problems.append(Problem(where, f"下限 min（{lo}）大于上限 max（{hi}）", f"min {lo} is above max {hi}"))
        return None
    return Range(min=lo, max=hi)


def parse_decimal(raw: Any) -> Decimal | None:
    """A Decimal from a JSON number or numeric string, or None when it is not one."""
    # JSON numbers may come back from jsonb as floats; str() gives their shortest exact spelling
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float | str):
        try:
            value = Decimal(str(raw).strip())
        except ArithmeticError:
            return None
        return value if value.is_finite() else None
    return None


def catalog_by_grade(ruleset: RuleSet) -> list[tuple[Grade, tuple[Measure, ...]]]:
    """结果应用目录: each grade of the rule set's bands (best first) with the measures it defines for it."""
    grades = sorted({b.grade for b in ruleset.bands} | {g for m in ruleset.measures for g in m.grades},
                    key=list(Grade).index)
    return [(g, tuple(m for m in ruleset.measures if g in m.grades)) for g in grades]
