"""GraphQL errors as clients see them: a stable ``code`` in ``extensions`` and a message a person understands."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from graphql import GraphQLError

from domain.errors import DomainError

log = logging.getLogger("yibao.api")

# Codes clients can rely on. Add, never rename.
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL = "INTERNAL_SERVER_ERROR"


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    """One error in the GraphQL response shape."""
    return {"message": message, "extensions": {"code": code, **details}}


def _classify_pre_execution(err: GraphQLError) -> tuple[str, str]:
    msg = err.message
    if "exceeds maximum operation depth" in msg:
        return QUERY_TOO_DEEP, f"The query is nested too deeply ({msg})."
    if "aliases found" in msg:
        return TOO_MANY_ALIASES, f"The query uses too many aliases ({msg})."
    if "objects, more than the" in msg:
        return QUERY_TOO_COSTLY, msg
    if "tokens" in msg and "Parsing aborted" in msg:
        return QUERY_TOO_LARGE, "The query is too large; ask for fewer fields or split it."
    if msg.startswith("Syntax Error"):
        return PARSE_FAILED, msg
    if msg.startswith("Variable '$") or "got invalid value" in msg:
        return BAD_USER_INPUT, msg
    return VALIDATION_FAILED, msg


def format_error(err: GraphQLError) -> dict[str, Any]:
    """The client's view of one GraphQL error."""
    original = err.original_error
    base: dict[str, Any] = {}
    if err.path:
        base["path"] = err.path
    if err.locations:
        base["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    if isinstance(original, DomainError):
        details = {k: v for k, v in original.details.items() if v is not None}
        return {**error_body(original.code, original.message, **details), **base}
    if isinstance(original, asyncpg.InsufficientPrivilegeError):
        return {**error_body("FORBIDDEN", "This would touch data outside your region; nothing was written."), **base}
    if isinstance(original, asyncpg.RaiseError) and "append-only" in str(original):
        return {**error_body("ARCHIVE_IMMUTABLE", "Credit information is never changed or deleted in place."), **base}
    if isinstance(original, GraphQLError):
        # graphql-core's own coercion of a variable (an enum value that does not exist, say): the client's mistake.
        return {**error_body(BAD_USER_INPUT, original.message), **base}
    if isinstance(original, asyncpg.DataError | ValueError) and original is not None:
        return {**error_body(BAD_USER_INPUT, f"Invalid value: {original}"), **base}
    if original is None:
        code, message = _classify_pre_execution(err)
        return {**error_body(code, message), **base}
    log.error("unexpected error in resolver", exc_info=original)
    return {
        **error_body(INTERNAL, "Something went wrong on our side; nothing was written. The error has been logged."),
        **base,
    }
