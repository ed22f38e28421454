"""The one schema: every audience's queries merged, served as an Apollo Federation v2 subgraph."""

from __future__ import annotations

from pathlib import Path

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types

from schema.archive import ArchiveMutation, ArchiveQuery

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"

# Each capability adds its Query and Mutation classes here.
QUERIES: tuple[type, ...] = (ArchiveQuery,)
MUTATIONS: tuple[type, ...] = (ArchiveMutation,)


def build_schema(*, max_depth: int = 10, max_aliases: int = 15, max_tokens: int = 2000) -> strawberry.Schema:
    """The federated schema with hostile-query limits and the parser and validation caches."""
    query = merge_types("Query", QUERIES)
    mutation = merge_types("Mutation", MUTATIONS)
    return strawberry.federation.Schema(
        query=query,
        mutation=mutation,
        # Factories, not instances: strawberry builds fresh extensions per request, while the parser and
        # validation caches live at module level and are shared by every request.
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: ParserCache(maxsize=512),
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
            lambda: ValidationCache(maxsize=512),
        ],
    )


def export_sdl(schema: strawberry.Schema) -> str:
    return schema.as_str() + "\n"
