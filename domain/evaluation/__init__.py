"""信用评价: rule sets in the database, evaluating subjects and whole cycles, results as of any instant.

One subject (real time) is evaluated by the pure engine over facts loaded from the archive; a region's
cycle is evaluated set-based by the SQL that ``domain.rules.evaluation.cycle_sql`` compiles from the rule set,
which gives the same scores, grades and report lines. Results are immutable: a re-evaluation of the same
subject and cycle supersedes the previous result, so ``result_as_of`` can return what stood at any instant.

The service is split by concept (``rulesets``, ``facts``, ``results``, ``cycle``, ``early_warnings``,
``inspection_plans``, ``credit_lists``); this package re-exports their public names, so callers keep
``from domain import evaluation``.
"""

from __future__ import annotations

# Declares the evaluation tables on the shared SQLModel metadata (alembic, the drift test).
from domain import evaluation_tables  # noqa: F401
from domain.evaluation.credit_lists import ListEntry, credit_lists
from domain.evaluation.cycle import CycleRun, WhatIf, grades_by_region, run_cycle, what_if
from domain.evaluation.early_warnings import StoredWarning, list_warnings
from domain.evaluation.facts import load_facts
from domain.evaluation.inspection_plans import (
    PublicPlan,
    PublicPlanSubject,
    StoredPlan,
    draw_inspection_plan,
    get_inspection_plan,
    list_inspection_plans,
    public_inspection_plans,
    publish_inspection_plan,
)
from domain.evaluation.results import (
    RESULT_COLUMNS,
    WARNING_DROP_POINTS,
    StoredLine,
    StoredMeasure,
    StoredResult,
    current_results,
    evaluate_subject,
    lines_of,
    measures_of,
    reevaluate_after_change,
    result_as_of,
    results_of,
)
from domain.evaluation.rulesets import (
    RULESET_COLUMNS,
    StoredRuleSet,
    activate_ruleset,
    draft_ruleset,
    get_ruleset,
    list_rulesets,
    measures_catalog,
    ruleset_for,
    validate_ruleset,
)

__all__ = [
    "RESULT_COLUMNS", "RULESET_COLUMNS", "WARNING_DROP_POINTS", "CycleRun", "ListEntry", "PublicPlan",
    "PublicPlanSubject", "StoredLine", "StoredMeasure", "StoredPlan", "StoredResult", "StoredRuleSet",
    "StoredWarning", "WhatIf", "activate_ruleset", "credit_lists", "current_results", "draft_ruleset",
    "draw_inspection_plan", "evaluate_subject", "get_inspection_plan", "get_ruleset", "grades_by_region", "lines_of",
    "list_inspection_plans", "list_rulesets", "list_warnings", "load_facts", "measures_catalog", "measures_of",
    "public_inspection_plans", "publish_inspection_plan", "reevaluate_after_change", "result_as_of", "results_of",
    "ruleset_for", "run_cycle", "validate_ruleset", "what_if",
]
