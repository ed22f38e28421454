"""回调推送: signed webhook deliveries of the change feed to configured client endpoints (001 art.33).

A bureau officer registers an endpoint for its region (``create_subscription``); it then receives, as signed
POSTs, each event that a ``domain.feed.FeedScope`` of that region and audience sees, so a webhook never carries
more than the feed would show the same client. The ``webhooks`` consumer records one ``webhook_delivery`` per
(subscription, event) and enqueues a job in the same transaction as its bookmark; the worker's job sends it
(``domain.webhook_delivery``): at least once, with exponential back-off, dead-lettered after the last attempt,
replayable by an operator.

The job queue is pgqueuer: it is built on asyncpg, like everything else here (procrastinate, the other
maintained PostgreSQL queue, needs psycopg: a second driver, a second pool and a second set of codecs), it
gives deferred jobs (``execute_after``), de-duplication keys, re-picking of jobs whose worker died (heartbeats)
and a cron scheduler, and its tables are created by our migration 0011 (schema ``jobs``).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from pgqueuer.adapters.persistence.qb import QueryQueueBuilder
from pgqueuer.domain.settings import DBSettings

from domain.access import Access
from domain.errors import Conflict, InvalidInput, NotFound, unknown_region
from domain.events import Audience, EventType
from domain.feed import FeedScope
from domain.session import Session
from tenants import UnknownRegion, region_tree

# pgqueuer's objects live in the schema ``jobs`` (migration 0011); every queue use goes through these names.
JOB_QUEUE = DBSettings(db_schema="jobs")
DELIVER_ENTRYPOINT = "webhook.deliver"
_ENQUEUE = QueryQueueBuilder(JOB_QUEUE).build_enqueue_query("skip")


class WebhookAudience(StrEnum):
    """Which form of the feed a subscription receives."""

    BUREAU = "bureau"  # what the region's bureau officers see (internal payloads)
    PUBLIC = "public"  # published items and their take-down and expiry, in public form (a portal mirror)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


def scope_of(*, region_code: str, audience: WebhookAudience) -> FeedScope:
    """The feed scope of a subscription: the same test the change feed applies."""
    prefix = region_tree().subtree_prefix(region_code)
    if audience is WebhookAudience.PUBLIC:
        return FeedScope(audience=Audience.PUBLIC, region_prefix=prefix, public_form=True)
    return FeedScope(audience=Audience.BUREAU, region_prefix=prefix)


@dataclass(frozen=True)
class SubscriptionView:
    id: uuid.UUID
    region_code: str
    audience: WebhookAudience
    url: str
    types: list[EventType] | None
    description: str
    active: bool
    created_by: str
    created_at: datetime

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> SubscriptionView:
        return cls(id=r["id"], region_code=r["region_code"], audience=WebhookAudience(r["audience"]), url=r["url"],
                   types=[EventType(t) for t in r["types"]] if r["types"] is not None else None,
                   description=r["description"], active=r["active"], created_by=r["created_by"],
                   created_at=r["created_at"])


@dataclass(frozen=True)
class DeliveryView:
    id: int
    subscription_id: uuid.UUID
    position: int
    region_code: str
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    replays: int
    url: str

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> DeliveryView:
        return cls(id=r["id"], subscription_id=r["subscription_id"], position=r["position"],
                   region_code=r["region_code"], event_type=EventType(r["event_type"]),
                   status=DeliveryStatus(r["status"]), attempts=r["attempts"], next_attempt_at=r["next_attempt_at"],
                   last_status=r["last_status"], last_error=r["last_error"], created_at=r["created_at"],
                   delivered_at=r["delivered_at"], dead_at=r["dead_at"], replays=r["replays"], url=r["url"])


_SUBSCRIPTION_COLUMNS = """s.id, s.region_code, s.audience, s.url, s.types, s.description, s.active, s.created_by,
    s.created_at"""
_DELIVERY_COLUMNS = """d.id, d.subscription_id, d.position, d.region_code, d.event_type, d.status, d.attempts,
    d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.delivered_at, d.dead_at, d.replays, s.url"""


def _check_region(region_code: str) -> None:
    try:
        region_tree().get(region_code)
    except (UnknownRegion, KeyError) as exc:
        raise unknown_region(region_code) from exc


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise InvalidInput("回调地址必须是完整的 http(s) 网址，例如 https://example.org/hooks/yibao。", field="url")
    return url


async def create_subscription(*, session: Session, access: Access, region_code: str, url: str,
                              audience: WebhookAudience = WebhookAudience.BUREAU,
                              types: Sequence[EventType] | None = None,
                              description: str = "") -> tuple[SubscriptionView, str]:
    """Register a webhook endpoint (回调订阅) for a region; returns it and its signing secret (shown once).
    It receives the events committed after this moment."""
    _check_region(region_code)
    access.require("webhook", "manage", region_code=region_code)
    clean_url = _check_url(url)
    if types is not None and not types:
        raise InvalidInput("事件类型列表不能为空；不限类型请省略该参数。", field="types")
    secret = "whsec_" + secrets.token_hex(24)
    row = await session.fetchrow(
        f"""INSERT INTO webhook_subscription AS s (region_code, audience, url, secret, types, description,
                created_by, after_position)
            VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT coalesce(max(position), 0) FROM domain_event))
            RETURNING {_SUBSCRIPTION_COLUMNS}""",
        region_code, str(audience), clean_url, secret, sorted({str(t) for t in types}) if types else None,
        description.strip()[:500], access.principal.actor)
    assert row is not None
    return SubscriptionView.from_record(row), secret


async def deactivate_subscription(*, session: Session, access: Access, id: uuid.UUID) -> SubscriptionView:
    """Stop a webhook subscription (停用): no new deliveries; pending ones are dropped by the worker."""
    row = await session.fetchrow("SELECT region_code FROM webhook_subscription WHERE id = $1", id)
    if row is None:
        raise NotFound("没有这个回调订阅，或不在您的辖区内。", field="id")
    access.require("webhook", "manage", region_code=row["region_code"])
    updated = await session.fetchrow(
        f"UPDATE webhook_subscription AS s SET active = false WHERE s.id = $1 RETURNING {_SUBSCRIPTION_COLUMNS}", id)
    assert updated is not None
    return SubscriptionView.from_record(updated)


async def list_subscriptions(*, session: Session, access: Access, region_code: str | None) -> list[SubscriptionView]:
    """The webhook subscriptions of the officer's subtree (or of ``region_code`` within it)."""
    if region_code is not None:
        _check_region(region_code)
    access.require("webhook", "manage", region_code=region_code)
    prefix = region_tree().subtree_prefix(region_code) if region_code else access.region_prefix
    rows = await session.fetch(
        f"""SELECT {_SUBSCRIPTION_COLUMNS} FROM webhook_subscription s WHERE s.region_code LIKE $1 || '%'
            ORDER BY s.created_at, s.id""", prefix)
    return [SubscriptionView.from_record(r) for r in rows]


