"""广东 (003 §四(四)): one province-wide dynamic-points scheme with five grades."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.rules.catalog import Grade, RecordKind, SubjectClass
from domain.rules.evaluation import Evaluation, RecordFact, shipped_ruleset

from .support import rec, run, subject

GD = shipped_ruleset("gd-institutions-dynamic-points")
K = RecordKind


def pharmacy(*records: RecordFact, as_of: date = date(2024, 9, 30)) -> Evaluation:
    return run(GD, subject(SubjectClass.RETAIL_PHARMACY, *records), as_of)


def test_guangdong_has_five_grades_across_the_province() -> None:
    assert GD.jurisdiction == "440000"
    assert [b.grade for b in GD.bands] == [Grade.A, Grade.B, Grade.C, Grade.D, Grade.E]


def test_a_clean_pharmacy_starts_at_100_points_and_grade_a() -> None:
    ev = pharmacy()
    assert (ev.score, ev.grade) == (Decimal(100), Grade.A)


@pytest.mark.parametrize(
    ("frauds", "interviews", "grade"),
    [(0, 2, Grade.B), (0, 5, Grade.C), (1, 0, Grade.D), (1, 1, Grade.E)],
)
def test_each_grade_is_reachable(frauds: int, interviews: int, grade: Grade) -> None:
    # 90 B, 75 C, 60 D, 55 E
    records = [*(rec(K.FRAUD, on=date(2024, 3, 1)) for _ in range(frauds)),
               *(rec(K.INTERVIEW, on=date(2024, 3, 1)) for _ in range(interviews))]
    assert pharmacy(*records).grade is grade


def test_trust_records_add_points_up_to_each_items_cap() -> None:
    ev = pharmacy(*(rec(K.COMMENDATION, on=date(2024, 2, 1)) for _ in range(3)))
    assert ev.score == 110  # +5 each, at most +10
    assert ev.lines[0].points == 10


def test_trust_points_can_offset_a_deduction() -> None:
    ev = pharmacy(rec(K.INTERVIEW, on=date(2024, 2, 1)), rec(K.COMMENDATION, on=date(2024, 4, 1)))
    assert (ev.score, ev.grade) == (Decimal(100), Grade.A)


def test_points_are_dynamic_within_the_year_and_records_after_the_day_do_not_count_yet() -> None:
    later = rec(K.FRAUD, on=date(2024, 10, 15), rid="later")
    ev = pharmacy(later, as_of=date(2024, 9, 30))
    assert ev.cycle_year == 2024 and ev.score == 100
    assert [u.reason for u in ev.unused_records] == ["after_as_of"]
    assert pharmacy(later, as_of=date(2024, 10, 15)).score == 60


def test_points_restart_each_calendar_year() -> None:
    ev = pharmacy(rec(K.FRAUD, on=date(2023, 12, 31)), as_of=date(2024, 1, 2))
    assert ev.score == 100


def test_score_stays_between_0_and_120() -> None:
    assert pharmacy(*(rec(K.FRAUD, on=date(2024, 1, 5)) for _ in range(4))).score == 0
    kinds = [K.COMMENDATION] * 3 + [K.VERIFIED_WHISTLEBLOWING] * 4 + [K.CREDIT_COMMITMENT, K.OTHER_TRUST] * 3
    top = pharmacy(*(rec(k, on=date(2024, 1, 5)) for k in kinds))
    assert top.score == 120  # 100 + 10 + 9 + 2 + 4 = 125, held at the ceiling
    assert top.lines[-1].item_code == "CEILING" and top.lines[-1].points == -5
