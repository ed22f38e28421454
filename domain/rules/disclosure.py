"""信息公开: how long each part of a credit archive stays public, and when negative information expires.

Reading of 001 art.23-24 (Anhui), the source for every period here:

- basic information (基本信用信息) is public long term: the window has no end;
- credit commitments (信用承诺, the written undertaking of art.9) are "recorded in the archive and made
  public" (art.10) with no period, so they follow basic information. A *voluntary* commitment that the
  archive records as trust information (art.12 "主动守信承诺信息") is a trust record and takes the trust
  window;
- trust information (守信信息) is public "generally for 1 year", and the collecting department (归集部门)
  sets the exact period. The seed gives no limits for trust information; we chose 6 to 36 months (default
  12) so a department can deviate from the one-year norm either way but cannot publish praise indefinitely;
- negative information (不良信息, our DISHONESTY category) is public "generally for 6 months to 1 year and
  never shorter than the related administrative penalty": the department picks 6 to 12 months (default 12)
  and the window is then stretched to the end of the penalty when that ends later;
- past its window negative information must no longer be used (art.24), evaluation included;
- an evaluation result (信用评价结果, published by the city under art.22) is public for 12 months by default,
  6 to 12 at the department's choice (our reading: a result is refreshed every cycle, so a year covers it
  until the next one), and it leaves the public earlier the instant a re-evaluation supersedes it (the
  database's ``public_item`` view checks that; no window arithmetic can know it in advance).

Windows are half-open, ``[published_at, public_until)``: at the instant ``public_until`` the record is no
longer public. Calendar months and penalty dates are counted in China Standard Time (UTC+8, no daylight
saving since 1991), the calendar the documents and penalty decisions use; timestamps come back in UTC.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from domain.errors import InvalidInput
from domain.rules.catalog import RecordCategory

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
# The same zone by its IANA name, for PostgreSQL's TimeZone where the database writes times itself (exports).
CHINA_TIME_ZONE = "Asia/Shanghai"


def beijing_iso(at: datetime) -> str:
    """``at`` in ISO 8601, Beijing time (+08:00), as the API writes every time (schema/clock.py): for event
    payloads, webhook bodies and what the command line prints, which would otherwise carry the database's UTC."""
    return at.astimezone(CHINA_STANDARD_TIME).isoformat()

TRUST_DEFAULT_MONTHS = 12
TRUST_MIN_MONTHS = 6  # our choice: the seed only says "generally 1 year"
TRUST_MAX_MONTHS = 36  # our choice, see the module docstring
NEGATIVE_DEFAULT_MONTHS = 12
NEGATIVE_MIN_MONTHS = 6  # 001 art.23(三)
NEGATIVE_MAX_MONTHS = 12  # 001 art.23(三)

RESULT_DEFAULT_MONTHS = 12  # our choice, see the module docstring
RESULT_MIN_MONTHS = 6
RESULT_MAX_MONTHS = 12

_LONG_TERM = frozenset({RecordCategory.BASIC, RecordCategory.COMMITMENT})
_MONTH_LIMITS: dict[RecordCategory, tuple[int, int, int]] = {
    RecordCategory.TRUST: (TRUST_MIN_MONTHS, TRUST_MAX_MONTHS, TRUST_DEFAULT_MONTHS),
    RecordCategory.DISHONESTY: (NEGATIVE_MIN_MONTHS, NEGATIVE_MAX_MONTHS, NEGATIVE_DEFAULT_MONTHS),
}


@dataclass(frozen=True, slots=True)
class DisclosureWindow:
    """公开期限: when a record became public and the instant it stops being public (None = long term)."""

    published_at: datetime
    public_until: datetime | None


def window_for(
    *,
    category: RecordCategory,
    published_at: datetime,
    months: int | None = None,
    penalty_until: date | None = None,
) -> DisclosureWindow:
    """The disclosure window of a record of ``category`` published at ``published_at`` (001 art.23)."""
    published = _utc(published_at, field="published_at")
    if penalty_until is not None and category is not RecordCategory.DISHONESTY:
        # Only negative information is tied to a penalty; accepting it elsewhere would hide a caller mistake.
        raise InvalidInput(
            "只有失信信息才有处罚期限。", en="Only dishonesty (negative) information has a penalty period.",
            category=str(category),
            penalty_until=penalty_until.isoformat(),
        )
    if category in _LONG_TERM:
        if months is not None:
            raise InvalidInput(
                f"{category} 类信息长期公开，不适用按月计的公开期限。",
                en=f"{category} information is public long term; a period in months does not apply.",
                category=str(category),
                months=months,
            )
        return DisclosureWindow(published_at=published, public_until=None)

    minimum, maximum, default = _MONTH_LIMITS[category]
    chosen = default if months is None else months
    if not minimum <= chosen <= maximum:
        raise InvalidInput(
            f"{category} 类信息的公开期限须在 {minimum} 到 {maximum} 个月之间；收到的是 {chosen}。",
            en=f"The disclosure period for {category} information must be between {minimum} and {maximum} "
            f"months; got {chosen}.",
            category=str(category),
            months=chosen,
            min_months=minimum,
            max_months=maximum,
        )
    until = _add_months(published, chosen)
    if penalty_until is not None:
        # Never shorter than the administrative penalty: the penalty's last day counts in full.
        penalty_end = datetime.combine(penalty_until + timedelta(days=1), time(), CHINA_STANDARD_TIME)
        until = max(until, penalty_end.astimezone(UTC))
    return DisclosureWindow(published_at=published, public_until=until)


