"""Working-day deadlines on the PRC's official calendar (chinese-calendar), and the weekday fallback."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput
from domain.rules.deadlines import FALLBACK_NOTE, add_working_days, is_overdue, is_working_day
from domain.rules.objections import accept_deadline, deadline_rule, decide_deadline


def test_a_deadline_filed_before_the_2026_spring_festival_skips_the_nine_day_holiday() -> None:
    # 2026: 15–23 Feb off (State Council notice); Fri 13 Feb + 3 working days: Sat 14 Feb is a make-up working
    # day, then 15–23 are holidays, so the 2nd and 3rd working days are Tue 24 and Wed 25 Feb.
    d = add_working_days(start=date(2026, 2, 13), days=3)
    assert d.due == date(2026, 2, 25) and d.official and d.note is None


def test_the_make_up_saturday_after_the_2026_spring_festival_counts_as_a_working_day() -> None:
    # Fri 27 Feb + 1 working day: Sat 28 Feb is a make-up working day (调休上班)
    assert add_working_days(start=date(2026, 2, 27), days=1).due == date(2026, 2, 28)
    assert is_working_day(date(2026, 2, 28)) == (True, True)
    assert is_working_day(date(2026, 2, 16)) == (False, True)


def test_the_2025_spring_festival_make_up_sunday_counts_and_the_holiday_does_not() -> None:
    # 2025: 28 Jan – 4 Feb off; Sun 26 Jan and Sat 8 Feb are make-up working days.
    assert add_working_days(start=date(2025, 1, 24), days=1).due == date(2025, 1, 26)
    # Mon 27 Jan + 2: 28 Jan – 4 Feb off, so Wed 5 and Thu 6 Feb
    assert add_working_days(start=date(2025, 1, 27), days=2).due == date(2025, 2, 6)


def test_a_year_the_calendar_does_not_know_counts_weekdays_and_says_so() -> None:
    d = add_working_days(start=date(2031, 1, 31), days=1)  # Friday
    assert d.due == date(2031, 2, 3) and not d.official and d.note == FALLBACK_NOTE


def test_a_deadline_of_zero_days_is_refused() -> None:
    with pytest.raises(InvalidInput):
        add_working_days(start=date(2026, 3, 2), days=0)


def test_the_due_day_itself_is_still_in_time() -> None:
    assert not is_overdue(due=date(2026, 3, 2), today=date(2026, 3, 2))
    assert is_overdue(due=date(2026, 3, 2), today=date(2026, 3, 3))


def test_objection_deadlines_come_from_the_nearest_jurisdiction_up_the_tree() -> None:
    assert deadline_rule("340102").accept_days == 2  # Anhui, via its province
    assert deadline_rule("610102").source.startswith("默认")  # Shaanxi has none configured
    # Anhui: accept within 2 working days of filing on Fri 13 Feb 2026 → Sat 14 (make-up), then Tue 24
    assert accept_deadline(region_code="340102", filed_on=date(2026, 2, 13)).due == date(2026, 2, 24)
    assert decide_deadline(region_code="340102", accepted_on=date(2026, 3, 2)).due == date(2026, 3, 16)
