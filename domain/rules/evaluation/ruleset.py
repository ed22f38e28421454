"""信用评价规则集: a versioned rule set as JSON-serialisable data, its parser and its validation.

A rule set is stored as jsonb per jurisdiction and subject classes with effective dates. Every item maps
to one SQL aggregate over a subject's records of some kinds within the cycle: ``per_occurrence`` is a
count, ``amount_tiers`` a sum of amounts looked up in a tier table, ``record_points`` a sum of points.
Decimals are written as strings in JSON so that money and scores never pass through float.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any, TypeVar

from domain.errors import InvalidInput
from domain.rules.catalog import Grade, RecordKind, ServiceScope, SubjectClass
from domain.rules.evaluation.measures import (
    Measure,
    measure_params_to_dict,
    parse_decimal,
    parse_measure_params,
)


class ScoreSource(StrEnum):
    """Where the score comes from."""

    DEDUCTIONS = "deductions"  # base score − deduction items + bonus items (Wushan annex)
    ASSESSMENT = "assessment"  # the cycle's annual assessment score (Wushan art.16 first paragraph)
    WEIGHTED = "weighted"  # weighted indicators, each scored 0..100 (Sichuan)
    POINTS = "points"  # accumulated penalty points (national 12-point scheme for medical staff)


class ItemMode(StrEnum):
    """How an item turns the cycle's records of its kinds into points."""

    PER_OCCURRENCE = "per_occurrence"  # count × points_each (SQL: count(*))
    AMOUNT_TIERS = "amount_tiers"  # sum(amount) looked up in the tiers (SQL: sum(amount))
    RECORD_POINTS = "record_points"  # sum of the records' own points (SQL: sum(points))


class AgreementEndReason(StrEnum):
    """Why a subject's service agreement ended (002 art.19 (一)–(三))."""

    BY_SUBJECT = "by_subject"  # 主动解除服务协议
    FOR_VIOLATION = "for_violation"  # 因违法违规违约被解除
    NOT_RENEWED = "not_renewed"  # 未达到续签条件被解除


@dataclass(frozen=True)
class Tier:
    """One amount tier: [lower, upper) or any mix of edges; ``upper`` None means no upper bound."""

    lower: Decimal
    upper: Decimal | None
    lower_inclusive: bool
    upper_inclusive: bool
    points: Decimal
    label: str | None = None

    def contains(self, value: Decimal) -> bool:
        """Whether ``value`` falls in this tier."""
        return _within(value, self.lower, self.upper, self.lower_inclusive, self.upper_inclusive)


@dataclass(frozen=True)
class Item:
    """A deduction or bonus item; points are magnitudes, the list it sits in gives the sign."""

    code: str
    name: str
    clause: str
    kinds: tuple[RecordKind, ...]
    mode: ItemMode
    points_each: Decimal | None = None  # per_occurrence
    tiers: tuple[Tier, ...] = ()  # amount_tiers
    cap: Decimal | None = None  # at most this many points from the item in one cycle


@dataclass(frozen=True)
class Indicator:
    """A weighted indicator: scored from ``base`` with its own items, clamped to 0..100."""

    code: str
    name: str
    weight: Decimal
    base: Decimal
    deductions: tuple[Item, ...]
    bonuses: tuple[Item, ...]
    clause: str | None = None


@dataclass(frozen=True)
class Band:
    """A grade band over the score; ``None`` bounds are unbounded."""

    grade: Grade
    lower: Decimal | None
    upper: Decimal | None
    lower_inclusive: bool
    upper_inclusive: bool

    def contains(self, score: Decimal) -> bool:
        """Whether ``score`` falls in this band."""
        return _within(score, self.lower, self.upper, self.lower_inclusive, self.upper_inclusive)


@dataclass(frozen=True)
class ScoreRange:
    """The scores the rule set can produce (closed where finite); the bands must cover it."""

    lower: Decimal | None
    upper: Decimal | None

    def contains(self, score: Decimal) -> bool:
        """Whether ``score`` is inside the range."""
        return _within(score, self.lower, self.upper, True, True)


