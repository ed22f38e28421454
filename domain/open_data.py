"""开放数据: everything currently public in a region subtree as CSV or JSON Lines, and the items taken down since.

The export reads only the public views (``public_item``, ``public_event``) in a transaction under the public
role, so what it shows is redacted exactly as the API's public answers are: it cannot see a column the public
cannot. Rows leave PostgreSQL through ``COPY (SELECT …) TO STDOUT`` (asyncpg ``copy_from_query``) into a small
bounded queue that the caller drains, so memory stays flat at any size: COPY waits while the queue is full.
The columns are versioned (``SCHEMA_VERSION``; docs/OPEN_DATA.md lists them): a change that renames, removes or
re-means a column takes a new version, adding one at the end does not.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date
from enum import StrEnum
from pathlib import Path

from domain.db import Database
from domain.db_scope import PUBLIC_ROLE, DbScope
from domain.errors import InvalidInput, unknown_region
from domain.events import EventType
from domain.rules.disclosure import CHINA_TIME_ZONE
from domain.session import Session
from tenants import region_tree

SCHEMA_VERSION = 1


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


# (column, SQL over public_item i): the documented columns of version 1, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "i.id"),
    ("item_type", "i.item_type"),
    ("category", "i.category"),
    ("kind", "i.kind"),
    ("region_code", "i.region_code"),
    ("publisher_region", "i.publisher_region"),
    ("published_at", "i.published_at"),
    ("public_until", "i.public_until"),
    ("institution_code", "i.public_key"),
    ("institution_name", "i.public_name"),
    ("grade", "i.grade"),
    ("cycle_year", "i.cycle_year"),
    ("payload", "i.public_payload"),
)
HEADER = tuple(name for name, _ in COLUMNS)
# Timestamps are written as the API writes them: ISO 8601 in Beijing time (+08:00), the export's TimeZone; in CSV
# through to_json, since a timestamptz's own text form has a space and a bare "+08".
_TIMESTAMPS = frozenset({"published_at", "public_until"})

# Taken down: withdrawn after publication, or past the end of its window (announced by the expiry job).
TAKEDOWN_TYPES = (str(EventType.PUBLICATION_WITHDRAWN), str(EventType.PUBLICATION_EXPIRED))

# JSON Lines go out through COPY's CSV format with a quote and a delimiter JSON text never contains raw (it
# escapes every control character), so each line is the JSON text as it is; the text format would double
# every backslash.
_RAW_LINES = {"format": "csv", "delimiter": "\x02", "quote": "\x01"}
# A download is one statement as long as the client takes to read it (COPY waits on a full queue), so the
# request limit (10 s by default) would cut any large export; it gets this one instead.
EXPORT_TIMEOUT_MS = 600_000
_QUEUE_CHUNKS = 16  # COPY's chunks are ~64 kB at most: the export holds about a megabyte whatever its size


def region_prefix(region_code: str) -> str:
    """The subtree prefix of a region, or INVALID_INPUT for an unknown code."""
    tree = region_tree()
    if tree.find(region_code) is None:
        raise unknown_region(region_code, field="region")
    return tree.subtree_prefix(region_code)


def export_sql(fmt: ExportFormat) -> str:
    """The export's ``SELECT`` over the public view ($1: the subtree prefix), in id order."""
    if fmt is ExportFormat.CSV:
        select = ", ".join(f"{_iso(sql) if name in _TIMESTAMPS else sql} AS {name}" for name, sql in COLUMNS)
    else:
        pairs = ", ".join(f"'{name}', {sql}" for name, sql in COLUMNS)
        select = f"json_build_object('schemaVersion', {SCHEMA_VERSION}, {pairs})::text"
    return f"SELECT {select} FROM public_item i WHERE i.region_code LIKE $1 || '%' ORDER BY i.id"


def _iso(sql: str) -> str:
    return f"(to_json({sql}) #>> '{{}}')"


def takedowns_sql() -> str:
    """The take-downs of a subtree after a feed position ($1 prefix, $2 position), as JSON text lines."""
    types = ", ".join(f"'{t}'" for t in TAKEDOWN_TYPES)
    return f"""SELECT json_build_object('position', e.position, 'type', e.type, 'occurredAt', e.occurred_at,
                   'id', e.payload->>'publicationId', 'itemType', e.payload->>'itemType',
                   'regionCode', e.region_code)::text
               FROM public_event e
               WHERE e.type IN ({types}) AND e.region_code LIKE $1 || '%' AND e.position > $2
               ORDER BY e.position"""


