"""Alembic is the only way the schema changes: upgrade on an empty database, downgrade, and no drift."""

from __future__ import annotations

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from api.postgres import downgrade, ensure_database, migrate
from domain.tables import metadata

SCRATCH = "yibao_migrations_scratch"


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r["tablename"] for r in rows}
    finally:
        await conn.close()


async def test_upgrade_on_an_empty_database_then_downgrade_to_nothing_and_up_again(pg_admin_url: str) -> None:
    url = await ensure_database(pg_admin_url, SCRATCH, recreate=True)
    await migrate(url)
    assert {"region", "subject", "credit_record", "credit_record_version", "record_event"} <= await _tables(url)
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM region") > 3000
        assert await conn.fetchval("SELECT parent_code FROM region WHERE code = '500237'") == "500000"
    finally:
        await conn.close()
    await downgrade(url, "base")
    assert await _tables(url) <= {"alembic_version"}
    await migrate(url)
    assert "subject" in await _tables(url)


async def test_migrated_schema_matches_the_declared_tables(pg_url: str) -> None:
    engine = create_async_engine(pg_url.replace("postgresql://", "postgresql+asyncpg://", 1))

    def diff(sync_conn):  # type: ignore[no-untyped-def]
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(ctx, metadata)

    async with engine.connect() as connection:
        changes = await connection.run_sync(diff)
    await engine.dispose()
    # Indexes, RLS and triggers are only in the migrations; tables, columns and types must agree.
    relevant = [
        c
        for c in changes
        if c[0] in ("add_table", "remove_table", "add_column", "remove_column")
        or (isinstance(c, list) and c and c[0][0] in ("modify_type", "modify_nullable"))
    ]
    assert relevant == [], relevant
