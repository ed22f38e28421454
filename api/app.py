"""The ASGI application: one GraphQL endpoint (POST, and GET for queries), the public query page at ``/``, a
GraphiQL page bundled with the package (no CDN: it works offline), static files, a health check."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, OperationType, parse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.schema.exceptions import CannotGetOperationTypeError

from api import errors, feed_export, idempotency, open_data, uploads
from api.identity import OfficerDirectory, principal_from_headers
from api.listener import EventListener
from api.postgres import migration_heads
from api.protection import Protection, ProtectionSettings
from api.settings import Settings, load_settings
from api.tracing import configure_tracing, tracer
from api.websocket import SubscriptionEndpoint
from authz import Authorizer, default_authorizer
from authz.federation import load_federation_clients
from domain.access import Access, FederationScope, PrincipalKind
from domain.consumers import CONSUMERS, SYNCHRONOUS, drain_all
from domain.db import Database
from domain.db_scope import APP_ROLE, TimeLimits
from domain.errors import DomainError
from domain.rules.redaction import FEDERATION_SHAREABLE_FIELDS
from schema.context import Context
from schema.root import build_schema
from tenants import region_tree

log = logging.getLogger("yibao.api")

STATIC_DIR = Path(__file__).parent / "static"
# Anonymous answers to GET queries may be kept this long by browsers and proxies (the server's own anonymous
# cache is emptied on publication; a shared cache may lag by at most this much).
GET_MAX_AGE_SECONDS = 30
GC_THRESHOLD = (20_000, 20, 20)  # see the lifespan


def _json(status: int, body: dict[str, Any]) -> Response:
    return JSONResponse(body, status_code=status)


def _operation_kind(query: str, operation_name: str | None) -> OperationType | None:
    """Whether the operation a request would run is a query, a mutation or a subscription (None: unparsable
    or not found; execution then reports that with its usual error)."""
    try:
        document = parse(query, max_tokens=5000)
    except GraphQLSyntaxError:
        return None
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [d for d in ops if operation_name is None or (d.name is not None and d.name.value == operation_name)]
    # Any mutation in the document refuses a GET: which one runs is the client's choice, not ours to guess.
    if any(d.operation is not OperationType.QUERY for d in ops):
        return next(d.operation for d in ops if d.operation is not OperationType.QUERY)
    return chosen[0].operation if chosen else None


def _refusal(status: int, code: str, message: str, language: str) -> Response:
    """A transport-level refusal (before GraphQL runs) in the request's language."""
    return _json(status, {"errors": [errors.error_body(code, errors.transport_message(message, language))]})


def _bad(message: str) -> Response:
    """HTTP 400 with one BAD_USER_INPUT error: the request itself is malformed."""
    return _json(400, {"errors": [errors.error_body(errors.BAD_USER_INPUT, message)]})


def federation_scopes() -> dict[str, FederationScope]:
    """The configured federation clients (authz/federation.py), checked against the region tree and the
    shareable fields: a typo in the file stops the app at start-up instead of sharing the wrong thing."""
    out: dict[str, FederationScope] = {}
    for client_id, c in load_federation_clients().items():
        if region_tree().find(c.region_code) is None:
            raise ValueError(f"federation client {client_id!r}: unknown region {c.region_code!r}")
        unknown = c.fields - FEDERATION_SHAREABLE_FIELDS
        if unknown:
            raise ValueError(f"federation client {client_id!r}: fields {sorted(unknown)} cannot be shared; "
                             f"choose from {sorted(FEDERATION_SHAREABLE_FIELDS)}")
        out[client_id] = FederationScope(client_id=client_id, region_code=c.region_code, fields=c.fields,
                                         kind=c.kind, department=c.department,
                                         name=c.name)
    return out


