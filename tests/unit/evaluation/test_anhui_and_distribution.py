"""安徽 (001 art.27-29) measures, and the grade distribution helper for what-if runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.rules.catalog import Grade, RecordKind, SubjectClass
from domain.rules.evaluation import evaluate, grade_distribution, measures_for, shipped_ruleset
from domain.rules.evaluation.ruleset import AgreementEndReason

from .support import rec, run, subject

AH = shipped_ruleset("ah-institutions")
OUTPATIENT = shipped_ruleset("cq-wushan-outpatient-pharmacy")
AS_OF = date(2024, 3, 1)
K = RecordKind


def test_anhui_a_grade_is_praised_and_sampled_at_5_percent() -> None:
    ev = run(AH, subject(SubjectClass.RETAIL_PHARMACY), AS_OF)
    applied = {m.measure_code: m for m in measures_for(ruleset=AH, evaluation=ev)}
    assert applied["AH-27-A-sampling"].params.inspection_sampling_ratio == Decimal("0.05")
    assert applied["AH-28-1-A-praise"].params.public_praise
    assert applied["AH-28-2-A-fewer-inspections"].params.fewer_inspections


def test_anhui_risk_warning_to_purchasers_is_only_for_pharmaceutical_companies() -> None:
    frauds = [rec(K.FRAUD) for _ in range(3)]
    company = run(AH, subject(SubjectClass.PHARMA_COMPANY, *frauds), AS_OF)
    pharmacy = run(AH, subject(SubjectClass.RETAIL_PHARMACY, *frauds), AS_OF)
    assert company.grade is pharmacy.grade is Grade.D
    company_codes = {m.measure_code for m in measures_for(ruleset=AH, evaluation=company)}
    pharmacy_codes = {m.measure_code for m in measures_for(ruleset=AH, evaluation=pharmacy)}
    assert company_codes - pharmacy_codes == {"AH-29-4-D-purchaser-warning"}
    assert {"AH-29-1-C-interview", "AH-29-2-D-publish", "AH-29-3-D-key-monitoring"} <= pharmacy_codes


def test_grade_distribution_counts_each_grade_and_the_excluded() -> None:
    facts = [
        subject(SubjectClass.RETAIL_PHARMACY, sid="a"),
        subject(SubjectClass.RETAIL_PHARMACY, sid="b"),
        subject(SubjectClass.RETAIL_PHARMACY, rec(K.FRAUD), sid="c"),
        subject(SubjectClass.RETAIL_PHARMACY, sid="d", ended=AgreementEndReason.NOT_RENEWED),
        subject(SubjectClass.RETAIL_PHARMACY, sid="e", months=3),
    ]
    evaluations = [evaluate(ruleset=OUTPATIENT, facts=f, as_of=AS_OF) for f in facts]
    assert grade_distribution(evaluations) == {Grade.A: 2, Grade.B: 1, None: 2}
