"""信用评价规则集: the data model of a versioned rule set, and which rule sets apply where.

A rule set is stored as jsonb per jurisdiction and subject classes with effective dates. Every item maps
to one SQL aggregate over a subject's records of some kinds within the cycle: ``per_occurrence`` is a
count, ``amount_tiers`` a sum of amounts looked up in a tier table, ``record_points`` a sum of points.
Its JSON form is read by ``ruleset_parser`` and written by ``ruleset_serialiser``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.rules.catalog import Grade, RecordKind, ServiceScope, SubjectClass
from domain.rules.evaluation.measures import Measure


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
