"""双随机、一公开 inspection plans (001 art.27)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import InvalidInput
from domain.rules.catalog import Grade
from domain.rules.inspection import GradeDraw, InspectionPlan, default_ratios_by_grade, draw_plan

SUBJECTS: list[tuple[str, Grade | None]] = (
    [(f"A{i:02}", Grade.A) for i in range(40)]
    + [(f"B{i:02}", Grade.B) for i in range(30)]
    + [(f"C{i:02}", Grade.C) for i in range(10)]
    + [(f"D{i:02}", Grade.D) for i in range(3)]
    + [(f"N{i:02}", None) for i in range(5)]
)
INSPECTORS = [f"inspector-{i}" for i in range(8)]


def _plan(
    *,
    subjects: list[tuple[str, Grade | None]] = SUBJECTS,
    ratios: dict[Grade | None, Decimal] | None = None,
    inspectors: list[str] = INSPECTORS,
    team_size: int = 2,
    seed: int = 20240315,
) -> InspectionPlan:
    return draw_plan(
        subjects=subjects,
        ratios=default_ratios_by_grade() if ratios is None else ratios,
        inspectors=inspectors,
        team_size=team_size,
        seed=seed,
    )


def test_each_grade_draws_the_ceiling_of_ratio_times_population() -> None:
    plan = _plan()
    assert [(d.grade, d.population, d.drawn) for d in plan.draws] == [
        (Grade.A, 40, 2),  # 5 % of 40
        (Grade.B, 30, 3),  # 10 % of 30
        (Grade.C, 10, 3),  # 30 % of 10
        (Grade.D, 3, 3),  # 100 %
        (None, 5, 1),  # 10 % of 5 = 0.5, rounded up
    ]
    assert len(plan.assignments) == 12


def test_drawn_subjects_come_from_their_own_grade() -> None:
    plan = _plan()
    grades = dict(SUBJECTS)
    for assignment in plan.assignments:
        assert grades[assignment.subject_id] == assignment.grade


def test_ungraded_subjects_use_their_own_ratio() -> None:
    ratios: dict[Grade | None, Decimal] = {g: Decimal(0) for g in Grade}
    ratios[None] = Decimal(1)
    plan = _plan(ratios=ratios)
    assert sorted(a.subject_id for a in plan.assignments) == [f"N{i:02}" for i in range(5)]


def test_ratio_zero_draws_nobody_and_ratio_one_draws_everybody() -> None:
    subjects: list[tuple[str, Grade | None]] = [("x1", Grade.A), ("x2", Grade.A), ("y1", Grade.D)]
    plan = _plan(subjects=subjects, ratios={Grade.A: Decimal(0), Grade.D: Decimal(1)})
    assert [a.subject_id for a in plan.assignments] == ["y1"]
    assert plan.draws == (
        GradeDraw(grade=Grade.A, population=2, ratio=Decimal(0), drawn=0),
        GradeDraw(grade=Grade.D, population=1, ratio=Decimal(1), drawn=1),
    )


def test_a_tiny_positive_ratio_still_draws_one_subject() -> None:
    plan = _plan(subjects=[("x1", Grade.A), ("x2", Grade.A)], ratios={Grade.A: Decimal("0.0001")})
    assert len(plan.assignments) == 1


def test_each_team_has_distinct_inspectors_of_the_requested_size() -> None:
    plan = _plan(team_size=3)
    for assignment in plan.assignments:
        assert len(assignment.inspectors) == 3
        assert len(set(assignment.inspectors)) == 3
        assert set(assignment.inspectors) <= set(INSPECTORS)


def test_team_size_equal_to_the_number_of_inspectors_sends_everybody() -> None:
    plan = _plan(team_size=len(INSPECTORS))
    assert all(a.inspectors == tuple(sorted(INSPECTORS)) for a in plan.assignments)


def test_same_seed_gives_the_same_plan_whatever_the_input_order() -> None:
    first = _plan()
    shuffled = _plan(subjects=list(reversed(SUBJECTS)), inspectors=list(reversed(INSPECTORS)))
    ratios = default_ratios_by_grade()
    reordered = _plan(ratios=dict(reversed(list(ratios.items()))))
    assert first == shuffled == reordered


def test_a_different_seed_gives_a_different_plan() -> None:
    assert _plan(seed=1).assignments != _plan(seed=2).assignments


def test_the_plan_records_its_seed_for_publication() -> None:
    assert _plan(seed=42).seed == 42


def test_assignments_are_ordered_by_grade_then_subject() -> None:
    ids = [a.subject_id for a in _plan().assignments]
    assert ids[:2] == sorted(ids[:2])
    assert [a.grade for a in _plan().assignments] == sorted(
        (a.grade for a in _plan().assignments), key=lambda g: "Z" if g is None else str(g)
    )


@pytest.mark.parametrize("ratio", [Decimal("-0.01"), Decimal("1.01"), Decimal("NaN"), Decimal("Infinity")])
def test_ratios_outside_zero_to_one_are_refused(ratio: Decimal) -> None:
    with pytest.raises(InvalidInput) as caught:
        _plan(ratios={**default_ratios_by_grade(), Grade.B: ratio})
    assert caught.value.details["ratios"] == {"B": str(ratio)}


def test_a_grade_present_without_a_ratio_is_refused() -> None:
    ratios = default_ratios_by_grade()
    del ratios[None]
    with pytest.raises(InvalidInput) as caught:
        _plan(ratios=ratios)
    assert caught.value.details["missing_grades"] == ["ungraded"]


def test_team_larger_than_the_inspector_pool_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        _plan(team_size=len(INSPECTORS) + 1)
    assert caught.value.details == {"team_size": 9, "inspectors": 8}


def test_no_inspectors_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        _plan(inspectors=[], team_size=1)
    assert "At least one inspector" in caught.value.en


def test_team_of_zero_is_refused() -> None:
    with pytest.raises(InvalidInput):
        _plan(team_size=0)


def test_an_inspector_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidInput):
        _plan(inspectors=["a", "b", "a"], team_size=2)


def test_a_subject_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        _plan(subjects=[("x1", Grade.A), ("x1", Grade.B)])
    assert caught.value.details == {"subject_id": "x1"}


def test_no_subjects_gives_an_empty_plan() -> None:
    plan = _plan(subjects=[])
    assert plan.draws == ()
    assert plan.assignments == ()


def test_default_ratios_inspect_worse_grades_more_and_d_in_full() -> None:
    ratios = default_ratios_by_grade()
    assert ratios[Grade.A] == Decimal("0.05")
    assert ratios[Grade.B] == Decimal("0.10")
    assert ratios[Grade.C] == Decimal("0.30")
    assert ratios[Grade.D] == Decimal(1)


def test_default_ratios_are_a_fresh_copy_each_time() -> None:
    ratios = default_ratios_by_grade()
    ratios[Grade.A] = Decimal(1)
    assert default_ratios_by_grade()[Grade.A] == Decimal("0.05")
