"""推送省信用平台: published penalties and list entries go to the provincial public credit platform (001 art.5).

Two halves, joined by the ``platform_push`` log:

- ``handle`` (the spine's ``platform_push`` consumer, domain/consumers/platform_push.py) turns
  ``publication.published`` of a penalty or a serious-dishonesty record into a ``publish`` row in the
  national 双公示 layout, and ``publication.withdrawn`` of one that was pushed into a ``withdraw`` row
  (take-down on the platform). Rows start ``pending``. Red and black list entries (``list_entry.published`` /
  ``list_entry.removed``) become rows of the list layout the same way (domain/exchange/list_push.py).
- ``deliver_pending_pushes`` POSTs due rows with httpx, one transaction per row: the row is marked ``sent``
  (committed) before the request, then ``acknowledged`` on a 2xx answer or ``failed`` with ``attempts`` and the
  next attempt's time (exponential back-off; ``next_attempt_at`` NULL once it gives up). A row left ``sent`` by a
  crash is due again after ``SENT_TIMEOUT``: delivery is at least once, and every request carries the row id as
  ``Idempotency-Key`` so the platform can drop a repeat. The lead schedules this function (no queue here).

``push_reconciliation`` is the report of what was sent, acknowledged, failed and taken down.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from domain.access import Access
from domain.db import Database
from domain.db_scope import DbScope
from domain.events import EventType, StoredEvent
from domain.exchange import list_push
from domain.exchange.push_log import log_publish, log_take_down
from domain.rules.catalog import RecordKind
from domain.rules.double_publicity import ListKind, PenaltyFacts, missing_fields, to_double_publicity
from domain.rules.lists import SERIOUS_DISHONESTY_KINDS
from domain.session import Session
from tenants import region_tree

log = logging.getLogger("yibao.exchange.push")
CHINA = ZoneInfo("Asia/Shanghai")
PUSHED_KINDS = SERIOUS_DISHONESTY_KINDS | {RecordKind.ADMINISTRATIVE_PENALTY}
MAX_ATTEMPTS = 8
SENT_TIMEOUT = timedelta(minutes=10)
_ACTOR = "system:platform-push"

_FACTS = """
SELECT p.id AS publication_id, p.subject_id, p.region_code, p.public_until, r.kind, r.department,
       v.title, v.facts, v.legal_basis, v.penalty, v.amount, v.decided_on, v.penalty_until, v.details,
       s.kind AS subject_kind, s.code, s.name,
       ab.name AS authority_name, ab.uscc AS authority_code, sb.name AS source_name, sb.uscc AS source_code
FROM publication p
JOIN credit_record r ON r.id = p.item_id
JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
JOIN subject s ON s.id = r.subject_id
LEFT JOIN exchange_bureau ab ON ab.region_code = r.region_code
LEFT JOIN exchange_bureau sb ON sb.region_code = p.publisher_region
WHERE p.id = $1 AND p.item_type = 'record'"""


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4 … minutes, at most an hour; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def penalty_facts(row: Any) -> PenaltyFacts:
    """The plain values the 双公示 mapping needs, from the archive's row of a published record."""
    details: dict[str, Any] = row["details"] or {}
    kind = RecordKind(row["kind"])
    serious = kind in SERIOUS_DISHONESTY_KINDS and kind is not RecordKind.ADMINISTRATIVE_PENALTY
    until = row["public_until"]
    return PenaltyFacts(
        subject_name=row["name"], is_institution=row["subject_kind"] == "institution", subject_code=row["code"],
        decision_number=str(details.get("decisionNumber") or ""),
        violation_type=str(details.get("violationType") or row["title"]),
        facts=row["facts"], legal_basis=row["legal_basis"], penalty=row["penalty"],
        penalty_category=details.get("penaltyCategory"),
        amount=Decimal(row["amount"]) if row["amount"] is not None else None,
        decided_on=row["decided_on"], penalty_until=row["penalty_until"],
        public_until=until.astimezone(CHINA).date() if until is not None else None,
        authority=row["authority_name"] or row["department"], authority_code=row["authority_code"] or "",
        source_unit=row["source_name"] or "", source_unit_code=row["source_code"] or "",
        list_kind=ListKind.SERIOUS_DISHONESTY if serious else ListKind.NONE)


