"""001 art.24 has one rule (``disclosure.usable_until``); the cycle's SQL is generated from its constants and must
give the same answer at every edge: month ends, a leap day, China midnight ± 1 µs, penalty end days, published
windows, and both of the SQL's paths (settled by entry/update times, or by the confirmation instant)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from domain.rules.catalog import RecordCategory
from domain.rules.disclosure import CHINA_STANDARD_TIME, usable_on, usable_until
from domain.rules.evaluation.record_usability_sql import confirmed_usable_sql, usable_sql

US = timedelta(microseconds=1)


def china(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=CHINA_STANDARD_TIME)


CONFIRMED = [china(2024, 1, 31, 12), china(2024, 2, 29, 9), china(2023, 3, 31) - US, china(2023, 3, 31),
             china(2024, 12, 31, 23), china(2025, 5, 15, 0) + US]
PUBLISHED_UNTIL = [None, china(2025, 6, 1), china(2025, 6, 1) - US, china(2025, 6, 1) + US]
PENALTY = [None, date(2025, 5, 31), date(2025, 2, 28), date(2024, 1, 30)]
# entry and update around the confirmation: close (the SQL settles it by timestamps) or far (it asks the event)
SPREAD = [timedelta(minutes=5), timedelta(days=400)]

SQL = f"""
SELECT CASE WHEN rec.u IS NULL THEN {confirmed_usable_sql('rec', '$1::date')} ELSE rec.u END
FROM (SELECT r.record_id, r.effective_version, {usable_sql('r', 'v', '$1::date', '$2::timestamptz')} AS u
      FROM (SELECT $3::uuid AS record_id, 1 AS effective_version, $4::timestamptz AS entered_at,
                   $5::timestamptz AS updated_at) r,
           (SELECT $6::date AS penalty_until) v) rec
"""


@pytest.fixture
async def events(conn: asyncpg.Connection) -> asyncpg.Connection:
    # The generated SQL reads the confirmation instant from record_event; a temporary table of that name
    # comes first on the search path, so the test controls it without touching the archive.
    await conn.execute("""CREATE TEMP TABLE record_event (record_id uuid, to_status text, version int,
                              at timestamptz) ON COMMIT DROP""")
    return conn


async def test_the_generated_sql_and_the_python_rule_agree_at_every_edge(events: asyncpg.Connection) -> None:
    checked = 0
    for confirmed, published, penalty, spread in itertools.product(CONFIRMED, PUBLISHED_UNTIL, PENALTY, SPREAD):
        rid = uuid.uuid4()
        await events.execute("INSERT INTO record_event VALUES ($1, 'confirmed', 1, $2)", rid, confirmed)
        last = usable_until(category=RecordCategory.DISHONESTY, published_until=published, confirmed_at=confirmed,
                            penalty_until=penalty)
        assert last is not None
        for day in (last - timedelta(days=1), last, last + timedelta(days=1)):
            expected = usable_on(day=day, category=RecordCategory.DISHONESTY, published_until=published,
                                 confirmed_at=confirmed, penalty_until=penalty)
            got = await events.fetchval(SQL, day, published, rid, confirmed - spread, confirmed + spread, penalty)
            assert got is expected, (confirmed, published, penalty, spread, day, last)
            checked += 1
    assert checked == len(CONFIRMED) * len(PUBLISHED_UNTIL) * len(PENALTY) * len(SPREAD) * 3


def test_the_last_usable_day_is_the_day_before_the_window_closes_in_china_time() -> None:
    # confirmed 2024-01-31 12:00 China: the 12-month default window closes 2025-01-31 12:00; last day 2025-01-31
    assert usable_until(category=RecordCategory.DISHONESTY, published_until=None,
                        confirmed_at=china(2024, 1, 31, 12), penalty_until=None) == date(2025, 1, 31)
    # a window closing exactly at China midnight leaves the previous day as the last
    assert usable_until(category=RecordCategory.DISHONESTY, published_until=china(2025, 6, 1),
                        confirmed_at=china(2024, 1, 1), penalty_until=None) == date(2025, 5, 31)


def test_a_penalty_running_past_the_window_keeps_the_record_usable_to_its_end() -> None:
    assert usable_until(category=RecordCategory.DISHONESTY, published_until=china(2025, 6, 1),
                        confirmed_at=china(2024, 1, 1), penalty_until=date(2025, 9, 30)) == date(2025, 9, 30)


@pytest.mark.parametrize("category", [RecordCategory.BASIC, RecordCategory.TRUST, RecordCategory.COMMITMENT])
def test_information_that_is_not_negative_never_expires(category: RecordCategory) -> None:
    assert usable_until(category=category, published_until=datetime(2020, 1, 1, tzinfo=UTC),
                        confirmed_at=datetime(2019, 1, 1, tzinfo=UTC), penalty_until=None) is None
    assert usable_on(day=date(2030, 1, 1), category=category, published_until=datetime(2020, 1, 1, tzinfo=UTC),
                     confirmed_at=None, penalty_until=None)
