"""信息公开: preparing, previewing, publishing and withdrawing public items, and reading what is public.

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

Federation clients read the same public items confined to their configured region subtree
(``Access.public_prefix``), and the ``shared_item`` view adds, for institutions only, the public-plus
fields their agreement names (``Access.shared_fields``).

Negative information past its window must not be used against the subject again (001 art.24): that rule is
``domain.rules.disclosure.usable_until``, which evaluation (Python and generated SQL) derives from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import asyncpg

from domain.access import Access, PrincipalKind
from domain.db import Session
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound, unknown_region
from domain.events import AUDIENCES, Audience, DomainEvent, EventType
from domain.paging import Page, decode_time_cursor, encode_time_cursor
from domain.rules.catalog import Grade, RecordCategory, RecordKind, SubjectClass, SubjectKind
from domain.rules.disclosure import result_window, window_for
from domain.rules.lists import POOR_GRADE_LIST_GRADES, SERIOUS_DISHONESTY_KINDS
from domain.rules.redaction import (
    FEDERATION_SHAREABLE_FIELDS,
    PublicIndividual,
    PublicInstitution,
    RedactionPolicy,
    public_record_fields,
    public_subject,
    public_subject_from_json,
    public_subject_to_json,
)
from domain.rules.verification import normalize_verification_request
from tenants import region_tree

# Record fields a public item can ever carry; the redaction policy may hide more of them, never add.
_PAYLOAD_RECORD_FIELDS = ("category", "kind", "department", "title", "occurred_on", "decided_on",
                          "legal_basis", "penalty_until", "clauses")

class ItemType(StrEnum):
    """What a publication makes public: a record or an institution's evaluation result (list entries later)."""

    RECORD = "record"
    RESULT = "result"
    LIST_ENTRY = "list_entry"


class PublicationStatus(StrEnum):
    PREPARED = "prepared"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class PublicRecordView:
    """A record as the public sees it: no amounts, facts, details or staff; title only if policy shows it."""

    category: RecordCategory
    kind: RecordKind
    department: str | None
    title: str | None
    occurred_on: date | None
    decided_on: date | None
    legal_basis: str | None
    penalty_until: date | None
    clauses: tuple[str, ...]


@dataclass(frozen=True)
class PublicResultView:
    """An evaluation result as the public sees it: the grade and the cycle, never the score or the report."""

    grade: Grade
    cycle_year: int


# Item category of result publications (records use their RecordCategory).
RESULT_CATEGORY = "result"


@dataclass(frozen=True)
class PublicItem:
    """One public item: the redacted subject and record or result, its region and its window; ``shared``
    holds the public-plus fields a federation client's agreement gives it (institutions only), else empty."""

    id: uuid.UUID
    item_type: ItemType
    region_code: str
    publisher_region: str
    published_at: datetime | None
    public_until: datetime | None
    subject: PublicInstitution | PublicIndividual
    record: PublicRecordView | None = None
    result: PublicResultView | None = None
    shared: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, *, id: uuid.UUID, item_type: str, region_code: str, publisher_region: str,
                     published_at: datetime | None, public_until: datetime | None,
                     payload: dict[str, Any], shared: dict[str, Any] | None = None) -> PublicItem:
        record = payload.get("record")
        result = payload.get("result")
        return cls(id=id, item_type=ItemType(item_type), region_code=region_code,
                   publisher_region=publisher_region, published_at=published_at, public_until=public_until,
                   subject=public_subject_from_json(payload["subject"]),
                   record=_record_from_payload(record) if record is not None else None,
                   result=PublicResultView(grade=Grade(result["grade"]), cycle_year=int(result["cycleYear"]))
                   if result is not None else None, shared=shared or {})


@dataclass(frozen=True)
class PublicationView:
    """A publication as the bureau sees it."""

    id: uuid.UUID
    item_type: ItemType
    item_id: uuid.UUID
    subject_id: uuid.UUID
    region_code: str
    publisher_region: str
    category: RecordCategory | None  # None for an evaluation result
    kind: str
    status: PublicationStatus
    window_months: int | None
    prepared_by: str
    prepared_at: datetime
    published_by: str | None
    published_at: datetime | None
    public_until: datetime | None
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> PublicationView:
        return cls(id=r["id"], item_type=ItemType(r["item_type"]), item_id=r["item_id"], subject_id=r["subject_id"],
                   region_code=r["region_code"], publisher_region=r["publisher_region"],
                   category=None if r["category"] == RESULT_CATEGORY else RecordCategory(r["category"]),
                   kind=r["kind"], status=PublicationStatus(r["status"]),
                   window_months=r["window_months"], prepared_by=r["prepared_by"], prepared_at=r["prepared_at"],
                   published_by=r["published_by"], published_at=r["published_at"], public_until=r["public_until"],
                   withdrawn_by=r["withdrawn_by"], withdrawn_at=r["withdrawn_at"],
                   withdraw_reason=r["withdraw_reason"])


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    message: str
    publication_id: uuid.UUID | None
    created_at: datetime


