"""The background worker: webhook deliveries, their retries, and the scheduled jobs, on pgqueuer.

``yibao worker`` runs it alone (and drains the event consumers, which enqueue the deliveries); ``yibao serve``
runs it in-process next to the API, so ``./dev serve`` needs no extra service. Several workers may run at once:
pgqueuer hands each job to one of them (``FOR UPDATE SKIP LOCKED``), re-picks the jobs of a worker that died,
and its scheduler runs each cron entry once per tick across all of them.

Jobs:
- ``webhook.deliver``: one attempt of one delivery (``domain.webhook_delivery.attempt_delivery``);
- ``webhook.requeue`` (every minute): queue again pending deliveries whose job was lost;
- ``publication.expire`` (every minute): announce ended disclosure windows (``domain.expiry``);
- ``open_data.snapshot`` (daily, 02:00 UTC, only when ``YIBAO_OPEN_DATA_DIR`` is set): write each region's
  open-data CSV and its feed cursor there (``domain.open_data.write_snapshot``; regions from
  ``YIBAO_OPEN_DATA_REGIONS``, default every province).

Settings (environment): ``YIBAO_WEBHOOK_BACKOFF_BASE`` (seconds before the 2nd attempt, default 1),
``YIBAO_WEBHOOK_BACKOFF_CAP`` (300), ``YIBAO_WEBHOOK_MAX_ATTEMPTS`` (8), ``YIBAO_WEBHOOK_TIMEOUT`` (10 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from pgqueuer import PgQueuer
from pgqueuer.adapters.persistence.qb import QueryBuilderEnvironment, QueryQueueBuilder, QuerySchedulerBuilder
from pgqueuer.db import AsyncpgPoolDriver
from pgqueuer.models import Job, Schedule
from pgqueuer.queries import Queries
from starlette.applications import Starlette

from api.listener import EventListener
from domain.consumers import CONSUMERS
from domain.db import Database
from domain.db_scope import APP_ROLE
from domain.exchange.push import deliver_pending_pushes
from domain.expiry import announce_expiries
from domain.open_data import snapshot_regions, write_snapshot
from domain.rules.webhook_retry import RetryPolicy
from domain.webhook_delivery import DeliverySettings, attempt_delivery, requeue_overdue
from domain.webhooks import DELIVER_ENTRYPOINT, JOB_QUEUE

log = logging.getLogger("yibao.worker")
EVERY_MINUTE = "* * * * *"
DAILY_SNAPSHOT = "0 2 * * *"


def delivery_settings(env: Mapping[str, str] | None = None) -> DeliverySettings:
    """The delivery settings from the environment (defaults: 1 s doubling to 300 s, 8 attempts, 10 s timeout)."""
    env = os.environ if env is None else env
    retry = RetryPolicy(base_seconds=float(env.get("YIBAO_WEBHOOK_BACKOFF_BASE", "1")),
                        cap_seconds=float(env.get("YIBAO_WEBHOOK_BACKOFF_CAP", "300")),
                        max_attempts=int(env.get("YIBAO_WEBHOOK_MAX_ATTEMPTS", "8")))
    return DeliverySettings(retry=retry, timeout_seconds=float(env.get("YIBAO_WEBHOOK_TIMEOUT", "10")))


async def _as_app_role(conn: asyncpg.Connection) -> None:
    await conn.execute(f"SET ROLE {APP_ROLE}")


class Worker:
    """pgqueuer's queue manager and scheduler with our jobs, on a pool of its own (pgqueuer's queries expect
    asyncpg's default codecs, and its LISTEN connection should not take one of the API's)."""

    def __init__(self, *, db: Database, settings: DeliverySettings | None = None, drain_consumers: bool = False,
                 dequeue_timeout: timedelta = timedelta(seconds=5), schedules: bool = True) -> None:
        assert db.url is not None, "the worker needs a database opened with Database.connect(url)"
        self.db = db
        self.settings = settings or delivery_settings()
        self.drain_consumers = drain_consumers
        self.dequeue_timeout = dequeue_timeout
        self.schedules = schedules
        self._pool: asyncpg.Pool | None = None
        self._http: httpx.AsyncClient | None = None
        self._pgq: PgQueuer | None = None
        self._task: asyncio.Task[None] | None = None
        self._listener: EventListener | None = None

    def _build(self, pool: asyncpg.Pool, http: httpx.AsyncClient) -> PgQueuer:
        driver = AsyncpgPoolDriver(pool)
        queries = Queries(driver, qbe=QueryBuilderEnvironment(JOB_QUEUE), qbq=QueryQueueBuilder(JOB_QUEUE),
                          qbs=QuerySchedulerBuilder(JOB_QUEUE))
        pgq = PgQueuer(connection=driver, queries=queries)
        db, settings = self.db, self.settings

        @pgq.entrypoint(DELIVER_ENTRYPOINT)
        async def deliver(job: Job) -> None:
            assert job.payload is not None
            await attempt_delivery(db=db, delivery_id=int(job.payload.decode()), settings=settings, http=http)

        if self.schedules:
            @pgq.schedule("webhook.requeue", EVERY_MINUTE)
            async def requeue(schedule: Schedule) -> None:
                n = await requeue_overdue(db=db, settings=settings)
                if n:
                    log.warning("requeued %s webhook deliveries whose job was lost", n)

            platform = os.environ.get("YIBAO_PLATFORM_PUSH_URL")
            if platform:
                @pgq.schedule("platform.push", EVERY_MINUTE)
                async def push(schedule: Schedule) -> None:
                    # 001 art.5: penalties and the serious-dishonesty list to the provincial credit platform;
                    # failed pushes back off and are retried here (domain/exchange/push.py keeps the log)
                    done = await deliver_pending_pushes(db=db, url=platform)
                    if done.acknowledged or done.failed:
                        log.info("platform push: %s acknowledged, %s failed", done.acknowledged, done.failed)

            @pgq.schedule("publication.expire", EVERY_MINUTE)
            async def expire(schedule: Schedule) -> None:
                n = await announce_expiries(db=db)
                if n:
                    log.info("announced %s ended disclosure windows", n)

            if os.environ.get("YIBAO_OPEN_DATA_DIR"):
                @pgq.schedule("open_data.snapshot", DAILY_SNAPSHOT)
                async def snapshot(schedule: Schedule) -> None:
                    folder = Path(os.environ["YIBAO_OPEN_DATA_DIR"])
                    for region in snapshot_regions(os.environ.get("YIBAO_OPEN_DATA_REGIONS")):
                        written = await write_snapshot(db=db, region_code=region, folder=folder, day=date.today())
                        log.info("open-data snapshot %s", written)

        return pgq

    async def start(self) -> None:
        """Start processing in the background; returns at once."""
        assert self.db.url is not None
        # Jobs run as the app role: the API's login role (0008) owns nothing and holds no rights of its own.
        self._pool = await asyncpg.create_pool(self.db.url, min_size=1, max_size=4, init=_as_app_role)
        self._http = httpx.AsyncClient(follow_redirects=False)
        self._pgq = self._build(self._pool, self._http)
        if self.drain_consumers:
            # Alone, the worker also runs the consumers (they enqueue the deliveries) on every commit.
            self._listener = EventListener(db=self.db, on_public_change=lambda: None, consumers=CONSUMERS)
            await self._listener.start()
        # Jobs are spread over workers by the queue; heartbeats let another worker take over a dead one's jobs.
        self._task = asyncio.create_task(
            self._pgq.run(dequeue_timeout=self.dequeue_timeout, batch_size=10,
                          heartbeat_timeout=timedelta(seconds=max(30.0, 3 * self.settings.timeout_seconds))),
            name="yibao-worker")

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.stop()
        if self._pgq is not None:
            self._pgq.shutdown.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=self.settings.timeout_seconds + 5)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task
            except Exception as exc:
                log.warning("worker stopped with %s: %s", type(exc).__name__, exc)
        if self._http is not None:
            await self._http.aclose()
        if self._pool is not None:
            await self._pool.close()

    async def wait(self) -> None:
        """Until the worker stops (or fails)."""
        assert self._task is not None
        await self._task


def run_beside(app: Starlette) -> None:
    """Run the background worker (webhooks, expiry) in an API process, started and stopped with the app's
    lifespan and on its database, so that ``./dev serve`` needs no extra service."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Starlette) -> AsyncIterator[Any]:
        async with inner(a) as state:
            worker = Worker(db=a.state.db)
            await worker.start()
            try:
                yield state
            finally:
                await worker.stop()

    app.router.lifespan_context = lifespan
