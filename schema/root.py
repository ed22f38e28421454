"""The one schema: every audience's queries merged, served as an Apollo Federation v2 subgraph."""

from __future__ import annotations

import dataclasses
import decimal
from datetime import datetime
from pathlib import Path

import strawberry
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.types.base_scalars import DecimalDefinition, wrap_parser
from strawberry.tools import merge_types

from schema.archive import ArchiveMutation, ArchiveQuery
from schema.bulk import BulkMutation, BulkQuery
from schema.clock import SHANGHAI_DATETIME
from schema.documents import DocumentMutation, DocumentQuery
from schema.entities import EntityResolution
from schema.evaluation import EvaluationMutation, EvaluationQuery
from schema.exchange import ExchangeMutation, ExchangeQuery
from schema.feed import FeedQuery, FeedSubscription
from schema.imports import ImportMutation, ImportQuery
from schema.integrity import IntegrityQuery
from schema.me import MeQuery
from schema.my_archive import MyArchiveQuery
from schema.notifications import NotificationQuery
from schema.objections import ObjectionMutation, ObjectionQuery
from schema.preparation import preparation
from schema.public_queries import PublicQuery
from schema.publications import PublicationMutation, PublicationQuery
from schema.reference_data import ReferenceDataQuery
from schema.repairs import RepairMutation, RepairQuery
from schema.representatives import RepresentativeMutation, RepresentativeQuery
from schema.subjects import SubjectMutation, SubjectQuery
from schema.webhooks import WebhookMutation, WebhookQuery

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"
FEDERATION_VERSION = "2.0"

# Each capability adds its Query and Mutation classes here, in the order their fields appear in the SDL.
QUERIES: tuple[type, ...] = (MeQuery, ReferenceDataQuery, SubjectQuery, ArchiveQuery, PublicQuery, PublicationQuery,
                              NotificationQuery, EvaluationQuery, FeedQuery, ObjectionQuery, RepairQuery,
                              MyArchiveQuery, DocumentQuery, IntegrityQuery, ExchangeQuery, WebhookQuery,
                              RepresentativeQuery, BulkQuery, ImportQuery)
MUTATIONS: tuple[type, ...] = (SubjectMutation, ArchiveMutation, PublicationMutation, EvaluationMutation,
                               ObjectionMutation, RepairMutation, DocumentMutation, ExchangeMutation, WebhookMutation,
                               RepresentativeMutation, BulkMutation, ImportMutation)


class FederatedSchema(EntityResolution, strawberry.federation.Schema):
    """The federation schema. It logs nothing itself: api/errors.py formats every error once and logs a
    traceback only for what is our fault (an expected refusal is one line); ``_entities`` answers each
    representation on its own (schema/entities.py)."""

    def process_errors(self, errors, execution_context=None):  # type: ignore[no-untyped-def, override]
        return None


def _finite_decimal(value: str) -> decimal.Decimal:
    # "NaN" and "Infinity" are valid Python decimals but no amount, score or point count: refuse them while
    # coercing input, so the client gets BAD_USER_INPUT instead of a comparison failing in a rule.
    number = decimal.Decimal(value)
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


_CENT = decimal.Decimal("0.01")


def decimal_text(value: decimal.Decimal) -> str:
    """A Decimal as the API writes it: plain digits with at least two decimal places, never rounded, so a score is
    "70.00" whether the engine computed 70 or PostgreSQL stored 70.00, and 87.345 stays 87.345."""
    exact = value.quantize(_CENT) if value.as_tuple().exponent > -2 else value  # type: ignore[operator]
    return format(exact, "f")


FINITE_DECIMAL = dataclasses.replace(
    DecimalDefinition,
    serialize=decimal_text,
    parse_value=wrap_parser(_finite_decimal, "Decimal", exceptions=(decimal.DecimalException, ValueError),
                            include_error=False, accept_non_string=True),
)


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
        scalar_overrides={datetime: SHANGHAI_DATETIME, decimal.Decimal: FINITE_DECIMAL},
        # The lowest version whose directives we use (@key, @shareable): gateways older than the newest accept it.
        federation_version=FEDERATION_VERSION,
        # One extension with its caches (schema/preparation.py): strawberry builds and enters every extension
        # per request, so seven small ones cost more than the work they did.
        extensions=[preparation(max_tokens=max_tokens, rules=limits, max_cost=max_cost, max_page=max_page)],
    )


def export_sdl(schema: strawberry.Schema) -> str:
    return schema.as_str() + "\n"