async def feed_cursor(session: Session) -> int:
    """The public feed's last position: a snapshot taken now, then asked for take-downs ``since`` it, misses none."""
    return int(await session.fetchval("SELECT COALESCE(max(position), 0) FROM public_event"))


def parse_since(value: str | None) -> int:
    """A take-down cursor (a feed position from an earlier snapshot), or INVALID_INPUT."""
    if value is None or value == "":
        return 0
    try:
        since = int(value)
    except ValueError:
        since = -1
    if since < 0:
        raise InvalidInput(f"since 应为之前快照给出的非负整数游标；收到的是 {value!r}。",
                           en=f"since must be a non-negative cursor from an earlier snapshot; got {value!r}.",
                           field="since")
    return since


async def copy_chunks(session: Session, sql: str, *args: object, header: bool,
                      fmt: ExportFormat) -> AsyncIterator[bytes]:
    """Stream ``COPY (sql) TO STDOUT`` in chunks through a bounded queue (constant memory)."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=_QUEUE_CHUNKS)

    async def sink(chunk: bytes) -> None:
        await queue.put(bytes(chunk))

    options = {"format": "csv", "header": header} if fmt is ExportFormat.CSV else dict(_RAW_LINES)

    async def run() -> None:
        try:
            await session.conn.copy_from_query(sql, *args, output=sink, **options)
        finally:
            await queue.put(None)

    task = asyncio.create_task(run())
    try:
        while (chunk := await queue.get()) is not None:
            yield chunk
        await task  # raises what COPY raised
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def export_public(*, db: Database, region_code: str, fmt: ExportFormat) -> tuple[int, AsyncIterator[bytes]]:
    """开放数据导出: the snapshot's feed cursor and the stream of every public item of a region subtree, read
    under the public role from the public view only."""
    return await _public_stream(db, export_sql(fmt), region_prefix(region_code), header=True, fmt=fmt)


async def export_takedowns(*, db: Database, region_code: str, since: int) -> tuple[int, AsyncIterator[bytes]]:
    """下架清单: the feed cursor now and the items of a region subtree taken down after ``since`` (JSON Lines)."""
    return await _public_stream(db, takedowns_sql(), region_prefix(region_code), since, header=False,
                                fmt=ExportFormat.JSONL)


async def _public_stream(db: Database, sql: str, *args: object, header: bool,
                         fmt: ExportFormat) -> tuple[int, AsyncIterator[bytes]]:
    """The feed cursor now and a COPY stream of ``sql``, in one public-role transaction held open while the
    client reads (ended, rolled back, when the stream ends or the client leaves)."""
    session = await db.begin(DbScope(role=PUBLIC_ROLE, actor="open-data"))
    try:
        await session.execute("SELECT set_config('statement_timeout', $1, true), set_config('TimeZone', $2, true)",
                              str(EXPORT_TIMEOUT_MS), CHINA_TIME_ZONE)
        cursor = await feed_cursor(session)
    except BaseException:
        await db.end(session, commit=False)
        raise

    async def stream() -> AsyncIterator[bytes]:
        try:
            async for chunk in copy_chunks(session, sql, *args, header=header, fmt=fmt):
                yield chunk
        finally:
            await db.end(session, commit=False)

    return cursor, stream()


def snapshot_regions(configured: str | None) -> list[str]:
    """The regions a daily snapshot covers: a comma-separated list, or every province of the tree."""
    if configured and configured.strip():
        codes = [c.strip() for c in configured.split(",") if c.strip()]
        for code in codes:
            region_prefix(code)
        return codes
    return sorted(r.code for r in region_tree() if r.parent_code is None)


async def write_snapshot(*, db: Database, region_code: str, folder: Path, day: date,
                         fmt: ExportFormat = ExportFormat.CSV) -> Path:
    """每日快照: write a region's export to ``folder/{region}-{day}.{fmt}`` and its feed cursor beside it
    (``.cursor``); the file appears whole or not at all (written under a temporary name, then renamed)."""
    target = folder / f"{region_code}-{day.isoformat()}.{fmt}"
    partial = folder / f".{target.name}.partial"
    cursor, stream = await export_public(db=db, region_code=region_code, fmt=fmt)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    out = await asyncio.to_thread(partial.open, "wb")
    try:
        async for chunk in stream:
            await asyncio.to_thread(out.write, chunk)
    finally:
        await asyncio.to_thread(out.close)
    await asyncio.to_thread(partial.replace, target)
    await asyncio.to_thread((folder / f"{region_code}-{day.isoformat()}.cursor").write_text, f"{cursor}\n")
    return target
