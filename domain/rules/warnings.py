"""监测预警: early warnings raised when a subject's credit worsens (000 §三(六), routine monitoring)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.errors import InvalidInput
from domain.rules.catalog import Grade, RecordCategory, RecordKind
from domain.rules.labels import label_of

# Best to worst; a grade "gets worse" when it moves right. Five-level schemes use E as the worst.
_GRADE_RANK = {grade: rank for rank, grade in enumerate(Grade)}


class WarningKind(StrEnum):
    """Why a warning was raised."""

    BAND_CROSSED = "band_crossed"  # the grade got worse
    SHARP_DROP = "sharp_drop"  # the score fell by at least the threshold
    REPEATED_VIOLATION = "repeated_violation"  # the same dishonesty kind recurred within the window


@dataclass(frozen=True, slots=True)
class CreditWarning:
    """预警: one early warning with a message for the bureau user; ``record_kind`` for repeated violations."""

    kind: WarningKind
    message: str
    record_kind: RecordKind | None = None
    count: int | None = None


# The name the brief asks for. The class itself is CreditWarning because ``Warning`` shadows the built-in
# exception wherever it is imported by name.
Warning = CreditWarning


def warnings_for(
    *,
    previous_score: Decimal | None,
    new_score: Decimal,
    previous_grade: Grade | None,
    new_grade: Grade | None,
    drop_threshold: Decimal,
    recent_violation_kinds: Sequence[RecordKind],
    repeat_threshold: int = 2,
) -> list[CreditWarning]:
    """The early warnings for a new evaluation: band crossed, sharp drop, repeated violations, in that order.

    ``recent_violation_kinds`` holds one entry per dishonesty record within the monitoring window the caller
    chose; a first evaluation (no previous score or grade) cannot cross a band or drop.
    """
    if not (drop_threshold.is_finite() and drop_threshold > 0):
        # A zero threshold would warn on every unchanged score.
        raise InvalidInput(
            "降分预警阈值须为正数。", en="The drop threshold must be a positive number.",
                drop_threshold=str(drop_threshold)
        )
    if repeat_threshold < 2:
        raise InvalidInput(
            "违规从第二次起才算重复：阈值至少为 2。",
            en="A violation is repeated from its second occurrence: the threshold must be at least 2.",
            repeat_threshold=repeat_threshold,
        )
    not_violations = sorted(
        {str(k) for k in recent_violation_kinds if k.category is not RecordCategory.DISHONESTY}
    )
    if not_violations:
        raise InvalidInput("只有失信信息种类才算违规。", en="Only dishonesty record kinds are violations.",
            kinds=not_violations)

    warnings: list[CreditWarning] = []
    if (
        previous_grade is not None
        and new_grade is not None
        and _GRADE_RANK[new_grade] > _GRADE_RANK[previous_grade]
    ):
        warnings.append(
            CreditWarning(
                kind=WarningKind.BAND_CROSSED,
                message=f"信用等级由{previous_grade}级降为{new_grade}级。",
            )
        )
    if previous_score is not None and previous_score - new_score >= drop_threshold:
        warnings.append(
            CreditWarning(
                kind=WarningKind.SHARP_DROP,
                message=(
                    f"信用分数下降 {previous_score - new_score} 分，由 {previous_score} 分降至 {new_score} 分"
                    f"（预警阈值 {drop_threshold} 分）。"
                ),
            )
        )
    counts = Counter(recent_violation_kinds)
    for kind in RecordKind:  # catalog order, so the list does not depend on input order
        if counts[kind] >= repeat_threshold:
            warnings.append(
                CreditWarning(
                    kind=WarningKind.REPEATED_VIOLATION,
                    message=f"监测期内有 {counts[kind]} 条{label_of(kind)}记录。",
                    record_kind=kind,
                    count=counts[kind],
                )
            )
    return warnings
