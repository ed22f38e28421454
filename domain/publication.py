"""信息公开: preparing, previewing and publishing public items.

County and city bureaus prepare; only the city-level bureau (设区市) publishes (001 art.22). At publish time
the item's public view is built once by ``domain.rules.redaction`` and stored with its disclosure window
(001 art.23); the public reads only that stored view, through the ``public_item`` view, which drops every
item outside its window. The subject is notified of each publication (002 art.23).

Evaluation results (001 art.22: institutions' results, whose poor grades make the poor-grade list) take the
same path as ``item_type = 'result'``: the grade and cycle year are public, the score and the report lines
(which carry amounts) are not; a sharing agreement may give a federation client the score. Individuals'
results are never published, masked or not: art.22 names institutions' results, and a grade beside a masked
name in a county list is easy to re-identify; an individual's public trace is the serious-dishonesty list.
A result publication is public for its window (``window.result_window``) and only while its result is
current: the ``public_item`` view drops it the instant a re-evaluation supersedes the result.

Withdrawal is ``domain.publication_withdrawal``; what the public reads is ``domain.public_items``.

Negative information past its window must not be used against the subject again (001 art.24): that rule is
``domain.rules.disclosure.usable_until``, which evaluation (Python and generated SQL) derives from.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from domain.access import Access, PrincipalKind
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.events import DomainEvent, EventType
from domain.public_payloads import build_public_payload, build_result_payload, build_shared_payload
from domain.publication_views import (
    PUBLICATION_COLUMNS,
    RESULT_CATEGORY,
    ItemType,
    PublicationStatus,
    PublicationView,
    PublicItem,
    publication_row,
)
from domain.rules.catalog import RecordCategory, SubjectKind
from domain.rules.disclosure import beijing_iso, result_window, window_for
from domain.rules.redaction import RedactionPolicy
from domain.session import Session
from tenants import region_tree

# The confirmed content of a record (the version in force) with its subject.
_RECORD_FOR_PUBLICATION = """
SELECT r.id, r.subject_id, r.region_code, r.category, r.kind, r.status, r.department, r.effective_version,
       v.title, v.occurred_on, v.decided_on, v.legal_basis, v.penalty_until, v.clauses, v.amount, v.penalty,
       s.kind AS subject_kind, s.subject_class, s.code, s.name, s.region_code AS subject_region
FROM credit_record r
JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
JOIN subject s ON s.id = r.subject_id
WHERE r.id = $1"""

# An evaluation result with its subject.
_RESULT_FOR_PUBLICATION = """
SELECT e.id, e.subject_id, e.region_code, e.cycle_year, e.grade, e.score, e.excluded_reason, e.superseded_at,
       s.kind AS subject_kind, s.subject_class, s.code, s.name, s.region_code AS subject_region
