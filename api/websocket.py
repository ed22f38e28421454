"""Live subscriptions over WebSocket (graphql-transport-ws), authenticated once at connection_init.

The client sends ``{"type": "connection_init", "payload": {"Authorization": "Bearer <token>"}}``; no payload is
the public. A bad token closes the connection with 4403. Events come from this process's listener hub
(api/listener.py), which hears every process's commits through NOTIFY.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, Mapping
from datetime import timedelta
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types.execution import ExecutionResult

from api import errors
from api.identity import principal_from_headers
from api.settings import Settings
from authz import Authorizer
from domain.access import Access, FederationScope, Principal, PrincipalKind
from domain.errors import DomainError
from schema.context import Context


class _Formatted(GraphQLError):
    """A GraphQL error already in the client's shape (api/errors.format_error): strawberry sends ``formatted``."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        super().__init__(body["message"], extensions=body.get("extensions"))
        self.body = dict(body)

    @property
    def formatted(self) -> dict[str, Any]:  # type: ignore[override]
        return self.body


class ErrorFormattingHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws whose errors have the HTTP endpoint's shape: ``extensions.code`` and a message in the
    language of the connection's ``Accept-Language`` (Chinese by default), both from ``api/errors.format_error``.

    strawberry formats errors with graphql-core's bare ``formatted`` (no code, the library's English); its
    handler has no hook for that, so the results of each operation's stream are re-shaped on their way out."""

    def _language(self) -> str:
        socket = getattr(self.websocket, "ws", None)
        headers = dict(getattr(socket, "headers", None) or {})
        params = self.context.connection_params or {}
        asked = params.get("Accept-Language") or params.get("accept-language")
        return errors.request_language({"accept-language": str(asked)} if asked else headers)

    async def _send_result_stream(self, operation: Any, result_source: Any) -> None:
        language = self._language()

        async def shaped() -> AsyncGenerator[Any, None]:
            try:
                async for result in result_source:
                    if isinstance(result, ExecutionResult) and result.errors:
                        # A syntax error keeps its class: the protocol closes the socket (4400) for it.
                        kept = [e if isinstance(e, GraphQLSyntaxError)
                                else _Formatted(errors.format_error(e, language=language)) for e in result.errors]
                        result = dataclasses.replace(result, errors=kept)
                    yield result
            finally:
                await result_source.aclose()

        await super()._send_result_stream(operation, shaped())


class SubscriptionEndpoint(GraphQL):  # type: ignore[type-arg]
    """strawberry's ASGI view, for WebSocket subscriptions only (queries and mutations use POST /graphql)."""

    graphql_transport_ws_handler_class = ErrorFormattingHandler

    def __init__(self, schema: Any, *, settings: Settings, authorizer: Authorizer,
                 clients: Mapping[str, FederationScope]) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=False,
                         subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                         connection_init_wait_timeout=timedelta(seconds=10))
        self.settings = settings
        self.authorizer = authorizer
        self.clients = clients

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        app = request.app
        ctx = Context(db=app.state.db, access=Access(principal=Principal.public(), authorizer=self.authorizer),
                      max_page_size=self.settings.max_page_size)
        listener = getattr(app.state, "listener", None)
        ctx.subscribe = listener.hub.subscribe if listener is not None else None
        return ctx

    async def on_ws_connect(self, context: Context) -> None:  # type: ignore[override]
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            principal = principal_from_headers({"authorization": str(header)} if header else {},
                                               secret=self.settings.jwt_secret, issuer=self.settings.jwt_issuer)
        except DomainError as exc:
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from exc
        context.access = Access(
            principal=principal, authorizer=self.authorizer,
            federation=self.clients.get(principal.id) if principal.kind is PrincipalKind.FEDERATION else None)