_PUBLICATION_COLUMNS = """p.id, p.item_type, p.item_id, p.subject_id, p.region_code, p.publisher_region, p.category,
    p.kind, p.status, p.window_months, p.prepared_by, p.prepared_at, p.published_by, p.published_at,
    p.public_until, p.withdrawn_by, p.withdrawn_at, p.withdraw_reason"""

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


def _record_from_payload(data: dict[str, Any]) -> PublicRecordView:
    def day(key: str) -> date | None:
        value = data.get(key)
        return date.fromisoformat(value) if value else None

    return PublicRecordView(category=RecordCategory(data["category"]), kind=RecordKind(data["kind"]),
                            department=data.get("department"), title=data.get("title"),
                            occurred_on=day("occurred_on"), decided_on=day("decided_on"),
                            legal_basis=data.get("legal_basis"), penalty_until=day("penalty_until"),
                            clauses=tuple(data.get("clauses") or ()))


def build_public_payload(row: asyncpg.Record | dict[str, Any], *, policy: RedactionPolicy) -> dict[str, Any]:
    """The redacted public view of a record and its subject (the stored ``public_payload``)."""
    subject = public_subject(subject_class=SubjectClass(row["subject_class"]), name=row["name"],
                             identifier=row["code"], region_code=row["subject_region"])
    shown = set(public_record_fields(policy))
    record: dict[str, Any] = {}
    for name in _PAYLOAD_RECORD_FIELDS:
        if name not in shown and name not in ("category", "kind"):
            continue
        if name == "clauses" and row["category"] != RecordCategory.COMMITMENT:
            continue  # commitment clauses are public (001 art.10); other records carry none
        value = row[name]
        if isinstance(value, date):
            value = value.isoformat()
        elif name == "clauses":
            value = list(value or ())
        record[name] = value
    return {"subject": public_subject_to_json(subject), "record": record}


async def _record_row(session: Session, record_id: uuid.UUID) -> asyncpg.Record:
    row = await session.fetchrow(_RECORD_FOR_PUBLICATION, record_id)
    if row is None:
        raise NotFound("您的辖区内没有该已确认的信用记录。", en="No such confirmed record in your region.",
            field="recordId")
    return row


