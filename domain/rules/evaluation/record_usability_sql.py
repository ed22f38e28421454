"""Which records an evaluation may use, in SQL: the disclosure window of 001 art.24 and the day of a repair.

Generated from the same constants as ``domain.rules.disclosure`` so that the SQL and the Python rule cannot
drift; the cycle compiler (``cycle_sql``) and the per-subject facts (``domain.evaluation.facts``) both read
records through these fragments.
"""

from __future__ import annotations

from domain.rules.catalog import RecordCategory
from domain.rules.disclosure import NEGATIVE_DEFAULT_MONTHS
from domain.rules.evaluation.sql_literals import sql_text

# 001 art.24: the same constant disclosure.usable_until uses, so the SQL and the Python rule cannot drift.
_NEGATIVE_MONTHS = NEGATIVE_DEFAULT_MONTHS


def published_sql() -> str:
    """SELECT (item_id, public_until): the disclosure window of each dishonesty record that was published, from
    its latest publication (a later withdrawal takes it out of view early but does not reset its window)."""
    return ("SELECT DISTINCT ON (p.item_id) p.item_id, p.public_until FROM publication p "
            f"WHERE p.item_type = 'record' AND p.category = {sql_text(str(RecordCategory.DISHONESTY))} "
            "AND p.published_at IS NOT NULL AND p.public_until IS NOT NULL ORDER BY p.item_id, p.published_at DESC")


def usable_sql(record: str, version: str, as_of: str, published_until: str) -> str:
    """Whether a dishonesty record may still be used on ``as_of`` (001 art.24), as ``disclosure.usable_until``
    decides: within the window its publication chose when it was published (``published_until``, the collecting
    department's choice), else within the default window ``disclosure.window_for`` gives it, 12 calendar
    months (China time) from its confirmation; and never before the day after its penalty ends. The window
    is open at its end, so the record counts on ``as_of`` while the window's end (local time) is after that
    day's midnight.

    A record is confirmed no earlier than it was entered and no later than its last update, so entry and
    update times settle nearly every record; NULL means the confirmation instant decides
    (``confirmed_usable_sql``). Without that lookup the test runs in parallel workers.
    """

    def window(ts: str) -> str:
        return f"((({ts}) AT TIME ZONE 'Asia/Shanghai') + interval '{_NEGATIVE_MONTHS} months')"

    day = f"{as_of}::timestamp"
    # plain timestamp comparisons settle nearly every record without converting it to China time: a window
    # of 12 calendar months is a year give or take a leap day, so 3 days either side leaves no doubt
    late = f"(({day} - interval '{_NEGATIVE_MONTHS} months' + interval '3 days') AT TIME ZONE 'Asia/Shanghai')"
    early = f"(({day} - interval '{_NEGATIVE_MONTHS} months' - interval '3 days') AT TIME ZONE 'Asia/Shanghai')"
    return (f"(CASE WHEN ({version}.penalty_until + 1)::timestamp > {day} THEN true "
            f"WHEN {published_until} IS NOT NULL THEN ({published_until} AT TIME ZONE 'Asia/Shanghai') > {day} "
            f"WHEN {record}.entered_at > {late} THEN true "
            f"WHEN {record}.updated_at < {early} THEN false "
            f"WHEN {window(f'{record}.entered_at')} > {day} THEN true "
            f"WHEN {window(f'{record}.updated_at')} <= {day} THEN false "
            "ELSE NULL END)")


def repaired_on_sql(record: str) -> str:
    """The day (China time) a record's credit repair was first approved, or NULL: ``RecordFact.repaired_on``, read
    the same way by ``domain.evaluation.facts`` and by the cycle (a revoked repair's status is 'revoked')."""
    return (f"(SELECT min((ra.decided_at AT TIME ZONE 'Asia/Shanghai')::date) FROM repair_application ra "
            f"WHERE ra.record_id = {record}.id AND ra.status = 'approved')")


def confirmed_usable_sql(rec: str, as_of: str) -> str:
    """For a record ``usable_sql`` left undecided (``rec`` has ``record_id`` and ``effective_version``): whether
    the default window from its confirmation is still open on ``as_of``."""
    confirmed = (f"SELECT max(e.at) FROM record_event e WHERE e.record_id = {rec}.record_id "
                 f"AND e.to_status = 'confirmed' AND e.version = {rec}.effective_version")
    return (f"coalesce(((({confirmed}) AT TIME ZONE 'Asia/Shanghai') + interval '{_NEGATIVE_MONTHS} months') "
            f"> {as_of}::timestamp, true)")

