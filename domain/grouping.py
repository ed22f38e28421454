"""Grouping the rows of one batched statement under the keys a DataLoader asked for."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import asyncpg

K = TypeVar("K")
V = TypeVar("V")


def grouped(rows: Sequence[asyncpg.Record], *, keys: Sequence[K], key: str,
            build: Callable[[asyncpg.Record], V]) -> dict[K, list[V]]:
    """Rows of one batched statement, built and grouped under the key they were asked for (empty lists kept),
    so a DataLoader gets an answer for every key."""
    out: dict[K, list[V]] = {k: [] for k in keys}
    for r in rows:
        out[r[key]].append(build(r))
    return out
