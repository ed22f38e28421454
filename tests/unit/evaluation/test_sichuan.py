"""四川 (000 §四(二)): weighted indicators for each of the seven subject classes."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from domain.rules.catalog import Grade, RecordKind, SubjectClass
from domain.rules.evaluation import ScoreSource, shipped_rulesets

from .support import rec, run, subject

SICHUAN = {rs.subject_classes[0]: rs for rs in shipped_rulesets() if rs.jurisdiction == "510000"}
AS_OF = date(2024, 3, 1)
K = RecordKind
SEVEN = {SubjectClass.MEDICAL_INSTITUTION, SubjectClass.RETAIL_PHARMACY, SubjectClass.DOCTOR,
         SubjectClass.NURSE, SubjectClass.PHARMACIST, SubjectClass.MEDICAL_TECHNICIAN,
         SubjectClass.INSURED_PERSON}


def test_each_of_the_seven_classes_has_its_own_weighted_rule_set() -> None:
    assert set(SICHUAN) == SEVEN
    for rs in SICHUAN.values():
        assert rs.score_source is ScoreSource.WEIGHTED
        assert sum(i.weight for i in rs.indicators) == rs.total_weight == 100


def test_a_clean_hospital_scores_the_weighted_bases() -> None:
    ev = run(SICHUAN[SubjectClass.MEDICAL_INSTITUTION], subject(SubjectClass.MEDICAL_INSTITUTION), AS_OF)
    # agreement 100×40% + law 100×40% + rules-and-trust 90×20%
    assert (ev.base, ev.score, ev.grade) == (Decimal(98), Decimal(98), Grade.A)


def test_a_fraud_costs_a_hospital_its_weighted_share_of_60_points() -> None:
    ev = run(SICHUAN[SubjectClass.MEDICAL_INSTITUTION],
             subject(SubjectClass.MEDICAL_INSTITUTION, rec(K.FRAUD)), AS_OF)
    (line,) = ev.lines
    assert line.points == Decimal("-24.00") and line.indicator_code == "SC-MI-LAW"
    assert (ev.score, ev.grade) == (Decimal(74), Grade.C)


def test_a_commitment_raises_the_trust_indicator() -> None:
    ev = run(SICHUAN[SubjectClass.DOCTOR], subject(SubjectClass.DOCTOR, rec(K.CREDIT_COMMITMENT)), AS_OF)
    assert ev.score == 98 + 1  # +5 inside an indicator weighted 20%


def test_an_indicator_does_not_go_below_zero() -> None:
    ev = run(SICHUAN[SubjectClass.INSURED_PERSON],
             subject(SubjectClass.INSURED_PERSON, *(rec(K.FRAUD) for _ in range(3))), AS_OF)
    clamp = [ln for ln in ev.lines if ln.item_code.endswith(".CLAMP")]
    assert len(clamp) == 1
    assert ev.score == 100 * Decimal("0.4") + 0 + 90 * Decimal("0.2")
    assert ev.grade is Grade.D


@pytest.mark.parametrize("cls", sorted(SEVEN))
def test_weighted_report_lines_add_up_for_random_archives(cls: SubjectClass) -> None:
    rng = random.Random(str(cls))
    rs = SICHUAN[cls]
    for _ in range(150):
        records = [rec(rng.choice(list(RecordKind)), amount=str(rng.randint(0, 20_000_000) / 100),
                       points=str(rng.randint(0, 12)), score="80")
                   for _ in range(rng.randint(0, 10))]
        ev = run(rs, subject(cls, *records), AS_OF)
        assert ev.score is not None and 0 <= ev.score <= 100
