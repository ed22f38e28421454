"""`yibao evaluate cycle` runs only a finished year within the rule set's dates, on the active version."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg
import pytest

from api.commands.evaluate import _Operator, cycle_ruleset_version, main
from domain.access import Access, OfficerRole, Principal, PrincipalKind
from domain.db_scope import DbScope
from domain.single_connection_db import SingleConnectionDatabase

CODE = "cq-wushan-outpatient-pharmacy"


def _operator() -> Access:
    principal = Principal(kind=PrincipalKind.OFFICER, id="operator", region_code="500237", role=OfficerRole.OFFICER,
                          name="operator")
    return Access(principal=principal, authorizer=_Operator())


async def _run(pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
               *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    code = await asyncio.to_thread(main, ["cycle", "--region", "500237", "--ruleset", CODE, *argv])
    return code, capsys.readouterr().err


async def test_a_cycle_for_the_year_1800_is_refused_with_the_rule_sets_dates(
        pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = await _run(pg_url, monkeypatch, capsys, "--year", "1800")
    assert code == 2
    assert "生效期" in err and "1800" in err


async def test_a_cycle_for_the_current_unfinished_year_is_refused(
        pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    year = date.today().year
    code, err = await _run(pg_url, monkeypatch, capsys, "--year", str(year))
    assert code == 2
    assert "尚未结束" in err
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM evaluation_result WHERE cycle_year = $1", year) == 0
    finally:
        await conn.close()


async def test_the_cycle_runs_on_the_active_version_when_a_newer_draft_exists(
        db: SingleConnectionDatabase, conn: asyncpg.Connection) -> None:
    await conn.execute(
        """INSERT INTO ruleset (code, version, jurisdiction, name, status, body, effective_from, effective_to,
                                created_by)
           SELECT code, version + 1, jurisdiction, name, 'draft', body, effective_from, effective_to, 'test'
           FROM ruleset WHERE code = $1 AND status = 'active'""", CODE)
    assert await conn.fetchval("SELECT max(version) FROM ruleset WHERE code = $1", CODE) == 2
    async with db.session(DbScope.system(actor="operator")) as s:
        version = await cycle_ruleset_version(session=s, access=_operator(), code=CODE, version=None,
                                              year=date.today().year - 1, today=date.today())
    assert version == 1
