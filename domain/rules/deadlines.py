"""办理时限: deadlines counted in working days on the official calendar of the PRC.

Statutory holidays (法定节假日) and the weekend days turned into working days to make up for them (调休上班日)
come from ``chinese-calendar``, a maintained package that ships the State Council's yearly holiday notices. We
chose it over a hand-kept table because the calendar changes every year by decree; the package is updated when
the notice comes out. It only knows the years whose notice it ships and raises ``NotImplementedError`` for any
other: then we count Monday to Friday as working days and say so on the deadline (``Deadline.official`` is False
and ``note`` explains), so a bureau sees that the date may move once the year's notice is published.

Counting: the day the application arrives is not counted (a deadline of N working days ends on the N-th working
day after it), in line with the usual reading of 工作日 limits in administrative procedure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from domain.errors import InvalidInput

FALLBACK_NOTE = "该年度法定节假日安排尚未收录（chinese-calendar 不含此年份），暂按周一至周五为工作日计算"


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last day to act, and whether it was counted on the official calendar."""

    due: date
    official: bool = True
    note: str | None = None


def is_working_day(day: date) -> tuple[bool, bool]:
    """(working day?, known to the official calendar?) for one day."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_working_days(*, start: date, days: int) -> Deadline:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    if days < 1:
        raise InvalidInput("时限必须至少为一个工作日。", field="days", days=days)
    official = True
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        working, known = is_working_day(day)
        official = official and known
        if working:
            counted += 1
    return Deadline(due=day, official=official, note=None if official else FALLBACK_NOTE)


def is_overdue(*, due: date, today: date) -> bool:
    """Whether a deadline has passed: the due day itself is still in time."""
    return today > due