@dataclass(frozen=True)
class Cycle:
    """An evaluation cycle: a calendar year, when it is evaluated and when its results apply."""

    period: str  # only "calendar_year": 1 Jan – 31 Dec
    # evaluated this many years after the cycle's year (1: Wushan art.15; 0: dynamic, during the cycle)
    evaluate_offset_years: int
    # measures apply in this year after the cycle's year (1: Wushan art.21 "评价年度 … 次年")
    apply_offset_years: int
    note: str = ""

    def bounds(self, year: int) -> tuple[date, date]:
        """First and last day of the cycle of ``year``."""
        return date(year, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class Exclusion:
    """A reason not to evaluate a subject at all (002 art.19): exactly one criterion is set."""

    code: str
    clause: str
    description: str
    agreement_end_reason: AgreementEndReason | None = None
    min_business_months: int | None = None  # excluded when fewer months of business in the cycle


@dataclass(frozen=True)
class RuleSet:
    """A versioned rule set for one jurisdiction and some subject classes."""

    code: str
    version: int
    name: str
    description: str
    jurisdiction: str
    subject_classes: tuple[SubjectClass, ...]
    service_scopes: tuple[ServiceScope, ...] | None
    effective_from: date
    effective_to: date | None
    cycle: Cycle
    score_source: ScoreSource
    base_score: Decimal
    score_range: ScoreRange
    bands: tuple[Band, ...]
    deductions: tuple[Item, ...] = ()
    bonuses: tuple[Item, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    total_weight: Decimal | None = None
    floor: Decimal | None = None  # clamp the score up to this (declared, never implied)
    ceiling: Decimal | None = None  # clamp the score down to this
    exclusions: tuple[Exclusion, ...] = ()
    measures: tuple[Measure, ...] = ()
    # Each level may add local rules (001 art.16) unless the higher rule set says it may not.
    allow_local_rulesets: bool = True
    # Whether a dishonesty record whose credit repair (信用修复) was approved still counts in scoring from the
    # day of the approval; the seeds leave it to the rule set (001 art.19 only stops the public display).
    repaired_records_count: bool = True
    # Whether a published item under an open objection shows publicly that it is disputed (异议标注).
    show_disputed: bool = False

    def applies_to(self, *, subject_class: SubjectClass, service_scope: ServiceScope | None) -> bool:
        """Whether a subject of this class and scope is evaluated under this rule set."""
        if subject_class not in self.subject_classes:
            return False
        if self.service_scopes is None:
            return True
        # the scope filter only speaks to classes that have a scope (medical institutions)
        if service_scope is None:
            return subject_class is not SubjectClass.MEDICAL_INSTITUTION
        return service_scope in self.service_scopes

    def is_effective_on(self, day: date) -> bool:
        """Whether the rule set is in force on ``day``."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


def _within(value: Decimal, lower: Decimal | None, upper: Decimal | None, lo_inc: bool, hi_inc: bool) -> bool:
    if lower is not None and (value < lower or (value == lower and not lo_inc)):
        return False
    return not (upper is not None and (value > upper or (value == upper and not hi_inc)))


# ---------------------------------------------------------------------------------------------- parsing

_E = TypeVar("_E", bound=StrEnum)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_REGION = re.compile(r"^\d{6}$")
_ZERO = Decimal(0)


class _Reader:
    """Reads a JSON object, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def obj(self, raw: Any, path: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.problem(f"{path}: must be an object")
            return {}
        return raw

    def lst(self, d: dict[str, Any], key: str, path: str, *, required: bool = True) -> list[Any]:
        raw = d.get(key)
        if raw is None:
            if required:
                self.problem(f"{path}.{key}: missing")
            return []
        if not isinstance(raw, list):
            self.problem(f"{path}.{key}: must be a list")
            return []
        return raw

    def text(self, d: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
        raw = d.get(key)
        if raw is None:
            if required:
                self.problem(f"{path}.{key}: missing")
            return ""
        if not isinstance(raw, str) or (required and not raw.strip()):
            self.problem(f"{path}.{key}: must be a non-empty string")
            return ""
        return raw

    def opt_text(self, d: dict[str, Any], key: str, path: str) -> str | None:
        return self.text(d, key, path, required=False) if d.get(key) is not None else None

    def code(self, d: dict[str, Any], key: str, path: str) -> str:
        value = self.text(d, key, path)
        if value and not _CODE.match(value):
            self.problem(f"{path}.{key}: '{value}' is not a stable code (letters, digits, _ . -)")
        return value

    def dec(self, d: dict[str, Any], key: str, path: str) -> Decimal:
        value = self.opt_dec(d, key, path)
        if value is None:
            if key not in d or d[key] is None:
                self.problem(f"{path}.{key}: missing")
            return _ZERO
        return value

    def opt_dec(self, d: dict[str, Any], key: str, path: str) -> Decimal | None:
        raw = d.get(key)
        if raw is None:
            return None
        value = parse_decimal(raw)
        if value is None:
            self.problem(f"{path}.{key}: '{raw}' is not a number")
        return value

    def flag(self, d: dict[str, Any], key: str, path: str, default: bool) -> bool:
        raw = d.get(key, default)
        if not isinstance(raw, bool):
            self.problem(f"{path}.{key}: must be true or false")
            return default
        return raw

    def integer(self, d: dict[str, Any], key: str, path: str, *, lo: int, hi: int) -> int:
        raw = d.get(key)
        if isinstance(raw, bool) or not isinstance(raw, int) or not lo <= raw <= hi:
            self.problem(f"{path}.{key}: must be a whole number from {lo} to {hi}")
            return lo
        return raw

    def day(self, d: dict[str, Any], key: str, path: str, *, required: bool = True) -> date | None:
        raw = d.get(key)
        if raw is None:
            if required:
                self.problem(f"{path}.{key}: missing")
            return None
        try:
            if not isinstance(raw, str):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.problem(f"{path}.{key}: '{raw}' is not a date (YYYY-MM-DD)")
            return None

    def enum(self, cls: type[_E], raw: Any, path: str, what: str) -> _E | None:
        try:
            return cls(raw)
        except ValueError:
            known = ", ".join(m.value for m in cls)
            self.problem(f"{path}: unknown {what} '{raw}' (known: {known})")
            return None

    def enums(self, cls: type[_E], raws: list[Any], path: str, what: str) -> tuple[_E, ...]:
        out: list[_E] = []
        for i, raw in enumerate(raws):
            member = self.enum(cls, raw, f"{path}[{i}]", what)
            if member is not None:
                out.append(member)
        return tuple(out)


def parse_ruleset(data: dict[str, Any]) -> RuleSet:
    """Parse and validate a rule set; raise ``InvalidInput`` naming every problem found."""
    r = _Reader()
    d = r.obj(data, "ruleset")
    code = r.code(d, "code", "ruleset")
    label = f"rule set '{code}'" if code else "rule set"
    version = r.integer(d, "version", "ruleset", lo=1, hi=1_000_000)
    jurisdiction = r.text(d, "jurisdiction", "ruleset")
    if jurisdiction and not _REGION.match(jurisdiction):
        r.problem(f"ruleset.jurisdiction: '{jurisdiction}' is not a 6-digit region code")
    classes = r.enums(SubjectClass, r.lst(d, "subject_classes", "ruleset"), "ruleset.subject_classes",
                      "subject class")
    if "subject_classes" in d and not d.get("subject_classes"):
        r.problem("ruleset.subject_classes: must name at least one subject class")
    scopes: tuple[ServiceScope, ...] | None = None
    if d.get("service_scopes") is not None:
        scopes = r.enums(ServiceScope, r.lst(d, "service_scopes", "ruleset"), "ruleset.service_scopes",
                         "service scope")
    effective_from = r.day(d, "effective_from", "ruleset") or date.min
    effective_to = r.day(d, "effective_to", "ruleset", required=False)
    if effective_to is not None and effective_from != date.min and effective_to < effective_from:
        r.problem(f"ruleset.effective_to: {effective_to} is before effective_from {effective_from}")
    source = r.enum(ScoreSource, d.get("score_source"), "ruleset.score_source", "score source")
    cycle = _parse_cycle(r, d.get("cycle"))
    score_range = _parse_range(r, d.get("score_range"))
    raw_bands = r.lst(d, "bands", "ruleset")
    bands = tuple(_parse_band(r, b, f"ruleset.bands[{i}]") for i, b in enumerate(raw_bands))
    _check_bands(r, bands, score_range)
    deductions = _parse_items(r, d, "deductions", "ruleset")
    bonuses = _parse_items(r, d, "bonuses", "ruleset")
    indicators = tuple(
        _parse_indicator(r, x, f"ruleset.indicators[{i}]")
        for i, x in enumerate(r.lst(d, "indicators", "ruleset", required=False))
    )
    total_weight = r.opt_dec(d, "total_weight", "ruleset")
    if source is ScoreSource.WEIGHTED:
        _check_weights(r, indicators, total_weight)
        if deductions or bonuses:
            r.problem("ruleset: a weighted rule set keeps its items inside its indicators")
    elif indicators or total_weight is not None:
        r.problem(f"ruleset: indicators and total_weight belong to weighted rule sets, not '{source}'")
    base_score = r.dec(d, "base_score", "ruleset")
    if source is ScoreSource.ASSESSMENT and base_score != 0:
        r.problem("ruleset.base_score: an assessment rule set starts from the assessment score, so base is 0")
    floor, ceiling = r.opt_dec(d, "floor", "ruleset"), r.opt_dec(d, "ceiling", "ruleset")
    if floor is not None and ceiling is not None and floor > ceiling:
        r.problem(f"ruleset: floor {floor} is above ceiling {ceiling}")
    exclusions = tuple(
        _parse_exclusion(r, x, f"ruleset.exclusions[{i}]")
        for i, x in enumerate(r.lst(d, "exclusions", "ruleset", required=False))
    )
    measures = tuple(
        _parse_measure(r, x, f"ruleset.measures[{i}]")
        for i, x in enumerate(r.lst(d, "measures", "ruleset", required=False))
    )
    _check_codes(r, deductions, bonuses, indicators, exclusions, measures)
    graded = {b.grade for b in bands}
    for i, m in enumerate(measures):
        for g in m.grades:
            if g not in graded:
                r.problem(f"ruleset.measures[{i}] ({m.code}): grade {g} has no band in this rule set")
    if r.problems:
        n = len(r.problems)
        raise InvalidInput(
            f"{label} 无效（{n} 个问题）：" + "；".join(r.problems),
            en=f"{label} is invalid ({n} problem{'s' if n > 1 else ''}): " + "; ".join(r.problems),
            problems=list(r.problems),
        )
    assert source is not None  # a missing source was recorded as a problem above
    return RuleSet(
        code=code,
        version=version,
        name=r.text(d, "name", "ruleset"),
        description=r.text(d, "description", "ruleset"),
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
        allow_local_rulesets=r.flag(d, "allow_local_rulesets", "ruleset", True),
        repaired_records_count=r.flag(d, "repaired_records_count", "ruleset", True),
        show_disputed=r.flag(d, "show_disputed", "ruleset", False),
    )


def _parse_cycle(r: _Reader, raw: Any) -> Cycle:
    d = r.obj(raw, "ruleset.cycle")
    period = r.text(d, "period", "ruleset.cycle")
    if period and period != "calendar_year":
        r.problem(f"ruleset.cycle.period: '{period}' is not supported (only calendar_year)")
    return Cycle(
        period=period,
        evaluate_offset_years=r.integer(d, "evaluate_offset_years", "ruleset.cycle", lo=0, hi=2),
        apply_offset_years=r.integer(d, "apply_offset_years", "ruleset.cycle", lo=0, hi=2),
        note=r.text(d, "note", "ruleset.cycle", required=False),
    )


def _parse_range(r: _Reader, raw: Any) -> ScoreRange:
    d = r.obj(raw, "ruleset.score_range")
    lo, hi = r.opt_dec(d, "lower", "ruleset.score_range"), r.opt_dec(d, "upper", "ruleset.score_range")
    if lo is not None and hi is not None and lo >= hi:
        r.problem(f"ruleset.score_range: lower {lo} is not below upper {hi}")
    return ScoreRange(lower=lo, upper=hi)


def _parse_band(r: _Reader, raw: Any, path: str) -> Band:
    d = r.obj(raw, path)
    grade = r.enum(Grade, d.get("grade"), f"{path}.grade", "grade") or Grade.E
    band = Band(
        grade=grade,
        lower=r.opt_dec(d, "lower", path),
        upper=r.opt_dec(d, "upper", path),
        lower_inclusive=r.flag(d, "lower_inclusive", path, True),
        upper_inclusive=r.flag(d, "upper_inclusive", path, False),
    )
    if _is_empty(band.lower, band.upper, band.lower_inclusive, band.upper_inclusive):
        shown = _interval(band.lower, band.upper, band.lower_inclusive, band.upper_inclusive)
        r.problem(f"{path}: band {grade} {shown} is empty")
    return band


def _parse_items(r: _Reader, d: dict[str, Any], key: str, path: str) -> tuple[Item, ...]:
    raws = r.lst(d, key, path, required=False)
    return tuple(_parse_item(r, x, f"{path}.{key}[{i}]") for i, x in enumerate(raws))


def _parse_item(r: _Reader, raw: Any, path: str) -> Item:
    d = r.obj(raw, path)
    kinds = r.enums(RecordKind, r.lst(d, "kinds", path), f"{path}.kinds", "record kind")
    if "kinds" in d and not d.get("kinds"):
        r.problem(f"{path}.kinds: must name at least one record kind")
    mode = r.enum(ItemMode, d.get("mode"), f"{path}.mode", "item mode")
    points_each = r.opt_dec(d, "points_each", path)
    tiers = tuple(_parse_tier(r, t, f"{path}.tiers[{i}]") for i, t in enumerate(r.lst(d, "tiers", path,
                                                                                   required=False)))
    cap = r.opt_dec(d, "cap", path)
    if mode is ItemMode.PER_OCCURRENCE and (points_each is None or points_each <= 0):
        r.problem(f"{path}.points_each: a per_occurrence item needs points_each above 0")
    if mode is not ItemMode.PER_OCCURRENCE and points_each is not None:
        r.problem(f"{path}.points_each: only per_occurrence items have points_each")
    if mode is ItemMode.AMOUNT_TIERS:
        _check_tiers(r, tiers, path)
    elif tiers:
        r.problem(f"{path}.tiers: only amount_tiers items have tiers")
    if cap is not None and cap <= 0:
        r.problem(f"{path}.cap: must be above 0")
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


def _parse_tier(r: _Reader, raw: Any, path: str) -> Tier:
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
        r.problem(f"{path}.points: must be 0 or more (the list the item sits in gives the sign)")
    if tier.lower < 0:
        r.problem(f"{path}.lower: amounts are 0 or more")
    if _is_empty(tier.lower, tier.upper, tier.lower_inclusive, tier.upper_inclusive):
        shown = _interval(tier.lower, tier.upper, tier.lower_inclusive, tier.upper_inclusive)
        r.problem(f"{path}: tier {shown} is empty")
    return tier


def _parse_indicator(r: _Reader, raw: Any, path: str) -> Indicator:
    d = r.obj(raw, path)
    weight = r.dec(d, "weight", path)
    if weight <= 0:
        r.problem(f"{path}.weight: must be above 0")
    base = r.opt_dec(d, "base", path)
    base = Decimal(100) if base is None else base
    if not _ZERO <= base <= Decimal(100):
        r.problem(f"{path}.base: an indicator is scored 0..100, so its base must be in that range")
    return Indicator(
        code=r.code(d, "code", path),
        name=r.text(d, "name", path),
        weight=weight,
        base=base,
        deductions=_parse_items(r, d, "deductions", path),
        bonuses=_parse_items(r, d, "bonuses", path),
        clause=r.opt_text(d, "clause", path),
    )


def _parse_exclusion(r: _Reader, raw: Any, path: str) -> Exclusion:
    d = r.obj(raw, path)
    reason: AgreementEndReason | None = None
    if d.get("agreement_end_reason") is not None:
        reason = r.enum(AgreementEndReason, d["agreement_end_reason"], f"{path}.agreement_end_reason",
                        "agreement end reason")
    months: int | None = None
    if d.get("min_business_months") is not None:
        months = r.integer(d, "min_business_months", path, lo=1, hi=12)
    if (d.get("agreement_end_reason") is None) == (d.get("min_business_months") is None):
        r.problem(f"{path}: set exactly one of agreement_end_reason and min_business_months")
    return Exclusion(
        code=r.code(d, "code", path),
        clause=r.text(d, "clause", path),
        description=r.text(d, "description", path),
        agreement_end_reason=reason,
        min_business_months=months,
    )


def _parse_measure(r: _Reader, raw: Any, path: str) -> Measure:
    d = r.obj(raw, path)
    grades = r.enums(Grade, r.lst(d, "grades", path), f"{path}.grades", "grade")
    if "grades" in d and not d.get("grades"):
        r.problem(f"{path}.grades: must name at least one grade")
    classes: tuple[SubjectClass, ...] | None = None
    if d.get("subject_classes") is not None:
        classes = r.enums(SubjectClass, r.lst(d, "subject_classes", path), f"{path}.subject_classes",
                          "subject class")
    scopes: tuple[ServiceScope, ...] | None = None
    if d.get("service_scopes") is not None:
        scopes = r.enums(ServiceScope, r.lst(d, "service_scopes", path), f"{path}.service_scopes",
                         "service scope")
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


# ------------------------------------------------------------------------------------------- validation


def _is_empty(lo: Decimal | None, hi: Decimal | None, lo_inc: bool, hi_inc: bool) -> bool:
    if lo is None or hi is None:
        return False
    return lo > hi or (lo == hi and not (lo_inc and hi_inc))


def _interval(lo: Decimal | None, hi: Decimal | None, lo_inc: bool, hi_inc: bool) -> str:
    left = "(-∞" if lo is None else ("[" if lo_inc else "(") + str(lo)
    right = "+∞)" if hi is None else str(hi) + ("]" if hi_inc else ")")
    return f"{left}, {right}"


def _check_contiguous(
    r: _Reader,
    spans: list[tuple[str, Decimal | None, Decimal | None, bool, bool]],
    what: str,
) -> None:
    """Report overlaps and gaps between consecutive spans sorted by lower bound."""

    def key(s: tuple[str, Decimal | None, Decimal | None, bool, bool]) -> tuple[int, Decimal, bool]:
        return (0, _ZERO, False) if s[1] is None else (1, s[1], not s[3])

    ordered = sorted(spans, key=key)
    for prev, nxt in pairwise(ordered):
        p_name, _, p_hi, _, p_hi_inc = prev
        n_name, n_lo, _, n_lo_inc, _ = nxt
        if p_hi is None or n_lo is None or n_lo < p_hi:
            r.problem(f"{what}: {p_name} and {n_name} overlap")
        elif n_lo > p_hi:
            hole = _interval(p_hi, n_lo, not p_hi_inc, not n_lo_inc)
            r.problem(f"{what}: gap between {p_name} and {n_name}: {hole} falls in neither")
        elif p_hi_inc and n_lo_inc:
            r.problem(f"{what}: {p_name} and {n_name} overlap at {p_hi} (both include it)")
        elif not p_hi_inc and not n_lo_inc:
            r.problem(f"{what}: gap between {p_name} and {n_name}: {p_hi} falls in neither")


def _check_bands(r: _Reader, bands: tuple[Band, ...], rng: ScoreRange) -> None:
    if not bands:
        r.problem("ruleset.bands: a rule set needs at least one grade band")
        return
    seen: set[Grade] = set()
    for b in bands:
        if b.grade in seen:
            r.problem(f"ruleset.bands: grade {b.grade} has more than one band")
        seen.add(b.grade)
    spans = [
        (f"band {b.grade} {_interval(b.lower, b.upper, b.lower_inclusive, b.upper_inclusive)}",
         b.lower, b.upper, b.lower_inclusive, b.upper_inclusive)
        for b in bands
        if not _is_empty(b.lower, b.upper, b.lower_inclusive, b.upper_inclusive)
    ]
    _check_contiguous(r, spans, "ruleset.bands")
    if not spans:
        return
    lowest = min(spans, key=lambda s: (s[1] is not None, s[1] or _ZERO))
    highest = max(spans, key=lambda s: (s[2] is None, s[2] or _ZERO))
    _, lo, _, lo_inc, _ = lowest
    _, _, hi, _, hi_inc = highest
    # the bands must cover the whole score range, or some score would have no grade
    if lo is not None and (rng.lower is None or lo > rng.lower or (lo == rng.lower and not lo_inc)):
        start = "-∞" if rng.lower is None else str(rng.lower)
        r.problem(f"ruleset.bands: scores from {start} up to {lo} fall in no band")
    if hi is not None and (rng.upper is None or hi < rng.upper or (hi == rng.upper and not hi_inc)):
        end = "+∞" if rng.upper is None else str(rng.upper)
        r.problem(f"ruleset.bands: scores from {hi} up to {end} fall in no band")


def _check_tiers(r: _Reader, tiers: tuple[Tier, ...], path: str) -> None:
    if not tiers:
        r.problem(f"{path}.tiers: an amount_tiers item needs at least one tier")
        return
    spans: list[tuple[str, Decimal | None, Decimal | None, bool, bool]] = [
        (f"tier {_interval(t.lower, t.upper, t.lower_inclusive, t.upper_inclusive)}",
         t.lower, t.upper, t.lower_inclusive, t.upper_inclusive)
        for t in tiers
        if not _is_empty(t.lower, t.upper, t.lower_inclusive, t.upper_inclusive)
    ]
    # amounts below the first tier score nothing (e.g. no recovered funds at all), so only the joins count
    _check_contiguous(r, spans, f"{path}.tiers")


def _check_weights(r: _Reader, indicators: tuple[Indicator, ...], total: Decimal | None) -> None:
    if not indicators:
        r.problem("ruleset.indicators: a weighted rule set needs at least one indicator")
        return
    if total is None:
        r.problem("ruleset.total_weight: a weighted rule set declares its total weight")
        return
    actual = sum((i.weight for i in indicators), _ZERO)
    if actual != total:
        r.problem(f"ruleset.indicators: weights sum to {actual}, but total_weight declares {total}")


def _check_codes(
    r: _Reader,
    deductions: tuple[Item, ...],
    bonuses: tuple[Item, ...],
    indicators: tuple[Indicator, ...],
    exclusions: tuple[Exclusion, ...],
    measures: tuple[Measure, ...],
) -> None:
    items = [*deductions, *bonuses, *(it for ind in indicators for it in (*ind.deductions, *ind.bonuses))]
    groups: list[tuple[str, list[str]]] = [
        ("item", [i.code for i in items]),
        ("indicator", [i.code for i in indicators]),
        ("exclusion", [e.code for e in exclusions]),
        ("measure", [m.code for m in measures]),
    ]
    for what, codes in groups:
        seen: set[str] = set()
        for c in codes:
            if c and c in seen:
                r.problem(f"ruleset: {what} code '{c}' is used more than once")
            seen.add(c)


# ------------------------------------------------------------------------------------------ serialising


def local_ruleset_refusal(*, local: RuleSet, higher: Sequence[RuleSet]) -> str | None:
    """Why ``local`` may not be added below ``higher`` (active rule sets of its ancestors), or None if it may.

    001 art.16: rules come from the province and each level may add local rules — unless a higher rule set
    covering the same subject classes says local rule sets are not allowed.
    """
    for rs in higher:
        if rs.allow_local_rulesets or rs.jurisdiction == local.jurisdiction:
            continue
        shared = [c.value for c in local.subject_classes if c in rs.subject_classes]
        if shared:
            return (f"Rule set {rs.code} v{rs.version} of {rs.jurisdiction} does not allow local rule sets for "
                    f"{', '.join(shared)}.")
    return None


def ruleset_to_dict(ruleset: RuleSet) -> dict[str, Any]:
    """The JSON form of ``ruleset``; ``parse_ruleset(ruleset_to_dict(rs)) == rs``."""
    out: dict[str, Any] = {
        "code": ruleset.code,
        "version": ruleset.version,
        "name": ruleset.name,
        "description": ruleset.description,
        "jurisdiction": ruleset.jurisdiction,
        "subject_classes": [c.value for c in ruleset.subject_classes],
        "service_scopes": (
            None if ruleset.service_scopes is None else [s.value for s in ruleset.service_scopes]
        ),
        "effective_from": ruleset.effective_from.isoformat(),
        "effective_to": None if ruleset.effective_to is None else ruleset.effective_to.isoformat(),
        "cycle": {
            "period": ruleset.cycle.period,
            "evaluate_offset_years": ruleset.cycle.evaluate_offset_years,
            "apply_offset_years": ruleset.cycle.apply_offset_years,
            "note": ruleset.cycle.note,
        },
        "score_source": ruleset.score_source.value,
        "base_score": str(ruleset.base_score),
        "score_range": {"lower": _s(ruleset.score_range.lower), "upper": _s(ruleset.score_range.upper)},
        "allow_local_rulesets": ruleset.allow_local_rulesets,
        "repaired_records_count": ruleset.repaired_records_count,
        "show_disputed": ruleset.show_disputed,
        "floor": _s(ruleset.floor),
        "ceiling": _s(ruleset.ceiling),
        "bands": [
            {"grade": b.grade.value, "lower": _s(b.lower), "upper": _s(b.upper),
             "lower_inclusive": b.lower_inclusive, "upper_inclusive": b.upper_inclusive}
            for b in ruleset.bands
        ],
        "deductions": [_item_to_dict(i) for i in ruleset.deductions],
        "bonuses": [_item_to_dict(i) for i in ruleset.bonuses],
        "exclusions": [_exclusion_to_dict(e) for e in ruleset.exclusions],
        "measures": [_measure_to_dict(m) for m in ruleset.measures],
    }
    if ruleset.score_source is ScoreSource.WEIGHTED:
        out["total_weight"] = _s(ruleset.total_weight)
        out["indicators"] = [
            {"code": i.code, "name": i.name, "clause": i.clause, "weight": str(i.weight), "base": str(i.base),
             "deductions": [_item_to_dict(x) for x in i.deductions],
             "bonuses": [_item_to_dict(x) for x in i.bonuses]}
            for i in ruleset.indicators
        ]
    return out


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _item_to_dict(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": item.code,
        "name": item.name,
        "clause": item.clause,
        "kinds": [k.value for k in item.kinds],
        "mode": item.mode.value,
    }
    if item.points_each is not None:
        out["points_each"] = str(item.points_each)
    if item.tiers:
        out["tiers"] = [
            {"lower": str(t.lower), "upper": _s(t.upper), "lower_inclusive": t.lower_inclusive,
             "upper_inclusive": t.upper_inclusive, "points": str(t.points), "label": t.label}
            for t in item.tiers
        ]
    if item.cap is not None:
        out["cap"] = str(item.cap)
    return out


def _exclusion_to_dict(e: Exclusion) -> dict[str, Any]:
    out: dict[str, Any] = {"code": e.code, "clause": e.clause, "description": e.description}
    if e.agreement_end_reason is not None:
        out["agreement_end_reason"] = e.agreement_end_reason.value
    if e.min_business_months is not None:
        out["min_business_months"] = e.min_business_months
    return out


def _measure_to_dict(m: Measure) -> dict[str, Any]:
    return {
        "code": m.code,
        "grades": [g.value for g in m.grades],
        "subject_classes": None if m.subject_classes is None else [c.value for c in m.subject_classes],
        "service_scopes": None if m.service_scopes is None else [s.value for s in m.service_scopes],
        "clause": m.clause,
        "description": m.description,
        "discretionary": m.discretionary,
        "condition": m.condition,
        "params": measure_params_to_dict(m.params),
    }
