"""红黑名单 (004 §三(五))."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.rules.catalog import Grade, RecordKind
from domain.rules.lists import (
    SERIOUS_DISHONESTY_KINDS,
    ListKind,
    ListMembership,
    ListReason,
    list_membership,
)


def _membership(
    *,
    grade: Grade | None = Grade.B,
    serious: list[RecordKind] | None = None,
    unrepaired: bool = False,
    dishonesty_in_cycle: bool = False,
    trust_records: int = 0,
    black_list_grades: frozenset[Grade] | None = None,
) -> ListMembership | None:
    if black_list_grades is None:
        return list_membership(
            grade=grade,
            serious_dishonesty_kinds_present=serious or [],
            has_unrepaired_serious_dishonesty=unrepaired,
            has_dishonesty_in_cycle=dishonesty_in_cycle,
            trust_records_in_cycle=trust_records,
        )
    return list_membership(
        grade=grade,
        serious_dishonesty_kinds_present=serious or [],
        has_unrepaired_serious_dishonesty=unrepaired,
        has_dishonesty_in_cycle=dishonesty_in_cycle,
        trust_records_in_cycle=trust_records,
        black_list_grades=black_list_grades,
    )


def test_an_ordinary_subject_is_on_neither_list() -> None:
    assert _membership() is None


def test_unrepaired_fraud_puts_a_subject_on_the_black_list() -> None:
    result = _membership(serious=[RecordKind.FRAUD], unrepaired=True, dishonesty_in_cycle=True)
    assert result == ListMembership(
        list_kind=ListKind.BLACK,
        reasons=(ListReason.SERIOUS_DISHONESTY,),
        serious_dishonesty_kinds=(RecordKind.FRAUD,),
    )


def test_a_referred_criminal_case_puts_a_subject_on_the_black_list() -> None:
    result = _membership(serious=[RecordKind.REFERRED_CASE], unrepaired=True)
    assert result is not None
    assert result.list_kind is ListKind.BLACK


def test_serious_kinds_are_listed_once_each_in_catalog_order() -> None:
    serious = [RecordKind.REFERRED_CASE, RecordKind.FRAUD, RecordKind.FRAUD]
    result = _membership(serious=serious, unrepaired=True)
    assert result is not None
    assert result.serious_dishonesty_kinds == (RecordKind.FRAUD, RecordKind.REFERRED_CASE)


def test_repaired_serious_dishonesty_alone_does_not_keep_a_subject_on_the_black_list() -> None:
    assert _membership(serious=[RecordKind.FRAUD], unrepaired=False) is None


@pytest.mark.parametrize("grade", [Grade.D, Grade.E])
def test_the_worst_grade_puts_a_subject_on_the_black_list(grade: Grade) -> None:
    result = _membership(grade=grade)
    assert result == ListMembership(list_kind=ListKind.BLACK, reasons=(ListReason.POOR_GRADE,))


def test_grade_c_is_not_on_the_black_list() -> None:
    assert _membership(grade=Grade.C) is None


def test_black_list_grades_are_configurable() -> None:
    result = _membership(grade=Grade.D, black_list_grades=frozenset({Grade.E}))
    assert result is None


def test_grade_d_with_unrepaired_fraud_gives_both_reasons() -> None:
    result = _membership(grade=Grade.D, serious=[RecordKind.FRAUD], unrepaired=True)
    assert result is not None
    assert result.reasons == (ListReason.SERIOUS_DISHONESTY, ListReason.POOR_GRADE)


def test_grade_a_without_dishonesty_and_with_a_trust_record_is_on_the_red_list() -> None:
    result = _membership(grade=Grade.A, trust_records=1)
    assert result == ListMembership(
        list_kind=ListKind.RED,
        reasons=(ListReason.TOP_GRADE, ListReason.NO_DISHONESTY_IN_CYCLE, ListReason.TRUST_RECORD),
    )


def test_grade_a_without_a_trust_record_is_not_on_the_red_list() -> None:
    assert _membership(grade=Grade.A, trust_records=0) is None


def test_grade_a_with_dishonesty_in_the_cycle_is_not_on_the_red_list() -> None:
    assert _membership(grade=Grade.A, trust_records=3, dishonesty_in_cycle=True) is None


def test_grade_b_with_trust_records_is_not_on_the_red_list() -> None:
    assert _membership(grade=Grade.B, trust_records=3) is None


def test_an_ungraded_subject_is_not_on_the_red_list() -> None:
    assert _membership(grade=None, trust_records=3) is None


def test_an_ungraded_subject_with_unrepaired_fraud_is_on_the_black_list() -> None:
    result = _membership(grade=None, serious=[RecordKind.FRAUD], unrepaired=True)
    assert result is not None
    assert result.list_kind is ListKind.BLACK


def test_the_black_list_wins_over_the_red_list() -> None:
    result = _membership(grade=Grade.A, trust_records=2, serious=[RecordKind.FRAUD], unrepaired=True)
    assert result is not None
    assert result.list_kind is ListKind.BLACK


def test_a_kind_that_cannot_be_serious_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        _membership(serious=[RecordKind.INTERVIEW], unrepaired=True)
    assert caught.value.details["kinds"] == ["interview"]


def test_unrepaired_serious_dishonesty_without_its_kinds_is_refused() -> None:
    with pytest.raises(InvalidInput):
        _membership(serious=[], unrepaired=True)


def test_a_negative_number_of_trust_records_is_refused() -> None:
    with pytest.raises(InvalidInput):
        _membership(trust_records=-1)


def test_serious_kinds_are_fraud_referred_cases_penalties_and_suspension() -> None:
    assert {
        RecordKind.FRAUD,
        RecordKind.REFERRED_CASE,
        RecordKind.ADMINISTRATIVE_PENALTY,
        RecordKind.AGREEMENT_SUSPENDED,
    } == SERIOUS_DISHONESTY_KINDS