async def _record_push(session: Session, e: StoredEvent) -> None:
    if e.item_id is None or e.payload.get("itemType") != "record":
        return
    if e.type is EventType.PUBLICATION_PUBLISHED:
        row = await session.fetchrow(_FACTS, e.item_id)
        if row is None or RecordKind(row["kind"]) not in PUSHED_KINDS:
            return
        payload = to_double_publicity(penalty_facts(row))
        await log_publish(session, e, layout="penalty", subject_id=row["subject_id"], region_code=row["region_code"],
                          payload=payload, missing=missing_fields(payload))
        return
    # A take-down: only what was pushed for publication has to come down on the platform.
    await log_take_down(session, e, layout="penalty", body=lambda pushed: {
        **{k: pushed[k] for k in ("CF_XDR_MC", "CF_XDR_SHXYM", "CF_WSH")},
        "CXYY": str(e.payload.get("reason") or "")})  # 撤销原因


async def handle(session: Session, events: Sequence[StoredEvent]) -> None:
    """Log a push for each published or withdrawn penalty publication and list entry."""
    for e in events:
        if e.type in list_push.TYPES:
            await list_push.record_list_push(session, e)
        else:
            await _record_push(session, e)


TYPES = frozenset({EventType.PUBLICATION_PUBLISHED, EventType.PUBLICATION_WITHDRAWN}) | list_push.TYPES
# What the platform is told each row is: the layout, and what its id names.
LAYOUTS = {"penalty": ("双公示-行政处罚", "publicationId"), "list": ("双公示-信用红黑名单", "listEntryId")}


@dataclass(frozen=True)
class Delivery:
    """What one run of ``deliver_pending_pushes`` did."""

    acknowledged: int = 0
    failed: int = 0


async def deliver_pending_pushes(*, db: Database, url: str, now: datetime | None = None, batch: int = 50,
                                 client: httpx.AsyncClient | None = None, request_seconds: float = 10.0) -> Delivery:
    """推送: POST the due pushes to the provincial platform at ``url`` and record each answer."""
    owned = client is None
    http = client or httpx.AsyncClient(timeout=request_seconds)
    acknowledged = failed = 0
    try:
        for _ in range(batch):
            claimed = await _claim(db, now)
            if claimed is None:
                break
            ok, ref, error = await _post(http, url, claimed)
            async with db.session(DbScope.system(actor=_ACTOR)) as s:
                if ok:
                    await s.execute("""UPDATE platform_push SET status = 'acknowledged', acknowledged_at = now(),
                                           platform_ref = $2, last_error = NULL, next_attempt_at = NULL
                                       WHERE id = $1""", claimed["id"], ref)
                    acknowledged += 1
                else:
                    attempts = claimed["attempts"]
                    delay = retry_delay(attempts)
                    at = (now or datetime.now(tz=CHINA)) + delay if delay is not None else None
                    await s.execute("""UPDATE platform_push SET status = 'failed', last_error = $2,
                                           next_attempt_at = $3 WHERE id = $1""", claimed["id"], error, at)
                    log.info("platform push %s failed (attempt %d): %s", claimed["id"], attempts, error)
                    failed += 1
    finally:
        if owned:
            await http.aclose()
    return Delivery(acknowledged=acknowledged, failed=failed)


async def _claim(db: Database, now: datetime | None) -> Any:
    """Mark the next due row ``sent`` and commit that before the request goes out."""
    async with db.session(DbScope.system(actor=_ACTOR)) as s:
        return await s.fetchrow(
            """UPDATE platform_push SET status = 'sent', sent_at = now(), attempts = attempts + 1
               WHERE id = (SELECT id FROM platform_push
                           WHERE (status IN ('pending', 'failed') AND next_attempt_at <= coalesce($1, now()))
                              OR (status = 'sent' AND sent_at < coalesce($1, now()) - $2::interval)
                           ORDER BY next_attempt_at NULLS LAST, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
               RETURNING id, action, publication_id, payload, attempts, layout""", now, SENT_TIMEOUT)