async def _publication_row(session: Session, id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record:
    row = await session.fetchrow(
        f"SELECT {_PUBLICATION_COLUMNS} FROM publication p WHERE p.id = $1{' FOR UPDATE' if lock else ''}", id)
    if row is None:
        raise NotFound("您的辖区内没有该公开事项。", en="No such publication in your region.", field="id")
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
                VALUES ('record', $1, $2, $3, $4, $5, $6, 'prepared', $7, $8) RETURNING {_PUBLICATION_COLUMNS}""",
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
                RETURNING {_PUBLICATION_COLUMNS}""",
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


def build_result_payload(row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    """The public view of an institution's evaluation result: the grade and the cycle year, not the score."""
    subject = public_subject(subject_class=SubjectClass(row["subject_class"]), name=row["name"],
                             identifier=row["code"], region_code=row["subject_region"])
    result = {"grade": row["grade"], "cycleYear": row["cycle_year"]}
    return {"subject": public_subject_to_json(subject), "result": result}


def build_shared_payload(item_type: ItemType, row: asyncpg.Record | dict[str, Any]) -> dict[str, Any] | None:
    """The public-plus fields a sharing agreement may add (``FEDERATION_SHAREABLE_FIELDS``); None for
    individuals, of whom nothing beyond the public view is ever shared."""
    if row["subject_kind"] != SubjectKind.INSTITUTION:
        return None
    if item_type is ItemType.RESULT:
        score = row["score"]
        shared = {"score": None if score is None else str(score)}
    else:
        amount = row["amount"]
        shared = {"title": row["title"], "amount": None if amount is None else str(amount),
                  "penalty": row["penalty"]}
    assert set(shared) <= FEDERATION_SHAREABLE_FIELDS
    return shared


async def preview_publication(*, session: Session, access: Access, id: uuid.UUID, now: datetime,
                              policy: RedactionPolicy | None = None) -> PublicItem:
    """What the public would see if this publication were published now, without publishing it."""
    pub = await _publication_row(session, id)
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
    pub = await _publication_row(session, id)
    access.require("publication", "publish", region_code=pub["region_code"])
    pub = await _publication_row(session, id, lock=True)
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
            WHERE p.id = $1 RETURNING {_PUBLICATION_COLUMNS}""",
        id, p.actor, published_at, public_until, publisher, payload,
        row["code"] if institution else None, row["name"] if institution else None,
        build_shared_payload(item_type, row))
    assert updated is not None
    # The public feed carries exactly what the public views show; mirrors rebuild the item from it.
    public = {"publicationId": str(id), "itemType": str(item_type), "regionCode": pub["region_code"],
              "publishedAt": published_at.isoformat(),
              "publicUntil": public_until.isoformat() if public_until else None, "item": payload}
    session.emit(DomainEvent(
        type=EventType.PUBLICATION_PUBLISHED, region_code=pub["region_code"], subject_id=pub["subject_id"],
        item_id=id, actor=p.actor, public_payload=public,
        payload={"publicationId": str(id), "itemType": str(item_type), "itemId": str(pub["item_id"]),
                 "category": pub["category"], "grade": row["grade"] if item_type is ItemType.RESULT else None,
                 "cycleYear": row["cycle_year"] if item_type is ItemType.RESULT else None,
                 "publisherRegion": publisher, "publicUntil": public["publicUntil"]}))
    return PublicationView.from_record(updated)


async def withdraw(*, session: Session, access: Access, id: uuid.UUID, reason: str) -> PublicationView:
    """Withdraw a prepared or published item, with a reason; it leaves the public at once."""
    if not reason.strip():
        raise InvalidInput("请说明撤回原因。", en="Say why the item is withdrawn.", field="reason")
    pub = await _publication_row(session, id)
    access.require("publication", "withdraw", region_code=pub["region_code"])
    pub = await _publication_row(session, id, lock=True)
    if pub["status"] == PublicationStatus.WITHDRAWN:
        raise Conflict("该事项已撤回。", en="This item is already withdrawn.", field="id")
    (updated,) = await take_down(session=session, ids=[id], actor=access.principal.actor, reason=reason.strip())
    return updated


async def take_down(*, session: Session, ids: list[uuid.UUID], actor: str, reason: str) -> list[PublicationView]:
    """下架: withdraw live publications (prepared or published) with a reason, and announce each in the feed so
    that mirrors delete what is no longer public. Already withdrawn ones are left as they are."""
    rows = await session.fetch(
        f"""UPDATE publication AS p SET status = 'withdrawn', withdrawn_by = $2, withdrawn_at = now(),
                withdraw_reason = $3 WHERE p.id = ANY($1) AND p.status <> 'withdrawn'
            RETURNING {_PUBLICATION_COLUMNS}""", ids, actor, reason)
    views = [PublicationView.from_record(r) for r in rows]
    for v in views:
        was_public = v.published_at is not None
        session.emit(DomainEvent(
            type=EventType.PUBLICATION_WITHDRAWN, region_code=v.region_code, subject_id=v.subject_id, item_id=v.id,
            actor=actor,
            payload={"publicationId": str(v.id), "itemType": str(v.item_type), "itemId": str(v.item_id),
                     "reason": reason, "wasPublic": was_public},
            # the take-down is public (mirrors must delete the item); a never-published one concerns no one else
            public_payload={"publicationId": str(v.id), "itemType": str(v.item_type), "regionCode": v.region_code}
            if was_public else None,
            audiences=None if was_public else frozenset(AUDIENCES[EventType.PUBLICATION_WITHDRAWN]
                                                        - {Audience.PUBLIC, Audience.FEDERATION})))
    return views


async def live_publications_of(*, session: Session, item_type: ItemType, item_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The prepared or published publications of these records or results."""
    rows = await session.fetch(
        "SELECT id FROM publication WHERE item_type = $1 AND item_id = ANY($2) AND status <> 'withdrawn'",
        str(item_type), item_ids)
    return [r["id"] for r in rows]


async def my_notifications(*, session: Session, access: Access, first: int) -> list[NotificationView]:
    """A subject's own notifications, newest first."""
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("通知只能由收件的信用主体本人查看。",
            en="Notifications are read by the subject they are addressed to.", resource="notification")
    access.require("notification", "read", subject_id=p.id)
    rows = await session.fetch(
        """SELECT id, kind, message, publication_id, created_at FROM notification
           WHERE subject_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2""", uuid.UUID(p.id), first)
    return [NotificationView(**dict(r)) for r in rows]


# ---- The public side: everything below reads only the public_item view (federation clients: shared_item).

_PUBLIC_COLUMNS = """i.id, i.item_type, i.region_code, i.publisher_region, i.published_at, i.public_until,
    i.public_payload"""


def _source(access: Access) -> tuple[str, str]:
    """The view to read and the extra column: the shared view only for a client with shared fields."""
    if access.shared_fields():
        return "shared_item", ", i.shared_payload"
    return "public_item", ""


def _public_item(r: asyncpg.Record, shared_fields: frozenset[str] = frozenset()) -> PublicItem:
    shared: dict[str, Any] = {}
    if shared_fields and r.get("shared_payload"):
        shared = {k: v for k, v in r["shared_payload"].items() if k in shared_fields}
    return PublicItem.from_payload(id=r["id"], item_type=r["item_type"], region_code=r["region_code"],
                                   publisher_region=r["publisher_region"], published_at=r["published_at"],
                                   public_until=r["public_until"], payload=r["public_payload"], shared=shared)


@dataclass(frozen=True)
class PublicFilter:
    region_code: str | None = None
    category: RecordCategory | None = None
    kinds: frozenset[RecordKind] | None = None
    institution_code: str | None = None
    item_type: ItemType | None = ItemType.RECORD  # None: records and results alike
    grades: frozenset[Grade] | None = None


def _public_where(flt: PublicFilter, access: Access) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    confined = access.public_prefix()
    if confined is not None:
        # A federation client sees its configured subtree only, whatever it asks for.
        args.append(confined + "%")
        clauses.append(f"i.region_code LIKE ${len(args)}")
    if flt.region_code:
        if region_tree().find(flt.region_code) is None:
            raise InvalidInput(f"未知的行政区划代码 {flt.region_code!r}（GB/T 2260，六位数字）。",
                en=f"Unknown region code {flt.region_code!r} (GB/T 2260, six digits).",
                               field="regionCode")
        args.append(region_tree().subtree_prefix(flt.region_code) + "%")
        clauses.append(f"i.region_code LIKE ${len(args)}")
    if flt.item_type is not None:
        args.append(str(flt.item_type))
        clauses.append(f"i.item_type = ${len(args)}")
    if flt.category:
        args.append(str(flt.category))
        clauses.append(f"i.category = ${len(args)}")
    if flt.kinds is not None:
        args.append(sorted(str(k) for k in flt.kinds))
        clauses.append(f"i.kind = ANY(${len(args)}::text[])")
    if flt.grades is not None:
        args.append(sorted(str(g) for g in flt.grades))
        clauses.append(f"i.grade = ANY(${len(args)}::text[])")
    if flt.institution_code:
        args.append(flt.institution_code.strip().upper())
        clauses.append(f"i.public_key = ${len(args)}")
    return clauses or ["true"], args


async def public_items(*, session: Session, access: Access, flt: PublicFilter, first: int,
                       after: str | None) -> Page[PublicItem]:
    """A page of public items, newest published first."""
    access.require("published", "read")
    if not access.shared_fields():
        return await _public_page(session=session, access=access, flt=flt, first=first, after=after)
    clauses, args = _public_where(flt, access)
    cursor = decode_time_cursor(after)
    if cursor is not None:
        args += list(cursor)
        clauses.append(f"(i.published_at, i.id) < (${len(args) - 1}, ${len(args)})")
    args.append(first + 1)
    view, extra = _source(access)
    rows = await session.fetch(
        f"""SELECT {_PUBLIC_COLUMNS}{extra} FROM {view} i WHERE {' AND '.join(clauses)}
            ORDER BY i.published_at DESC, i.id DESC LIMIT ${len(args)}""", *args)
    fields = access.shared_fields()
    items = [_public_item(r, fields) for r in rows]
    keys = [encode_time_cursor(i.published_at, i.id) for i in items]
    return Page.from_rows(items, keys, first)


def _page_prefix(flt: PublicFilter, access: Access) -> tuple[bool, str | None]:
    """The one subtree prefix a page reads (the narrower of the asked and the confined one), and whether the
    two overlap at all (a federation client asking outside its subtree gets an empty page)."""
    confined = access.public_prefix()
    prefixes = [confined] if confined else []
    if flt.region_code:
        if region_tree().find(flt.region_code) is None:
            raise unknown_region(flt.region_code)
        prefixes.append(region_tree().subtree_prefix(flt.region_code))
    if not prefixes:
        return True, None
    narrowest = max(prefixes, key=len)
    return all(narrowest.startswith(p) for p in prefixes), narrowest


async def _public_page(*, session: Session, access: Access, flt: PublicFilter, first: int,
                       after: str | None) -> Page[PublicItem]:
    """A page through ``yibao_public_page`` (migration 0014): the same live items and public columns as the
    public_item view, planned with its filter and limit together so it walks an index (issue 12)."""
    overlap, prefix = _page_prefix(flt, access)
    cursor = decode_time_cursor(after)
    if not overlap:
        return Page.from_rows([], [], first)
    rows = await session.fetch(
        "SELECT * FROM yibao_public_page($1, $2, $3, $4::text[], $5::text[], $6, $7, $8, $9)",
        prefix, str(flt.item_type) if flt.item_type else None, str(flt.category) if flt.category else None,
        sorted(str(k) for k in flt.kinds) if flt.kinds is not None else None,
        sorted(str(g) for g in flt.grades) if flt.grades is not None else None,
        flt.institution_code.strip().upper() if flt.institution_code else None,
        cursor[0] if cursor else None, cursor[1] if cursor else None, first + 1)
    items = [_public_item(r) for r in rows]
    keys = [encode_time_cursor(i.published_at, i.id) for i in items]
    return Page.from_rows(items, keys, first)


async def count_public_items(*, session: Session, access: Access, flt: PublicFilter) -> int:
    """How many public items match ``flt``."""
    access.require("published", "read")
    clauses, args = _public_where(flt, access)
    return int(await session.fetchval(f"SELECT count(*) FROM public_item i WHERE {' AND '.join(clauses)}", *args))


def grades_filter(region_code: str | None, grades: frozenset[Grade] | None = None) -> PublicFilter:
    """Published institution results (信用评价结果公开, 001 art.22) of a region subtree, of some grades."""
    return PublicFilter(region_code=region_code, item_type=ItemType.RESULT, grades=grades)


def poor_grade_filter(region_code: str | None) -> PublicFilter:
    """The poor-grade list (信用等级差名单, 001 art.22): published results graded C, D or E."""
    return grades_filter(region_code, POOR_GRADE_LIST_GRADES)


def serious_dishonesty_filter(region_code: str | None) -> PublicFilter:
    """The serious-dishonesty list (严重失信名单, 001 art.22): published serious dishonesty records."""
    return PublicFilter(region_code=region_code, category=RecordCategory.DISHONESTY,
                        kinds=frozenset(SERIOUS_DISHONESTY_KINDS))


async def public_institution(*, session: Session, access: Access, code: str | None = None,
                             name: str | None = None) -> PublicInstitution | None:
    """An institution with at least one public item, by its unified social credit code or exact name."""
    access.require("published", "read")
    if code:
        column, value = "public_key", code.strip().upper()
    elif name and name.strip():
        column, value = "public_name", name.strip()
    else:
        raise InvalidInput("请提供机构的统一社会信用代码或全称。",
            en="Give an institution's unified social credit code or its full name.", field="code")
    confined = access.public_prefix()
    if confined is None:
        row = await session.fetchrow(
            f"SELECT i.public_payload FROM public_item i WHERE i.{column} = $1 ORDER BY i.published_at DESC LIMIT 1",
            value)
    else:
        row = await session.fetchrow(
            f"""SELECT i.public_payload FROM public_item i WHERE i.{column} = $1 AND i.region_code LIKE $2
                ORDER BY i.published_at DESC LIMIT 1""", value, confined + "%")
    if row is None:
        return None
    found = public_subject_from_json(row["public_payload"]["subject"])
    return found if isinstance(found, PublicInstitution) else None


async def verify_individual(*, session: Session, access: Access, resident_id: str, name: str) -> bool:
    """Whether the person with exactly this resident ID and name has a current publishable sanction."""
    access.require("published", "read")
    request = normalize_verification_request(resident_id=resident_id, name=name)
    return bool(await session.fetchval("SELECT yibao_verify_individual($1, $2)", request.resident_id, request.name))


async def shared_items(*, session: Session, access: Access, region_code: str | None, first: int,
                       after: str | None) -> Page[PublicItem]:
    """A federation client's page of published records and results within its configured subtree, each with
    the public-plus fields its agreement names (institutions only)."""
    access.require("shared", "read")
    return await public_items(session=session, access=access, flt=shared_filter(region_code), first=first,
                              after=after)


def shared_filter(region_code: str | None) -> PublicFilter:
    """Records and results alike, of a region subtree."""
    return PublicFilter(region_code=region_code, item_type=None)
