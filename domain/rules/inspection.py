"""双随机、一公开: a random inspection plan with sampling ratios by credit grade (001 art.27).

Random subjects, random inspectors, and a plan that can be published and re-derived: the same inputs and
seed always give the same plan, whatever order the inputs come in, so anyone with the published seed can
check it.
Reproducibility holds for one Python ``random`` implementation (``random.Random`` with an int seed and
``sample`` have been stable across CPython 3 releases, but a future change there would change plans).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from domain.errors import InvalidInput
from domain.rules.catalog import Grade

# Grades best to worst, then ungraded subjects (not yet evaluated, or excluded from evaluation).
_GRADE_ORDER: tuple[Grade | None, ...] = (*Grade, None)


@dataclass(frozen=True, slots=True)
class Assignment:
    """One drawn subject and the team of distinct inspectors sent to it."""

    subject_id: str
    grade: Grade | None
    inspectors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GradeDraw:
    """How many subjects of one grade there were, the ratio applied and how many were drawn."""

    grade: Grade | None
    population: int
    ratio: Decimal
    drawn: int


@dataclass(frozen=True, slots=True)
class InspectionPlan:
    """抽查计划: the draws per grade and the assignments, ordered by grade then subject ID."""

    seed: int
    draws: tuple[GradeDraw, ...]
    assignments: tuple[Assignment, ...]


def default_ratios_by_grade() -> dict[Grade | None, Decimal]:
    """An example ratio table: a configurable default, not from the seeds (001 art.27 gives no numbers)."""
    return {
        Grade.A: Decimal("0.05"),
        Grade.B: Decimal("0.10"),
        Grade.C: Decimal("0.30"),
        Grade.D: Decimal("1"),
        Grade.E: Decimal("1"),  # five-level schemes (Guangdong): the worst grade is inspected in full too
        None: Decimal("0.10"),  # ungraded subjects are sampled like an average (B) subject
    }


def draw_plan(
    *,
    subjects: Sequence[tuple[str, Grade | None]],
    ratios: Mapping[Grade | None, Decimal],
    inspectors: Sequence[str],
    team_size: int,
    seed: int,
) -> InspectionPlan:
    """Draw ceil(ratio × n) subjects per grade and a random team of ``team_size`` inspectors for each."""
    _check_ratios(ratios)
    pool = _check_inspectors(inspectors, team_size)
    by_grade = _group_subjects(subjects)
    missing = [g for g in _GRADE_ORDER if by_grade.get(g) and g not in ratios]
    if missing:
        raise InvalidInput(
            "每个出现的等级都需要抽查比例，缺少：" + "、".join(_label(g) for g in missing) + "。",
            en="A sampling ratio is needed for every grade present: " + ", ".join(_label(g) for g in missing) + ".",
            missing_grades=[_label(g) for g in missing],
        )

    rng = random.Random(seed)
    draws: list[GradeDraw] = []
    drawn: list[tuple[str, Grade | None]] = []
    for grade in _GRADE_ORDER:
        population = by_grade.get(grade, [])
        if not population:
            continue
        ratio = ratios[grade]
        count = _ceil(ratio * len(population))
        draws.append(GradeDraw(grade=grade, population=len(population), ratio=ratio, drawn=count))
        # Sorted in the output so the plan reads the same whichever order sample() returned them in.
        drawn.extend((subject_id, grade) for subject_id in sorted(rng.sample(population, count)))

    assignments = tuple(
        Assignment(subject_id=subject_id, grade=grade, inspectors=tuple(sorted(rng.sample(pool, team_size))))
        for subject_id, grade in drawn
    )
    return InspectionPlan(seed=seed, draws=tuple(draws), assignments=assignments)


def _check_ratios(ratios: Mapping[Grade | None, Decimal]) -> None:
    bad = {_label(g): str(r) for g, r in ratios.items() if not (r.is_finite() and 0 <= r <= 1)}
    if bad:
        raise InvalidInput("抽查比例须在 0 到 1 之间（含）。", en="Sampling ratios must be between 0 and 1 inclusive.",
            ratios=bad)


def _check_inspectors(inspectors: Sequence[str], team_size: int) -> list[str]:
    """The inspectors sorted, after checking there are enough distinct ones for a team."""
    if not inspectors:
        raise InvalidInput("至少需要一名检查人员。", en="At least one inspector is needed.", inspectors=0)
    pool = sorted(set(inspectors))
    if len(pool) != len(inspectors):
        # A duplicate would let the same person fill two places in a team.
        raise InvalidInput(
            "检查人员不能重复列出。", en="Inspectors must not be listed twice.",
                inspectors=len(inspectors), distinct=len(pool)
        )
    if team_size < 1:
        raise InvalidInput("每个检查组至少需要一名检查人员。", en="A team needs at least one inspector.",
            team_size=team_size)
    if team_size > len(pool):
        raise InvalidInput(
            f"{team_size} 人的检查组至少需要 {team_size} 名检查人员；只有 {len(pool)} 名。",
            en=f"A team of {team_size} needs at least {team_size} inspectors; only {len(pool)} available.",
            team_size=team_size,
            inspectors=len(pool),
        )
    return pool


def _group_subjects(subjects: Sequence[tuple[str, Grade | None]]) -> dict[Grade | None, list[str]]:
    """Subject IDs by grade, each list sorted so the draw does not depend on input order."""
    grades: dict[str, Grade | None] = {}
    for subject_id, grade in subjects:
        if subject_id in grades:
            raise InvalidInput("每个主体只能列出一次。", en="A subject must be listed once.", subject_id=subject_id)
        grades[subject_id] = grade
    by_grade: dict[Grade | None, list[str]] = {}
    for subject_id in sorted(grades):
        by_grade.setdefault(grades[subject_id], []).append(subject_id)
    return by_grade


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _label(grade: Grade | None) -> str:
    return "ungraded" if grade is None else str(grade)
