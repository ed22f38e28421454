"""`yibao import` as an operator runs it, in processes of its own on a committed scratch database: killed with
SIGKILL in the middle it leaves nothing, run again it finishes, and `yibao verify` passes afterwards."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import asyncpg

from api.identity import mint_token
from api.postgres import ensure_database, migrate
from domain.access import OfficerRole, PrincipalKind
from domain.db import init_connection
from tests.support.factories import insert_subject
from tests.support.imports import csv_bytes, row

SCRATCH = "yibao_import_scratch"
PROJECT = Path(__file__).resolve().parents[2]
ROWS = 20_000


def _env(url: str, data: Path) -> dict[str, str]:
    return dict(os.environ, DATABASE_URL=url, YIBAO_DATA_DIR=str(data))


async def yibao(url: str, data: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "api.cli", *args, cwd=PROJECT,
                                                env={**_env(url, data), **(env or {})}, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return int(proc.returncode or 0), out.decode()


async def _busy_importing(conn: asyncpg.Connection) -> bool:
    """Whether another session of the scratch database is inside the import's transaction, writing."""
    return bool(await conn.fetchval(
        """SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND state <> 'idle' AND (query ILIKE '%import_%' OR query ILIKE '%credit_record%'
                                    OR query ILIKE 'COPY%')"""))


async def test_an_import_killed_mid_way_leaves_nothing_and_running_it_again_finishes_and_verifies(
        pg_admin_url: str, tmp_path: Path) -> None:
    url = await ensure_database(pg_admin_url, SCRATCH, recreate=True)
    await migrate(url)
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    try:
        await conn.execute("""INSERT INTO officer (id, name, region_code, role, department)
                              VALUES ('340102-importer', '导入员', '340102', 'officer', '瑶海区医疗保障局')""")
        codes = [await conn.fetchval("SELECT code FROM subject WHERE id = $1", await insert_subject(
            conn, region="340102")) for _ in range(50)]
        file = tmp_path / "big.csv"
        file.write_bytes(csv_bytes([row(f"K-{i}", codes[i % len(codes)]) for i in range(ROWS)]))
        args = ("import", str(file), "--officer", "340102-importer", "--source", "现场检查系统", "--cycle", "2025")
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "api.cli", *args, cwd=PROJECT,
                                                    env=_env(url, tmp_path), stdout=asyncio.subprocess.DEVNULL,
                                                    stderr=asyncio.subprocess.DEVNULL)
        for _ in range(1200):  # up to two minutes on a busy machine
            if await _busy_importing(conn) or proc.returncode is not None:
                break
            await asyncio.sleep(0.1)
        killed_mid_way = proc.returncode is None
        if killed_mid_way:
            proc.send_signal(signal.SIGKILL)
        await proc.wait()
        assert killed_mid_way, "the import finished before it could be killed"
        written = await conn.fetchval("SELECT count(*) FROM imported_record")
        assert written in (0, ROWS)  # nothing or everything: one transaction
        assert await conn.fetchval("SELECT count(*) FROM import_batch") == (1 if written else 0)
        code, out = await yibao(url, tmp_path, *args)
        assert code == 0, out
        assert await conn.fetchval("SELECT count(*) FROM imported_record") == ROWS
        assert await conn.fetchval("SELECT count(*) FROM credit_record WHERE status = 'entered'") == ROWS
        code, out = await yibao(url, tmp_path, *args)
        assert code == 0 and f"此前已导入 {ROWS:,} 行" in out and "没有写入任何记录" in out, out
        assert await conn.fetchval("SELECT count(*) FROM credit_record") == ROWS
        code, out = await yibao(url, tmp_path, "verify")
        assert code == 0 and "OK" in out, out
    finally:
        await conn.close()
        admin = await asyncpg.connect(pg_admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        finally:
            await admin.close()


async def test_the_import_command_prints_the_report_writes_it_as_csv_and_exits_1_for_rejected_rows(
        pg_admin_url: str, tmp_path: Path) -> None:
    url = await ensure_database(pg_admin_url, SCRATCH, recreate=True)
    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("""INSERT INTO officer (id, name, region_code, role, department)
                              VALUES ('340102-importer', '导入员', '340102', 'officer', '瑶海区医疗保障局')""")
        code_ = await conn.fetchval("SELECT code FROM subject WHERE id = $1", await insert_subject(conn, region="340102"))
        file = tmp_path / "mixed.csv"
        file.write_bytes(csv_bytes([row("M-1", code_), row("M-2", code_, amount="-5")], encoding="gbk"))
        code, out = await yibao(url, tmp_path, "import", str(file), "--officer", "340102-importer", "--source", "投诉",
                                "--cycle", "2025")
        assert code == 1, out
        assert "编码 gb18030" in out and "拒绝 1 行" in out and "被拒绝的行" in out
        report = (tmp_path / "mixed.csv.report.csv").read_text(encoding="utf-8-sig").splitlines()
        assert report[0] == "行号,列号,列名,原因" and report[1].startswith("3,6,金额（元）,")
        empty = tmp_path / "empty.csv"
        empty.write_bytes(b"")
        code, out = await yibao(url, tmp_path, "import", str(empty), "--officer", "340102-importer", "--source", "投诉")
        assert code == 2 and "文件是空的" in out
        code, out = await yibao(url, tmp_path, "import", str(file), "--officer", "nobody", "--source", "投诉")
        assert code == 2 and "没有在职的工作人员" in out
        secret = "import-test-secret-0123456789abcdef0123"
        token = mint_token(secret=secret, issuer="yibao-credit", kind=PrincipalKind.OFFICER, id="340102-importer",
                           region_code="340102", role=OfficerRole.OFFICER, ttl_seconds=600)
        code, out = await yibao(url, tmp_path, "import", str(file), "--token", token, "--source", "投诉", "--cycle",
                                "2025", env={"YIBAO_JWT_SECRET": secret, "YIBAO_JWT_ISSUER": "yibao-credit"})
        assert code == 1 and "此前已导入 1 行" in out, out
    finally:
        await conn.close()
        admin = await asyncpg.connect(pg_admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        finally:
            await admin.close()
