"""信息公开 windows (001 art.23-24)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.errors import InvalidInput
from domain.rules.catalog import RecordCategory
from domain.rules.disclosure import (
    DisclosureWindow,
    is_public,
    window_for,
)

CST = timezone(timedelta(hours=8))
# 2024-03-15 10:00 in Beijing, 02:00 UTC
PUBLISHED = datetime(2024, 3, 15, 10, 0, tzinfo=CST)


def test_basic_information_is_public_long_term() -> None:
    window = window_for(category=RecordCategory.BASIC, published_at=PUBLISHED)
    assert window.public_until is None
    assert window.published_at == datetime(2024, 3, 15, 2, 0, tzinfo=UTC)


def test_commitments_are_public_long_term_like_basic_information() -> None:
    window = window_for(category=RecordCategory.COMMITMENT, published_at=PUBLISHED)
    assert window.public_until is None
    assert is_public(window, PUBLISHED + timedelta(days=3650))


def test_a_period_in_months_is_refused_for_long_term_information() -> None:
    with pytest.raises(InvalidInput) as caught:
        window_for(category=RecordCategory.BASIC, published_at=PUBLISHED, months=12)
    assert caught.value.details["months"] == 12


def test_trust_information_is_public_for_twelve_months_by_default() -> None:
    window = window_for(category=RecordCategory.TRUST, published_at=PUBLISHED)
    assert window.public_until == datetime(2025, 3, 15, 10, 0, tzinfo=CST)


@pytest.mark.parametrize("months", [6, 24, 36])
def test_trust_information_period_may_be_chosen_between_6_and_36_months(months: int) -> None:
    window = window_for(category=RecordCategory.TRUST, published_at=PUBLISHED, months=months)
    assert window.public_until is not None


@pytest.mark.parametrize("months", [5, 37, 0, -1])
def test_trust_information_period_outside_6_to_36_months_is_refused(months: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        window_for(category=RecordCategory.TRUST, published_at=PUBLISHED, months=months)
    assert caught.value.details == {
        "category": "trust",
        "months": months,
        "min_months": 6,
        "max_months": 36,
    }


def test_negative_information_is_public_for_twelve_months_by_default() -> None:
    window = window_for(category=RecordCategory.DISHONESTY, published_at=PUBLISHED)
    assert window.public_until == datetime(2025, 3, 15, 10, 0, tzinfo=CST)


def test_negative_information_for_six_months_ends_six_calendar_months_later() -> None:
    window = window_for(category=RecordCategory.DISHONESTY, published_at=PUBLISHED, months=6)
    assert window.public_until == datetime(2024, 9, 15, 10, 0, tzinfo=CST)


@pytest.mark.parametrize("months", [5, 13])
def test_negative_information_period_of_5_or_13_months_is_refused(months: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        window_for(category=RecordCategory.DISHONESTY, published_at=PUBLISHED, months=months)
    assert "between 6 and 12 months" in caught.value.en
    assert caught.value.details["months"] == months
    assert caught.value.details["min_months"] == 6
    assert caught.value.details["max_months"] == 12


def test_negative_record_window_never_ends_before_its_penalty() -> None:
    window = window_for(
        category=RecordCategory.DISHONESTY,
        published_at=PUBLISHED,
        months=6,
        penalty_until=date(2025, 6, 30),
    )
    # the penalty's last day counts in full, Beijing time
    assert window.public_until == datetime(2025, 7, 1, 0, 0, tzinfo=CST)
    assert is_public(window, datetime(2025, 6, 30, 23, 59, 59, tzinfo=CST))
    assert not is_public(window, datetime(2025, 7, 1, 0, 0, tzinfo=CST))


def test_penalty_ending_before_the_chosen_period_does_not_shorten_the_window() -> None:
    window = window_for(
        category=RecordCategory.DISHONESTY,
        published_at=PUBLISHED,
        months=12,
        penalty_until=date(2024, 5, 1),
    )
    assert window.public_until == datetime(2025, 3, 15, 10, 0, tzinfo=CST)


def test_a_penalty_period_is_refused_for_information_that_is_not_negative() -> None:
    with pytest.raises(InvalidInput):
        window_for(category=RecordCategory.TRUST, published_at=PUBLISHED, penalty_until=date(2025, 1, 1))


def test_month_end_publication_ends_on_the_last_day_of_a_shorter_month() -> None:
    published = datetime(2023, 8, 31, 9, 0, tzinfo=CST)
    window = window_for(category=RecordCategory.DISHONESTY, published_at=published, months=6)
    assert window.public_until == datetime(2024, 2, 29, 9, 0, tzinfo=CST)


def test_months_are_counted_on_the_beijing_calendar_not_the_utc_one() -> None:
    # 31 Jan 20:00 UTC is already 1 Feb in Beijing: six months later is 1 Aug Beijing time
    published = datetime(2024, 1, 31, 20, 0, tzinfo=UTC)
    window = window_for(category=RecordCategory.DISHONESTY, published_at=published, months=6)
    assert window.public_until == datetime(2024, 8, 1, 4, 0, tzinfo=CST)


def test_window_timestamps_are_returned_in_utc() -> None:
    window = window_for(category=RecordCategory.DISHONESTY, published_at=PUBLISHED)
    assert window.published_at.tzinfo is UTC
    assert window.public_until is not None
    assert window.public_until.tzinfo is UTC


def test_a_naive_publication_time_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        window_for(category=RecordCategory.BASIC, published_at=datetime(2024, 3, 15, 10, 0))
    assert caught.value.details == {"field": "published_at"}


def test_record_is_public_from_the_instant_of_publication() -> None:
    window = window_for(category=RecordCategory.DISHONESTY, published_at=PUBLISHED)
    assert is_public(window, PUBLISHED)
    assert not is_public(window, PUBLISHED - timedelta(microseconds=1))


def test_record_is_no_longer_public_at_exactly_the_end_of_its_window() -> None:
    window = window_for(category=RecordCategory.DISHONESTY, published_at=PUBLISHED)
    assert window.public_until is not None
    assert is_public(window, window.public_until - timedelta(microseconds=1))
    assert not is_public(window, window.public_until)


def test_is_public_compares_instants_whatever_the_timezone() -> None:
    window = DisclosureWindow(
        published_at=datetime(2024, 1, 1, tzinfo=UTC), public_until=datetime(2024, 2, 1, tzinfo=UTC)
    )
    # 1 Feb 07:59 Beijing time is still 31 Jan 23:59 UTC
    assert is_public(window, datetime(2024, 2, 1, 7, 59, tzinfo=CST))
    assert not is_public(window, datetime(2024, 2, 1, 8, 0, tzinfo=CST))


def test_is_public_refuses_a_naive_instant() -> None:
    window = window_for(category=RecordCategory.BASIC, published_at=PUBLISHED)
    with pytest.raises(InvalidInput):
        is_public(window, datetime(2024, 3, 16))



def test_a_window_stretched_to_a_nine_month_penalty_spans_nine_months_not_the_six_chosen() -> None:
    from domain.rules.disclosure import CHINA_STANDARD_TIME, window_months

    published = datetime(2025, 3, 1, 10, 0, tzinfo=CHINA_STANDARD_TIME)
    w = window_for(category=RecordCategory.DISHONESTY, published_at=published, months=6,
                   penalty_until=date(2025, 11, 30))
    assert window_months(w) == 9
    assert window_months(window_for(category=RecordCategory.DISHONESTY, published_at=published, months=6)) == 6
    assert window_months(window_for(category=RecordCategory.BASIC, published_at=published)) is None


def test_times_are_written_in_beijing_time_whatever_zone_they_come_in() -> None:
    from datetime import UTC, datetime

    from domain.rules.disclosure import beijing_iso

    assert beijing_iso(datetime(2026, 12, 1, 4, 17, 15, 741111, tzinfo=UTC)) == "2026-12-01T12:17:15.741111+08:00"
    assert beijing_iso(datetime(2026, 12, 31, 20, 0, tzinfo=UTC)) == "2027-01-01T04:00:00+08:00"
