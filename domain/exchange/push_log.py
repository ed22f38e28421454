"""The ``platform_push`` log rows both push layouts write (penalties in push.py, list entries in list_push.py).

A published item becomes a ``publish`` row, ``pending`` or, when the layout's required fields are missing,
``failed`` at once (the platform would refuse it: never sent); a take-down becomes a ``withdraw`` row, but only for
an item whose ``publish`` row exists, built from what was pushed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from domain.events import StoredEvent
from domain.session import Session

log = logging.getLogger("yibao.exchange.push")


async def log_publish(session: Session, e: StoredEvent, *, layout: str, subject_id: uuid.UUID, region_code: str,
                      payload: Mapping[str, Any], missing: Sequence[str]) -> None:
    """The ``publish`` row of the item ``e`` names, in ``layout``."""
    status, error, due = ("failed", f"缺少必填字段：{'、'.join(missing)}", None) if missing else \
        ("pending", None, e.occurred_at)
    await session.execute(
        """INSERT INTO platform_push (event_position, publication_id, subject_id, region_code, action, payload,
               status, last_error, next_attempt_at, layout)
           VALUES ($1, $2, $3, $4, 'publish', $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING""",
        e.position, e.item_id, subject_id, region_code, dict(payload), status, error, due, layout)
    if missing:
        log.info("platform push of %s %s refused locally: missing %s", layout, e.item_id, ", ".join(missing))


async def log_take_down(session: Session, e: StoredEvent, *, layout: str,
                        body: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """The ``withdraw`` row of the item ``e`` names, if it was pushed: ``body`` makes it from the pushed payload."""
    pushed = await session.fetchrow(
        """SELECT subject_id, region_code, payload FROM platform_push
           WHERE publication_id = $1 AND action = 'publish' AND layout = $2 ORDER BY created_at DESC LIMIT 1""",
        e.item_id, layout)
    if pushed is None:
        return
    await session.execute(
        """INSERT INTO platform_push (event_position, publication_id, subject_id, region_code, action, payload,
               next_attempt_at, layout)
           VALUES ($1, $2, $3, $4, 'withdraw', $5, $6, $7) ON CONFLICT DO NOTHING""",
        e.position, e.item_id, pushed["subject_id"], pushed["region_code"], body(pushed["payload"]), e.occurred_at,
        layout)
