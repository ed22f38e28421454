"""The national 12-point scheme for medical staff, as adopted in Anhui (340000)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.rules.catalog import Grade, RecordKind, SubjectClass
from domain.rules.evaluation import Evaluation, RecordFact, measures_for, shipped_ruleset

from .support import rec, run, subject

STAFF = shipped_ruleset("ah-staff-12-points")
K = RecordKind


def doctor(*records: RecordFact, as_of: date = date(2025, 12, 31)) -> Evaluation:
    return run(STAFF, subject(SubjectClass.DOCTOR, *records), as_of)


def points(*values: str) -> list[RecordFact]:
    return [rec(K.STAFF_POINTS, on=date(2025, 3 + i, 1), points=v) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("given", "grade"),
    [((), Grade.A), (("1",), Grade.B), (("3", "5"), Grade.B), (("6", "2.5"), Grade.B),
     (("6", "3"), Grade.C), (("9", "2"), Grade.C), (("6", "6"), Grade.D), (("12",), Grade.D),
     (("9", "9"), Grade.D)],
)
def test_accumulated_points_map_to_a_grade(given: tuple[str, ...], grade: Grade) -> None:
    ev = doctor(*points(*given))
    assert ev.score == sum((Decimal(v) for v in given), Decimal(0))
    assert ev.grade is grade


def test_nine_points_suspend_the_staff_members_qualification_for_1_to_6_months_this_year() -> None:
    (m,) = measures_for(ruleset=STAFF, evaluation=doctor(*points("9")))
    assert m.applies_in_year == 2025
    months = m.params.staff_service_suspension_months
    assert months is not None and (months.min, months.max) == (1, 6)


def test_twelve_points_terminate_the_qualification() -> None:
    (m,) = measures_for(ruleset=STAFF, evaluation=doctor(*points("12")))
    assert m.params.staff_service_terminated


def test_points_reset_with_the_calendar_year() -> None:
    ev = doctor(*points("9", "3"), as_of=date(2026, 1, 1))
    assert ev.cycle_year == 2026 and ev.score == 0 and ev.grade is Grade.A


def test_points_accumulate_in_real_time_within_the_year() -> None:
    records = points("6", "6")  # 1 March and 1 April
    assert doctor(*records, as_of=date(2025, 3, 15)).grade is Grade.B
    assert doctor(*records, as_of=date(2025, 4, 1)).grade is Grade.D


@pytest.mark.parametrize(
    "cls", [SubjectClass.NURSE, SubjectClass.PHARMACIST, SubjectClass.MEDICAL_TECHNICIAN]
)
def test_the_scheme_covers_nurses_pharmacists_and_technicians(cls: SubjectClass) -> None:
    ev = run(STAFF, subject(cls, *points("9")), date(2025, 12, 31))
    assert ev.grade is Grade.C
