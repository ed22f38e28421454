"""PostgreSQL itself guards the archive: append-only tables, attributed changes, region row-level security."""

from __future__ import annotations

import asyncpg
import pytest

from domain.db_scope import DbScope
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import insert_entered_record, insert_subject


async def test_a_record_version_can_never_be_updated_or_deleted_even_by_the_owner(conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region="340102")
    rid = await insert_entered_record(conn, subject_id=sid, region="340102")
    for sql in (
        "UPDATE credit_record_version SET title = 'x' WHERE record_id = $1",
        "DELETE FROM credit_record_version WHERE record_id = $1",
        "DELETE FROM record_event WHERE record_id = $1",
        "DELETE FROM credit_record WHERE id = $1",
    ):
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            async with conn.transaction():  # a savepoint, so the test's transaction survives the error
                await conn.execute(sql, rid)


async def test_a_subject_can_never_be_deleted(conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region="340102")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        async with conn.transaction():
            await conn.execute("DELETE FROM subject WHERE id = $1", sid)
    assert await conn.fetchval("SELECT count(*) FROM subject") == 1


async def test_a_records_attribution_cannot_be_rewritten(conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region="340102")
    rid = await insert_entered_record(conn, subject_id=sid, region="340102")
    with pytest.raises(asyncpg.RaiseError, match="attribution"):
        await conn.execute("UPDATE credit_record SET entered_by = 'someone' WHERE id = $1", rid)


async def test_every_change_to_a_subject_is_in_the_audit_log_with_its_actor(
    db: SingleConnectionDatabase, conn: asyncpg.Connection
) -> None:
    sid = await insert_subject(conn, region="340102")
    async with db.session(DbScope(read_prefix="340102", write_prefix="340102", actor="officer:clerk-7")) as s:
        await s.execute("UPDATE subject SET name = '新名称大药房' WHERE id = $1", sid)
    rows = await conn.fetch(
        "SELECT op, actor, old->>'name' AS old_name, new->>'name' AS new_name "
        "FROM audit_log WHERE row_id = $1 ORDER BY id",
        str(sid),
    )
    assert [r["op"] for r in rows] == ["INSERT", "UPDATE"]
    assert rows[1]["actor"] == "officer:clerk-7" and rows[1]["new_name"] == "新名称大药房"
    assert rows[1]["old_name"] != rows[1]["new_name"]


async def test_row_level_security_hides_other_regions_from_plain_sql(
    db: SingleConnectionDatabase, conn: asyncpg.Connection
) -> None:
    mine = await insert_subject(conn, region="340102")
    await insert_subject(conn, region="340104")
    await insert_subject(conn, region="500237")
    async with db.session(DbScope(read_prefix="340102", write_prefix="340102", actor="t")) as s:
        rows = await s.fetch("SELECT id FROM subject")  # no WHERE clause at all
    assert [r["id"] for r in rows] == [mine]


async def test_an_unset_scope_sees_nothing(db: SingleConnectionDatabase, conn: asyncpg.Connection) -> None:
    await insert_subject(conn, region="340102")
    async with db.session(DbScope()) as s:
        assert await s.fetchval("SELECT count(*) FROM subject") == 0


async def test_row_level_security_refuses_writes_outside_the_write_scope(
    db: SingleConnectionDatabase, conn: asyncpg.Connection
) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with db.session(DbScope(read_prefix="34", write_prefix="340102", actor="t")) as s:
            await s.execute(
                """INSERT INTO subject (kind, subject_class, code, name, region_code, created_by)
                   VALUES ('institution', 'retail_pharmacy', '91500237000000000X', 'x', '500237', 't')"""
            )
    assert await conn.fetchval("SELECT count(*) FROM subject") == 0


async def test_the_public_role_cannot_read_the_archive_tables(
    db: SingleConnectionDatabase, conn: asyncpg.Connection
) -> None:
    await insert_subject(conn, region="340102")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with db.session(DbScope(role="yibao_public", read_prefix="*")) as s:
            await s.fetch("SELECT * FROM subject")
