"""推送红黑名单: red and black list entries to the provincial public credit platform (001 art.5, 004 §三(五)).

The list half of the ``platform_push`` consumer (domain/exchange/push.py dispatches here): ``list_entry.published``
becomes a ``publish`` row in the 双公示 list layout (``domain.rules.double_publicity.to_list_row``) and
``list_entry.removed`` of a pushed entry a ``withdraw`` row (``list_take_down``). The rows are ``platform_push`` rows
with ``layout = 'list'`` and the entry's id in ``publication_id``, so delivery, retries, the delivery log and the
reconciliation are the penalties' own.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from domain.events import EventType, StoredEvent
from domain.exchange.push_log import log_publish, log_take_down
from domain.rules.catalog import Grade, RecordKind
from domain.rules.double_publicity import (
    ListEntryFacts,
    ListKind,
    list_take_down,
    missing_list_fields,
    to_list_row,
)
from domain.rules.lists import ListReason
from domain.session import Session

CHINA = ZoneInfo("Asia/Shanghai")
TYPES = frozenset({EventType.LIST_ENTRY_PUBLISHED, EventType.LIST_ENTRY_REMOVED})

_FACTS = """
SELECT l.id, l.subject_id, l.region_code, l.list_kind, l.reasons, l.serious_kinds, l.grade, l.cycle_year,
       l.listed_on, l.listed_until, s.kind AS subject_kind, s.code, s.name,
       pb.name AS publisher_name, pb.uscc AS publisher_code
FROM credit_list_entry l
JOIN subject s ON s.id = l.subject_id
LEFT JOIN exchange_bureau pb ON pb.region_code = l.publisher_region
WHERE l.id = $1"""


def list_entry_facts(row: Any) -> ListEntryFacts:
    """The plain values the list layout needs, from the archive's row of a published list entry."""
    # The city bureau that published the cycle decides the list (001 art.22) and is the unit the data comes from.
    return ListEntryFacts(
        subject_name=row["name"], is_institution=row["subject_kind"] == "institution", subject_code=row["code"],
        list_kind=ListKind(row["list_kind"]), reasons=tuple(ListReason(r) for r in row["reasons"]),
        serious_dishonesty_kinds=tuple(RecordKind(k) for k in row["serious_kinds"]),
        grade=Grade(row["grade"]) if row["grade"] else None, cycle_year=row["cycle_year"],
        decided_on=row["listed_on"], valid_until=row["listed_until"],
        authority=row["publisher_name"] or "", authority_code=row["publisher_code"] or "",
        source_unit=row["publisher_name"] or "", source_unit_code=row["publisher_code"] or "")


async def record_list_push(session: Session, e: StoredEvent) -> None:
    """Log the push of a published list entry, or the take-down of one that was pushed."""
    if e.item_id is None:
        return
    if e.type is EventType.LIST_ENTRY_PUBLISHED:
        row = await session.fetchrow(_FACTS, e.item_id)
        if row is None:
            return
        payload = to_list_row(list_entry_facts(row))
        # As for penalties: an incomplete row would be refused, so it is logged as failed at once, never sent.
        await log_publish(session, e, layout="list", subject_id=row["subject_id"], region_code=row["region_code"],
                          payload=payload, missing=missing_list_fields(payload))
        return
    await log_take_down(session, e, layout="list",
                        body=lambda pushed: list_take_down(pushed, reason=str(e.payload.get("reason") or "")))