def create_app(
    *,
    settings: Settings | None = None,
    database: Database | None = None,
    database_factory: Callable[[], Any] | None = None,
    authorizer: Authorizer | None = None,
    protection: ProtectionSettings | None = None,
    federation: Mapping[str, FederationScope] | None = None,
) -> Starlette:
    """The application. Tests pass their own ``database``; ``serve`` passes a factory run at start-up.
    ``federation`` maps federation client ids to their sharing scopes (default: the configured file)."""
    settings = settings or load_settings()
    authz = authorizer or default_authorizer()
    clients = dict(federation_scopes() if federation is None else federation)
    banks = {cid: c.name or cid for cid, c in clients.items() if c.kind == "bank"}  # 医保e贷 (issue 9)
    schema = build_schema(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_cost=settings.max_query_cost,
        max_page=settings.max_page_size,
    )
    ide_html = (STATIC_DIR / "graphiql" / "index.html").read_text(encoding="utf-8")
    guard = Protection.create(schema._schema, protection, trusted_proxies=settings.trusted_proxies,
                              proxy_header=settings.proxy_header)
    officers = OfficerDirectory(ttl_s=settings.officer_cache_s)
    heads = migration_heads()
    limits = TimeLimits(statement_timeout_ms=settings.statement_timeout_ms, lock_timeout_ms=settings.lock_timeout_ms)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        configure_tracing()
        owned = False
        listener: EventListener | None = None
        if database is not None:
            app.state.db = database
        elif database_factory is not None:
            app.state.db = await database_factory()
            owned = True
            # Other processes' commits: empty this process's anonymous cache, fan out to subscribers, and
            # drain the consumers (a catch-up timer covers a NOTIFY lost while the connection was down).
            listener = EventListener(db=app.state.db, on_public_change=guard.cache.invalidate,
                                     consumers=CONSUMERS)
            await listener.start()
        app.state.listener = listener
        app.state.db.limit(limits)
        if owned:
            # A server process (not a test's app on a test's database). Garbage collection paused the event loop
            # for 200–300 ms now and then, which was the whole of the live subscribers' p99 (bench_subscriptions:
            # 190 ms; 15 ms after this). Everything built at start-up (the schema, the region tree, the policy)
            # lives as long as the process, so it is moved out of the collector's reach; and a request's garbage
            # is mostly freed by reference counting, so the youngest generation is collected every GC_THRESHOLD
            # allocations instead of CPython's 700.
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLD)
        try:
            yield
        finally:
            if listener is not None:
                await listener.stop()
            if owned:
                await app.state.db.close()

    async def graphql_get(request: Request) -> Response:
        """GraphiQL for a browser; with ``?query=`` a GraphQL query over GET (cacheable), never a mutation."""
        params = request.query_params
        if "query" not in params:
            return HTMLResponse(ide_html)
        payload: dict[str, Any] = {"query": params["query"]}
        if params.get("variables"):
            try:
                payload["variables"] = json.loads(params["variables"])
            except ValueError:
                refused = errors.error_body(errors.BAD_USER_INPUT, "参数 variables 须为 JSON 对象。")
                return _json(400, {"errors": [refused]})
        if params.get("operationName"):
            payload["operationName"] = params["operationName"]
        kind = _operation_kind(payload["query"], payload.get("operationName"))
        if kind is not None and kind is not OperationType.QUERY:
            return JSONResponse(
                {"errors": [errors.error_body("METHOD_NOT_ALLOWED",
                                              "GET 只能执行查询（query）；变更（mutation）请用 POST 发送。")]},
                status_code=405, headers={"Allow": "POST"})
        answer = await execute(request, payload)
        if answer.status_code == 200 and "authorization" not in request.headers and b'"errors"' not in answer.body:
            answer.headers["Cache-Control"] = f"public, max-age={GET_MAX_AGE_SECONDS}"
        return answer

    async def graphql_post(request: Request) -> Response:
        language = errors.request_language(request.headers)
        if uploads.is_multipart(request):  # a file upload (批量导入): its own size cap, see api/uploads.py
            try:
                return await execute(request, await uploads.multipart_payload(
                    request, max_bytes=settings.upload_max_bytes))
            except uploads.UploadRefused as exc:
                return _json(exc.status, {"errors": [errors.error_body(errors.BAD_USER_INPUT, exc.message)]})
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            return _refusal(413, errors.QUERY_TOO_LARGE, "body_too_large", language)
        body = await request.body()
        if len(body) > settings.max_body_bytes:
            return _refusal(413, errors.QUERY_TOO_LARGE, "body_too_large", language)
        if not request.headers.get("authorization"):
            # An anonymous body answered before (byte for byte) and still cached: counted against the client's
            # limit like any request, then served without parsing anything (issue 12's cached hits).
            cached = guard.cache.get(body)
            if cached is not None:
                refusal = guard.limits.check(client=guard.proxies.client_address(request), anonymous=True, query="")
                if refusal is not None:
                    return refusal.response(language)
                return Response(cached, media_type="application/json", headers={"X-Cache": "hit"})
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            # RecursionError: JSON nested thousands deep; a client mistake like any other malformed body.
            return _refusal(400, errors.BAD_USER_INPUT, "body_not_json", language)
        if isinstance(payload, list):
            # GraphQL-over-HTTP leaves batching out; we refuse it plainly rather than run part of it.
            return _bad("不支持批量请求：每个请求发送一个含 query 的 JSON 对象。")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return _refusal(400, errors.BAD_USER_INPUT, "no_query", language)
        return await execute(request, payload, raw=body)

    async def execute(request: Request, payload: dict[str, Any], *, raw: bytes | None = None) -> Response:
        """Run one GraphQL request (from a POST body or GET parameters) as the caller the headers name; ``raw``
        is a POST's body, which keys its answer in the anonymous cache."""
        language = errors.request_language(request.headers)
        variables = payload.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return _refusal(400, errors.BAD_USER_INPUT, "variables_not_object", language)
        operation_name = payload.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            return _bad("operationName 必须是字符串。")
        db: Database = request.app.state.db
        try:
            principal = principal_from_headers(request.headers, secret=settings.jwt_secret, issuer=settings.jwt_issuer,
                                               max_lifetime_s=settings.jwt_max_lifetime_s)
            if settings.check_officers:
                await officers.verify(db, principal)
        except DomainError as exc:
            return _json(401, {"errors": [errors.error_body(exc.code, exc.message_in(language))]})
        except Exception as exc:
            if errors.is_database_unavailable(exc):
                return unavailable()
            raise

        # Protection (api/protection.py): rate limit, then the anonymous cache, then the introspection policy.
        anonymous = principal.kind is PrincipalKind.PUBLIC
        client = guard.proxies.client_address(request) if anonymous else principal.actor
        refusal = guard.limits.check(client=client, anonymous=anonymous, query=payload["query"])
        if refusal is not None:
            return refusal.response(language)
        cache_key = guard.cache.key(payload["query"], variables, operation_name, raw=raw) if anonymous else None
        if cache_key is not None:
            cached = guard.cache.get(cache_key)
            if cached is not None:
                return Response(cached, media_type="application/json", headers={"X-Cache": "hit"})
        if anonymous:
            refused = guard.introspection.anonymous_error(payload["query"])
            if refused is not None:
                message = errors.transport_message("introspection", language)
                return _json(400, {"errors": [errors.error_body(errors.VALIDATION_FAILED, message)]})
        epoch = guard.cache.epoch

        access = Access(principal=principal, authorizer=authz,
                        # A federation client's sharing scope is looked up here, once per request.
                        federation=clients.get(principal.id) if principal.kind is PrincipalKind.FEDERATION else None)
        context = Context(db=db, access=access, max_page_size=settings.max_page_size, banks=banks)
        key = request.headers.get(idempotency.HEADER)
        # Keys are for writers on the app role (officers, subjects); other principals cannot write.
        use_key = key is not None and access.db_scope().role == APP_ROLE
        if use_key and not 1 <= len(key or "") <= idempotency.MAX_KEY_LENGTH:
            return _json(400, {"errors": [errors.error_body(errors.BAD_USER_INPUT,
                                                            "Idempotency-Key 须为 1–200 个字符。")]})
        # Only a request that carries a key is hashed (most do not).
        digest = idempotency.request_hash(payload["query"], variables, operation_name) if use_key else ""
        with tracer.start_as_current_span(
            "graphql.operation",
            attributes={"graphql.operation.name": operation_name or "", "enduser.kind": str(principal.kind)},
        ):
            try:
                if use_key:
                    stored = await idempotency.claim(await context.session(), principal=principal.actor,
                                                     key=str(key), digest=digest)
                    if stored is not None:
                        await context.finish(commit=False)
                        if stored.request_hash != digest:
                            return _json(422, {"errors": [errors.error_body(
                                "IDEMPOTENCY_KEY_REUSED", "该 Idempotency-Key 已用于另一个请求，请换一个新的。")]})
                        return JSONResponse(stored.response, headers={"Idempotent-Replayed": "true"})
                result = await asyncio.wait_for(
                    schema.execute(payload["query"], variable_values=variables, context_value=context,
                                   operation_name=operation_name),
                    timeout=settings.request_deadline_ms / 1000,
                )
                gql_errors: list[GraphQLError] = list(result.errors or [])
                response: dict[str, Any] = {"data": result.data}
                if gql_errors:
                    response["errors"] = [errors.format_error(e, language=language) for e in gql_errors]
                answer = JSONResponse(response)
                too_large = len(answer.body) > settings.max_response_bytes
                down = any(errors.is_database_unavailable(e.original_error) for e in gql_errors)
                # Commit only a complete success whose client is still there to hear of it: an error, an answer
                # too large to send, or a client gone before commit leaves nothing written.
                commit = not gql_errors and not too_large and not await request.is_disconnected()
                if commit and use_key:
                    await idempotency.remember(await context.session(), principal=principal.actor, key=str(key),
                                               response=response)
                await context.finish(commit=commit)
            except TimeoutError:
                await _abandon(context)
                log.info("refused: %s request deadline", errors.TIMEOUT)
                return _json(200, {"data": None, "errors": [errors.error_body(
                    errors.TIMEOUT,
                    f"请求超过 {settings.request_deadline_ms} 毫秒的处理时限，已取消，未写入任何内容。")]})
            except CannotGetOperationTypeError:
                await _abandon(context)
                return _json(400, {"errors": [errors.error_body(
                    errors.BAD_USER_INPUT, f"文档中没有名为 {operation_name!r} 的操作。")]})
            except BaseException as exc:
                await _abandon(context)
                if isinstance(exc, Exception) and (errors.is_database_unavailable(exc)
                                                   or isinstance(exc, asyncpg.PostgresError)):
                    # The transaction could not even be opened or ended: tell the client to retry.
                    log.warning("database unavailable: %s", type(exc).__name__)
                    return unavailable()
                if isinstance(exc, Exception):
                    # Our fault; still a JSON answer (never a plain-text 500), and nothing was committed.
                    log.error("unexpected error outside the resolvers", exc_info=exc)
                    return _json(500, {"data": None, "errors": [errors.error_body(
                        errors.INTERNAL, "Something went wrong on our side; nothing was written.")]})
                raise
        if down:
            return unavailable()
        if too_large:
            return _json(200, {"data": None, "errors": [errors.error_body(
                errors.RESPONSE_TOO_LARGE,
                f"响应超过 {settings.max_response_bytes} 字节的上限：请减少字段或缩小分页。")]})
        public_changed = context.public_changed
        if context.committed_position is not None:
            # After commit, the consequences (re-grading, take-down, notices) run before the caller hears back,
            # so it reads its own writes; other processes hear of the commit through NOTIFY. A commit whose
            # events no such consumer follows did not wait for positions; the listeners drain the rest.
            drained = await drain_all(db, SYNCHRONOUS, context.committed_types)
            public_changed = public_changed or drained.public_changed
        if public_changed:
            guard.cache.invalidate()
        if cache_key is not None and not gql_errors:
            guard.cache.put(cache_key, bytes(answer.body), epoch=epoch)
        return answer

    def unavailable() -> Response:
        return JSONResponse(
            {"data": None, "errors": [errors.error_body(
                errors.SERVICE_UNAVAILABLE, "数据库暂时不可用，未写入任何内容，请稍后重试。",
                retryAfter=settings.retry_after_s)]},
            status_code=503, headers={"Retry-After": str(settings.retry_after_s)})

    async def health(request: Request) -> Response:
        """Liveness: the process answers (it never asks the database, so a database outage does not restart it)."""
        return _json(200, {"status": "ok"})

    async def public_page(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    async def ready(request: Request) -> Response:
        """Readiness: PostgreSQL answers and is at the migrations this code ships."""
        db: Database = request.app.state.db
        try:
            revisions = await db.migration_revisions(wait_s=2.0)
        except Exception as exc:
            log.warning("not ready: database unreachable (%s)", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503,
                                headers={"Retry-After": str(settings.retry_after_s)})
        if revisions != heads:
            return _json(503, {"status": "unavailable", "database": "ok", "migrations": sorted(revisions),
                               "expected": sorted(heads)})
        return _json(200, {"status": "ok", "database": "ok", "migrations": sorted(revisions)})

    app = Starlette(
        routes=[
            Route("/", public_page, methods=["GET"]),
            Route("/graphql", graphql_post, methods=["POST"]),
            Route("/graphql", graphql_get, methods=["GET"]),
            Route("/healthz", health, methods=["GET"]),
            Route("/readyz", ready, methods=["GET"]),
            Route("/feed.ndjson", feed_export.endpoint(settings=settings, guard=guard, officers=officers,
                                                       authorizer=authz, clients=clients), methods=["GET"]),
            *open_data.ROUTES,
            *uploads.ROUTES,
            WebSocketRoute("/graphql", SubscriptionEndpoint(schema, settings=settings, authorizer=authz,
                                                            clients=clients)),
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.schema = schema
    app.state.protection = guard
    app.state.settings = settings
    app.state.officers = officers
    if database is not None:
        app.state.db = database
        database.limit(limits)
    return app


async def _abandon(context: Context) -> None:
    """Roll the request back after a failure; a connection that died with the database cannot, and need not."""
    try:
        await context.finish(commit=False)
    except Exception as exc:
        log.info("rollback after failure did not complete: %s", type(exc).__name__)
