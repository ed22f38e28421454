"""巫山县 (002): the scoring table clause by clause, at every edge, and the measures of art.21-22."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.rules.catalog import Grade, RecordKind, ServiceScope, SubjectClass
from domain.rules.evaluation import Evaluation, RecordFact, RuleSet, evaluate, measures_for, shipped_ruleset
from domain.rules.evaluation.ruleset import AgreementEndReason

from .support import rec, run, subject

OUTPATIENT = shipped_ruleset("cq-wushan-outpatient-pharmacy")
HOSPITAL = shipped_ruleset("cq-wushan-hospital-assessment")
AS_OF = date(2024, 3, 1)  # cycle 2023 is evaluated in 2024 (art.15)
K = RecordKind


def clinic(*records: RecordFact, **kw: Any) -> Evaluation:
    facts = subject(SubjectClass.MEDICAL_INSTITUTION, *records, scope=ServiceScope.OUTPATIENT_ONLY, **kw)
    return run(OUTPATIENT, facts, AS_OF)


def pharmacy(*records: RecordFact) -> Evaluation:
    return run(OUTPATIENT, subject(SubjectClass.RETAIL_PHARMACY, *records), AS_OF)


def hospital(*records: RecordFact, **kw: Any) -> Evaluation:
    facts = subject(
        SubjectClass.MEDICAL_INSTITUTION, *records, scope=ServiceScope.INPATIENT_AND_OUTPATIENT, **kw
    )
    return run(HOSPITAL, facts, AS_OF)


def assessed(score: str) -> Evaluation:
    return hospital(rec(K.ANNUAL_ASSESSMENT, on=date(2023, 12, 31), score=score))


# ---- art.18(一): hospitals take their grade from the annual assessment score


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", Grade.A),
        ("90", Grade.A),  # 90分以上: includes 90
        ("89.99", Grade.B),
        ("65", Grade.B),  # 65分以上，不足90分
        ("64.99", Grade.C),
        ("60", Grade.C),  # 60分以上，不足65分
        ("59.99", Grade.D),  # 不足60分
        ("0", Grade.D),
    ],
)
def test_hospital_grade_follows_the_assessment_score_at_each_edge(score: str, grade: Grade) -> None:
    ev = assessed(score)
    assert ev.score == Decimal(score)
    assert ev.grade is grade


def test_hospital_assessment_score_is_the_single_report_line() -> None:
    ev = assessed("92.5")
    assert ev.base == 0
    assert [(ln.item_code, ln.points) for ln in ev.lines] == [("ASSESSMENT", Decimal("92.5"))]


def test_hospital_without_an_assessment_in_the_cycle_is_not_graded() -> None:
    ev = hospital(rec(K.ANNUAL_ASSESSMENT, on=date(2022, 12, 31), score="95"))
    assert ev.grade is None and ev.score is None
    assert ev.excluded_reason == "no_assessment"


def test_hospital_takes_the_latest_assessment_of_the_cycle_when_corrected() -> None:
    ev = hospital(
        rec(K.ANNUAL_ASSESSMENT, on=date(2023, 12, 1), score="91"),
        rec(K.ANNUAL_ASSESSMENT, on=date(2023, 12, 31), score="88"),
    )
    assert ev.grade is Grade.B


def test_hospital_assessment_above_100_is_refused_as_bad_data() -> None:
    with pytest.raises(InvalidInput):
        assessed("100.5")


def test_hospital_rule_set_does_not_evaluate_an_outpatient_clinic() -> None:
    facts = subject(SubjectClass.MEDICAL_INSTITUTION, scope=ServiceScope.OUTPATIENT_ONLY)
    with pytest.raises(InvalidInput, match="does not evaluate"):
        evaluate(ruleset=HOSPITAL, facts=facts, as_of=AS_OF)


def test_outpatient_rule_set_does_not_evaluate_a_hospital() -> None:
    facts = subject(SubjectClass.MEDICAL_INSTITUTION, scope=ServiceScope.INPATIENT_AND_OUTPATIENT)
    with pytest.raises(InvalidInput, match="does not evaluate"):
        evaluate(ruleset=OUTPATIENT, facts=facts, as_of=AS_OF)


# ---- annex 一(一): recovered funds plus audit reductions, summed over the cycle


@pytest.mark.parametrize(
    ("amount", "lost"),
    [
        ("0.01", 2),
        ("9999.99", 2),  # 不足1万元
        ("10000", 5),  # 1万元以上 includes 10,000
        ("49999.99", 5),
        ("50000", 10),  # 5万元以上
        ("99999.99", 10),
        ("100000", 20),  # 10万元以上
        ("2500000", 20),
    ],
)
def test_outpatient_clinic_loses_points_by_the_amount_tier(amount: str, lost: int) -> None:
    ev = clinic(rec(K.RECOVERED_FUNDS, amount=amount))
    assert ev.score == 100 - lost


def test_outpatient_clinic_with_60k_recovered_loses_10_points() -> None:
    ev = clinic(rec(K.RECOVERED_FUNDS, amount="60000", rid="rf-1"))
    assert ev.score == 90 and ev.grade is Grade.A
    (line,) = ev.lines
    assert line.item_code == "WS-A1-recovered-and-reduced"
    assert line.clause == "巫山县 附件 一(一)"
    assert line.record_ids == ("rf-1",)
    assert line.points == -10
    assert line.explanation == "追回资金及审核扣减合计 60,000.00 元（5万元以上不足10万元）扣10分"


def test_recovered_funds_and_audit_reductions_are_summed_into_one_tier() -> None:
    ev = clinic(
        rec(K.RECOVERED_FUNDS, amount="30000", on=date(2023, 2, 1)),
        rec(K.AUDIT_REDUCTION, amount="25000", on=date(2023, 11, 1)),
    )
    assert ev.score == 90  # 55,000 → 5万元以上不足10万元, once, not −5 twice
    assert len(ev.lines) == 1


def test_several_small_recoveries_reaching_10k_fall_in_the_10k_tier() -> None:
    ev = clinic(*(rec(K.AUDIT_REDUCTION, amount="2500") for _ in range(4)))
    assert ev.score == 95


def test_a_cycle_without_recovered_funds_does_not_lose_the_under_10k_points() -> None:
    # reading taken: the under-10k tier needs some amount recovered or reduced; zero is no violation
    assert clinic().score == 100


def test_a_recovery_record_of_zero_yuan_loses_no_points() -> None:
    ev = clinic(rec(K.RECOVERED_FUNDS, amount="0"))
    assert ev.score == 100
    assert ev.lines[0].points == 0


def test_pharmacy_is_scored_on_the_same_table() -> None:
    ev = pharmacy(rec(K.AUDIT_REDUCTION, amount="10000"))
    assert ev.score == 95 and ev.grade is Grade.A


# ---- annex 一(二)-(五)


def test_zero_violations_score_100_and_grade_a() -> None:
    ev = clinic()
    assert (ev.score, ev.grade, ev.lines) == (Decimal(100), Grade.A, ())


def test_each_interview_costs_5_points() -> None:
    assert clinic(rec(K.INTERVIEW)).score == 95
    ev = clinic(*(rec(K.INTERVIEW) for _ in range(3)))
    assert ev.score == 85
    assert ev.lines[0].explanation == "被医疗保障部门约谈 3 次，每次扣5分，共扣15分"


def test_agreement_suspension_costs_10_points() -> None:
    assert clinic(rec(K.AGREEMENT_SUSPENDED)).score == 90


def test_a_second_suspension_in_the_cycle_costs_nothing_more() -> None:
    # annex 一(三) has no "每次" (unlike 一(二), (四), (五)): read as at most 10 points per cycle
    ev = clinic(rec(K.AGREEMENT_SUSPENDED), rec(K.AGREEMENT_SUSPENDED))
    assert ev.score == 90
    assert "本项最多扣10分" in ev.lines[0].explanation


def test_each_late_repayment_costs_5_points() -> None:
    assert clinic(rec(K.LATE_REPAYMENT), rec(K.LATE_REPAYMENT)).score == 90


def test_each_fraud_under_article_40_costs_20_points() -> None:
    assert clinic(rec(K.FRAUD)).grade is Grade.B  # 80
    ev = clinic(rec(K.FRAUD), rec(K.FRAUD))
    assert (ev.score, ev.grade) == (Decimal(60), Grade.C)
    ev = clinic(*(rec(K.FRAUD) for _ in range(3)))
    assert (ev.score, ev.grade) == (Decimal(40), Grade.D)


@pytest.mark.parametrize(
    ("interviews", "grade"),
    [(2, Grade.A), (3, Grade.B), (7, Grade.B), (8, Grade.C), (9, Grade.D)],
)
def test_outpatient_bands_are_the_hospital_bands(interviews: int, grade: Grade) -> None:
    # 90 A, 85 B, 65 B, 60 C, 55 D
    assert clinic(*(rec(K.INTERVIEW) for _ in range(interviews))).grade is grade


def test_items_add_up_across_clauses() -> None:
    ev = clinic(
        rec(K.RECOVERED_FUNDS, amount="12000"),
        rec(K.INTERVIEW),
        rec(K.AGREEMENT_SUSPENDED),
        rec(K.LATE_REPAYMENT),
    )
    assert ev.score == 100 - 5 - 5 - 10 - 5
    assert ev.grade is Grade.B


def test_score_does_not_go_below_zero_and_the_floor_has_its_own_line() -> None:
    ev = clinic(*(rec(K.FRAUD) for _ in range(6)))
    assert (ev.score, ev.grade) == (Decimal(0), Grade.D)
    assert ev.lines[-1].item_code == "FLOOR" and ev.lines[-1].points == 20


# ---- art.19: not evaluated


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (AgreementEndReason.BY_SUBJECT, "WS-X1-ended-by-subject"),
        (AgreementEndReason.FOR_VIOLATION, "WS-X2-ended-for-violation"),
        (AgreementEndReason.NOT_RENEWED, "WS-X3-not-renewed"),
    ],
)
def test_subject_whose_agreement_ended_is_not_evaluated(reason: AgreementEndReason, code: str) -> None:
    for ev in (clinic(rec(K.FRAUD), ended=reason), hospital(ended=reason)):
        assert (ev.score, ev.grade, ev.excluded_reason) == (None, None, code)


def test_subject_with_exactly_6_months_of_business_is_evaluated() -> None:
    assert clinic(months=6).grade is Grade.A


def test_subject_with_5_months_of_business_is_not_evaluated() -> None:
    ev = clinic(months=5)
    assert ev.grade is None and ev.excluded_reason == "WS-X4-short-business"
    assert ev.lines[0].clause == "巫山县 第十九条(四)"


def test_excluded_subject_gets_no_measures() -> None:
    ev = clinic(ended=AgreementEndReason.BY_SUBJECT)
    assert measures_for(ruleset=OUTPATIENT, evaluation=ev) == []


# ---- which records count


def test_negative_record_past_its_disclosure_period_is_not_used() -> None:
    ev = clinic(rec(K.FRAUD, on=date(2023, 2, 1), usable_until=date(2024, 2, 29), rid="old"))
    assert ev.score == 100
    assert [(u.record_id, u.reason) for u in ev.unused_records] == [("old", "past_disclosure_period")]


def test_negative_record_whose_period_ends_on_the_evaluation_day_is_used() -> None:
    assert clinic(rec(K.FRAUD, usable_until=AS_OF)).score == 80


@pytest.mark.parametrize("on", [date(2022, 12, 31), date(2024, 1, 1)])
def test_record_outside_the_cycle_is_not_used(on: date) -> None:
    ev = clinic(rec(K.RECOVERED_FUNDS, amount="500000", on=on))
    assert ev.score == 100 and ev.unused_records == ()


@pytest.mark.parametrize("on", [date(2023, 1, 1), date(2023, 12, 31)])
def test_records_on_the_first_and_last_day_of_the_cycle_are_used(on: date) -> None:
    assert clinic(rec(K.INTERVIEW, on=on)).score == 95


def test_evaluation_in_2024_covers_the_2023_cycle() -> None:
    ev = clinic()
    assert ev.cycle_year == 2023


def test_report_lines_add_up_to_the_score_for_random_archives() -> None:
    rng = random.Random(20230101)
    kinds = [K.RECOVERED_FUNDS, K.AUDIT_REDUCTION, K.INTERVIEW, K.AGREEMENT_SUSPENDED, K.LATE_REPAYMENT,
             K.FRAUD, K.COMMENDATION]
    for _ in range(400):
        records = [
            rec(
                rng.choice(kinds),
                on=date(rng.choice([2022, 2023, 2023, 2023]), rng.randint(1, 12), rng.randint(1, 28)),
                amount=str(Decimal(rng.randint(0, 15_000_000)) / 100),
                usable_until=rng.choice([None, date(2024, 1, 1), date(2025, 1, 1)]),
            )
            for _ in range(rng.randint(0, 8))
        ]
        ev = clinic(*records)  # run() asserts base + sum(lines) == score
        assert ev.score is not None and 0 <= ev.score <= 100
        assert ev.grade is next(b.grade for b in OUTPATIENT.bands if b.contains(ev.score))


# ---- art.21 / art.22: measures, applied in the year after the cycle


def codes(ev: Evaluation, ruleset: RuleSet) -> set[str]:
    applied = measures_for(ruleset=ruleset, evaluation=ev)
    assert {m.applies_in_year for m in applied} <= {2024}
    return {m.measure_code for m in applied}


def test_hospital_graded_a_gets_lower_sampling_more_budget_and_prepayment_in_2024() -> None:
    ev = assessed("95")
    applied = {m.measure_code: m for m in measures_for(ruleset=HOSPITAL, evaluation=ev)}
    assert set(applied) == {"WS-21-1-A-sampling", "WS-21-1-A-budget", "WS-21-1-A-settlement-target",
                            "WS-21-1-A-prepayment"}
    assert all(m.applies_in_year == 2024 for m in applied.values())
    assert applied["WS-21-1-A-sampling"].params.sampling_ratio_delta_points == -5
    budget = applied["WS-21-1-A-budget"].params.budget_pct
    assert budget is not None and (budget.min, budget.max) == (1, 5)
    assert applied["WS-21-1-A-budget"].condition is not None
    prepay = applied["WS-21-1-A-prepayment"].params.prepayment_pct
    assert prepay is not None and (prepay.min, prepay.max) == (1, 10)


def test_hospital_graded_b_carries_on_as_planned() -> None:
    applied = measures_for(ruleset=HOSPITAL, evaluation=assessed("80"))
    assert len(applied) == 4
    assert all(not m.discretionary and m.params.sampling_ratio_delta_points is None for m in applied)


def test_hospital_graded_c_gets_more_sampling_interview_and_may_be_suspended_3_to_6_months() -> None:
    applied = {m.measure_code: m for m in measures_for(ruleset=HOSPITAL, evaluation=assessed("62"))}
    assert applied["WS-21-3-C-sampling"].params.sampling_ratio_delta_points == 5
    assert applied["WS-21-3-C-sampling"].params.more_special_inspections
    assert applied["WS-21-3-C-interview"].params.interview
    assert applied["WS-21-3-C-interview"].params.rectification_deadline
    suspension = applied["WS-21-3-C-suspension"]
    assert suspension.discretionary
    assert suspension.params.settlement_suspension_months is not None
    assert (suspension.params.settlement_suspension_months.min,
            suspension.params.settlement_suspension_months.max) == (3, 6)
    budget = applied["WS-21-3-C-budget"].params.budget_pct
    assert budget is not None and (budget.min, budget.max) == (-5, -1)
    assert applied["WS-21-5-below-B-blocked"].params.chronic_disease_qualification_blocked


def test_hospital_graded_d_has_its_agreement_terminated_in_2024() -> None:
    applied = measures_for(ruleset=HOSPITAL, evaluation=assessed("59.99"))
    assert {m.measure_code for m in applied} == {"WS-21-4-D-terminated", "WS-21-5-below-B-blocked"}
    assert all(m.applies_in_year == 2024 for m in applied)
    assert any(m.params.agreement_terminated for m in applied)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ((), {"WS-22-1-A-one-audit"}),
        ((K.FRAUD,), {"WS-22-2-B-two-audits"}),
        ((K.FRAUD, K.FRAUD), {"WS-22-3-C-three-audits", "WS-22-3-C-suspension", "WS-22-5-below-B-blocked"}),
        ((K.FRAUD, K.FRAUD, K.FRAUD), {"WS-22-4-D-terminated", "WS-22-5-below-B-blocked"}),
    ],
)
def test_outpatient_measures_follow_article_22(records: tuple[RecordKind, ...], expected: set[str]) -> None:
    ev = clinic(*(rec(k) for k in records))
    assert codes(ev, OUTPATIENT) == expected


def test_outpatient_graded_a_is_audited_exactly_once_and_c_at_least_three_times() -> None:
    (a,) = measures_for(ruleset=OUTPATIENT, evaluation=clinic())
    assert (a.params.audits_per_year_min, a.params.audits_per_year_max) == (1, 1)
    graded_c = pharmacy(rec(K.FRAUD), rec(K.FRAUD))
    c = {m.measure_code: m for m in measures_for(ruleset=OUTPATIENT, evaluation=graded_c)}
    assert c["WS-22-3-C-three-audits"].params.audits_per_year_min == 3
    assert c["WS-22-3-C-three-audits"].params.audits_per_year_max is None
    blocked = c["WS-22-5-below-B-blocked"].params
    assert blocked.negotiated_drug_designation_blocked and blocked.chronic_disease_qualification_blocked


def test_measures_refuse_an_evaluation_made_under_another_rule_set() -> None:
    with pytest.raises(InvalidInput):
        measures_for(ruleset=HOSPITAL, evaluation=clinic())
