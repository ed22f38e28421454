"""Keyset paging: opaque cursors over a sort key, pages of at most a configured size."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from domain.errors import InvalidInput

T = TypeVar("T")
MAX_PAGE_SIZE = 100


_CURSOR_PREFIX = "c1:"  # lets a cursor from another version, or a made-up one, be told apart


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + key).encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The sort key inside a cursor; ``InvalidInput`` for one this API did not hand out."""
    if cursor is None:
        return None
    try:
        text = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("该游标（cursor）不是本接口返回的，请使用分页结果中的 endCursor。",
            en="The cursor is not one this API handed out.", field="after") from exc
    if not text.startswith(_CURSOR_PREFIX):
        raise InvalidInput("该游标（cursor）不是本接口返回的，请使用分页结果中的 endCursor。",
            en="The cursor is not one this API handed out.", field="after")
    return text[len(_CURSOR_PREFIX) :]


def encode_time_cursor(at: datetime | None, id: uuid.UUID) -> str:
    """A cursor for rows ordered newest first by (timestamp, id)."""
    return encode_cursor(f"{at.isoformat() if at else ''}|{id}")


def decode_time_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (timestamp, id) inside a cursor from ``encode_time_cursor``; ``InvalidInput`` for anything else."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    at, _, id = key.partition("|")
    try:
        return datetime.fromisoformat(at), uuid.UUID(id)
    except ValueError as exc:
        raise InvalidInput("该游标（cursor）不是本接口返回的，请使用分页结果中的 endCursor。",
            en="The cursor is not one this API handed out.", field="after") from exc


def page_size(first: int | None, *, default: int = 20, maximum: int = MAX_PAGE_SIZE) -> int:
    """``first`` checked against the allowed range."""
    size = default if first is None else first
    if not 1 <= size <= maximum:
        raise InvalidInput(f"每页条数（first）须在 1 到 {maximum} 之间。",
            en=f"'first' must be between 1 and {maximum}.", field="first")
    return size


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, with what the connection needs to say about the rest."""

    items: Sequence[T]
    keys: Sequence[str]
    has_next: bool

    @classmethod
    def from_rows(cls, rows: Sequence[T], keys: Sequence[str], size: int) -> Page[T]:
        """Build from ``size + 1`` fetched rows: the extra row only tells that there is a next page."""
        return cls(items=rows[:size], keys=keys[:size], has_next=len(rows) > size)


@dataclass(frozen=True)
class SortKey:
    """One order a list offers: a never-null SQL expression, a direction, and the id that breaks ties.

    The cursor of a row carries the order's name, the row's value of ``expression`` and its id, so the next page
    starts strictly after it (keyset paging: no OFFSET, stable while rows are added) and a cursor handed out for
    one order is refused for another.
    """

    name: str
    expression: str
    descending: bool = False
    id_expression: str = "id"
    cast: str = "text"  # the SQL type of ``expression``: the cursor's text is cast back to it
    id_cast: str = "uuid"

    @property
    def order_by(self) -> str:
        direction = " DESC" if self.descending else ""
        return f"{self.expression}{direction}, {self.id_expression}{direction}"

    def position(self, cursor: str | None) -> tuple[str, str] | None:
        """The (value, id) a cursor of this order points at, as text; ``InvalidInput`` for any other cursor."""
        key = decode_cursor(cursor)
        if key is None:
            return None
        name, sep, rest = key.partition("|")
        value, sep2, id_text = rest.rpartition("|")
        if not sep or not sep2 or name != self.name:
            raise InvalidInput("该游标（cursor）属于另一种排序或另一个列表，请从第一页开始。",
                               en="The cursor belongs to another order or list; start from the first page.",
                               field="after")
        return value, id_text

    def after(self, cursor: str | None, *, first_param: int) -> tuple[str, list[str]]:
        """The ``AND (…) > (…)`` keyset condition for rows after ``cursor`` and its two arguments."""
        found = self.position(cursor)
        if found is None:
            return "", []
        value, id_text = found
        op = "<" if self.descending else ">"
        a, b = first_param, first_param + 1
        return (f"AND ({self.expression}, {self.id_expression}) {op} "
                f"(${a}::text::{self.cast}, ${b}::text::{self.id_cast})", [value, id_text])

    def cursor(self, value: object, id: object) -> str:
        """The cursor of a row whose ``expression`` is ``value``."""
        text = value.isoformat() if isinstance(value, datetime | date) else str(value)
        return encode_cursor(f"{self.name}|{text}|{id}")


def sort_key(options: dict[str, SortKey], name: str | None, default: str) -> SortKey:
    """The order a client asked for, by name, among a list's ``options``."""
    chosen = options.get(name or default)
    if chosen is None:
        raise InvalidInput(f"不支持的排序：{name}。", en=f"Unsupported order: {name}.", field="orderBy")
    return chosen
