"""GraphQL errors as clients see them: a stable ``code`` in ``extensions`` and a message a person understands.

Messages are Chinese by default and English when the request prefers English (``Accept-Language: en``):
``request_language`` reads the header once per request and every message is chosen here, in one place.
"""

from __future__ import annotations

import decimal
import logging
from collections.abc import Mapping
from typing import Any

import asyncpg
from graphql import GraphQLError

from api.graphql_messages import in_chinese
from domain.errors import DomainError, unknown_region
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

ZH, EN = "zh", "en"


def request_language(headers: Mapping[str, str]) -> str:
    """``en`` when the request's Accept-Language prefers English to Chinese, else ``zh`` (the default)."""
    best, best_q = ZH, -1.0
    for part in headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.split("-")[0]
        if primary in (ZH, EN) and q > best_q:
            best, best_q = primary, q
    return best


# Refusals the HTTP layer answers before GraphQL runs, by name: (Chinese, English); ``{…}`` fields filled in.
TRANSPORT_MESSAGES: Mapping[str, tuple[str, str]] = {
    "body_too_large": ("请求体过大。", "The request body is too large."),
    "body_not_json": ("请求体须为 JSON。", "The body must be JSON."),
    "no_query": ("请发送含有 'query' 字符串的 JSON 对象。", "Send a JSON object with a 'query' string."),
    "variables_not_object": ("'variables' 须为对象。", "'variables' must be an object."),
    "rate_limited": ("请求过于频繁（{limit}），请在 {retry_after} 秒后重试。",
                     "Too many requests ({limit}); try again in {retry_after} s."),
    "introspection": ("内省查询（GraphiQL 的文档与自动补全）仅对已登录的客户端开放。请在请求头中加入令牌："
                      "Authorization: Bearer <令牌>（在 GraphiQL 中打开下方的 Headers 标签，填入 "
                      '{{"Authorization": "Bearer <令牌>"}}）；令牌可用 yibao token 340100-officer 生成。'
                      "公开的 schema 也以 SDL 形式发布（schema/schema.graphql）。",
                      "Introspection (GraphiQL's docs and autocompletion) is only available to signed-in clients. "
                      "Add a token to the request: Authorization: Bearer <token> (in GraphiQL, open the Headers tab "
                      'below and enter {{"Authorization": "Bearer <token>"}}); mint one with yibao token '
                      "340100-officer. The public schema is also published as SDL (schema/schema.graphql)."),
}


def transport_message(name: str, language: str, **fields: Any) -> str:
    """One of ``TRANSPORT_MESSAGES`` in ``language``."""
    zh, en = TRANSPORT_MESSAGES[name]
    return (en if language == EN else zh).format(**fields)


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    """One error in the GraphQL response shape."""
    return {"message": message, "extensions": {"code": code, **details}}


def _pick(language: str, zh: str, en: str) -> str:
    return en if language == EN else zh


def _library_message(msg: str, language: str) -> str:
    """graphql-core's (English) message, in Chinese unless the request asked for English (api/graphql_messages)."""
    return msg if language == EN else in_chinese(msg)