def result_window(*, published_at: datetime, months: int | None = None) -> DisclosureWindow:
    """The disclosure window of a published evaluation result: ``months`` (6 to 12, default 12) from publishing.

    A superseded result leaves the public before its window ends; that is the view's business, not this one.
    """
    published = _utc(published_at, field="published_at")
    chosen = RESULT_DEFAULT_MONTHS if months is None else months
    if not RESULT_MIN_MONTHS <= chosen <= RESULT_MAX_MONTHS:
        raise InvalidInput(
            f"信用评价结果的公开期限须在 {RESULT_MIN_MONTHS} 到 {RESULT_MAX_MONTHS} 个月之间；收到的是 {chosen}。",
            en=f"The disclosure period of an evaluation result must be between {RESULT_MIN_MONTHS} and "
            f"{RESULT_MAX_MONTHS} months; got {chosen}.",
            months=chosen,
            min_months=RESULT_MIN_MONTHS,
            max_months=RESULT_MAX_MONTHS,
        )
    return DisclosureWindow(published_at=published, public_until=_add_months(published, chosen))


def is_public(window: DisclosureWindow, at: datetime) -> bool:
    """Whether the record is public at ``at``: ``published_at`` inclusive to ``public_until`` exclusive."""
    instant = _utc(at, field="at")
    if instant < window.published_at:
        return False
    return window.public_until is None or instant < window.public_until


def usable_until(*, category: RecordCategory, published_until: datetime | None, confirmed_at: datetime | None,
                 penalty_until: date | None) -> date | None:
    """001 art.24, the one rule: the last day (China time) on which a record may be used against its subject,
    evaluation included; None when it never expires or was never confirmed.

    Only negative information expires; basic, trust and commitment records stay usable. A published record's
    window is the one its publication chose (the collecting department's choice); an unpublished one gets
    the default window (``NEGATIVE_DEFAULT_MONTHS``) from its confirmation. Either way it lasts at least to
    the end of the penalty, and the window is open at its end, so the last usable day is the day before the
    instant it closes. ``record_usability_sql.usable_sql`` is generated from the same constants; a test holds
    the two equal at the edges. Joint punishment under another law may follow that law (art.24, second
    sentence); that is for the caller to decide, not modelled.
    """
    if category is not RecordCategory.DISHONESTY:
        return None
    if published_until is not None:
        until = _utc(published_until, field="published_until")
        if penalty_until is not None:
            penalty_end = datetime.combine(penalty_until + timedelta(days=1), time(), CHINA_STANDARD_TIME)
            until = max(until, penalty_end.astimezone(UTC))
    elif confirmed_at is not None:
        window = window_for(category=RecordCategory.DISHONESTY, published_at=confirmed_at,
                            penalty_until=penalty_until)
        assert window.public_until is not None
        until = window.public_until
    else:
        return None
    return (until - timedelta(microseconds=1)).astimezone(CHINA_STANDARD_TIME).date()


def usable_on(*, day: date, category: RecordCategory, published_until: datetime | None,
              confirmed_at: datetime | None, penalty_until: date | None) -> bool:
    """Whether the record may be used against its subject on ``day`` (``usable_until``, as a test)."""
    last = usable_until(category=category, published_until=published_until, confirmed_at=confirmed_at,
                        penalty_until=penalty_until)
    return last is None or day <= last


def _utc(value: datetime, *, field: str) -> datetime:
    """``value`` in UTC, refusing naive timestamps (their instant is unknown)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{field} 须为带时区的时间。", en=f"{field} must be a timezone-aware timestamp.",
            field=field)
    return value.astimezone(UTC)


def _add_months(instant: datetime, months: int) -> datetime:
    """``instant`` plus calendar ``months`` in China Standard Time, clamped to the month's last day."""
    local = instant.astimezone(CHINA_STANDARD_TIME)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)


def window_months(window: DisclosureWindow) -> int | None:
    """The months a window really spans, rounded up; None for a long-term one.

    A negative item's window is stretched to the end of a longer penalty (a 9-month penalty outlasts the 6 months
    chosen), so what the department chose is not always how long the item is public.
    """
    if window.public_until is None:
        return None
    start = window.published_at.astimezone(CHINA_STANDARD_TIME)
    end = window.public_until.astimezone(CHINA_STANDARD_TIME)
    months = max((end.year - start.year) * 12 + end.month - start.month, 0)
    while _add_months(window.published_at, months) < window.public_until:
        months += 1
    while months > 0 and _add_months(window.published_at, months - 1) >= window.public_until:
        months -= 1
    return months
