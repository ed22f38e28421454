"""``Idempotency-Key`` for mutations: a retried write is answered from the first attempt, never applied twice.

The key is scoped to the principal (officers and subjects, who write through the ``yibao_app`` role) and stored
in PostgreSQL (table ``idempotency_key``, migration 0009) inside the mutation's own transaction, so the stored
answer exists exactly when the write committed: a client that got an error (a timeout, a lost connection, 503)
retries with the same key and either gets the committed answer or has the mutation run once. A concurrent
retry waits on the key's primary key until the first attempt commits or rolls back. The same key with a
different request body is refused (``IDEMPOTENCY_KEY_REUSED``). Keys are kept 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from domain.session import Session

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 200
RETENTION = "interval '24 hours'"


@dataclass(frozen=True)
class Stored:
    """What an earlier attempt with this key recorded: its request's hash and its answer."""

    request_hash: str
    response: dict[str, Any]


def request_hash(query: str, variables: dict[str, Any] | None, operation_name: str | None) -> str:
    """A digest of what was asked, to tell a genuine retry from a reused key."""
    text = json.dumps([query, variables or {}, operation_name], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


async def claim(session: Session, *, principal: str, key: str, digest: str) -> Stored | None:
    """Claim ``key`` for this transaction; the earlier attempt's answer when it had already committed."""
    # Keys are kept for RETENTION: the principal's older ones go as it uses new ones (its own rows only).
    await session.execute(f"DELETE FROM idempotency_key WHERE principal = $1 AND created_at < now() - {RETENTION}",
                          principal)
    inserted = await session.fetchval(
        """INSERT INTO idempotency_key (principal, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT (principal, key) DO NOTHING RETURNING 1""", principal, key, digest)
    if inserted:
        return None
    row = await session.fetchrow(
        "SELECT request_hash, response FROM idempotency_key WHERE principal = $1 AND key = $2", principal, key)
    if row is None:  # pragma: no cover - the conflicting row is committed and visible to us
        return None
    return Stored(request_hash=row["request_hash"], response=row["response"] or {})


async def remember(session: Session, *, principal: str, key: str, response: dict[str, Any]) -> None:
    """Store the answer under the claimed key, in the mutation's transaction."""
    await session.execute(
        "UPDATE idempotency_key SET response = $3 WHERE principal = $1 AND key = $2", principal, key, response)
