"""The database guards the public: only the public_item view and the verification function are reachable."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.factories import insert_subject
from tests.support.publication import insert_confirmed_record


async def _publish_in_sql(conn: asyncpg.Connection, *, until: str | None) -> str:
    subject_id = await insert_subject(conn, region="340102")
    record_id = await insert_confirmed_record(conn, subject_id=subject_id, region="340102")
    until_sql = "NULL" if until is None else f"now() + interval '{until}'"
    return str(await conn.fetchval(
        f"""INSERT INTO publication (item_type, item_id, subject_id, region_code, publisher_region, category, kind,
                status, prepared_by, published_by, published_at, public_until, public_payload)
            VALUES ('record', $1, $2, '340102', '340100', 'dishonesty', 'fraud', 'published', 't', 't',
                    now() - interval '2 years', {until_sql}, '{{}}') RETURNING id""", record_id, subject_id))


@pytest.mark.parametrize("table", ["publication", "subject", "credit_record", "credit_record_version",
                                   "notification", "audit_log"])
async def test_the_public_role_cannot_select_from_personal_tables(conn: asyncpg.Connection, table: str) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with conn.transaction():
            await conn.execute("SET LOCAL ROLE yibao_public")
            await conn.fetch(f"SELECT * FROM {table} LIMIT 1")


async def test_the_public_view_shows_only_items_inside_their_window(conn: asyncpg.Connection) -> None:
    live = await _publish_in_sql(conn, until="1 day")
    expired = await _publish_in_sql(conn, until="-1 day")
    async with conn.transaction():
        await conn.execute("SET LOCAL ROLE yibao_public")
        seen = {str(r["id"]) for r in await conn.fetch("SELECT id FROM public_item")}
        columns = {r["column_name"] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'public_item'")}
    assert live in seen and expired not in seen
    assert "subject_id" not in columns and "item_id" not in columns

