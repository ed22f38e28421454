"""``GET /feed.ndjson``: the change feed in bulk, for mirrors and other systems that replay it (001 art.33).

The same events ``changes`` pages through, in the same scope (``domain.feed.feed_scope``, row-level security
on), as newline-delimited JSON: one ``ChangeEvent``-shaped object a line, oldest first. PostgreSQL writes the
lines itself (``COPY (SELECT <one JSON text per event> …) TO STDOUT`` through asyncpg's ``copy_from_query``)
and they are passed on as they come, so Python never decodes a row and memory stays constant at any size. The
lines are stored by the sequencer when it numbers the events (migration 0022), so PostgreSQL copies text rather
than building JSON per row: a replay runs at about 0.7× a plain COPY of the same rows (issue 7 wants 0.5×;
bench/README.md); a million rows decoded into Python come to about 0.1×.

Every refusal (bad token, rate limit, bad cursor, unknown type, a region outside the caller's scope, a bad limit)
is answered before the first byte, as JSON with the codes and messages the GraphQL ``changes`` gives. NDJSON has
no trailer: a client resumes with the ``cursor`` of the last line it received (``?after=<cursor>``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from api import errors
from api.identity import OfficerDirectory, principal_from_headers
from api.protection import Protection
from api.settings import Settings
from authz import Authorizer
from domain import feed
from domain.access import Access, FederationScope, PrincipalKind
from domain.db import Database
from domain.errors import DomainError, InvalidInput, RateLimited
from domain.events import EventType

log = logging.getLogger("yibao.api.feed_export")

MEDIA_TYPE = "application/x-ndjson"
# Chunks PostgreSQL has sent and the client has not yet taken: the bound that keeps memory constant (asyncpg
# stops reading the socket while its sink waits, so a slow client slows the COPY instead of filling memory).
_BUFFERED_CHUNKS = 8
_CHUNK_BYTES = 256 * 1024
_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, RateLimited.code: 429}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


@dataclass(frozen=True)
class ExportSettings:
    """How much one export may return and how long its COPY may run (a request's 10 s limit is for pages)."""

    max_events: int = field(default_factory=lambda: _env_int("YIBAO_FEED_EXPORT_MAX_EVENTS", 1_000_000))
    statement_timeout_ms: int = field(default_factory=lambda: _env_int("YIBAO_FEED_EXPORT_TIMEOUT_MS", 600_000))


class _Export(StreamingResponse):
    """A streamed export that releases its transaction even when it is cancelled before the first line (its
    body generator, never started, would then never reach its ``finally``)."""

    def __init__(self, body: AsyncGenerator[bytes, None], *, release: Callable[[], Awaitable[None]]) -> None:
        super().__init__(body, media_type=MEDIA_TYPE, headers={"Cache-Control": "no-store"})
        self._body = body
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                # Close the body first (a failed send leaves it suspended): its COPY must end before the
                # transaction does.
                await self._body.aclose()
                await self._release()


def _unavailable(settings: Settings) -> Response:
    return JSONResponse({"errors": [errors.error_body(errors.SERVICE_UNAVAILABLE, "数据库暂时不可用，请稍后重试。",
                                                      retryAfter=settings.retry_after_s)]},
                        status_code=503, headers={"Retry-After": str(settings.retry_after_s)})


def _refusal(exc: DomainError, language: str) -> Response:
    return JSONResponse({"errors": [errors.error_body(exc.code, exc.message_in(language))]},
                        status_code=_STATUS.get(exc.code, 400))


def event_types(text: str | None) -> list[EventType] | None:
    """``types=A,B``: GraphQL names (``RECORD_ENTERED``) or stored names (``record.entered``)."""
    if not text:
        return None
    out: list[EventType] = []
    for name in (t.strip() for t in text.split(",")):
        if not name:
            continue
        try:
            out.append(EventType[name] if name in EventType.__members__ else EventType(name))
        except ValueError as exc:
            raise InvalidInput(f"未知的事件类型 {name!r}：请使用 EventType 中的名称，如 RECORD_ENTERED。",
                               field="types") from exc
    return out or None


def export_limit(text: str | None, *, maximum: int) -> int:
    """``limit``: how many events at most (default and ceiling: ``maximum``)."""
    if text is None or text == "":
        return maximum
    if not text.isdigit() or not 1 <= int(text) <= maximum:
        raise InvalidInput(f"条数上限（limit）须为 1 到 {maximum} 之间的整数。", field="limit")
    return int(text)


def endpoint(*, settings: Settings, guard: Protection, officers: OfficerDirectory, authorizer: Authorizer,
             clients: Mapping[str, FederationScope],
             export: ExportSettings | None = None) -> Callable[[Request], Awaitable[Response]]:
    """The route handler of ``GET /feed.ndjson``."""
    limits = export or ExportSettings()

    async def feed_ndjson(request: Request) -> Response:
        language = errors.request_language(request.headers)
        db: Database = request.app.state.db
        params = request.query_params
        try:
            principal = principal_from_headers(request.headers, secret=settings.jwt_secret,
                                               issuer=settings.jwt_issuer, max_lifetime_s=settings.jwt_max_lifetime_s)
            if settings.check_officers:
                await officers.verify(db, principal)
        except DomainError as exc:
            return JSONResponse({"errors": [errors.error_body(exc.code, exc.message_in(language))]},
                                status_code=401)
        anonymous = principal.kind is PrincipalKind.PUBLIC
        # One export counts as one request against the caller's limit, as one GraphQL request does.
        refusal = guard.limits.check(client=guard.proxies.client_address(request) if anonymous else principal.actor,
                                     anonymous=anonymous, query="")
        if refusal is not None:
            return refusal.response(language)
        access = Access(principal=principal, authorizer=authorizer,
                        federation=clients.get(principal.id) if principal.kind is PrincipalKind.FEDERATION else None)
        try:
            scope = feed.feed_scope(access, region_code=params.get("regionCode") or None)
            after = feed.decode_position(params.get("after"))
            types = event_types(params.get("types"))
            limit = export_limit(params.get("limit"), maximum=limits.max_events)
        except DomainError as exc:
            return _refusal(exc, language)
        try:
            session = await db.begin(access.db_scope())
        except Exception as exc:
            if errors.is_database_unavailable(exc):
                return _unavailable(settings)
            raise
        try:
            await feed.check_after(session=session, scope=scope, after=after)
        except BaseException as exc:
            await db.end(session, commit=False)
            if isinstance(exc, DomainError):
                return _refusal(exc, language)
            raise
        ended = False

        async def release() -> None:
            """Roll the export's transaction back and give its connection back, once, whatever happened."""
            nonlocal ended
            if ended:
                return
            ended = True
            with anyio.CancelScope(shield=True):  # also when the response was cancelled (the client left)
                try:
                    await db.end(session, commit=False)
                except Exception as exc:
                    log.info("export rollback did not complete: %s", type(exc).__name__)

        async def lines() -> AsyncGenerator[bytes, None]:
            chunks: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=_BUFFERED_CHUNKS)
            pending = bytearray()
            gone = False  # the client left: what the COPY still sends is dropped

            async def sink(chunk: bytes | bytearray) -> None:
                # asyncpg hands over what one socket read brought (about 10 kB); sending that on in larger pieces
                # costs a fraction of the per-chunk work (queue, ASGI message, socket write) on both sides.
                if gone:
                    return
                pending.extend(chunk)
                if len(pending) >= _CHUNK_BYTES:
                    await chunks.put(bytes(pending))
                    pending.clear()

            async def copy() -> None:
                try:
                    await feed.export(session=session, scope=scope, after=after, types=types, limit=limit,
                                      output=sink, statement_timeout_ms=limits.statement_timeout_ms)
                except BaseException:
                    if not gone:
                        await chunks.put(None)
                    raise
                if not gone:
                    if pending:
                        await chunks.put(bytes(pending))
                    await chunks.put(None)

            task = asyncio.create_task(copy())
            try:
                while (chunk := await chunks.get()) is not None:
                    yield chunk
                await task  # a failure part-way ends the response without its last chunk: the client sees it
            finally:
                # The client may have left. Cancelling asyncpg in the middle of a COPY leaves its connection
                # unusable, so the COPY runs to its end (at most ``max_events`` rows, within the statement
                # timeout) with its output dropped, and the connection goes back clean.
                gone = True
                with anyio.CancelScope(shield=True):
                    while not task.done():
                        while not chunks.empty():
                            chunks.get_nowait()
                        await asyncio.wait({task}, timeout=0.05)
                    if not task.cancelled() and task.exception() is not None:
                        log.info("export ended early: %s", type(task.exception()).__name__)
                await release()

        return _Export(lines(), release=release)

    return feed_ndjson

