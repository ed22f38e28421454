"""Hash chains per credit subject (防篡改): which rows are chained, their canonical encoding, and the entry hash.

Every record version, workflow event, evaluation result and publication becomes an entry in its subject's
chain: ``entry_hash = SHA-256(previous entry hash || canonical(fields))``, the first entry of a chain following
32 zero bytes. ``fields`` are ``[table, row key, operation, column texts ...]``; each column is rendered to text
by PostgreSQL with one expression per column kind (``field_sql``), the same in the insert trigger (migration
0008) and in ``yibao verify``, so neither session time zone nor date style changes a hash. The canonical
encoding is length-prefixed (4-byte big-endian length, 0xFFFFFFFF for NULL), like the TLS structures RFC 9162
itself hashes: no escaping, no ambiguity between fields.

Each chain entry's hash is the leaf data of the Merkle log (``domain.rules.merkle``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

GENESIS = bytes(32)
NULL_LENGTH = b"\xff\xff\xff\xff"
TIMESTAMP_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


class ColumnKind(StrEnum):
    """How a column is rendered to canonical text."""

    PLAIN = "plain"  # text, uuid, integer, numeric (its scale kept: 60000.00), boolean, date (ISO in JSON)
    TIMESTAMP = "ts"  # timestamptz, in UTC with microseconds
    JSON = "json"  # jsonb and arrays, as PostgreSQL's normalised jsonb text


@dataclass(frozen=True, slots=True)
class ChainedTable:
    """A table whose rows are chained: its row key and every column, in order, with its kind."""

    name: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, ColumnKind], ...]
    # Immutable tables have exactly one entry per row; mutable ones one per state (publish, supersede ...).
    immutable: bool
    # Generated columns computed from chained ones (migration 0014's region prefixes): not chained themselves.
    derived: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)


P, T, J = ColumnKind.PLAIN, ColumnKind.TIMESTAMP, ColumnKind.JSON

CHAINED_TABLES: tuple[ChainedTable, ...] = (
    ChainedTable(
        name="credit_record_version", key=("record_id", "version"), immutable=True,
        columns=(("record_id", P), ("version", P), ("subject_id", P), ("region_code", P), ("title", P),
                 ("facts", P), ("amount", P), ("points", P), ("score", P), ("occurred_on", P), ("decided_on", P),
                 ("penalty", P), ("penalty_until", P), ("legal_basis", P), ("clauses", J), ("details", J),
                 ("author_id", P), ("author_kind", P), ("change_reason", P), ("created_at", T)),
    ),
    ChainedTable(
        name="record_event", key=("id",), immutable=True,
        columns=(("id", P), ("record_id", P), ("subject_id", P), ("region_code", P), ("version", P), ("action", P),
                 ("from_status", P), ("to_status", P), ("actor_id", P), ("actor_kind", P), ("reason", P),
                 ("at", T)),
    ),
    ChainedTable(
        name="evaluation_result", key=("id",), immutable=False,
        columns=(("id", P), ("subject_id", P), ("region_code", P), ("subject_class", P), ("service_scope", P),
                 ("ruleset_code", P), ("ruleset_version", P), ("cycle_year", P), ("as_of", P), ("trigger", P),
                 ("base", P), ("score", P), ("grade", P), ("excluded_reason", P), ("evaluated_by", P),
                 ("evaluated_at", T), ("superseded_at", T), ("superseded_by", P)),
    ),
    ChainedTable(
        name="publication", key=("id",), immutable=False,
        columns=(("id", P), ("item_type", P), ("item_id", P), ("subject_id", P), ("region_code", P),
                 ("publisher_region", P), ("category", P), ("kind", P), ("status", P), ("window_months", P),
                 ("prepared_by", P), ("prepared_at", T), ("published_by", P), ("published_at", T),
                 ("public_until", T), ("withdrawn_by", P), ("withdrawn_at", T), ("withdraw_reason", P),
                 ("public_key", P), ("public_name", P), ("public_payload", J), ("grade", P), ("cycle_year", P),
                 ("shared_payload", J)),
        derived=("region_province", "region_city"),
    ),
)
TABLES_BY_NAME = {t.name: t for t in CHAINED_TABLES}


def field_sql(column: str, kind: ColumnKind, *, row: str = "j") -> str:
    """The SQL rendering one column of ``to_jsonb(row)`` (named ``row``) to canonical text (NULL stays NULL)."""
    if kind is ColumnKind.TIMESTAMP:
        return f"to_char(({row} ->> '{column}')::timestamptz AT TIME ZONE 'UTC', '{TIMESTAMP_FORMAT}')"
    if kind is ColumnKind.JSON:
        return f"nullif({row} -> '{column}', 'null'::jsonb)::text"
    return f"({row} ->> '{column}')"


def key_sql(table: ChainedTable, *, row: str = "j") -> str:
    """The SQL of a row's key as text: its key columns joined by ':'."""
    return " || ':' || ".join(f"({row} ->> '{c}')" for c in table.key)


def row_fields_sql(table: ChainedTable, *, row: str = "j") -> str:
    """The SQL of a row's column texts as one text[] (what the trigger hashes after table, key and operation)."""
    return "ARRAY[" + ", ".join(field_sql(c, k, row=row) for c, k in table.columns) + "]::text[]"


def canonical(fields: Sequence[str | None]) -> bytes:
    """The canonical encoding: each field as a 4-byte big-endian length and its UTF-8, NULL as 0xFFFFFFFF."""
    out = bytearray()
    for f in fields:
        if f is None:
            out += NULL_LENGTH
        else:
            b = f.encode("utf-8")
            out += len(b).to_bytes(4, "big") + b
    return bytes(out)


def entry_fields(*, table: str, key: str, op: str, columns: Sequence[str | None]) -> list[str | None]:
    """The fields of a chain entry: what it is, which row, which operation, then the row's column texts."""
    return [table, key, op, *columns]


def entry_hash(previous: bytes, fields: Sequence[str | None]) -> bytes:
    """SHA-256(previous entry hash || canonical(fields)): the link that makes a chain."""
    if len(previous) != 32:
        raise ValueError("a previous entry hash has 32 bytes")
    return hashlib.sha256(previous + canonical(fields)).digest()


def differences(table: ChainedTable, recorded: Sequence[str | None],
                now: Sequence[str | None]) -> list[tuple[str, str | None, str | None]]:
    """The columns whose text differs between an entry and the row as it is now: (column, recorded, now)."""
    return [(name, a, b) for name, a, b in zip(table.column_names, recorded, now, strict=False) if a != b]
