"""Keyset paging: opaque cursors over a sort key, pages of at most a configured size."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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
        raise InvalidInput("The cursor is not one this API handed out.", field="after") from exc
    if not text.startswith(_CURSOR_PREFIX):
        raise InvalidInput("The cursor is not one this API handed out.", field="after")
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
        raise InvalidInput("The cursor is not one this API handed out.", field="after") from exc


def page_size(first: int | None, *, default: int = 20, maximum: int = MAX_PAGE_SIZE) -> int:
    """``first`` checked against the allowed range."""
    size = default if first is None else first
    if not 1 <= size <= maximum:
        raise InvalidInput(f"'first' must be between 1 and {maximum}.", field="first")
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