async def _post(http: httpx.AsyncClient, url: str, row: Any) -> tuple[bool, str | None, str | None]:
    layout, key = LAYOUTS[row["layout"]]
    body = {"id": str(row["id"]), "action": row["action"], key: str(row["publication_id"]), "layout": layout,
            "data": row["payload"]}
    try:
        response = await http.post(url, json=body, headers={"Idempotency-Key": str(row["id"])})
    except httpx.HTTPError as exc:
        return False, None, f"{type(exc).__name__}: {exc}"[:500]
    if response.is_success:
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        ref = answer.get("ref") if isinstance(answer, dict) else None
        return True, str(ref) if ref is not None else None, None
    return False, None, f"HTTP {response.status_code}: {response.text[:300]}"


@dataclass(frozen=True)
class PushLine:
    """One publication (or list entry) in the reconciliation: its latest push of each kind and where that stands."""

    publication_id: uuid.UUID  # a list entry's id for layout 'list'
    subject_id: uuid.UUID
    region_code: str
    decision_number: str
    published_status: str | None
    published_attempts: int
    taken_down_status: str | None
    last_error: str | None
    layout: str = "penalty"  # or 'list'
    list_name: str | None = None  # the list (红名单/黑名单) of a list entry, as pushed


@dataclass(frozen=True)
class Reconciliation:
    """对账: how many pushes are in each state, and the publications whose platform copy is not yet right."""

    sent: int
    acknowledged: int
    failed: int
    pending: int
    taken_down: int
    lines: list[PushLine]


async def push_reconciliation(*, session: Session, access: Access, region_code: str | None = None) -> Reconciliation:
    """What was sent to the provincial platform, acknowledged, failed and taken down, in the caller's subtree."""
    access.require("platform_push", "read", region_code=region_code)
    prefix = region_tree().subtree_prefix(region_code) if region_code else access.region_prefix
    rows = await session.fetch(
        """WITH latest AS (
               SELECT DISTINCT ON (publication_id, action) publication_id, action, subject_id, region_code, status,
                      attempts, last_error, payload, layout
               FROM platform_push WHERE region_code LIKE $1 || '%'
               ORDER BY publication_id, action, created_at DESC)
           SELECT pu.publication_id, pu.subject_id, pu.region_code, pu.payload ->> 'CF_WSH' AS decision_number,
                  pu.status AS published_status, pu.attempts, wd.status AS taken_down_status,
                  coalesce(wd.last_error, pu.last_error) AS last_error, pu.layout,
                  pu.payload ->> 'MD_MDLX' AS list_name
           FROM latest pu LEFT JOIN latest wd ON wd.publication_id = pu.publication_id AND wd.action = 'withdraw'
           WHERE pu.action = 'publish' ORDER BY pu.region_code, pu.publication_id""", prefix)
    lines = [PushLine(publication_id=r["publication_id"], subject_id=r["subject_id"], region_code=r["region_code"],
                      decision_number=r["decision_number"] or "", published_status=r["published_status"],
                      published_attempts=r["attempts"], taken_down_status=r["taken_down_status"],
                      last_error=r["last_error"], layout=r["layout"], list_name=r["list_name"]) for r in rows]
    counts = {r["status"]: r["n"] for r in await session.fetch(
        "SELECT status, count(*) AS n FROM platform_push WHERE region_code LIKE $1 || '%' GROUP BY status", prefix)}
    return Reconciliation(sent=counts.get("sent", 0), acknowledged=counts.get("acknowledged", 0),
                          failed=counts.get("failed", 0), pending=counts.get("pending", 0),
                          taken_down=sum(1 for ln in lines if ln.taken_down_status == "acknowledged"), lines=lines)
