"""红黑名单公示: the red and black list entries that follow from a published grade, kept as the grade's
publication comes and goes, each change announced on the spine (004 §三(五), 001 art.22).

The lists are derived from grades and records (``domain.evaluation.credit_lists``, one rule:
``domain.rules.lists.list_membership``); what this module adds is the moment they become public. ``handle`` (the
spine's ``credit_lists`` consumer) reacts to:

- ``publication.published`` of a result (one by one or a whole cycle, ``publishCycle``): the subject's membership
  for that cycle is decided as of today, and an entry on the red or black list is written and announced
  (``list_entry.published``);
- ``publication.withdrawn`` / ``publication.expired`` of a result (a superseded result is withdrawn by the
  take-down consumer): its live entry is removed with the reason (``list_entry.removed``);
- ``record.repaired`` / ``repair.revoked``: the subject's live entries are decided again, so an approved repair
  takes it off the black list and a revoked one may put it back.

The provincial platform push (domain/exchange/list_push.py) follows these two events.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.evaluation.credit_lists import ListEntry, list_entries_of
from domain.events import DomainEvent, EventType, StoredEvent
from domain.rules.catalog import Grade
from domain.rules.double_publicity import (
    REMOVED_AS_REDECIDED,
    REMOVED_AT_EXPIRY,
    REMOVED_BY_REPAIR,
    REMOVED_BY_REPAIR_REVOKED,
    REMOVED_WITH_GRADE,
)
from domain.rules.redaction import public_subject, public_subject_to_json
from domain.session import Session

CHINA = ZoneInfo("Asia/Shanghai")
_ACTOR = "system:credit-lists"
TYPES = frozenset({EventType.PUBLICATION_PUBLISHED, EventType.PUBLICATION_WITHDRAWN, EventType.PUBLICATION_EXPIRED,
                   EventType.RECORD_REPAIRED, EventType.REPAIR_REVOKED})

# The live, published results these publications are of ($1: publication ids).
_PUBLISHED_RESULTS = """
SELECT p.id, p.subject_id, p.region_code, p.publisher_region, p.item_id AS result_id, p.published_at, p.public_until,
       e.cycle_year, e.grade
