"""Credit repair conditions by kind of dishonesty, as pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import Conflict, InvalidInput
from domain.rules.catalog import RecordKind
from domain.rules.repair import (
    RepairCondition,
    RepairConditionsUnmet,
    RepairNotAllowed,
    RepairState,
    RepairTooEarly,
    add_months,
    check_application,
    next_repair_state,
    reapply_date,
)

ALL = frozenset(RepairCondition)
MINOR = frozenset({RepairCondition.COMMITMENT_SIGNED, RepairCondition.PENALTY_FULFILLED})


def test_an_interview_may_be_repaired_three_months_after_its_display_began() -> None:
    with pytest.raises(RepairTooEarly) as early:
        check_application(kind=RecordKind.INTERVIEW, display_started=date(2026, 1, 31), today=date(2026, 4, 29),
                          materials=MINOR)
    assert early.value.details["eligibleFrom"] == "2026-04-30"  # 31 Jan + 3 months, clipped to April's end
    assert check_application(kind=RecordKind.INTERVIEW, display_started=date(2026, 1, 31), today=date(2026, 4, 30),
                             materials=MINOR) == date(2026, 4, 30)


def test_fraud_needs_twelve_months_and_every_condition() -> None:
    with pytest.raises(RepairTooEarly):
        check_application(kind=RecordKind.FRAUD, display_started=date(2025, 6, 1), today=date(2026, 5, 31),
                          materials=ALL)
    with pytest.raises(RepairConditionsUnmet) as unmet:
        check_application(kind=RecordKind.FRAUD, display_started=date(2025, 6, 1), today=date(2026, 6, 1),
                          materials=MINOR)
    assert set(unmet.value.details["missing"]) == {"training_completed", "credit_report_submitted"}


def test_a_case_referred_to_the_courts_is_never_repairable() -> None:
    with pytest.raises(RepairNotAllowed):
        check_application(kind=RecordKind.REFERRED_CASE, display_started=date(2020, 1, 1), today=date(2026, 1, 1),
                          materials=ALL)


def test_a_running_penalty_and_a_recent_refusal_both_postpone_repair() -> None:
    with pytest.raises(RepairTooEarly):
        check_application(kind=RecordKind.INTERVIEW, display_started=date(2025, 1, 1), today=date(2026, 1, 1),
                          materials=MINOR, penalty_until=date(2026, 1, 1))
    with pytest.raises(RepairTooEarly):
        check_application(kind=RecordKind.INTERVIEW, display_started=date(2025, 1, 1), today=date(2026, 1, 1),
                          materials=MINOR, reapply_from=date(2026, 2, 1))
    assert reapply_date(kind=RecordKind.FRAUD, refused_on=date(2026, 8, 31)) == date(2027, 2, 28)


def test_only_dishonesty_is_repaired() -> None:
    with pytest.raises(InvalidInput):
        check_application(kind=RecordKind.COMMENDATION, display_started=date(2025, 1, 1), today=date(2026, 1, 1),
                          materials=ALL)


def test_a_decided_application_cannot_be_decided_twice_and_only_an_approval_is_revoked() -> None:
    assert next_repair_state(state=RepairState.SUBMITTED, to=RepairState.APPROVED, reason=None) is RepairState.APPROVED
    with pytest.raises(Conflict):
        next_repair_state(state=RepairState.APPROVED, to=RepairState.REFUSED, reason="x")
    with pytest.raises(Conflict):
        next_repair_state(state=RepairState.REFUSED, to=RepairState.REVOKED, reason="x")
    with pytest.raises(InvalidInput):
        next_repair_state(state=RepairState.SUBMITTED, to=RepairState.REFUSED, reason="")
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
