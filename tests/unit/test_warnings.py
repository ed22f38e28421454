"""监测预警 early warnings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import InvalidInput
from domain.rules.catalog import Grade, RecordKind
from domain.rules.warnings import CreditWarning, Warning, WarningKind, warnings_for


def _warnings(
    *,
    previous_score: Decimal | None = Decimal(92),
    new_score: Decimal = Decimal(91),
    previous_grade: Grade | None = Grade.A,
    new_grade: Grade | None = Grade.A,
    drop_threshold: Decimal = Decimal(10),
    recent: list[RecordKind] | None = None,
    repeat_threshold: int = 2,
) -> list[CreditWarning]:
    return warnings_for(
        previous_score=previous_score,
        new_score=new_score,
        previous_grade=previous_grade,
        new_grade=new_grade,
        drop_threshold=drop_threshold,
        recent_violation_kinds=recent or [],
        repeat_threshold=repeat_threshold,
    )


def test_a_small_change_raises_no_warning() -> None:
    assert _warnings() == []


def test_a_worse_grade_crosses_a_band() -> None:
    result = _warnings(previous_grade=Grade.B, new_grade=Grade.C)
    assert [w.kind for w in result] == [WarningKind.BAND_CROSSED]
    assert result[0].message == "信用等级由B级降为C级。"


def test_a_better_grade_raises_no_warning() -> None:
    assert _warnings(previous_grade=Grade.C, new_grade=Grade.B) == []


def test_falling_into_e_in_a_five_level_scheme_crosses_a_band() -> None:
    assert [w.kind for w in _warnings(previous_grade=Grade.D, new_grade=Grade.E)] == [
        WarningKind.BAND_CROSSED
    ]


@pytest.mark.parametrize(("previous", "new"), [(None, Grade.D), (Grade.A, None)])
def test_no_band_is_crossed_without_two_grades(previous: Grade | None, new: Grade | None) -> None:
    assert _warnings(previous_grade=previous, new_grade=new) == []


def test_a_drop_of_exactly_the_threshold_is_sharp() -> None:
    result = _warnings(previous_score=Decimal(90), new_score=Decimal(80))
    assert [w.kind for w in result] == [WarningKind.SHARP_DROP]
    assert "下降 10 分，由 90 分降至 80 分" in result[0].message


def test_a_drop_just_below_the_threshold_is_not_sharp() -> None:
    assert _warnings(previous_score=Decimal("90"), new_score=Decimal("80.01")) == []


def test_a_first_evaluation_cannot_drop() -> None:
    assert _warnings(previous_score=None, new_score=Decimal(10)) == []


def test_a_rising_score_is_not_a_drop() -> None:
    assert _warnings(previous_score=Decimal(60), new_score=Decimal(95)) == []


@pytest.mark.parametrize("threshold", [Decimal(0), Decimal(-5), Decimal("NaN")])
def test_a_threshold_that_is_not_positive_is_refused(threshold: Decimal) -> None:
    with pytest.raises(InvalidInput):
        _warnings(drop_threshold=threshold)


def test_the_same_violation_twice_is_repeated() -> None:
    result = _warnings(recent=[RecordKind.INTERVIEW, RecordKind.FRAUD, RecordKind.INTERVIEW])
    assert result == [
        CreditWarning(
            kind=WarningKind.REPEATED_VIOLATION,
            message="监测期内有 2 条约谈记录。",
            record_kind=RecordKind.INTERVIEW,
            count=2,
        )
    ]


def test_different_violations_once_each_are_not_repeated() -> None:
    assert _warnings(recent=[RecordKind.INTERVIEW, RecordKind.FRAUD, RecordKind.LATE_REPAYMENT]) == []


def test_repeat_threshold_is_respected() -> None:
    recent = [RecordKind.AUDIT_REDUCTION] * 2
    assert _warnings(recent=recent, repeat_threshold=3) == []
    assert len(_warnings(recent=[*recent, RecordKind.AUDIT_REDUCTION], repeat_threshold=3)) == 1


def test_each_repeated_kind_gets_its_own_warning_in_catalog_order() -> None:
    recent = [RecordKind.FRAUD, RecordKind.INTERVIEW, RecordKind.FRAUD, RecordKind.INTERVIEW]
    result = _warnings(recent=recent)
    assert [w.record_kind for w in result] == [RecordKind.INTERVIEW, RecordKind.FRAUD]


def test_a_repeat_threshold_below_two_is_refused() -> None:
    with pytest.raises(InvalidInput):
        _warnings(repeat_threshold=1)


def test_trust_kinds_are_not_violations() -> None:
    with pytest.raises(InvalidInput) as caught:
        _warnings(recent=[RecordKind.COMMENDATION])
    assert caught.value.details["kinds"] == ["commendation"]


def test_all_warnings_come_together_in_a_fixed_order() -> None:
    result = _warnings(
        previous_score=Decimal(90),
        new_score=Decimal(55),
        previous_grade=Grade.A,
        new_grade=Grade.D,
        recent=[RecordKind.FRAUD, RecordKind.FRAUD],
    )
    assert [w.kind for w in result] == [
        WarningKind.BAND_CROSSED,
        WarningKind.SHARP_DROP,
        WarningKind.REPEATED_VIOLATION,
    ]
    assert all(w.message for w in result)


def test_warning_is_the_same_type_as_credit_warning() -> None:
    assert Warning is CreditWarning
