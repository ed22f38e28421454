"""A cycle runs only for a finished year within its rule set's effective dates."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput
from domain.rules.cycle_year import check_cycle_year

TODAY = date(2026, 11, 30)
FROM = date(2021, 8, 27)


def test_the_last_finished_year_may_be_run() -> None:
    assert check_cycle_year(2025, today=TODAY, effective_from=FROM, effective_to=None) == 2025


def test_the_year_a_rule_set_took_effect_in_may_be_run() -> None:
    assert check_cycle_year(2021, today=TODAY, effective_from=FROM, effective_to=None) == 2021


def test_the_current_unfinished_year_is_refused_in_chinese() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_cycle_year(2026, today=TODAY, effective_from=FROM, effective_to=None)
    assert "尚未结束" in caught.value.message
    assert caught.value.details["latest"] == 2025


def test_a_future_year_is_refused() -> None:
    with pytest.raises(InvalidInput):
        check_cycle_year(2030, today=TODAY, effective_from=FROM, effective_to=None)


def test_a_year_before_the_rule_set_took_effect_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_cycle_year(1800, today=TODAY, effective_from=FROM, effective_to=None, ruleset="ah-institutions")
    assert "生效期" in caught.value.message and "1800" in caught.value.message


def test_a_year_after_the_rule_set_ended_is_refused() -> None:
    with pytest.raises(InvalidInput):
        check_cycle_year(2025, today=TODAY, effective_from=FROM, effective_to=date(2023, 12, 31))
