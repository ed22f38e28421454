"""Tampering through every bypass a database superuser has is found by `yibao verify`, subject and first link named."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from domain.integrity import LogInconsistent, consistency
from domain.integrity_signing import read_heads
from domain.rules.chain import CHAINED_TABLES
from domain.rules.merkle import verify_consistency
from tests.support.factories import insert_subject
from tests.support.integrity import Archive, build_archive


@pytest.fixture
async def archive(conn: asyncpg.Connection, tmp_path: Path) -> Archive:
    return await build_archive(conn, tmp_path)


async def test_an_untouched_archive_verifies_clean_as_a_whole_and_per_subject(archive: Archive) -> None:
    whole = await archive.verify()
    assert whole.ok, [str(p) for p in whole.problems]
    assert whole.rows >= 9 and whole.entries == whole.rows and whole.leaves == whole.entries
    assert whole.signed_head is not None and whole.signed_head.tree_size == whole.leaves
    one = await archive.verify(archive.first)
    assert one.ok and one.rows == 4


async def test_an_amount_changed_with_replication_role_replica_is_named_with_both_values(archive: Archive) -> None:
    conn = archive.conn
    await conn.execute("SET LOCAL session_replication_role = replica")
    await conn.execute("UPDATE credit_record_version SET amount = 1.00 WHERE record_id = $1", archive.record)
    await conn.execute("SET LOCAL session_replication_role = origin")
    report = await archive.verify()
    assert not report.ok and report.subjects() == {str(archive.first)}
    first = report.first
    assert first is not None
    assert (first.kind, first.table, first.row) == ("row_changed", "credit_record_version", f"{archive.record}:1")
    assert first.subject_id == str(archive.first)
    assert "amount" in first.detail and "'60000.00'" in first.detail and "'1.00'" in first.detail
    assert not (await archive.verify(archive.first)).ok
    assert (await archive.verify(archive.second)).ok


async def test_a_review_event_deleted_with_replication_role_replica_is_named(archive: Archive) -> None:
    conn = archive.conn
    await conn.execute("SET LOCAL session_replication_role = replica")
    await conn.execute("DELETE FROM record_event WHERE id = $1", archive.review_event)
    await conn.execute("SET LOCAL session_replication_role = origin")
    report = await archive.verify()
    assert report.subjects() == {str(archive.first)}
    assert report.first is not None
    assert (report.first.kind, report.first.table, report.first.row) == (
        "row_deleted", "record_event", str(archive.review_event))


async def test_an_update_after_disabling_the_guard_trigger_is_named(archive: Archive) -> None:
    conn = archive.conn
    await conn.execute("ALTER TABLE credit_record_version DISABLE TRIGGER USER")
    await conn.execute("UPDATE credit_record_version SET title = '约谈' WHERE record_id = $1", archive.other_record)
    await conn.execute("ALTER TABLE credit_record_version ENABLE TRIGGER USER")
    report = await archive.verify()
    assert report.subjects() == {str(archive.second)}
    assert report.first is not None and report.first.kind == "row_changed"
    assert report.first.row == f"{archive.other_record}:1" and "title" in report.first.detail


async def test_a_row_inserted_with_the_triggers_off_is_found_without_an_entry(archive: Archive) -> None:
    conn = archive.conn
    await conn.execute("SET LOCAL session_replication_role = replica")
    forged = await conn.fetchval(
        """INSERT INTO record_event (record_id, subject_id, region_code, version, action, from_status, to_status,
               actor_id, actor_kind) VALUES ($1, $2, '340102', 1, 'withdraw', 'confirmed', 'withdrawn', 'x', 'officer')
           RETURNING id""", archive.record, archive.first)
    await conn.execute("SET LOCAL session_replication_role = origin")
    report = await archive.verify()
    assert report.first is not None
    assert (report.first.kind, report.first.row, report.first.subject_id) == (
        "row_without_entry", str(forged), str(archive.first))


async def test_a_chain_entry_deleted_by_the_owner_breaks_the_chain_at_that_link(archive: Archive) -> None:
    conn = archive.conn
    await conn.execute("SET LOCAL session_replication_role = replica")
    await conn.execute("DELETE FROM integrity_leaf WHERE entry_id IN (SELECT id FROM integrity_entry "
                       "WHERE table_name = 'record_event' AND row_key = $1)", str(archive.review_event))
    await conn.execute("DELETE FROM integrity_entry WHERE table_name = 'record_event' AND row_key = $1",
                       str(archive.review_event))
    await conn.execute("SET LOCAL session_replication_role = origin")
    report = await archive.verify()
    assert str(archive.first) in report.subjects()
    kinds = [p.kind for p in report.problems]
    assert "row_without_entry" in kinds and "chain_gap" in kinds


async def test_a_truncated_log_is_found_against_the_signed_head_file(archive: Archive) -> None:
    conn = archive.conn
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        async with conn.transaction():
            await conn.execute("TRUNCATE integrity_leaf")
    await conn.execute("SET LOCAL session_replication_role = replica")
    await conn.execute("DELETE FROM integrity_leaf WHERE leaf_index >= 3")
    await conn.execute("SET LOCAL session_replication_role = origin")
    report = await archive.verify()
    assert report.first is not None and report.first.kind == "log_truncated"


async def test_a_log_truncated_and_rewritten_to_cover_a_changed_amount_is_found_against_the_signed_heads(
    archive: Archive,
) -> None:
    conn = archive.conn
    await conn.execute("SET LOCAL session_replication_role = replica")
    await conn.execute("UPDATE credit_record_version SET amount = 1.00 WHERE record_id = $1", archive.other_record)
    # The forger keeps the old order, truncates chains and log, and appends every row again as it now is.
    await conn.execute("CREATE TEMPORARY TABLE old_entry ON COMMIT DROP AS SELECT * FROM integrity_entry")
    await conn.execute("TRUNCATE integrity_leaf, integrity_entry, integrity_chain")
    rows = await conn.fetch("SELECT table_name, row_key FROM old_entry ORDER BY id")
    for r in rows:
        table = next(t for t in CHAINED_TABLES if t.name == r["table_name"])
        keys = " || ':' || ".join(f"(j ->> '{c}')" for c in table.key)
        await conn.execute(
            f"""SELECT yibao_integrity_append($1, 'INSERT', j, $2, $3)
                FROM (SELECT to_jsonb(t) AS j FROM {table.name} t) s WHERE {keys} = $4""",
            table.name, ",".join(table.key), " ".join(f"{k}:{c}" for c, k in table.columns), r["row_key"])
    await conn.execute("SELECT yibao_integrity_sequence()")
    await conn.execute("SET LOCAL session_replication_role = origin")
    report = await archive.verify()
    assert not report.ok
    assert [p.kind for p in report.problems] == ["log_rewritten"]
    first = report.first
    assert first is not None and first.subject_id == str(archive.second)
    assert str(archive.first) not in first.detail and str(archive.second) in first.detail
    with pytest.raises(LogInconsistent):  # and the bureau's key will not sign the forged log
        async with conn.transaction():
            await archive.sign()


async def test_signing_again_extends_the_signed_log_and_proves_it_consistent(archive: Archive) -> None:
    await insert_subject(archive.conn, region="340102")
    await archive.sign()
    heads = read_heads(archive.heads)
    assert [h.tree_size for h in heads] == sorted({h.tree_size for h in heads}) and len(heads) == 2
    proof = await consistency(sql=archive.conn, first=heads[0].tree_size, second=heads[1].tree_size)
    assert verify_consistency(first=proof.first, second=proof.second, first_root=heads[0].root_hash,
                              second_root=heads[1].root_hash, proof=proof.path)


async def test_the_installed_triggers_chain_exactly_the_columns_the_rules_name(conn: asyncpg.Connection) -> None:
    for table in CHAINED_TABLES:
        columns = [r["column_name"] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
            table.name)]
        assert list(table.column_names) == [c for c in columns if c not in table.derived], table.name
        assert set(table.derived) <= set(columns), table.name
        args = await conn.fetchval(
            "SELECT encode(tgargs, 'escape') FROM pg_trigger WHERE tgname = $1", f"{table.name}_integrity")
        key, spec = args.split("\\000")[:2]
        assert key == ",".join(table.key)
        assert spec == " ".join(f"{k}:{c}" for c, k in table.columns)


async def test_the_first_broken_link_is_the_earliest_write_tampered_with(archive: Archive) -> None:
    conn = archive.conn
    await conn.execute("SET LOCAL session_replication_role = replica")
    await conn.execute("UPDATE credit_record_version SET amount = 1.00 WHERE record_id = $1", archive.other_record)
    await conn.execute("DELETE FROM record_event WHERE id = $1", archive.review_event)
    await conn.execute("SET LOCAL session_replication_role = origin")
    report = await archive.verify()
    assert [(p.kind, p.subject_id) for p in report.problems] == [
        ("row_deleted", str(archive.first)), ("row_changed", str(archive.second))]
