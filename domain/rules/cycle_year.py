"""Which cycle (评价年度) may be run: a finished calendar year in which the rule set was in effect.

A cycle grades a whole year's conduct, so the year must be over (the current year is still being recorded:
grading it would publish a grade of a year half lived), and the rule set must have been in effect during
some part of it: a rule set from 2021 cannot grade 1800, and one that ended in 2023 cannot grade 2025.
"""

from __future__ import annotations

from datetime import date

from domain.errors import InvalidInput


def check_cycle_year(year: int, *, today: date, effective_from: date, effective_to: date | None,
                     ruleset: str = "") -> int:
    """``year`` if a cycle may be run for it under a rule set effective from ``effective_from`` to
    ``effective_to`` (inclusive; None: open), else InvalidInput with a message in Chinese."""
    if year >= today.year:
        raise InvalidInput(f"{year}年度尚未结束，只能评价已结束的年度（最近的是{today.year - 1}年度）。",
                           field="cycleYear", latest=today.year - 1)
    start, end = date(year, 1, 1), date(year, 12, 31)
    if end < effective_from or (effective_to is not None and start > effective_to):
        span = f"{effective_from.isoformat()}至{effective_to.isoformat() if effective_to else '今'}"
        raise InvalidInput(f"规则集{ruleset}的生效期为{span}，不能评价{year}年度。", field="cycleYear",
                           effective_from=effective_from.isoformat(),
                           effective_to=effective_to.isoformat() if effective_to else None)
    return year