def _classify_pre_execution(err: GraphQLError, language: str) -> tuple[str, str]:
    msg = err.message
    if isinstance((err.extensions or {}).get("code"), str):
        return str(err.extensions["code"]), msg  # type: ignore[index]
    if "exceeds maximum operation depth" in msg:
        return QUERY_TOO_DEEP, _pick(language, in_chinese(msg), f"The query is nested too deeply ({msg}).")
    if "aliases found" in msg:
        return TOO_MANY_ALIASES, _pick(language, in_chinese(msg), f"The query uses too many aliases ({msg}).")
    if "objects, more than the" in msg:
        return QUERY_TOO_COSTLY, _library_message(msg, language)
    if "tokens" in msg and "Parsing aborted" in msg:
        return QUERY_TOO_LARGE, _pick(language, in_chinese(msg),
                                      "The query is too large; ask for fewer fields or split it.")
    # graphql-core's own parse and validation messages name the offending part of the query; the Chinese form
    # keeps those names (api/graphql_messages.py), the English one is the library's.
    if msg.startswith("Syntax Error"):
        return PARSE_FAILED, _library_message(msg, language)
    if msg.startswith("Variable '$") or "got invalid value" in msg:
        return BAD_USER_INPUT, _library_message(msg, language)
    return VALIDATION_FAILED, _library_message(msg, language)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` means PostgreSQL cannot be reached (down, restarting, connection lost)."""
    # InternalClientError: asyncpg's word for a pooled connection whose server went away mid-protocol; the
    # session layer (domain/db.py) terminates such a connection, so the pool opens a fresh one afterwards.
    return isinstance(exc, OSError | asyncpg.CannotConnectNowError | asyncpg.PostgresConnectionError
                      | asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError | asyncpg.InternalClientError
                      | asyncpg.AdminShutdownError | asyncpg.CrashShutdownError)


def unknown_region_message(exc: UnknownRegion) -> str:
    """What a person is told about a region code that is not in GB/T 2260 (the `yibao` command, in Chinese)."""
    return unknown_region(exc.region_code).message_in("zh")


def _expected_refusal(original: BaseException | None, language: str) -> tuple[str, str] | None:
    """The code and message of an error that is the client's or the moment's, not a bug (logged in one line)."""
    if isinstance(original, UnknownRegion):
        refusal = unknown_region(original.region_code)
        return refusal.code, refusal.message_in(language)
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


def format_error(err: GraphQLError, *, language: str = ZH) -> dict[str, Any]:
    """The client's view of one GraphQL error, in the request's language."""
    original = err.original_error
    base: dict[str, Any] = {}
    if err.path:
        base["path"] = err.path
    if err.locations:
        base["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    if original is not None and err.message.startswith("Variable '$"):
        # A variable that does not coerce (an unknown enum value ...): strawberry keeps the KeyError behind it.
        return {**error_body(BAD_USER_INPUT, _library_message(err.message, language)), **base}
    if isinstance(original, DomainError):
        if not (err.path and err.path[0] == "_entities"):  # schema/entities.py logs one line for all of them
            log.info("refused: %s %s", original.code, original.message)
        details = {k: v for k, v in original.details.items() if v is not None}
        if language == EN and isinstance(details.get("problems"), list):
            details["problems"] = [{**p, "message": p.get("en", p.get("message"))} if isinstance(p, dict) else p
                                   for p in details["problems"]]
        return {**error_body(original.code, original.message_in(language), **details), **base}
    expected = _expected_refusal(original, language)
    if expected is not None:
        log.info("refused: %s %s", expected[0], type(original).__name__)
        return {**error_body(*expected), **base}
    if isinstance(original, asyncpg.RaiseError) and "append-only" in str(original):
        return {**error_body("ARCHIVE_IMMUTABLE", _pick(language, "信用信息不可原地修改或删除。",
                                                        "Credit information is never changed or deleted in place.")),
                **base}
    if isinstance(original, GraphQLError):
        # graphql-core's own coercion of a variable (an enum value that does not exist, say): the client's mistake.
        return {**error_body(BAD_USER_INPUT, _library_message(original.message, language)), **base}
    if isinstance(original, asyncpg.DataError | ValueError) and original is not None:
        return {**error_body(BAD_USER_INPUT, _pick(language, f"取值无效：{original}", f"Invalid value: {original}")),
                **base}
    if original is None:
        code, message = _classify_pre_execution(err, language)
        return {**error_body(code, message), **base}
    log.error("unexpected error in resolver", exc_info=original)
    return {
        **error_body(INTERNAL, _pick(language, "服务器内部错误，未写入任何内容，错误已记录。",
                                     "Something went wrong on our side; nothing was written. The error has been "
                                     "logged.")),
        **base,
    }
