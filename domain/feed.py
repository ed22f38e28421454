"""变更订阅: the change feed other systems and dashboards follow (001 art.33), replayable from any position.

One ``FeedScope`` says which events a principal may see; it is applied both as SQL (the paged feed) and in
memory (live subscriptions), from the same fields:
- an officer: events for bureaus, in its region subtree (or a narrower region it asks for);
- a subject: the events about itself that subjects see;
- a federation client: the events for federation clients in its agreed region, in their public form;
- the public: published items and their take-down, in their public form (the ``public_event`` view).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from domain.access import Access, PrincipalKind
from domain.errors import Forbidden, InvalidInput, unknown_region
from domain.events import EVENT_COLUMNS, Audience, EventType, StoredEvent
from domain.rules.disclosure import CHINA_TIME_ZONE
from domain.session import Session
from tenants import UnknownRegion, region_tree

_CURSOR_PREFIX = "evt:"


@dataclass(frozen=True, slots=True)
class FeedScope:
    """Which events one principal may see, and in which form."""

    audience: Audience
    region_prefix: str | None = None  # None: every region
    subject_id: uuid.UUID | None = None  # set for a subject: only its own events
    public_form: bool = False  # show ``public_payload`` instead of the internal payload, and no subject id

    def sees(self, event: StoredEvent) -> bool:
        """The in-memory form of ``where``: the same test."""
        if self.audience not in event.audiences:
            return False
        if self.subject_id is not None and event.subject_id != self.subject_id:
            return False
        return self.region_prefix is None or event.region_code.startswith(self.region_prefix)

    def where(self, first_param: int) -> tuple[str, list[Any]]:
        """The SQL form of ``sees`` over ``domain_event``, with its arguments numbered from ``first_param``."""
        clauses = [f"${first_param}::text = ANY (audiences)"]
        args: list[Any] = [str(self.audience)]
        if self.subject_id is not None:
            args.append(self.subject_id)
            clauses.append(f"subject_id = ${first_param + len(args) - 1}")
        if self.region_prefix is not None:
            args.append(self.region_prefix)
            clauses.append(f"region_code LIKE ${first_param + len(args) - 1} || '%'")
        return " AND ".join(clauses), args

    def shown(self, event: StoredEvent) -> tuple[uuid.UUID | None, Mapping[str, Any]]:
        """The subject id and payload this principal is shown for a visible event."""
        if self.public_form:
            return None, event.public_payload or {}
        return event.subject_id, event.payload


def feed_scope(access: Access, *, region_code: str | None = None) -> FeedScope:
    """The scope of ``access``'s principal, narrowed to ``region_code`` if given (which must lie within it)."""
    p = access.principal
    tree = region_tree()
    if region_code is not None:
        try:
            tree.get(region_code)
        except (UnknownRegion, KeyError) as exc:
            raise unknown_region(region_code) from exc
    if p.kind is PrincipalKind.OFFICER:
        access.require("event", "read", region_code=region_code)
        prefix = tree.subtree_prefix(region_code) if region_code else access.region_prefix
        return FeedScope(audience=Audience.BUREAU, region_prefix=prefix)
    if p.kind is PrincipalKind.SUBJECT:
        access.require("event", "read", subject_id=p.id)
        return FeedScope(audience=Audience.SUBJECT, subject_id=uuid.UUID(p.id))
    if p.kind is PrincipalKind.FEDERATION:
        agreed = access.public_prefix()
        assert agreed is not None
        prefix = agreed
        if region_code is not None:
            prefix = tree.subtree_prefix(region_code)
            if not prefix.startswith(agreed):
                raise Forbidden(f"共享协议不包括行政区划 {region_code} 的数据。", resource="event", action="read",
                                region=region_code)
        return FeedScope(audience=Audience.FEDERATION, region_prefix=prefix, public_form=True)
    prefix = tree.subtree_prefix(region_code) if region_code else None
    return FeedScope(audience=Audience.PUBLIC, region_prefix=prefix, public_form=True)


