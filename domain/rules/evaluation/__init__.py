"""信用评价: rule sets as data, a pure evaluation engine, and the measures tied to grades."""

from __future__ import annotations

from domain.rules.evaluation.engine import (
    Evaluation,
    RecordFact,
    ReportLine,
    SubjectFacts,
    UnusedRecord,
    evaluate,
    grade_distribution,
)
from domain.rules.evaluation.measures import AppliedMeasure, Measure, MeasureParams, Range, measures_for
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
from domain.rules.evaluation.ruleset_parser import parse_ruleset
from domain.rules.evaluation.ruleset_serialiser import ruleset_to_dict
from domain.rules.evaluation.shipped import shipped_ruleset, shipped_rulesets

__all__ = [
    "AgreementEndReason",
    "AppliedMeasure",
    "Band",
    "Cycle",
    "Evaluation",
    "Exclusion",
    "Indicator",
    "Item",
    "ItemMode",
    "Measure",
    "MeasureParams",
    "Range",
    "RecordFact",
    "ReportLine",
    "RuleSet",
    "ScoreRange",
    "ScoreSource",
    "SubjectFacts",
    "Tier",
    "UnusedRecord",
    "evaluate",
    "grade_distribution",
    "measures_for",
    "parse_ruleset",
    "ruleset_to_dict",
    "shipped_ruleset",
    "shipped_rulesets",
]
