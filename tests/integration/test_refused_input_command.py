"""`yibao` refuses an operator's mistakes (an unknown region, migration revision or subject) with one Chinese line
on stderr and exit 2, never a traceback, against the tests' PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from api.cli import main


async def _yibao(pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                 *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    code = await asyncio.to_thread(main, list(argv))
    return code, capsys.readouterr().err


async def test_a_cycle_for_an_unknown_region_is_refused_naming_the_region(
        pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = await _yibao(pg_url, monkeypatch, capsys, "evaluate", "cycle", "--region", "999999", "--year", "2025",
                             "--ruleset", "cq-wushan-outpatient-pharmacy")
    assert code == 2
    assert "evaluate: 未知的行政区划代码 '999999'" in err


async def test_exporting_an_unknown_region_is_refused(
        pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = await _yibao(pg_url, monkeypatch, capsys, "export", "--region", "999999",
                             "--out", str(tmp_path / "x.csv"))
    assert code == 2
    assert "999999" in err and "行政区划" in err


async def test_migrating_to_a_revision_that_does_not_exist_is_refused_and_changes_nothing(
        pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        before = await conn.fetchval("SELECT version_num FROM alembic_version")
        code, err = await _yibao(pg_url, monkeypatch, capsys, "migrate", "nope")
        assert code == 2
        assert "migrate: 无法迁移" in err and "'nope'" in err
        assert await conn.fetchval("SELECT version_num FROM alembic_version") == before
    finally:
        await conn.close()


async def test_verifying_a_subject_that_does_not_exist_says_so_and_exits_2(
        pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path))
    nobody = "00000000-0000-0000-0000-000000000000"
    code, err = await _yibao(pg_url, monkeypatch, capsys, "verify", "--subject", nobody)
    assert code == 2
    assert f"没有编号为 {nobody} 的信用主体" in err
