"""`yibao publish` and `yibao export` from the command line, against the tests' PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import csv
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from api.commands import export, publish
from api.commands.refusals import run_command
from api.settings import load_settings
from domain.open_data import HEADER


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="yibao")
    sub = parser.add_subparsers(dest="command", required=True)
    publish.register(sub)
    export.register(sub)
    return parser.parse_args(list(argv))


async def test_publishing_an_unfinished_cycle_from_the_command_line_is_refused_and_writes_nothing(
        pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    year = date.today().year
    args = _parse("publish", "--region", "340100", "--year", str(year))
    code = await asyncio.to_thread(run_command, args, load_settings())
    assert code == 2 and "尚未结束" in capsys.readouterr().err
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM publication WHERE cycle_year = $1", year) == 0
    finally:
        await conn.close()


async def test_the_export_command_writes_a_csv_with_the_documented_header_and_prints_the_cursor(
        pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    out = tmp_path / "340000.csv"
    args = _parse("export", "--region", "340000", "--format", "csv", "--out", str(out))
    assert await asyncio.to_thread(args.func, args, load_settings()) == 0
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == HEADER
    assert "feed cursor" in capsys.readouterr().err
