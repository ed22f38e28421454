"""The ASGI application: one GraphQL endpoint, a GraphiQL page, a health check."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

from api import errors
from api.identity import principal_from_headers
from api.listener import EventListener
from api.protection import Protection, ProtectionSettings
from api.settings import Settings, load_settings
from api.tracing import configure_tracing, tracer
from authz import Authorizer, default_authorizer
from authz.federation import load_federation_clients
from domain.access import Access, FederationScope, PrincipalKind
from domain.consumers import CONSUMERS, drain_all
from domain.db import PUBLIC_ROLE, Database, DbScope
from domain.errors import DomainError, RateLimited
from domain.rules.redaction import FEDERATION_SHAREABLE_FIELDS
from schema.context import Context
from schema.root import build_schema
from tenants import region_tree

log = logging.getLogger("yibao.api")


def _json(status: int, body: dict[str, Any]) -> Response:
    return JSONResponse(body, status_code=status)


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
    ide_html = get_graphql_ide_html()
    guard = Protection.create(schema._schema, protection)

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
        try:
            yield
        finally:
            if listener is not None:
                await listener.stop()
            if owned:
                await app.state.db.close()

    async def graphql_get(request: Request) -> Response:
        return HTMLResponse(ide_html)

    async def graphql_post(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            return _json(413, {"errors": [errors.error_body(errors.QUERY_TOO_LARGE, "The request body is too large.")]})
        body = await request.body()
        if len(body) > settings.max_body_bytes:
            return _json(413, {"errors": [errors.error_body(errors.QUERY_TOO_LARGE, "The request body is too large.")]})
        try:
            payload = json.loads(body)
        except ValueError:
            return _json(400, {"errors": [errors.error_body(errors.BAD_USER_INPUT, "The body must be JSON.")]})
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return _json(
                400, {"errors": [errors.error_body(errors.BAD_USER_INPUT, "Send a JSON object with a 'query' string.")]}
            )
        variables = payload.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return _json(400, {"errors": [errors.error_body(errors.BAD_USER_INPUT, "'variables' must be an object.")]})
        try:
            principal = principal_from_headers(request.headers, secret=settings.jwt_secret, issuer=settings.jwt_issuer)
        except DomainError as exc:
            return _json(401, {"errors": [errors.error_body(exc.code, exc.message)]})

        operation_name = payload.get("operationName")
        # Protection (api/protection.py): rate limit, then the anonymous cache, then the introspection policy.
        anonymous = principal.kind is PrincipalKind.PUBLIC
        client = (request.client.host if request.client else "unknown") if anonymous else principal.actor
        refusal = guard.limits.check(client=client, anonymous=anonymous, query=payload["query"])
        if refusal is not None:
            message = f"Too many requests ({refusal.limit}); try again in {refusal.retry_after} s."
            return JSONResponse(
                {"errors": [errors.error_body(RateLimited.code, message, retryAfter=refusal.retry_after)]},
                status_code=429,
                headers={"Retry-After": str(refusal.retry_after)},
            )
        cache_key = guard.cache.key(payload["query"], variables, operation_name) if anonymous else None
        if cache_key is not None:
            cached = guard.cache.get(cache_key)
            if cached is not None:
                return Response(cached, media_type="application/json", headers={"X-Cache": "hit"})
        if anonymous:
            refused = guard.introspection.anonymous_error(payload["query"])
            if refused is not None:
                return _json(400, {"errors": [errors.error_body(errors.VALIDATION_FAILED, refused)]})
        epoch = guard.cache.epoch

        context = Context(
            db=request.app.state.db,
            # A federation client's sharing scope is looked up here, once per request.
            access=Access(principal=principal, authorizer=authz,
                          federation=clients.get(principal.id) if principal.kind is PrincipalKind.FEDERATION
                          else None),
            max_page_size=settings.max_page_size,
            banks=banks,
        )
        with tracer.start_as_current_span(
            "graphql.operation",
            attributes={"graphql.operation.name": operation_name or "", "enduser.kind": str(principal.kind)},
        ):
            try:
                result = await schema.execute(
                    payload["query"], variable_values=variables, context_value=context, operation_name=operation_name
                )
                gql_errors: list[GraphQLError] = list(result.errors or [])
                # Any error rolls the whole request back: a failed write leaves no partial state.
                await context.finish(commit=not gql_errors)
            except BaseException:
                await context.finish(commit=False)
                raise
        if context.committed_position is not None:
            # After commit, the consequences (re-grading, take-down, notices) run before the caller hears back,
            # so it reads its own writes; other processes hear of the commit through NOTIFY.
            drained = await drain_all(request.app.state.db, CONSUMERS)
            if context.public_changed or drained.public_changed:
                guard.cache.invalidate()
        response: dict[str, Any] = {"data": result.data}
        if gql_errors:
            response["errors"] = [errors.format_error(e) for e in gql_errors]
        answer = JSONResponse(response)
        if cache_key is not None and not gql_errors:
            guard.cache.put(cache_key, bytes(answer.body), epoch=epoch)
        return answer

    async def health(request: Request) -> Response:
        db: Database = request.app.state.db
        async with db.session(DbScope(role=PUBLIC_ROLE)) as s:
            await s.fetchval("SELECT 1")
        return _json(200, {"status": "ok"})

    app = Starlette(
        routes=[
            Route("/graphql", graphql_post, methods=["POST"]),
            Route("/graphql", graphql_get, methods=["GET"]),
            Route("/healthz", health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.schema = schema
    app.state.protection = guard
    app.state.settings = settings
    if database is not None:
        app.state.db = database
    return app
