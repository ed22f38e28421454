"""The applied measures of a whole cycle in SQL, picked as ``measures.measures_for`` picks them for one subject."""

from __future__ import annotations

import json

from domain.rules.evaluation.measures import measure_params_to_dict
from domain.rules.evaluation.ruleset import RuleSet
from domain.rules.evaluation.sql_literals import sql_text


def measures_sql(ruleset: RuleSet, *, table: str, cycle_year: int) -> str | None:
    """SELECT the applied measures (as ``measures.measures_for`` picks them) of the graded rows in ``table``;
    None when the rule set has no measures."""
    if not ruleset.measures:
        return None
    applies_in = cycle_year + ruleset.cycle.apply_offset_years
    rows = []
    for m in ruleset.measures:
        grades = "ARRAY[" + ", ".join(sql_text(str(g)) for g in m.grades) + "]"
        classes = "NULL::text[]" if m.subject_classes is None else (
            "ARRAY[" + ", ".join(sql_text(str(c)) for c in m.subject_classes) + "]::text[]")
        scopes = "NULL::text[]" if m.service_scopes is None else (
            "ARRAY[" + ", ".join(sql_text(str(s)) for s in m.service_scopes) + "]::text[]")
        params = sql_text(json.dumps(measure_params_to_dict(m.params), ensure_ascii=False)) + "::jsonb"
        rows.append(f"({sql_text(m.code)}, {grades}, {classes}, {scopes}, {sql_text(m.description)}, "
                    f"{sql_text(m.clause)}, {params}, {'true' if m.discretionary else 'false'}, "
                    f"{sql_text(m.condition)})")
    values = ",\n    ".join(rows)
    # service_scope = ANY(scopes) is NULL for a subject without a scope: measures_for leaves those out too
    return f"""SELECT c.result_id, m.code, c.subject_id, c.region_code, c.grade, m.description, m.clause, m.params,
       m.discretionary, m.condition, {applies_in} AS applies_in_year
FROM {table} c JOIN (VALUES
    {values}
) AS m(code, grades, classes, scopes, description, clause, params, discretionary, condition)
  ON c.grade = ANY(m.grades)
 AND (m.classes IS NULL OR c.subject_class = ANY(m.classes))
 AND (m.scopes IS NULL OR coalesce(c.service_scope = ANY(m.scopes), false))
WHERE c.grade IS NOT NULL"""