FROM publication p JOIN evaluation_result e ON e.id = p.item_id
WHERE p.id = ANY($1) AND p.item_type = 'result' AND p.status = 'published'
  AND (p.public_until IS NULL OR p.public_until > now())"""


def _china_date(at: datetime | None) -> date | None:
    return at.astimezone(CHINA).date() if at is not None else None


async def _remove(session: Session, entry: Any, reason: str) -> None:
    """Take one live entry off its list and announce it."""
    await session.execute("UPDATE credit_list_entry SET removed_at = now(), removed_reason = $2 WHERE id = $1",
                          entry["id"], reason)
    payload = {"listEntryId": str(entry["id"]), "publicationId": str(entry["publication_id"]),
               "listKind": entry["list_kind"], "cycleYear": entry["cycle_year"], "reason": reason}
    session.emit(DomainEvent(
        type=EventType.LIST_ENTRY_REMOVED, region_code=entry["region_code"], subject_id=entry["subject_id"],
        item_id=entry["id"], actor=_ACTOR, payload=payload,
        public_payload={**payload, "regionCode": entry["region_code"]}))


async def _add(session: Session, pub: Any, found: ListEntry, listed_on: date) -> None:
    """Put a subject on the list its published grade places it on, and announce it."""
    m = found.membership
    until = _china_date(pub["public_until"])
    entry_id = await session.fetchval(
        """INSERT INTO credit_list_entry (subject_id, region_code, publication_id, result_id, cycle_year, grade,
               list_kind, reasons, serious_kinds, publisher_region, listed_on, listed_until)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id""",
        pub["subject_id"], pub["region_code"], pub["id"], pub["result_id"], pub["cycle_year"], pub["grade"],
        str(m.list_kind), [str(r) for r in m.reasons], [str(k) for k in m.serious_dishonesty_kinds],
        pub["publisher_region"], listed_on, until)
    payload = {"listEntryId": str(entry_id), "publicationId": str(pub["id"]), "listKind": str(m.list_kind),
               "cycleYear": pub["cycle_year"], "grade": pub["grade"], "reasons": [str(r) for r in m.reasons],
               "listedOn": listed_on.isoformat(), "listedUntil": until.isoformat() if until else None}
    public: dict[str, Any] = {**payload, "regionCode": pub["region_code"]}
    if found.subject is not None:
        s = found.subject
        public["subject"] = public_subject_to_json(public_subject(
            subject_class=s.subject_class, name=s.name, identifier=s.code, region_code=s.region_code))
    session.emit(DomainEvent(
        type=EventType.LIST_ENTRY_PUBLISHED, region_code=pub["region_code"], subject_id=pub["subject_id"],
        item_id=entry_id, actor=_ACTOR, payload=payload, public_payload=public))


async def _decide(session: Session, publication_ids: list[uuid.UUID], *, reason: str, today: date,
                  on_publication: bool) -> None:
    """Bring the live entries of these result publications in line with the list rule as of today."""
    pubs = await session.fetch(_PUBLISHED_RESULTS, publication_ids)
    live = {r["publication_id"]: r for r in await session.fetch(
        """SELECT id, subject_id, region_code, publication_id, list_kind, cycle_year FROM credit_list_entry
           WHERE publication_id = ANY($1) AND removed_at IS NULL""", [p["id"] for p in pubs])}
    desired: dict[uuid.UUID, ListEntry] = {}
    for year in sorted({p["cycle_year"] for p in pubs}):
        of_year = [p for p in pubs if p["cycle_year"] == year]
        grades = {p["subject_id"]: Grade(p["grade"]) if p["grade"] else None for p in of_year}
        by_subject = {e.subject_id: e for e in await list_entries_of(session=session, grades=grades,
                                                                   cycle_year=year, today=today)}
        desired.update({p["id"]: by_subject[p["subject_id"]] for p in of_year if p["subject_id"] in by_subject})
    for p in pubs:
        now_on, want = live.get(p["id"]), desired.get(p["id"])
        if now_on is not None and (want is None or str(want.membership.list_kind) != now_on["list_kind"]):
            await _remove(session, now_on, reason)
        if want is not None and (now_on is None or str(want.membership.list_kind) != now_on["list_kind"]):
            listed_on = (_china_date(p["published_at"]) or today) if on_publication else today
            await _add(session, p, want, listed_on)


async def _end(session: Session, publication_id: uuid.UUID, reason: str) -> None:
    """The grade is no longer public: its live entry comes off."""
    for entry in await session.fetch(
            """SELECT id, subject_id, region_code, publication_id, list_kind, cycle_year FROM credit_list_entry
               WHERE publication_id = $1 AND removed_at IS NULL""", publication_id):
        await _remove(session, entry, reason)


async def _of_subjects(session: Session, subject_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The live published results of these subjects."""
    return [r["id"] for r in await session.fetch(
        """SELECT id FROM publication WHERE subject_id = ANY($1) AND item_type = 'result' AND status = 'published'
             AND (public_until IS NULL OR public_until > now())""", subject_ids)]


async def handle(session: Session, events: Sequence[StoredEvent]) -> None:
    """Publish, remove or re-decide the list entries that follow from these events, in their order."""
    today = datetime.now(tz=CHINA).date()
    published: list[uuid.UUID] = []  # a run of result publications, decided together (a cycle is thousands)

    async def flush() -> None:
        if published:
            await _decide(session, published, reason=REMOVED_AS_REDECIDED, today=today, on_publication=True)
            published.clear()

    for e in events:
        if e.type in (EventType.RECORD_REPAIRED, EventType.REPAIR_REVOKED):
            await flush()
            if e.subject_id is not None:
                reason = REMOVED_BY_REPAIR if e.type is EventType.RECORD_REPAIRED else REMOVED_BY_REPAIR_REVOKED
                await _decide(session, await _of_subjects(session, [e.subject_id]), reason=reason, today=today,
                              on_publication=False)
            continue
        if e.item_id is None or e.payload.get("itemType") != "result":
            continue
        if e.type is EventType.PUBLICATION_PUBLISHED:
            published.append(e.item_id)
            continue
        await flush()
        reason = REMOVED_AT_EXPIRY if e.type is EventType.PUBLICATION_EXPIRED else \
            str(e.payload.get("reason") or REMOVED_WITH_GRADE)
        await _end(session, e.item_id, reason)
    await flush()
