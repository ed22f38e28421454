"""The annex's documents and the verifiable credit report: generated from stored decisions, rendered by poppler,
and checked for their Chinese text (the PDFs embed their font, so no CJK font is needed on the machine)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from PIL import Image

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL, insert_subject, subject_principal
from tests.support.publication import publish_record
from tests.support.rights import (
    ACCEPT,
    APPLY,
    APPROVE,
    CLERK,
    DOCUMENT,
    REFUSE,
    REJECT,
    WUSHAN,
    confirmed_record,
    content,
    file_objection,
    pdf_text,
    render_first_page,
)

ISSUE = """mutation { issueCreditReport { reportNo verificationCode digest issuedAt
    file { fileName mediaType sizeBytes contentBase64 } } }"""
VERIFY = """query($n: String!, $c: String!, $d: String!) { verifyCreditReport(reportNo: $n, verificationCode: $c,
    digest: $d) { valid issuedAt } }"""
MATERIALS = ["COMMITMENT_SIGNED", "PENALTY_FULFILLED"]


@pytest.fixture
async def gql(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[GraphQL]:
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(cache_ttl_seconds=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQL(http, settings)


async def _document(gql: GraphQL, kind: str, id: str, *, as_: object) -> bytes:
    body = await gql(DOCUMENT, {"k": kind, "id": id}, as_=as_)  # type: ignore[arg-type]
    assert "errors" not in body, body
    doc = body["data"]["rightsDocument"]
    pdf = base64.b64decode(doc["contentBase64"])
    assert doc["mediaType"] == "application/pdf" and pdf.startswith(b"%PDF-") and doc["sizeBytes"] == len(pdf)
    return pdf


def _looks_printed(png: Path) -> None:
    """The page is an A4 page with ink on it (the font's glyphs were drawn, not blank boxes or nothing)."""
    with Image.open(png) as image:
        gray = image.convert("L")
        width, height = gray.size
        assert 1.35 < height / width < 1.48  # A4 portrait
        dark = sum(gray.histogram()[:128])
        rgb = image.convert("RGB").tobytes()
        red = sum(1 for i in range(0, len(rgb), 3) if rgb[i] > 150 and rgb[i + 1] < 90 and rgb[i + 2] < 90)
    assert dark > 500 and red > 100  # body text and the red issuing-body header


async def _check(gql: GraphQL, tmp: Path, who: object, kind: str, id: str, phrases: list[str]) -> None:
    """Generate a document, extract its text with pdftotext and render its first page with pdftoppm."""
    pdf = await _document(gql, kind, id, as_=who)
    name = f"{kind}-{id}"
    text = pdf_text(pdf, tmp, name).replace(" ", "")
    for phrase in phrases:
        assert phrase in text, (kind, phrase, text)
    _looks_printed(render_first_page(pdf, tmp, name))


async def test_the_five_annex_documents_and_the_objection_decision_render_with_their_chinese_text(
        gql: GraphQL, conn: asyncpg.Connection, tmp_path: Path) -> None:
    sid = await insert_subject(conn, region=WUSHAN, name="巫山县文书测试大药房")
    me = subject_principal(sid)
    rid = await confirmed_record(gql, sid, kind="INTERVIEW", body=content(title="约谈负责人", amount=None))
    objection = await file_objection(gql, sid, rid, reasons="约谈对象并非本药房负责人")
    await gql(ACCEPT, {"id": objection["id"]}, as_=CLERK)
    await gql(REJECT, {"id": objection["id"], "r": "约谈记录经本人签字确认"}, as_=CLERK)

    await _check(gql, tmp_path, me, "OBJECTION_APPLICATION", objection["id"], [
        "医疗保障信用异议信息处理申请", "500237医疗保障局", "约谈对象并非本药房负责人", objection["applicationNo"],
        "巫山县文书测试大药房"])
    await _check(gql, tmp_path, me, "OBJECTION_DECISION", objection["id"], [
        "异议处理结果告知书", "异议不成立", "约谈记录经本人签字确认"])

    await publish_record(gql, rid, county=WUSHAN, city="500000")
    await conn.execute("UPDATE publication SET published_at = published_at - interval '4 months' "
                       "WHERE item_id = $1::uuid", rid)
    first = (await gql(APPLY, {"rid": rid, "m": MATERIALS}, as_=me))["data"]["applyForRepair"]
    refused = (await gql(REFUSE, {"id": first["id"], "r": "整改报告未加盖公章"}, as_=CLERK))["data"]["refuseRepair"]
    await _check(gql, tmp_path, me, "REPAIR_APPLICATION", first["id"], [
        "医疗保障信用修复申请", first["applicationNo"], "签署信用承诺书", "约谈负责人"])
    await _check(gql, tmp_path, me, "REPAIR_RESULT_FEEDBACK", first["id"], [
        "信用修复处理结果反馈单", "不予信用修复", refused["decisionNo"]])
    await _check(gql, tmp_path, me, "REPAIR_REFUSAL_NOTICE", first["id"], [
        "不予信用修复告知书", "整改报告未加盖公章", refused["reapplyFrom"], "500237医疗保障局"])

    # time passes: the re-application date arrives, and a second application is approved
    await conn.execute("UPDATE repair_application SET reapply_from = current_date - 1 WHERE id = $1::uuid",
                       first["id"])
    second = (await gql(APPLY, {"rid": rid, "m": MATERIALS}, as_=me))["data"]["applyForRepair"]
    approved = (await gql(APPROVE, {"id": second["id"]}, as_=CLERK))["data"]["approveRepair"]
    await _check(gql, tmp_path, me, "REPAIR_CONFIRMATION", second["id"], [
        "信用修复确认书", "准予信用修复", "停止公示", approved["decisionNo"]])
    await _check(gql, tmp_path, me, "REPAIR_RESULT_FEEDBACK", second["id"], ["准予信用修复"])
    # The deciding bureau reads them too; the notice of an approved repair does not exist.
    await _document(gql, "REPAIR_CONFIRMATION", second["id"], as_=CLERK)
    missing = await gql(DOCUMENT, {"k": "REPAIR_REFUSAL_NOTICE", "id": second["id"]}, as_=me)
    assert [e["extensions"]["code"] for e in missing["errors"]] == ["DOCUMENT_NOT_AVAILABLE"]


async def test_a_credit_report_carries_grade_lines_and_publications_and_anyone_can_verify_it(
        gql: GraphQL, conn: asyncpg.Connection, tmp_path: Path) -> None:
    sid = await insert_subject(conn, region=WUSHAN, name="巫山县报告测试大药房")
    rid = await confirmed_record(gql, sid)  # 60,000 yuan recovered: 90 points, grade A
    await publish_record(gql, rid, county=WUSHAN, city="500000")
    issued = (await gql(ISSUE, as_=subject_principal(sid)))["data"]["issueCreditReport"]
    pdf = base64.b64decode(issued["file"]["contentBase64"])
    assert hashlib.sha256(pdf).hexdigest() == issued["digest"]
    text = pdf_text(pdf, tmp_path, "report").replace(" ", "")
    for phrase in ("医疗保障信用报告", "巫山县报告测试大药房", issued["reportNo"], issued["verificationCode"], "评价明细",
                   "当前公开信息", "追回违规使用医保基金", "90"):
        assert phrase in text, phrase
    _looks_printed(render_first_page(pdf, tmp_path, "report"))

    anyone = await gql(VERIFY, {"n": issued["reportNo"], "c": issued["verificationCode"].lower(),
                                "d": issued["digest"]})
    assert anyone["data"]["verifyCreditReport"]["valid"] is True
    assert anyone["data"]["verifyCreditReport"]["issuedAt"] == issued["issuedAt"]
    assert "巫山" not in str(anyone)  # nothing about the subject comes back
    tampered = hashlib.sha256(pdf + b"\n").hexdigest()
    for n, c, d in ((issued["reportNo"], issued["verificationCode"], tampered),
                    (issued["reportNo"], "WRONGCODE234", issued["digest"]),
                    ("YB20990101000001", issued["verificationCode"], issued["digest"])):
        assert (await gql(VERIFY, {"n": n, "c": c, "d": d}))["data"]["verifyCreditReport"] == {
            "valid": False, "issuedAt": None}
    bad = await gql(VERIFY, {"n": issued["reportNo"], "c": issued["verificationCode"], "d": "abc"})
    assert [e["extensions"]["code"] for e in bad["errors"]] == ["INVALID_INPUT"]
    assert [e["extensions"]["code"] for e in (await gql(ISSUE, as_=CLERK))["errors"]] == ["FORBIDDEN"]
