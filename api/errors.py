"""GraphQL errors as clients see them: a stable ``code`` in ``extensions`` and a message a person understands."""

from __future__ import annotations

import decimal
import logging
from typing import Any

import asyncpg
from graphql import GraphQLError

from domain.errors import DomainError
from tenants import UnknownRegion

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
TIMEOUT = "TIMEOUT"
RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    """One error in the GraphQL response shape."""
    return {"message": message, "extensions": {"code": code, **details}}


def _classify_pre_execution(err: GraphQLError) -> tuple[str, str]:
    msg = err.message
    if isinstance((err.extensions or {}).get("code"), str):
        return str(err.extensions["code"]), msg  # type: ignore[index]
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


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` means PostgreSQL cannot be reached (down, restarting, connection lost)."""
    # InternalClientError: asyncpg's word for a pooled connection whose server went away mid-protocol; the
    # session layer (domain/db.py) terminates such a connection, so the pool opens a fresh one afterwards.
    return isinstance(exc, OSError | asyncpg.CannotConnectNowError | asyncpg.PostgresConnectionError
                      | asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError | asyncpg.InternalClientError
                      | asyncpg.AdminShutdownError | asyncpg.CrashShutdownError)


def _expected_refusal(original: BaseException | None) -> tuple[str, str] | None:
    """The code and message of an error that is the client's or the moment's, not a bug (logged in one line)."""
    if isinstance(original, UnknownRegion):
        return "INVALID_INPUT", f"未知的行政区划代码 {original.region_code!r}（须为 GB/T 2260 中的六位代码）。"
    if isinstance(original, asyncpg.InsufficientPrivilegeError):
        # Row-level security refused a row: outside the principal's subtree, nothing was written.
        return "FORBIDDEN", "该操作涉及您辖区以外的数据，未写入任何内容。"
    if isinstance(original, asyncpg.QueryCanceledError | asyncpg.LockNotAvailableError):
        return TIMEOUT, "请求超时（语句或锁等待超过上限），未写入任何内容，请稍后重试。"
    if is_database_unavailable(original):
        return SERVICE_UNAVAILABLE, "数据库暂时不可用，未写入任何内容，请稍后重试。"
    if isinstance(original, decimal.InvalidOperation):
        return BAD_USER_INPUT, "数值无效：须为有限的十进制数。"
    return None


def format_error(err: GraphQLError) -> dict[str, Any]:
    """The client's view of one GraphQL error."""
    original = err.original_error
    base: dict[str, Any] = {}
    if err.path:
        base["path"] = err.path
    if err.locations:
        base["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    if original is not None and err.message.startswith("Variable '$"):
        # A variable that does not coerce (an unknown enum value ...): strawberry keeps the KeyError behind it.
        return {**error_body(BAD_USER_INPUT, err.message), **base}
    if isinstance(original, DomainError):
        log.info("refused: %s %s", original.code, original.message)
        details = {k: v for k, v in original.details.items() if v is not None}
        return {**error_body(original.code, original.message, **details), **base}
    expected = _expected_refusal(original)
    if expected is not None:
        log.info("refused: %s %s", expected[0], type(original).__name__)
        return {**error_body(*expected), **base}
    if isinstance(original, asyncpg.RaiseError) and "append-only" in str(original):
        return {**error_body("ARCHIVE_IMMUTABLE", "Credit information is never changed or deleted in place."), **base}
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