def encode_position(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{position}".encode()).decode()


def decode_position(cursor: str | None) -> int:
    """The position a cursor stands for (0: the beginning); INVALID_INPUT for anything this API did not hand out."""
    if cursor is None or cursor == "":
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        position = int(text.removeprefix(_CURSOR_PREFIX))
        if position < 0:
            raise ValueError(text)
        return position
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("无法识别的游标：请使用本接口返回的 cursor 或 endCursor。", field="after") from exc


@dataclass(frozen=True)
class FeedPage:
    events: list[StoredEvent]
    has_next: bool
    end_position: int  # resume from here, even when nothing visible was found up to it


# The planner starts parallel workers for a feed page when the outbox is large; for pages of a thousand rows
# starting them costs more than it saves (about 12 ms a page on a loaded machine, bench/README.md).
_NO_PARALLEL = "SET LOCAL max_parallel_workers_per_gather = 0"


def _visible(scope: FeedScope, *, after: int, types: Collection[EventType] | None,
             limit: int) -> tuple[str, list[Any]]:
    """``FROM … WHERE …`` of the events ``scope`` may see after ``after`` ($1), of ``types`` ($2), with ``limit``
    as $3: the one scoping rule behind both the paged feed and the bulk export."""
    type_list = sorted(str(t) for t in types) if types else None
    args: list[Any] = [after, type_list, limit]
    where = "position > $1 AND ($2::text[] IS NULL OR type = ANY($2))"
    if scope.audience is Audience.PUBLIC:
        # The public role reads only the public view; its rows are already the public form.
        if scope.region_prefix is not None:
            args.append(scope.region_prefix)
            where += " AND region_code LIKE $4 || '%'"
        return f"public_event WHERE {where}", args
    clause, extra = scope.where(4)
    return f"domain_event WHERE {where} AND {clause}", [*args, *extra]


async def _horizon(*, session: Session, scope: FeedScope, after: int) -> int:
    """The newest position (of the public view for the public); INVALID_INPUT when ``after`` lies beyond it."""
    horizon = int(await session.fetchval("SELECT coalesce(max(position), 0) FROM domain_event"
                                         if not scope.public_form or scope.audience is not Audience.PUBLIC
                                         else "SELECT coalesce(max(position), 0) FROM public_event"))
    if after > horizon:
        raise InvalidInput(f"游标指向尚不存在的位置 {after}（最新位置为 {horizon}）。", field="after")
    return horizon


async def changes(*, session: Session, scope: FeedScope, after: int, types: Collection[EventType] | None,
                  first: int) -> FeedPage:
    """Events after position ``after`` that ``scope`` may see, oldest first."""
    horizon = await _horizon(session=session, scope=scope, after=after)
    if session.transactional:  # the public's connections are set this way for good (domain/db.py)
        await session.execute(_NO_PARALLEL)
    source, args = _visible(scope, after=after, types=types, limit=first + 1)
    if scope.audience is Audience.PUBLIC:
        sql = f"""SELECT position, type, region_code, NULL::uuid AS subject_id, NULL::uuid AS item_id, '' AS actor,
                         ARRAY['public'] AS audiences, payload, payload AS public_payload, occurred_at
                  FROM {source} ORDER BY position LIMIT $3"""
    else:
        sql = f"SELECT {EVENT_COLUMNS} FROM {source} ORDER BY position LIMIT $3"
    rows = await session.fetch(sql, *args)
    events = [StoredEvent.from_row(r) for r in rows]
    has_next = len(events) > first
    events = events[:first]
    # The horizon was read before the page, so the page may hold events committed since: never resume before them
    # (a reader would get them twice).
    end = events[-1].position if has_next else max(horizon, after, events[-1].position if events else 0)
    return FeedPage(events=events, has_next=has_next, end_position=end)


def export_sql(*, scope: FeedScope, after: int, types: Collection[EventType] | None,
               limit: int) -> tuple[str, list[Any]]:
    """The SELECT a bulk replay copies out: one JSON text per event that ``scope`` may see, shaped like a
    ``ChangeEvent`` of ``changes`` (type by its GraphQL name, the cursor ``encode_position`` gives, the time in
    Beijing time, and ``shown``'s subject id and payload), built by PostgreSQL so no row is decoded in Python."""
    source, args = _visible(scope, after=after, types=types, limit=limit)
    # Payloads are NOT NULL, and so is a public event's public payload (the view's payload); only an event for
    # federation clients alone might lack one.
    if scope.audience is Audience.PUBLIC:
        subject, payload = "NULL::uuid", "payload"  # the view's payload is already the public form
    elif scope.public_form:
        subject, payload = "NULL::uuid", "coalesce(public_payload, '{}'::jsonb)"
    else:
        subject, payload = "subject_id", "payload"
    # Written by concatenation rather than json_build_object, which took a third longer over 200k rows (bench/
    # README.md). Only values that cannot break a JSON string are written without to_json: the type (its CHECK
    # allows [a-z_.] only), the region code (a foreign key to GB/T 2260's six-digit codes) and a uuid.
    # The cursor: base64url of 'evt:<position>' as encode_position writes it. At most 23 bytes, so PostgreSQL's
    # base64 never wraps the line; and 'evt' then ':' and digits (bytes 0x30-0x3A) never give a 6-bit group above
    # 58, so plain base64 has no '+' or '/' to turn into base64url.
    # GraphQL names of event types are their values in capitals, '.' as '_'.
    # The time: to_json of a timestamptz in the session's TimeZone, which ``export`` sets to Beijing time.
    # Events numbered by the sequencer carry this line already (migration 0022: ``feed_line``, and ``public_line``
    # in the public form), so a replay copies stored text; the expression below is for rows written otherwise,
    # and the definition both follow (tests/e2e/test_outbox_order.py compares them).
    stored = "public_line" if scope.public_form else "feed_line"
    sql = f"""SELECT coalesce({stored}, '{{"position":' || position
                || ',"cursor":"' || encode(convert_to('{_CURSOR_PREFIX}' || position, 'UTF8'), 'base64')
                || '","type":"' || upper(translate(type, '.', '_'))
                || '","regionCode":"' || region_code
                || '","subjectId":' || coalesce('"' || {subject} || '"', 'null')
                || ',"occurredAt":' || to_json(occurred_at)
                || ',"payload":' || {payload}::text || '}}')
              FROM {source} ORDER BY position LIMIT $3"""
    return sql, args


async def export(*, session: Session, scope: FeedScope, after: int, types: Collection[EventType] | None,
                 limit: int, output: Callable[[bytes], Awaitable[None]], statement_timeout_ms: int = 0) -> None:
    """批量回放: copy the events ``changes`` would page through to ``output`` as newline-delimited JSON, with
    PostgreSQL's COPY, in chunks as they come (constant memory at any size). ``session`` is the caller's own
    transaction, so row-level security applies; the cursor was checked with ``check_after``."""
    await session.execute(_NO_PARALLEL)
    await session.execute("SELECT set_config('statement_timeout', $1, true), set_config('TimeZone', $2, true)",
                          str(statement_timeout_ms), CHINA_TIME_ZONE)
    sql, args = export_sql(scope=scope, after=after, types=types, limit=limit)
    # CSV with a delimiter and a quote character that JSON text never holds raw (it escapes control characters)
    # writes each value untouched, one per line; COPY's text format would double every backslash.
    await session.conn.copy_from_query(sql, *args, output=output, format="csv", delimiter="\x02", quote="\x01")


async def check_after(*, session: Session, scope: FeedScope, after: int) -> None:
    """INVALID_INPUT when ``after`` lies beyond the newest position: the export's check, made before it streams."""
    await _horizon(session=session, scope=scope, after=after)
