"""Preparing an operation before it runs: parse, validate, one operation or a name, and its price.

One strawberry extension does all of it, with caches that belong to the schema (not strawberry's module-level
ones): strawberry builds every extension afresh per request and enters each one's hooks as context managers,
which cost a public lookup ~15 % of its time when these were seven extensions (issue 12, bench/README.md).

- Parsing is cached by the query text, with the token limit applied to what is parsed (a document over the
  limit is refused by strawberry's own parse, with its usual error).
- Validation (GraphQL's rules plus the depth and alias limits) is cached by the query text too: the same text
  always parses to the same document, and hashing the text is cheaper than hashing the document's tree.
- A document with several operations must name the one to run (GraphQL-over-HTTP); strawberry would run the first.
- The cost limit (schema/cost.py) depends on the variables (``first: $n``), so it is computed for every request.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)
from opentelemetry import trace
from strawberry.extensions import SchemaExtension

from schema.cost import RegionCounts, operation_cost

CACHE_SIZE = 512


def preparation(*, max_tokens: int, rules: Collection[type[ASTValidationRule]], max_cost: int, max_page: int,
                cache_size: int = CACHE_SIZE) -> Callable[[], SchemaExtension]:
    """The extension factory for ``strawberry.Schema(extensions=[...])``; its caches live as long as the schema."""
    RegionCounts.of_tree()  # built now, at start-up, not on the first request
    extra = tuple(rules)

    @lru_cache(maxsize=cache_size)
    def parsed(query: str) -> DocumentNode:
        return parse(query, max_tokens=max_tokens)

    @lru_cache(maxsize=cache_size)
    def validated(schema: GraphQLSchema, query: str,
                  base: tuple[type[ASTValidationRule], ...]) -> tuple[GraphQLError, ...]:
        return tuple(validate(schema, parsed(query), [*base, *extra]))

    class PrepareOperation(SchemaExtension):
        caches = (parsed, validated)  # for tests and diagnostics: ``cache_info()``

        def on_parse(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.query is not None:
                try:
                    ctx.graphql_document = parsed(ctx.query)
                except GraphQLError:
                    # Not cached: strawberry parses it again under the same limit and reports the error its way.
                    ctx.parse_options["max_tokens"] = max_tokens
            yield

        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            document = ctx.graphql_document
            if ctx.pre_execution_errors is None and document is not None and ctx.query is not None:
                errors = list(validated(ctx.schema._schema, ctx.query, tuple(ctx.validation_rules)))
                if not errors:
                    errors = _one_operation_or_a_name(ctx, document)
                if not errors:
                    cost = operation_cost(schema=ctx.schema._schema, document=document,
                                          operation_name=ctx.operation_name, variables=ctx.variables,
                                          max_page=max_page)
                    if cost > max_cost:
                        errors = [GraphQLError(
                            f"The query could return about {cost} objects, more than the {max_cost} allowed: "
                            "ask for smaller pages or fewer nested lists.")]
                # Set, even when empty: strawberry then does not validate a second time.
                ctx.pre_execution_errors = errors
            yield

        def on_execute(self) -> Iterator[None]:
            # Label the request's operation span once the document names its operation (never a span per field).
            span = trace.get_current_span()
            if span.is_recording():
                ctx = self.execution_context
                span.set_attribute("graphql.operation.name", ctx.operation_name or "")
                span.set_attribute("graphql.operation.type", ctx.operation_type.value if ctx.operation_type else "")
            yield

    return PrepareOperation


def _one_operation_or_a_name(ctx: Any, document: DocumentNode) -> list[GraphQLError]:
    # ``ctx.operation_name`` falls back to the first operation's name; what the client sent is kept here.
    if getattr(ctx, "_provided_operation_name", None) is not None:
        return []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) > 1:
        return [GraphQLError("文档包含多个操作，请用 operationName 指明要执行哪一个。",
                             extensions={"code": "BAD_USER_INPUT"})]
    return []
