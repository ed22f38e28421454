"""The JSON form of a rule set: ``ruleset_to_dict`` writes what ``parse_ruleset`` reads.

Decimals are written as strings so that money and scores never pass through float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.rules.evaluation.measures import Measure, measure_params_to_dict
from domain.rules.evaluation.ruleset import Exclusion, Item, RuleSet, ScoreSource


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
