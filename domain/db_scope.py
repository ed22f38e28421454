"""The scope of a transaction and the SQL that writes it: which role acts, which region subtree may be read and
written, which subject is asking, who acts, and the request's time limits, as transaction-local settings that
the row-level security policies read (so every statement is filtered by PostgreSQL itself, whatever the SQL
says).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

APP_ROLE = "yibao_app"
PUBLIC_ROLE = "yibao_public"
FEDERATION_ROLE = "yibao_federation"  # public_item plus the shared_item view (migration 0006)
ALL_REGIONS = "*"  # the prefix a system job uses; an empty prefix sees nothing


@dataclass(frozen=True, slots=True)
class DbScope:
    """What the row-level security policies of one transaction allow."""

    role: str = APP_ROLE
    read_prefix: str = ""
    write_prefix: str = ""
    subject_id: str = ""
    actor: str = ""

    @classmethod
    def system(cls, *, actor: str = "system") -> DbScope:
        """The scope of a command-line job run by an operator: the whole country."""
        return cls(read_prefix=ALL_REGIONS, write_prefix=ALL_REGIONS, actor=actor)


# The settings a transaction's scope and time limits are written to, in this order (``scope_settings``).
_SCOPE_NAMES = ("role", "yibao.read_prefix", "yibao.write_prefix", "yibao.subject_id", "yibao.actor")
_LIMIT_NAMES = ("statement_timeout", "lock_timeout")


def bound_settings_sql(names: Sequence[str], *, local: bool) -> str:
    """``SELECT set_config(name, $i, local), ...``: the settings ``names`` from bind parameters, in order."""
    flag = "true" if local else "false"
    return "SELECT " + ", ".join(f"set_config('{n}', ${i}, {flag})" for i, n in enumerate(names, 1))


APPLY_SCOPE = bound_settings_sql(_SCOPE_NAMES, local=True)  # $1..$5 as in _SCOPE_NAMES (tests, benchmarks)


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """``statement_timeout`` and ``lock_timeout`` of each request transaction, in milliseconds (0 = none).

    Written with ``set_config(..., true)`` (``SET LOCAL``), so they end with the transaction and never reach
    the command-line jobs, which use their own transactions without limits."""

    statement_timeout_ms: int = 0
    lock_timeout_ms: int = 0


def _literal(value: str) -> str | None:
    """``value`` as an SQL string literal, or None when it holds anything but plain text (a quote is doubled;
    a backslash or NUL sends the caller to bind parameters instead of relying on standard_conforming_strings)."""
    if "\\" in value or "\x00" in value:
        return None
    return "'" + value.replace("'", "''") + "'"


def settings_sql(settings: Sequence[tuple[str, str]], *, local: bool) -> str | None:
    """``SELECT set_config(name, value, local), ...`` with literal values (None: a value needs parameters)."""
    parts = []
    for name, value in settings:
        literal = _literal(value)
        if literal is None:
            return None
        parts.append(f"set_config('{name}', {literal}, {'true' if local else 'false'})")
    return "SELECT " + ", ".join(parts)


def scope_settings(scope: DbScope, limits: TimeLimits | None) -> list[tuple[str, str]]:
    """The settings of ``scope`` (and ``limits``, when any is set) as (name, value) pairs."""
    out = list(zip(_SCOPE_NAMES, (scope.role, scope.read_prefix, scope.write_prefix, scope.subject_id, scope.actor),
                   strict=True))
    if limits is not None and (limits.statement_timeout_ms or limits.lock_timeout_ms):
        out += zip(_LIMIT_NAMES, (str(limits.statement_timeout_ms), str(limits.lock_timeout_ms)), strict=True)
    return out


def begin_sql(scope: DbScope, limits: TimeLimits | None) -> str | None:
    """``BEGIN`` and the settings of ``scope`` as one simple query (None: a value needs bind parameters)."""
    select = settings_sql(scope_settings(scope, limits), local=True)
    return None if select is None else f"BEGIN; {select}"
