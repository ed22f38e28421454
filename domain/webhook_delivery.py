"""投递: one attempt to send a webhook delivery, run by the worker's job; and the sweep that requeues lost ones.

At least once: a delivery is marked delivered only after the receiver answered 2xx, in a transaction after the
request; a worker that dies in between leaves the job picked, and pgqueuer re-picks it once its heartbeat is
stale, so the receiver may see an event twice and de-duplicates with ``X-Yibao-Idempotency-Key``
(``<event position>:<subscription id>``, the same on every attempt and replay). The HTTP request is made with
no transaction open, so a slow receiver holds no database connection.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

from domain.db import Database
from domain.db_scope import DbScope
from domain.events import EVENT_COLUMNS, StoredEvent
from domain.rules.disclosure import beijing_iso
from domain.rules.webhook_retry import RetryPolicy, backoff_seconds, is_dead
from domain.rules.webhook_signature import EVENT_TYPE_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign
from domain.webhooks import DeliveryStatus, WebhookAudience, enqueue, scope_of

log = logging.getLogger("yibao.webhooks")
_SYSTEM = DbScope.system(actor="system:webhooks")


@dataclass(frozen=True)
class DeliverySettings:
    """How the worker sends: the retry policy and the receiver's time limit per request."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_seconds: float = 10.0
    requeue_after_seconds: float = 60.0  # a pending delivery this overdue has lost its job: queue it again


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"
    SKIPPED = "skipped"  # already delivered or dead, or the subscription was stopped


def idempotency_key(*, position: int, subscription_id: object) -> str:
    return f"{position}:{subscription_id}"


def body_of(event: StoredEvent, *, audience: WebhookAudience, region_code: str, subscription_id: object) -> bytes:
    """The JSON body for an event: what the change feed shows the same scope, byte-identical on every attempt."""
    scope = scope_of(region_code=region_code, audience=audience)
    subject_id, payload = scope.shown(event)
    doc: dict[str, Any] = {
        "id": idempotency_key(position=event.position, subscription_id=subscription_id),
        "position": event.position,
        "type": str(event.type),
        "regionCode": event.region_code,
        "subjectId": str(subject_id) if subject_id else None,
        "occurredAt": beijing_iso(event.occurred_at),
        "payload": dict(payload),
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


async def attempt_delivery(*, db: Database, delivery_id: int, settings: DeliverySettings, http: httpx.AsyncClient,
                           clock: Callable[[], float] = time.time,
                           draw: Callable[[], float] = random.random) -> Outcome:
    """Try to send one delivery once (投递一次); record the outcome and queue the next attempt if any."""
    async with db.session(_SYSTEM) as s:
        row = await s.fetchrow(
            """SELECT d.status, d.attempts, d.replays, d.position, s.id AS subscription_id, s.url, s.secret,
                      s.audience, s.region_code, s.active
               FROM webhook_delivery d JOIN webhook_subscription s ON s.id = d.subscription_id WHERE d.id = $1""",
            delivery_id)
        event_row = await s.fetchrow(f"SELECT {EVENT_COLUMNS} FROM domain_event WHERE position = $1",
                                     row["position"]) if row is not None else None
    if row is None or event_row is None or row["status"] != DeliveryStatus.PENDING or not row["active"]:
        return Outcome.SKIPPED
    event = StoredEvent.from_row(event_row)
    body = body_of(event, audience=WebhookAudience(row["audience"]), region_code=row["region_code"],
                   subscription_id=row["subscription_id"])
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "yibao-credit-webhooks/1",
        SIGNATURE_HEADER: sign(row["secret"], int(clock()), body),
        IDEMPOTENCY_HEADER: idempotency_key(position=event.position, subscription_id=row["subscription_id"]),
        EVENT_TYPE_HEADER: str(event.type),
    }
    status: int | None = None
    error: str | None = None
    try:
        response = await http.post(row["url"], content=body, headers=headers, timeout=settings.timeout_seconds)
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000] or type(exc).__name__
    attempts = row["attempts"] + 1
    async with db.session(_SYSTEM) as s:
        if error is None:
            await s.execute(
                """UPDATE webhook_delivery SET status = 'delivered', attempts = $2, last_status = $3,
                       last_error = NULL, delivered_at = now() WHERE id = $1 AND status = 'pending'""",
                delivery_id, attempts, status)
            return Outcome.DELIVERED
        if is_dead(settings.retry, failed_attempts=attempts):
            await s.execute(
                """UPDATE webhook_delivery SET status = 'dead', attempts = $2, last_status = $3, last_error = $4,
                       dead_at = now() WHERE id = $1 AND status = 'pending'""",
                delivery_id, attempts, status, error)
            log.warning("webhook delivery %s dead-lettered after %s attempts: %s", delivery_id, attempts, error)
            return Outcome.DEAD
        delay = backoff_seconds(settings.retry, failed_attempts=attempts, random_fraction=draw())
        await s.execute(
            """UPDATE webhook_delivery SET attempts = $2, last_status = $3, last_error = $4,
                   next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1 AND status = 'pending'""",
            delivery_id, attempts, status, error, delay)
        await enqueue(session=s, jobs=[(delivery_id, row["replays"], attempts, delay)])
    log.info("webhook delivery %s failed (%s), attempt %s; next in %.2f s", delivery_id, error, attempts, delay)
    return Outcome.RETRY


async def requeue_overdue(*, db: Database, settings: DeliverySettings) -> int:
    """Queue again the pending deliveries whose job was lost (a failed job, a restored backup); returns how many
    were asked for. Attempts still queued or running are skipped by their de-duplication key."""
    async with db.session(_SYSTEM) as s:
        rows = await s.fetch(
            """SELECT d.id, d.replays, d.attempts FROM webhook_delivery d
               JOIN webhook_subscription s ON s.id = d.subscription_id AND s.active
               WHERE d.status = 'pending' AND d.next_attempt_at < now() - make_interval(secs => $1)
               ORDER BY d.next_attempt_at LIMIT 1000""", settings.requeue_after_seconds)
        await enqueue(session=s, jobs=[(r["id"], r["replays"], r["attempts"], 0.0) for r in rows])
    return len(rows)
