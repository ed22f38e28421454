"""Webhooks over real HTTP from a real worker (pgqueuer) on a database whose commits are real.

The receivers are Starlette apps served by uvicorn on loopback ports; the worker runs the jobs the webhooks
consumer enqueued; subscriptions, dead letters and replay go through the GraphQL API with real tokens.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from api.worker import Worker
from domain.consumers import webhooks as webhook_consumer
from domain.consumers.bus import drain
from domain.db import Database
from domain.db_scope import DbScope
from domain.events import DomainEvent, EventType
from domain.rules.webhook_retry import RetryPolicy
from domain.rules.webhook_signature import verify
from domain.webhook_delivery import DeliverySettings
from tests.conftest import TEST_DATABASE
from tests.support.delivery import HANG, Receiver, committed_database, eventually, serving
from tests.support.factories import GraphQL, error_codes, officer

FAST = DeliverySettings(retry=RetryPolicy(base_seconds=0.05, cap_seconds=0.2, max_attempts=3), timeout_seconds=0.5)

CREATE = """mutation($region: String!, $url: String!, $audience: WebhookAudience, $types: [EventType!]) {
  createWebhookSubscription(regionCode: $region, url: $url, audience: $audience, types: $types) {
    secret subscription { id regionCode audience url active } } }"""
DEAD = """query($region: String) { deadWebhookDeliveries(regionCode: $region) {
  id subscriptionId position idempotencyKey status attempts lastStatus lastError eventType } }"""
REPLAY = "mutation($id: ID!) { replayWebhookDelivery(id: $id) { id status attempts replays } }"


@pytest.fixture(scope="module")
async def real_db(pg_url: str, pg_admin_url: str) -> AsyncIterator[Database]:
    async with committed_database(pg_admin_url, TEST_DATABASE, tag="delivery") as url:
        db = await Database.connect(url, min_size=2, max_size=8)
        try:
            yield db
        finally:
            await db.close()


@pytest.fixture(scope="module")
async def worker(real_db: Database) -> AsyncIterator[Worker]:
    w = Worker(db=real_db, settings=FAST, schedules=False, dequeue_timeout=timedelta(seconds=0.5))
    await w.start()
    try:
        yield w
    finally:
        await w.stop()


@pytest.fixture
async def gql(real_db: Database, settings: Settings) -> AsyncIterator[GraphQL]:
    app = create_app(settings=settings, database=real_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQL(client=http, settings=settings)


async def subscribe(gql: GraphQL, url: str, *, region: str = "340102", audience: str = "BUREAU",
                    types: list[str] | None = None) -> tuple[str, str]:
    body = await gql(CREATE, {"region": region, "url": url, "audience": audience, "types": types},
                     as_=officer(region))
    assert "errors" not in body, body
    created = body["data"]["createWebhookSubscription"]
    return created["subscription"]["id"], created["secret"]


async def stop_all(db: Database) -> None:
    """Stop every subscription, so a later test's events are not sent to an earlier test's receiver."""
    async with db.session(DbScope.system()) as s:
        await s.execute("UPDATE webhook_subscription SET active = false")


async def emit(db: Database, *events: DomainEvent) -> list[int]:
    """Commit events (as a service would) and run the webhooks consumer; their positions."""
    async with db.session(DbScope.system(actor="test")) as s:
        for e in events:
            s.emit(e)
    last = s.last_position
    assert last is not None
    await drain(db, webhook_consumer.CONSUMER)
    return list(range(last - len(events) + 1, last + 1))


def warning(region: str) -> DomainEvent:
    """A bureau-only event."""
    return DomainEvent(type=EventType.WARNING_RAISED, region_code=region, actor="test",
                       subject_id=uuid.uuid4(), payload={"note": f"warning in {region}"})


def public_event(region: str) -> DomainEvent:
    pub = str(uuid.uuid4())
    return DomainEvent(type=EventType.PUBLICATION_EXPIRED, region_code=region, actor="test",
                       subject_id=uuid.uuid4(), item_id=uuid.UUID(pub),
                       payload={"publicationId": pub, "internal": "not for the public"},
                       public_payload={"publicationId": pub, "regionCode": region})


async def delivery_status(db: Database, subscription_id: str, position: int) -> dict[str, Any] | None:
    async with db.session(DbScope.system()) as s:
        row = await s.fetchrow("""SELECT id, status, attempts, last_status, last_error, replays
                                  FROM webhook_delivery WHERE subscription_id = $1 AND position = $2""",
                               uuid.UUID(subscription_id), position)
    return dict(row) if row else None


async def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_try_signed_with_one_idempotency_key(
        real_db: Database, worker: Worker, gql: GraphQL) -> None:
    async with serving(Receiver(port=8161, script=[500, 500])) as receiver:
        sub_id, secret = await subscribe(gql, receiver.url)
        try:
            (position,) = await emit(real_db, warning("340102"))

            async def delivered() -> bool:
                d = await delivery_status(real_db, sub_id, position)
                return d is not None and d["status"] == "delivered"

            await eventually(delivered)
        finally:
            await stop_all(real_db)
    assert len(receiver.calls) == 3
    keys = {c.headers["x-yibao-idempotency-key"] for c in receiver.calls}
    assert keys == {f"{position}:{sub_id}"}
    assert {c.body for c in receiver.calls} == {receiver.calls[0].body}
    for call in receiver.calls:
        assert verify(secret, call.headers["x-yibao-signature"], call.body, now=int(time.time()))
        assert not verify("whsec_wrong", call.headers["x-yibao-signature"], call.body, now=int(time.time()))
        assert call.headers["x-yibao-event-type"] == "warning.raised"
    doc = json.loads(receiver.calls[2].body)
    assert doc["position"] == position and doc["type"] == "warning.raised" and doc["regionCode"] == "340102"
    assert doc["payload"] == {"note": "warning in 340102"}
    # back-off: the retries waited (base 0.05 s, then 0.1 s, each at least half with jitter)
    gaps = [b.at - a.at for a, b in zip(receiver.calls, receiver.calls[1:], strict=False)]
    assert gaps[0] >= 0.025 and gaps[1] >= 0.05
    final = await delivery_status(real_db, sub_id, position)
    assert final is not None and final["attempts"] == 3 and final["last_status"] == 200


async def test_a_receiver_that_never_answers_ends_dead_lettered_and_replay_delivers_it_once_it_answers(
        real_db: Database, worker: Worker, gql: GraphQL) -> None:
    async with serving(Receiver(port=8162, default=HANG)) as receiver:
        sub_id, secret = await subscribe(gql, receiver.url)
        try:
            (position,) = await emit(real_db, warning("340102"))

            async def dead() -> bool:
                d = await delivery_status(real_db, sub_id, position)
                return d is not None and d["status"] == "dead"

            await eventually(dead)
            assert len(receiver.calls) == FAST.retry.max_attempts

            listed = await gql(DEAD, {"region": "340102"}, as_=officer("340100"))
            assert "errors" not in listed, listed
            mine = [d for d in listed["data"]["deadWebhookDeliveries"] if d["subscriptionId"] == sub_id]
            assert len(mine) == 1
            assert mine[0]["position"] == position and mine[0]["attempts"] == 3
            assert mine[0]["lastStatus"] is None and "Timeout" in mine[0]["lastError"]
            assert mine[0]["idempotencyKey"] == f"{position}:{sub_id}"
            # another region's bureau sees none of it
            other = await gql(DEAD, {}, as_=officer("340200"))
            assert all(d["subscriptionId"] != sub_id for d in other["data"]["deadWebhookDeliveries"])

            receiver.default = 200
            replayed = await gql(REPLAY, {"id": mine[0]["id"]}, as_=officer("340102"))
            assert "errors" not in replayed, replayed
            assert replayed["data"]["replayWebhookDelivery"]["status"] == "PENDING"

            async def delivered() -> bool:
                d = await delivery_status(real_db, sub_id, position)
                return d is not None and d["status"] == "delivered"

            await eventually(delivered)
            again = await gql(REPLAY, {"id": mine[0]["id"]}, as_=officer("340102"))
            assert error_codes(again) == ["CONFLICT"]
        finally:
            await stop_all(real_db)
    last = receiver.calls[-1]
    assert len(receiver.calls) == FAST.retry.max_attempts + 1
    assert last.headers["x-yibao-idempotency-key"] == f"{position}:{sub_id}"
    assert verify(secret, last.headers["x-yibao-signature"], last.body, now=int(time.time()))


async def test_an_event_outside_the_subscriptions_scope_is_never_delivered(
        real_db: Database, worker: Worker, gql: GraphQL) -> None:
    async with serving(Receiver(port=8163)) as bureau_rx, serving(Receiver(port=8164)) as public_rx:
        bureau_id, _ = await subscribe(gql, bureau_rx.url, audience="BUREAU")
        public_id, _ = await subscribe(gql, public_rx.url, audience="PUBLIC")
        try:
            sibling, internal, published = await emit(real_db, warning("340103"), warning("340102"),
                                                      public_event("340102"))
            await eventually(lambda: len(bureau_rx.calls) >= 2 and len(public_rx.calls) >= 1)
            await asyncio.sleep(0.3)  # anything wrongly queued would have arrived by now
            async with real_db.session(DbScope.system()) as s:
                rows = await s.fetch("SELECT subscription_id, position FROM webhook_delivery WHERE position = ANY($1)",
                                     [sibling, internal, published])
        finally:
            await stop_all(real_db)
    assert sorted(json.loads(c.body)["position"] for c in bureau_rx.calls) == [internal, published]
    assert [json.loads(c.body)["position"] for c in public_rx.calls] == [published]
    public_doc = json.loads(public_rx.calls[0].body)
    assert public_doc["subjectId"] is None and "internal" not in public_doc["payload"]
    assert {(str(r["subscription_id"]), r["position"]) for r in rows} == {
        (bureau_id, internal), (bureau_id, published), (public_id, published)}


async def test_a_subscription_for_a_region_outside_the_officers_subtree_is_refused(gql: GraphQL) -> None:
    body = await gql(CREATE, {"region": "340103", "url": "https://example.org/h"}, as_=officer("340102"))
    assert error_codes(body) == ["FORBIDDEN"]
    bad_url = await gql(CREATE, {"region": "340102", "url": "ftp://example.org/h"}, as_=officer("340102"))
    assert error_codes(bad_url) == ["INVALID_INPUT"]
    unknown = await gql(CREATE, {"region": "999999", "url": "https://example.org/h"}, as_=officer("340102"))
    assert error_codes(unknown) == ["INVALID_INPUT"]
    anonymous = await gql(DEAD, {})
    assert error_codes(anonymous) == ["FORBIDDEN"]


async def test_events_committed_before_a_subscription_existed_are_not_sent_to_it(
        real_db: Database, worker: Worker, gql: GraphQL) -> None:
    async with serving(Receiver(port=8165)) as receiver:
        async with real_db.session(DbScope.system(actor="test")) as s:
            s.emit(warning("340102"))
        await subscribe(gql, receiver.url)
        try:
            (position,) = await emit(real_db, warning("340102"))
            await eventually(lambda: len(receiver.calls) >= 1)
            await asyncio.sleep(0.2)
        finally:
            await stop_all(real_db)
    assert [json.loads(c.body)["position"] for c in receiver.calls] == [position]


async def test_a_pending_delivery_whose_job_was_lost_is_queued_again_by_the_sweep(
        real_db: Database, worker: Worker, gql: GraphQL) -> None:
    from domain.webhook_delivery import requeue_overdue

    async with serving(Receiver(port=8166)) as receiver:
        sub_id, _ = await subscribe(gql, receiver.url)
        try:
            async with real_db.session(DbScope.system(actor="test")) as s:
                s.emit(warning("340102"))
            position = s.last_position
            # the delivery row exists but its job is gone (as after a failed job or a restored backup)
            async with real_db.session(DbScope.system()) as s:
                await s.execute("""INSERT INTO webhook_delivery (subscription_id, position, region_code, event_type,
                                       next_attempt_at) VALUES ($1, $2, '340102', 'warning.raised',
                                       now() - interval '1 hour')""", uuid.UUID(sub_id), position)
                await s.execute("UPDATE event_consumer SET position = $1 WHERE name = 'webhooks'", position)
            assert await requeue_overdue(db=real_db, settings=FAST) >= 1
            await eventually(lambda: len(receiver.calls) >= 1)
        finally:
            await stop_all(real_db)
    assert json.loads(receiver.calls[0].body)["position"] == position


DEACTIVATE = "mutation($id: ID!) { deactivateWebhookSubscription(id: $id) { id active } }"


async def test_a_stopped_subscription_receives_nothing_more_and_its_dead_letters_cannot_be_replayed(
        real_db: Database, worker: Worker, gql: GraphQL) -> None:
    async with serving(Receiver(port=8168, default=500)) as receiver:
        sub_id, _ = await subscribe(gql, receiver.url)
        try:
            (position,) = await emit(real_db, warning("340102"))

            async def dead() -> bool:
                d = await delivery_status(real_db, sub_id, position)
                return d is not None and d["status"] == "dead"

            await eventually(dead)
            stopped = await gql(DEACTIVATE, {"id": sub_id}, as_=officer("340100"))
            assert stopped["data"]["deactivateWebhookSubscription"]["active"] is False
            calls = len(receiver.calls)
            (later,) = await emit(real_db, warning("340102"))
            await asyncio.sleep(0.3)
            assert len(receiver.calls) == calls
            assert await delivery_status(real_db, sub_id, later) is None
            dead_row = await delivery_status(real_db, sub_id, position)
            assert dead_row is not None
            refused = await gql(REPLAY, {"id": str(dead_row["id"])}, as_=officer("340102"))
            assert error_codes(refused) == ["CONFLICT"]
            foreign = await gql(DEACTIVATE, {"id": sub_id}, as_=officer("340200"))
            assert error_codes(foreign) == ["NOT_FOUND"]
        finally:
            await stop_all(real_db)
