"""信用预警: the early warnings re-evaluations raised."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

# Declares the evaluation tables on the shared SQLModel metadata (alembic, the drift test) wherever this
# service is loaded; domain/tables.py is to import it as well, so the metadata is whole on its own.
from domain import evaluation_tables  # noqa: F401
from domain.access import Access
from domain.session import Session

# ---------------------------------------------------------------------------------------------- warnings


@dataclass(frozen=True)
class StoredWarning:
    """监测预警 as raised for a bureau."""

    id: uuid.UUID
    subject_id: uuid.UUID
    region_code: str
    kind: str
    message: str
    record_kind: str | None
    result_id: uuid.UUID | None
    raised_at: datetime


async def list_warnings(*, session: Session, access: Access, region_code: str | None = None,
                        first: int = 50) -> list[StoredWarning]:
    """The newest early warnings in the principal's subtree (or a region of it)."""
    scope = access.region_scope("evaluation", region_code=region_code)
    rows = await session.fetch(
        f"""SELECT id, subject_id, region_code, kind, message, record_kind, result_id, raised_at FROM credit_warning
           WHERE {scope.clause("region_code", 1)} ORDER BY raised_at DESC, id LIMIT $2""", scope.argument, first)
    return [StoredWarning(**dict(r)) for r in rows]
