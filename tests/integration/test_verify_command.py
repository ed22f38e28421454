"""`yibao verify` and `yibao integrity sign-head` as an operator runs them, on a committed scratch database."""

from __future__ import annotations

import asyncio
import os
import sys
from decimal import Decimal
from pathlib import Path

import asyncpg

from api.postgres import ensure_database, migrate
from domain.db import init_connection
from domain.rules.catalog import SubjectClass
from tests.support.factories import insert_subject
from tests.support.publication import insert_confirmed_record

SCRATCH = "yibao_verify_scratch"
PROJECT = Path(__file__).resolve().parents[2]


async def yibao(url: str, data: Path, *args: str) -> tuple[int, str]:
    """Run the `yibao` command in a process of its own; its exit code and output."""
    env = dict(os.environ, DATABASE_URL=url, YIBAO_DATA_DIR=str(data))
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "api.cli", *args, cwd=PROJECT, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return int(proc.returncode or 0), out.decode()


async def test_verify_passes_an_untouched_archive_and_exits_1_naming_the_subject_after_a_replica_update(
    pg_admin_url: str, tmp_path: Path,
) -> None:
    url = await ensure_database(pg_admin_url, SCRATCH, recreate=True)
    await migrate(url)
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    try:
        subject = await insert_subject(conn, region="500237", subject_class=SubjectClass.MEDICAL_INSTITUTION)
        record = await insert_confirmed_record(conn, subject_id=subject, region="500237", amount=Decimal("60000.00"))
        code, out = await yibao(url, tmp_path, "integrity", "sign-head")
        assert code == 0, out
        assert (tmp_path / "integrity" / "signed-heads.jsonl").read_text().count("\n") == 1
        code, out = await yibao(url, tmp_path, "verify")
        assert code == 0 and "OK" in out, out
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute("UPDATE credit_record_version SET amount = 1.00 WHERE record_id = $1", record)
        code, out = await yibao(url, tmp_path, "verify")
        assert code == 1, out
        assert f"first broken link: [row_changed] subject={subject}, table=credit_record_version, row={record}:1" in out
        assert "'60000.00'" in out and "'1.00'" in out
        code, out = await yibao(url, tmp_path, "verify", "--subject", str(subject))
        assert code == 1 and str(subject) in out, out
    finally:
        await conn.close()
        admin = await asyncpg.connect(pg_admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        finally:
            await admin.close()
