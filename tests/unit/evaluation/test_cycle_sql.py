"""The cycle compiler turns every item into an aggregate and every band into a CASE, with safe literals."""

from __future__ import annotations

import copy
from datetime import date

from domain.rules.evaluation import parse_ruleset, ruleset_to_dict, shipped_ruleset, shipped_rulesets
from domain.rules.evaluation.cycle_sql import compile_cycle, cycle_args
from domain.rules.evaluation.measures_sql import measures_sql

WUSHAN = shipped_ruleset("cq-wushan-outpatient-pharmacy")


def test_the_cycle_is_bound_by_parameters_not_by_inlined_dates_or_regions() -> None:
    sql = compile_cycle(WUSHAN, region_prefix="500237", cycle_year=2023, as_of=date(2024, 3, 1))
    assert sql.args == ("500237%", date(2023, 1, 1), date(2023, 12, 31), date(2024, 3, 1))
    assert "500237" not in sql.select
    assert sql.args == cycle_args(region_prefix="500237", cycle_year=2023, as_of=date(2024, 3, 1))


def test_each_item_becomes_a_filtered_aggregate_and_the_amount_tiers_a_case() -> None:
    sql = compile_cycle(WUSHAN, region_prefix="500237", cycle_year=2023, as_of=date(2024, 3, 1)).select
    assert "sum(rec.amount) FILTER (WHERE rec.kind IN ('recovered_funds', 'audit_reduction'))" in sql
    assert "count(rec.record_id) FILTER (WHERE rec.kind IN ('fraud'))" in sql
    # 以上 includes the number, 不足 excludes it: [10000, 50000) is >= and <
    assert "a.i1_total >= 10000::numeric AND a.i1_total < 50000::numeric" in sql
    assert "a.score0 >= 90::numeric AND a.score0 <= 100::numeric" in sql


def test_every_report_line_has_a_slot_in_report_order() -> None:
    sql = compile_cycle(WUSHAN, region_prefix="5002", cycle_year=2023, as_of=date(2024, 3, 1))
    codes = [s.item_code for s in sql.slots]
    assert codes[: len(WUSHAN.exclusions)] == [e.code for e in WUSHAN.exclusions]
    assert codes[len(WUSHAN.exclusions):] == [i.code for i in WUSHAN.deductions] + ["FLOOR"]
    assert "CROSS JOIN LATERAL" in sql.lines_sql("t") and "row_number()" in sql.lines_sql("t")


def test_quotes_in_rule_set_text_cannot_break_out_of_their_literals() -> None:
    body = copy.deepcopy(ruleset_to_dict(WUSHAN))
    body["deductions"][0]["name"] = "x'); DROP TABLE subject; --"
    sql = compile_cycle(parse_ruleset(body), region_prefix="5002", cycle_year=2023, as_of=date(2024, 3, 1)).select
    assert "'x''); DROP TABLE subject; --'" in sql


def test_every_shipped_rule_set_compiles_and_measures_are_joined_by_grade() -> None:
    for rs in shipped_rulesets():
        sql = compile_cycle(rs, region_prefix="", cycle_year=2024, as_of=date(2025, 1, 1))
        assert sql.select.startswith("WITH a AS")
    m = measures_sql(WUSHAN, table="t", cycle_year=2023)
    assert m is not None and "c.grade = ANY(m.grades)" in m and "2024 AS applies_in_year" in m
