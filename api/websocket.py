"""Live subscriptions over WebSocket (graphql-transport-ws), authenticated once at connection_init.

The client sends ``{"type": "connection_init", "payload": {"Authorization": "Bearer <token>"}}``; no payload is
the public. A bad token closes the connection with 4403. Events come from this process's listener hub
(api/listener.py), which hears every process's commits through NOTIFY.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.identity import principal_from_headers
from api.settings import Settings
from authz import Authorizer
from domain.access import Access, FederationScope, Principal, PrincipalKind
from domain.errors import DomainError
from schema.context import Context


class SubscriptionEndpoint(GraphQL):  # type: ignore[type-arg]
    """strawberry's ASGI view, for WebSocket subscriptions only (queries and mutations use POST /graphql)."""

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
