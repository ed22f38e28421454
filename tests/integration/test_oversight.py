"""省级监督 (001 art.30): the province sees each lower bureau's time from decision to entry and confirmation, and
the report names the bureau whose confirmations were late."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from api.settings import Settings
from tests.support.factories import GraphQL, error_codes, insert_subject, officer

CHINA = ZoneInfo("Asia/Shanghai")
REPORT = """query($p: String!) { oversightReport(provinceCode: $p, since: "2026-03-01", until: "2026-03-31") {
  entryDays confirmationDays lateBureaus notice
  bureaus { regionCode bureau records avgDaysToEntry maxDaysToConfirmation unconfirmed lateEntries
            lateConfirmations } } }"""


async def _record(conn: asyncpg.Connection, *, region: str, decided: date, entered_after: int,
                  confirmed_after: int | None) -> None:
    """A record decided on ``decided``, entered and (maybe) confirmed that many days after the decision."""
    sid = await insert_subject(conn, region=region)
    rid = uuid.uuid4()
    entered = datetime(decided.year, decided.month, decided.day, 10, tzinfo=CHINA) + timedelta(days=entered_after)
    await conn.execute(
        """INSERT INTO credit_record (id, subject_id, region_code, category, kind, status, effective_version,
               department, entered_by, entered_at)
           VALUES ($1, $2, $3, 'dishonesty', 'recovered_funds', $4, $5, '测试医疗保障局', 'officer-a', $6)""",
        rid, sid, region, "confirmed" if confirmed_after is not None else "entered",
        1 if confirmed_after is not None else None, entered)
    await conn.execute(
        """INSERT INTO credit_record_version (record_id, version, subject_id, region_code, title, decided_on,
               author_id, author_kind) VALUES ($1, 1, $2, $3, '追回医保基金', $4, 'officer-a', 'officer')""",
        rid, sid, region, decided)
    if confirmed_after is not None:
        at = datetime(decided.year, decided.month, decided.day, 16, tzinfo=CHINA) + timedelta(days=confirmed_after)
        await conn.execute(
            """INSERT INTO record_event (record_id, subject_id, region_code, version, action, from_status, to_status,
                   actor_id, actor_kind, at) VALUES ($1, $2, $3, 1, 'confirm', 'reviewed', 'confirmed', 'c', 'officer',
                   $4)""", rid, sid, region, at)


async def test_the_report_names_the_bureau_whose_confirmations_were_late(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    await conn.execute("INSERT INTO oversight_deadline VALUES ('340000', 5, 10) ON CONFLICT DO NOTHING")
    for _ in range(2):  # Yaohai: entered in time, confirmed 30 days after entry
        await _record(conn, region="340102", decided=date(2026, 3, 2), entered_after=3, confirmed_after=33)
    await _record(conn, region="340104", decided=date(2026, 3, 5), entered_after=2, confirmed_after=6)
    await _record(conn, region="340104", decided=date(2026, 3, 9), entered_after=9, confirmed_after=12)
    await _record(conn, region="341100", decided=date(2026, 2, 1), entered_after=90, confirmed_after=None)

    body = await GraphQL(client, settings)(REPORT, {"p": "340000"}, as_=officer("340000"))
    assert "errors" not in body, body
    report = body["data"]["oversightReport"]
    assert (report["entryDays"], report["confirmationDays"]) == (5, 10)
    bureaus = {b["regionCode"]: b for b in report["bureaus"]}
    assert "341100" not in bureaus  # decided outside the period
    yaohai, shushan = bureaus["340102"], bureaus["340104"]
    assert yaohai["bureau"] == "合肥市瑶海区医疗保障局" and yaohai["records"] == 2
    assert (yaohai["lateEntries"], yaohai["lateConfirmations"], yaohai["maxDaysToConfirmation"]) == (0, 2, 33)
    assert (shushan["lateEntries"], shushan["lateConfirmations"]) == (1, 0)
    assert report["lateBureaus"] == ["合肥市瑶海区医疗保障局", "合肥市蜀山区医疗保障局"]
    assert "合肥市瑶海区医疗保障局（录入超期 0 条，确认超期 2 条）" in report["notice"]


async def test_only_the_province_reads_the_oversight_report(client: httpx.AsyncClient, settings: Settings) -> None:
    gql = GraphQL(client, settings)
    assert error_codes(await gql(REPORT, {"p": "340000"}, as_=officer("340100"))) == ["FORBIDDEN"]
    assert error_codes(await gql(REPORT, {"p": "340000"}, as_=officer("500000"))) == ["FORBIDDEN"]
    assert error_codes(await gql(REPORT, {"p": "340000"})) == ["FORBIDDEN"]
    assert error_codes(await gql(REPORT, {"p": "340100"}, as_=officer("340000"))) == ["INVALID_INPUT"]
