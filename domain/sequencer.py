"""事件定序: positions for committed outbox events, one database call per process at a time (migration 0022).

A transaction that wrote events learns their positions right after its commit (the request then drains the
consumers of its own events, so the caller reads its own writes). If every such transaction called the
sequencer itself, they would queue on its lock, each run paying its own commit: the serialisation the pending
outbox removed from the writers would come back after the commit. So the transactions of one process that wait
at the same moment share one call, like PostgreSQL's group commit: the first one runs it, on its own connection,
for every id waiting then; the others wait for that call (or for the next one, if they arrived while it ran).
A leader does not linger to gather more: waiting 1–3 ms for later commits made larger batches (3–4 ids a call
instead of 2) but cost more throughput than it saved (bench/README.md).

A transaction whose events no consumer needs before its caller hears back (a record entered: only the webhooks
follow it, and they are delivered later anyway) does not wait at all: it calls ``nudge``, and the process's
background run sequences whatever has committed, as many writers' events as arrived meanwhile, off every
writer's path. Its NOTIFY then wakes the listeners, which drain the consumers (api/listener.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence

import asyncpg

_log = logging.getLogger("yibao.sequencer")

# Positions of the given pending ids ($1), after sequencing whatever has committed (NULL: only that).
SEQUENCE_EVENTS = "SELECT outbox_id, position FROM yibao_sequence_events($1::bigint[])"


async def sequence(conn: asyncpg.Connection, ids: Sequence[int] | None) -> Mapping[int, int]:
    """One sequencer run on ``conn`` (outside a transaction, or inside one that may hold its lock to its end)."""
    rows = await conn.fetch(SEQUENCE_EVENTS, list(ids) if ids is not None else None)
    return {r["outbox_id"]: r["position"] for r in rows}


class Sequencer:
    """Batches the post-commit sequencer calls of one process (one per ``Database``)."""

    def __init__(self) -> None:
        self.calls = 0  # sequencer calls made, and the ids they were made for (bench/bench_events.py prints them)
        self.sequenced = 0
        self._waiting: dict[int, asyncio.Future[int | None]] = {}
        self._running: asyncio.Event | None = None  # set when the call under way ends
        self._nudged: asyncio.Event | None = None  # set when committed events wait for the background run
        self._background: asyncio.Task[None] | None = None

    async def position(self, conn: asyncpg.Connection, outbox_id: int) -> int | None:
        """The position of the committed pending event ``outbox_id``; ``conn`` is the caller's own (idle)
        connection, used if this caller runs the shared call."""
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting[outbox_id] = future
        while not future.done():
            if self._running is not None:
                await self._running.wait()  # a call is under way; it may not have taken our id
                continue
            running = self._running = asyncio.Event()
            batch, self._waiting = self._waiting, {}
            self.calls += 1
            self.sequenced += len(batch)
            try:
                positions = await sequence(conn, list(batch))
            except BaseException:
                # Hand the ids back: the next waiter runs the call (or its owner sees the error if it is ours).
                for key, waiter in batch.items():
                    if waiter is not future and not waiter.done():
                        self._waiting[key] = waiter
                raise
            finally:
                self._running = None
                running.set()
            for key, waiter in batch.items():
                if not waiter.done():
                    waiter.set_result(positions.get(key))
        return future.result()

    def nudge(self, pool: asyncpg.Pool) -> None:
        """Have whatever has committed sequenced soon, by this process's background run on a connection of
        ``pool``; the caller does not wait (it learns no positions)."""
        if self._nudged is None:
            self._nudged = asyncio.Event()
        self._nudged.set()
        if self._background is None or self._background.done():
            self._background = asyncio.get_running_loop().create_task(self._run_background(pool, self._nudged))

    async def _run_background(self, pool: asyncpg.Pool, nudged: asyncio.Event) -> None:
        while True:
            await nudged.wait()
            nudged.clear()  # commits from now on are after this run's snapshot: they set it again
            try:
                async with pool.acquire() as conn:
                    await sequence(conn, None)
                self.calls += 1
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as exc:
                # Committed events are never lost: the next run, or any listener's catch-up timer, numbers them.
                _log.warning("background sequencing failed: %s: %s", type(exc).__name__, exc)
                await asyncio.sleep(0.5)

    async def close(self, pool: asyncpg.Pool | None = None) -> None:
        """Stop the background run; with ``pool``, first sequence what the last nudges left (a clean shutdown)."""
        if self._background is None:
            return
        task, self._background = self._background, None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if pool is not None:
            with contextlib.suppress(asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                async with pool.acquire() as conn:
                    await sequence(conn, None)