FROM evaluation_result e JOIN subject s ON s.id = e.subject_id
WHERE e.id = $1"""


async def _record_row(session: Session, record_id: uuid.UUID) -> asyncpg.Record:
    row = await session.fetchrow(_RECORD_FOR_PUBLICATION, record_id)
    if row is None:
        raise NotFound("您的辖区内没有该已确认的信用记录。", en="No such confirmed record in your region.",
            field="recordId")
    return row


async def prepare_publication(*, session: Session, access: Access, record_id: uuid.UUID,
                              window_months: int | None = None, now: datetime) -> PublicationView:
    """Prepare a confirmed record for publication, with the disclosure period its department chose."""
    row = await _record_row(session, record_id)
    access.require("publication", "prepare", region_code=row["region_code"])
    if row["status"] != "confirmed" or row["effective_version"] is None:
        raise Conflict("只有已确认的记录才能公开；该记录当前状态为" f"{row['status']}。",
            en="Only a confirmed record can be published; this one is "
                       f"{row['status']}.", field="recordId", status=row["status"])
    category = RecordCategory(row["category"])
    # Checked now so the preparer learns at once; applied again from the publishing instant.
    window_for(category=category, published_at=now, months=window_months,
               penalty_until=row["penalty_until"] if category is RecordCategory.DISHONESTY else None)
    publisher = region_tree().publishing_node(row["region_code"]).code
    try:
        created = await session.fetchrow(
            f"""INSERT INTO publication AS p (item_type, item_id, subject_id, region_code, publisher_region,
                    category, kind, status, window_months, prepared_by)
                VALUES ('record', $1, $2, $3, $4, $5, $6, 'prepared', $7, $8) RETURNING {PUBLICATION_COLUMNS}""",
            record_id, row["subject_id"], row["region_code"], publisher, row["category"], row["kind"],
            window_months, access.principal.actor)
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("该记录已在待公开或已公开状态，请先撤回。",
            en="This record is already prepared or published; withdraw that first.",
                       field="recordId") from exc
    assert created is not None
    _emit_prepared(session, created, access.principal.actor)
    return PublicationView.from_record(created)


async def prepare_result_publication(*, session: Session, access: Access, result_id: uuid.UUID,
                                     window_months: int | None = None, now: datetime) -> PublicationView:
    """Prepare an institution's current evaluation result for publication (001 art.22), for 6 to 12 months."""
    row = await _result_row(session, result_id)
    access.require("publication", "prepare", region_code=row["region_code"])
    _check_result_publishable(row)
    result_window(published_at=now, months=window_months)  # checked now so the preparer learns at once
    publisher = region_tree().publishing_node(row["region_code"]).code
    try:
        created = await session.fetchrow(
            f"""INSERT INTO publication AS p (item_type, item_id, subject_id, region_code, publisher_region,
                    category, kind, status, window_months, prepared_by, grade, cycle_year)
                VALUES ('result', $1, $2, $3, $4, '{RESULT_CATEGORY}', $5, 'prepared', $6, $7, $5, $8)
                RETURNING {PUBLICATION_COLUMNS}""",
            result_id, row["subject_id"], row["region_code"], publisher, row["grade"], window_months,
            access.principal.actor, row["cycle_year"])
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("该评价结果已在待公开或已公开状态，请先撤回。",
            en="This result is already prepared or published; withdraw that first.",
                       field="resultId") from exc
    assert created is not None
    _emit_prepared(session, created, access.principal.actor)
    return PublicationView.from_record(created)


def _emit_prepared(session: Session, pub: asyncpg.Record, actor: str) -> None:
    session.emit(DomainEvent(
        type=EventType.PUBLICATION_PREPARED, region_code=pub["region_code"], subject_id=pub["subject_id"],
        item_id=pub["id"], actor=actor,
        payload={"publicationId": str(pub["id"]), "itemType": pub["item_type"], "itemId": str(pub["item_id"])}))


async def _result_row(session: Session, result_id: uuid.UUID) -> asyncpg.Record:
    row = await session.fetchrow(_RESULT_FOR_PUBLICATION, result_id)
    if row is None:
        raise NotFound("您的辖区内没有该信用评价结果。", en="No such evaluation result in your region.",
            field="resultId")
    return row


def _check_result_publishable(row: asyncpg.Record) -> None:
    if row["subject_kind"] != SubjectKind.INSTITUTION:
        raise InvalidInput("个人的信用评价结果不予公开，只公开机构的评价结果（001 第二十二条）。",
            en="An individual's credit result is never published; only institutions' results are "
                           "(001 art.22).", field="resultId")
    if row["superseded_at"] is not None:
        raise Conflict("该结果已被重新评价所取代，请公开当前结果。",
            en="This result has been superseded by a re-evaluation; publish the current one.",
                       field="resultId")
    if row["grade"] is None:
        raise InvalidInput(f"该主体未参加评价（{row['excluded_reason']}），没有可公开的等级。",
            en=f"The subject was excluded from evaluation ({row['excluded_reason']}); there is no "
                           "grade to publish.", field="resultId")


async def _item_row(session: Session, pub: asyncpg.Record) -> asyncpg.Record:
    if pub["item_type"] == ItemType.RESULT:
        return await _result_row(session, pub["item_id"])
    return await _record_row(session, pub["item_id"])


def _payload_of(pub: asyncpg.Record, row: asyncpg.Record, policy: RedactionPolicy) -> dict[str, Any]:
    if pub["item_type"] == ItemType.RESULT:
        return build_result_payload(row)
    return build_public_payload(row, policy=policy)


