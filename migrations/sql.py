"""Run a multi-statement SQL script inside a migration.

SQLAlchemy's asyncpg dialect prepares every statement, and PostgreSQL refuses to prepare several commands
at once; DO blocks and function bodies make splitting on ';' unsafe. So scripts go straight to the
asyncpg connection underneath, which sends them with the simple query protocol, in alembic's transaction.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy.util import await_only


def run_script(sql: str) -> None:
    raw = op.get_bind().connection.dbapi_connection
    assert raw is not None
    await_only(raw.driver_connection.execute(sql))  # type: ignore[union-attr]
