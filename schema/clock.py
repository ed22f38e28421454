"""Timestamps as China reads them: every DateTime the API sends is written in Asia/Shanghai (+08:00).

The database and asyncpg hand back UTC; the instant is the same, only its written form changes, so one scalar
override (``build_schema``) covers every field and a client never converts. Input keeps accepting any offset.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

CHINA = ZoneInfo("Asia/Shanghai")


def _serialize(value: datetime) -> str:
    # A naive value (none come from the database) is taken to be Beijing time already.
    return (value.astimezone(CHINA) if value.tzinfo else value.replace(tzinfo=CHINA)).isoformat()


SHANGHAI_DATETIME = ScalarDefinition(
    name="DateTime",
    description="Date with time (ISO 8601), always written in Beijing time (Asia/Shanghai, +08:00).",
    specified_by_url=None,
    serialize=_serialize,
    parse_value=DateTimeDefinition.parse_value,
    parse_literal=DateTimeDefinition.parse_literal,
)