async def preview_publication(*, session: Session, access: Access, id: uuid.UUID, now: datetime,
                              policy: RedactionPolicy | None = None) -> PublicItem:
    """What the public would see if this publication were published now, without publishing it."""
    pub = await publication_row(session, id)
    if not access.allows("publication", "publish", region_code=pub["region_code"]):
        access.require("publication", "prepare", region_code=pub["region_code"])
    row = await _item_row(session, pub)
    window = _window(pub, row, now)
    return PublicItem.from_payload(id=pub["id"], item_type=pub["item_type"], region_code=pub["region_code"],
                                   publisher_region=pub["publisher_region"], published_at=window[0],
                                   public_until=window[1],
                                   payload=_payload_of(pub, row, policy or RedactionPolicy()))


def _window(pub: asyncpg.Record, row: asyncpg.Record, now: datetime) -> tuple[datetime, datetime | None]:
    if pub["item_type"] == ItemType.RESULT:
        w = result_window(published_at=now, months=pub["window_months"])
        return w.published_at, w.public_until
    category = RecordCategory(row["category"])
    w = window_for(category=category, published_at=now, months=pub["window_months"],
                   penalty_until=row["penalty_until"] if category is RecordCategory.DISHONESTY else None)
    return w.published_at, w.public_until


async def publish(*, session: Session, access: Access, id: uuid.UUID,
                  policy: RedactionPolicy | None = None) -> PublicationView:
    """Publish a prepared item: only the city-level bureau over the item's region (001 art.22)."""
    pub = await publication_row(session, id)
    access.require("publication", "publish", region_code=pub["region_code"])
    pub = await publication_row(session, id, lock=True)
    p = access.principal
    tree = region_tree()
    publisher = tree.publishing_node(pub["region_code"]).code
    if p.kind is not PrincipalKind.OFFICER or not tree.is_within(publisher, p.region_code):
        raise Forbidden(f"{pub['region_code']} 辖区的信息由 {publisher} 医疗保障局公开。",
            en=f"Items of region {pub['region_code']} are published by the bureau of {publisher}.",
                        resource="publication", action="publish", region=pub["region_code"])
    if pub["status"] != PublicationStatus.PREPARED:
        raise Conflict(f"只有待公开的事项才能公开；该事项当前状态为 {pub['status']}。",
            en=f"Only a prepared item can be published; this one is {pub['status']}.",
                       field="id", status=pub["status"])
    item_type = ItemType(pub["item_type"])
    row = await _item_row(session, pub)
    if item_type is ItemType.RESULT:
        _check_result_publishable(row)
    elif row["status"] != "confirmed":
        raise Conflict("该记录已不是确认状态，不能公开。",
            en="The record is no longer confirmed; it cannot be published.", field="id",
                       status=row["status"])
    payload = _payload_of(pub, row, policy or RedactionPolicy())
    # The database's clock decides the instant, the one the public_item view compares windows with.
    published_at, public_until = _window(pub, row, await session.fetchval("SELECT now()"))
    institution = row["subject_kind"] == SubjectKind.INSTITUTION
    updated = await session.fetchrow(
        f"""UPDATE publication AS p SET status = 'published', published_by = $2, published_at = $3,
                public_until = $4, publisher_region = $5, public_payload = $6, public_key = $7, public_name = $8,
                shared_payload = $9
            WHERE p.id = $1 RETURNING {PUBLICATION_COLUMNS}""",
        id, p.actor, published_at, public_until, publisher, payload,
        row["code"] if institution else None, row["name"] if institution else None,
        build_shared_payload(item_type, row))
    assert updated is not None
    # The public feed carries exactly what the public views show; mirrors rebuild the item from it.
    public = {"publicationId": str(id), "itemType": str(item_type), "regionCode": pub["region_code"],
              "publishedAt": beijing_iso(published_at),
              "publicUntil": beijing_iso(public_until) if public_until else None, "item": payload}
    session.emit(DomainEvent(
        type=EventType.PUBLICATION_PUBLISHED, region_code=pub["region_code"], subject_id=pub["subject_id"],
        item_id=id, actor=p.actor, public_payload=public,
        payload={"publicationId": str(id), "itemType": str(item_type), "itemId": str(pub["item_id"]),
                 "category": pub["category"], "grade": row["grade"] if item_type is ItemType.RESULT else None,
                 "cycleYear": row["cycle_year"] if item_type is ItemType.RESULT else None,
                 "publisherRegion": publisher, "publicUntil": public["publicUntil"]}))
    return PublicationView.from_record(updated)