async def dead_deliveries(*, session: Session, access: Access, region_code: str | None,
                          first: int) -> list[DeliveryView]:
    """The dead-lettered deliveries (死信) of the officer's subtree, newest first."""
    if region_code is not None:
        _check_region(region_code)
    access.require("webhook", "manage", region_code=region_code)
    prefix = region_tree().subtree_prefix(region_code) if region_code else access.region_prefix
    rows = await session.fetch(
        f"""SELECT {_DELIVERY_COLUMNS} FROM webhook_delivery d JOIN webhook_subscription s ON s.id = d.subscription_id
            WHERE d.status = 'dead' AND d.region_code LIKE $1 || '%'
            ORDER BY d.dead_at DESC, d.id DESC LIMIT $2""", prefix, first)
    return [DeliveryView.from_record(r) for r in rows]


async def replay_delivery(*, session: Session, access: Access, id: int) -> DeliveryView:
    """Send a dead-lettered delivery again (重新投递), with a fresh set of attempts and the same idempotency key."""
    row = await session.fetchrow(
        """SELECT d.region_code, d.status, s.active FROM webhook_delivery d
           JOIN webhook_subscription s ON s.id = d.subscription_id WHERE d.id = $1 FOR UPDATE OF d""", id)
    if row is None:
        raise NotFound("没有这条投递记录，或不在您的辖区内。", field="id")
    access.require("webhook", "manage", region_code=row["region_code"])
    if not row["active"]:
        raise Conflict("该回调订阅已停用，不能重新投递。", field="id")
    if row["status"] != DeliveryStatus.DEAD:
        raise Conflict(f"只有已进入死信状态的投递才能重新投递；这条投递的状态是 {row['status']}。", field="id",
                       status=row["status"])
    await session.execute(
        """UPDATE webhook_delivery SET status = 'pending', attempts = 0, replays = replays + 1, dead_at = NULL,
               next_attempt_at = now() WHERE id = $1""", id)
    updated = await session.fetchrow(
        f"""SELECT {_DELIVERY_COLUMNS} FROM webhook_delivery d JOIN webhook_subscription s ON s.id = d.subscription_id
            WHERE d.id = $1""", id)
    assert updated is not None
    await enqueue(session=session, jobs=[(id, updated["replays"], 0, 0.0)])
    return DeliveryView.from_record(updated)


async def enqueue(*, session: Session, jobs: Sequence[tuple[int, int, int, float]]) -> None:
    """Enqueue a delivery job per (delivery id, replays, attempts, delay in seconds), in the caller's transaction.

    The de-duplication key names the attempt, so an attempt is queued at most once however often it is asked
    for (the consumer, a replay, the sweeper); pgqueuer skips the duplicates."""
    if not jobs:
        return
    await session.fetch(
        _ENQUEUE,
        [0] * len(jobs),
        [DELIVER_ENTRYPOINT] * len(jobs),
        [str(delivery_id).encode() for delivery_id, _, _, _ in jobs],
        [timedelta(seconds=delay) for _, _, _, delay in jobs],
        [f"webhook:{delivery_id}:{replays}:{attempts}" for delivery_id, replays, attempts, _ in jobs],
        [None] * len(jobs))


def subscription_matches(sub: asyncpg.Record | dict[str, Any], *, position: int, event_type: EventType) -> bool:
    """Whether a subscription wants an event its scope sees: one committed after it was created, of a chosen
    type."""
    if position <= sub["after_position"]:
        return False
    return sub["types"] is None or str(event_type) in sub["types"]
