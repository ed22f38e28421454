"""The one schema: every audience's queries merged, served as an Apollo Federation v2 subgraph."""

from __future__ import annotations

from pathlib import Path

import strawberry
from opentelemetry import trace
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.tools import merge_types

from schema.archive import ArchiveMutation, ArchiveQuery
from schema.cost import query_cost_limiter
from schema.evaluation import EvaluationMutation, EvaluationQuery
from schema.feed import FeedQuery, FeedSubscription
from schema.public import PublicationMutation, PublicQuery
from schema.webhooks import WebhookMutation, WebhookQuery

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"

# Each capability adds its Query and Mutation classes here.
QUERIES: tuple[type, ...] = (ArchiveQuery, PublicQuery, EvaluationQuery, FeedQuery, WebhookQuery)
MUTATIONS: tuple[type, ...] = (ArchiveMutation, PublicationMutation, EvaluationMutation, WebhookMutation)


class NameTheOperationSpan(SchemaExtension):
    """Label the request's operation span once the document names its operation (never a span per resolver)."""

    def on_execute(self):  # type: ignore[no-untyped-def]
        ctx = self.execution_context
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("graphql.operation.name", ctx.operation_name or "")
            span.set_attribute("graphql.operation.type", ctx.operation_type.value if ctx.operation_type else "")
        yield


class FederatedSchema(strawberry.federation.Schema):
    """The federation schema, logging only what is our fault: client mistakes are answered, not logged."""

    def process_errors(self, errors, execution_context=None):  # type: ignore[no-untyped-def, override]
        from domain.errors import DomainError

        unexpected = [e for e in errors if e.original_error is not None
                      and not isinstance(e.original_error, DomainError)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(*, max_depth: int = 10, max_aliases: int = 15, max_tokens: int = 2000, max_cost: int = 5000,
                 max_page: int = 100) -> strawberry.Schema:
    """The federated schema with hostile-query limits and the parser and validation caches."""
    limits = [
        depth_rule(max_depth, None, None),
        alias_rule(max_aliases),
    ]
    query = merge_types("Query", QUERIES)
    mutation = merge_types("Mutation", MUTATIONS)
    return FederatedSchema(
        query=query,
        mutation=mutation,
        subscription=FeedSubscription,
        # Factories, not instances: strawberry builds fresh extensions per request, while the parser and
        # validation caches live at module level and are shared by every request.
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: ParserCache(maxsize=512),
            # The limits as validation rules built once: the validation cache is keyed by the rule classes, and
            # strawberry's limiter extensions would build new classes on every request, so it would never hit.
            lambda: AddValidationRules(limits),
            lambda: ValidationCache(maxsize=512),
            query_cost_limiter(max_cost=max_cost, max_page=max_page),
            NameTheOperationSpan,
        ],
    )


def export_sdl(schema: strawberry.Schema) -> str:
    return schema.as_str() + "\n"
