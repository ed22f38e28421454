"""医保e贷: a bank reads a subject's credit summary only while the subject's consent is valid, never another
subject's, and the subject sees every read."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx

from api.settings import Settings
from domain.access import Principal, PrincipalKind
from tests.support.factories import GraphQL, error_codes, insert_subject, subject_principal
from tests.support.publication import insert_result

BANK = Principal(kind=PrincipalKind.FEDERATION, id="ah-bank-yibao-edai")
MARKET = Principal(kind=PrincipalKind.FEDERATION, id="ah-market-regulation")
GRANT = """mutation($bank: String!, $until: DateTime!) {
  grantBankConsent(bank: $bank, purpose: "申请医保e贷信用贷款", validUntil: $until) { id bankName active } }"""
REVOKE = "mutation($id: ID!) { revokeBankConsent(id: $id) { active revokedAt } }"
SUMMARY = """query($code: String!) { bankCreditSummary(subjectCode: $code) { subjectName subjectCode grade score
  purpose reportLines { lineNo clause points } measures { code description } } }"""
LOG = "{ myBankAccesses { bank bankName purpose what accessedAt } }"


async def _graded(conn: asyncpg.Connection, name: str) -> tuple[uuid.UUID, str]:
    sid = await insert_subject(conn, region="340102", name=name)
    rid = await insert_result(conn, subject_id=sid, region="340102", grade="A", score=Decimal("95"))
    await conn.execute(
        """INSERT INTO evaluation_line (result_id, line_no, subject_id, region_code, item_code, clause, record_ids,
               points, explanation) VALUES ($1, 1, $2, '340102', 'late_repayment', '第十二条', '{}', -5, '逾期退回资金')""",
        rid, sid)
    await conn.execute(
        """INSERT INTO applied_measure (result_id, code, subject_id, region_code, grade, description, clause,
               applies_in_year) VALUES ($1, 'fewer_inspections', $2, '340102', 'A', '减少检查频次', '第二十八条', 2026)""",
        rid, sid)
    return sid, await conn.fetchval("SELECT code FROM subject WHERE id = $1", sid)


def _until(days: int = 30) -> str:
    return (datetime.now().astimezone() + timedelta(days=days)).isoformat()


async def test_a_bank_reads_the_summary_with_consent_and_the_subject_sees_the_read(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    sid, code = await _graded(conn, "瑶海区借款大药房")
    granted = await gql(GRANT, {"bank": "ah-bank-yibao-edai", "until": _until()}, as_=subject_principal(sid))
    assert granted["data"]["grantBankConsent"]["active"] is True
    assert granted["data"]["grantBankConsent"]["bankName"] == "徽商银行（医保e贷）"
    body = await gql(SUMMARY, {"code": code.lower()}, as_=BANK)
    assert "errors" not in body, body
    summary = body["data"]["bankCreditSummary"]
    assert summary["subjectCode"] == code and summary["grade"] == "A" and Decimal(summary["score"]) == 95
    assert summary["reportLines"] == [{"lineNo": 1, "clause": "第十二条", "points": "-5.00"}]
    assert summary["measures"] == [{"code": "fewer_inspections", "description": "减少检查频次"}]
    log = (await gql(LOG, as_=subject_principal(sid)))["data"]["myBankAccesses"]
    assert len(log) == 1 and log[0]["bank"] == "ah-bank-yibao-edai" and log[0]["purpose"] == "申请医保e贷信用贷款"


async def test_the_bank_is_refused_after_revocation_and_after_expiry(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    sid, code = await _graded(conn, "瑶海区撤回大药房")
    consent_id = (await gql(GRANT, {"bank": "ah-bank-yibao-edai", "until": _until()},
                            as_=subject_principal(sid)))["data"]["grantBankConsent"]["id"]
    assert "errors" not in await gql(SUMMARY, {"code": code}, as_=BANK)
    revoked = await gql(REVOKE, {"id": consent_id}, as_=subject_principal(sid))
    assert revoked["data"]["revokeBankConsent"]["active"] is False
    assert error_codes(await gql(SUMMARY, {"code": code}, as_=BANK)) == ["FORBIDDEN"]

    second = (await gql(GRANT, {"bank": "ah-bank-yibao-edai", "until": _until()},
                        as_=subject_principal(sid)))["data"]["grantBankConsent"]["id"]
    await conn.execute("""UPDATE bank_consent SET valid_from = now() - interval '40 days',
                              valid_until = now() - interval '1 second' WHERE id = $1""", uuid.UUID(second))
    assert error_codes(await gql(SUMMARY, {"code": code}, as_=BANK)) == ["FORBIDDEN"]
    # The refused reads left no trace but the one read made under consent.
    assert len((await gql(LOG, as_=subject_principal(sid)))["data"]["myBankAccesses"]) == 1


async def test_a_bank_never_reads_another_subject_and_other_clients_never_read_summaries(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    consenting, _ = await _graded(conn, "瑶海区同意大药房")
    _, other_code = await _graded(conn, "瑶海区未授权大药房")
    await gql(GRANT, {"bank": "ah-bank-yibao-edai", "until": _until()}, as_=subject_principal(consenting))
    assert error_codes(await gql(SUMMARY, {"code": other_code}, as_=BANK)) == ["FORBIDDEN"]
    assert error_codes(await gql(SUMMARY, {"code": other_code}, as_=MARKET)) == ["FORBIDDEN"]
    assert error_codes(await gql(SUMMARY, {"code": other_code})) == ["FORBIDDEN"]


async def test_a_consent_to_an_unknown_bank_or_for_too_long_is_refused(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    gql = GraphQL(client, settings)
    sid, _ = await _graded(conn, "瑶海区谨慎大药房")
    unknown = await gql(GRANT, {"bank": "ah-market-regulation", "until": _until()}, as_=subject_principal(sid))
    assert error_codes(unknown) == ["INVALID_INPUT"]
    too_long = await gql(GRANT, {"bank": "ah-bank-yibao-edai", "until": _until(800)}, as_=subject_principal(sid))
    assert error_codes(too_long) == ["INVALID_INPUT"]
    assert await conn.fetchval("SELECT count(*) FROM bank_consent WHERE subject_id = $1", sid) == 0
