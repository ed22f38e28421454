"""Arranging rights tests: records taken through the real workflow, objections and repair applications."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

from domain.access import OfficerRole
from tests.support.factories import GraphQL, officer, subject_principal

WUSHAN = "500237"
CLERK = officer(WUSHAN, OfficerRole.OFFICER)  # department 500237医疗保障局
REVIEWER = officer(WUSHAN, OfficerRole.REVIEWER, id="wushan-reviewer-1")
CONFIRMER = officer(WUSHAN, OfficerRole.REVIEWER, id="wushan-reviewer-2")
PDF_EVIDENCE = {"fileName": "退款凭证.pdf", "contentBase64": base64.b64encode(b"%PDF-1.4\n% evidence\n").decode()}

ENTER = """mutation($s: ID!, $kind: RecordKind!, $c: RecordContentInput!) {
    enterRecord(input: {subjectId: $s, kind: $kind, content: $c}) { id } }"""
FILE = """mutation($t: ObjectionItem!, $id: ID!, $r: String!, $e: [EvidenceInput!]) {
    fileObjection(input: {itemType: $t, itemId: $id, reasons: $r, evidence: $e}) {
      id status handlerDepartment applicationNo acceptDue decideDue overdue evidence { fileName mediaType } } }"""
ACCEPT = "mutation($id: ID!) { acceptObjection(id: $id) { id status decideDue } }"
UPHOLD = """mutation($id: ID!, $r: String!, $c: Correction, $content: RecordContentInput) {
    upholdObjection(id: $id, reason: $r, correction: $c, content: $content) {
      id status correction decisionNo decisionReason } }"""
REJECT = "mutation($id: ID!, $r: String!) { rejectObjection(id: $id, reason: $r) { id status decisionReason } }"
APPLY = """mutation($rid: ID!, $m: [RepairCondition!]!, $e: [EvidenceInput!]) {
    applyForRepair(input: {recordId: $rid, statement: "已全额退回违规费用并完成整改", materials: $m, evidence: $e}) {
      id status eligibleFrom displayStarted applicationNo } }"""
APPROVE = "mutation($id: ID!) { approveRepair(id: $id) { id status decisionNo } }"
REFUSE = "mutation($id: ID!, $r: String!) { refuseRepair(id: $id, reason: $r) { id status reapplyFrom decisionNo } }"
DOCUMENT = """query($k: DocumentKind!, $id: ID!) { rightsDocument(kind: $k, id: $id) {
    fileName mediaType sizeBytes contentBase64 } }"""


def content(*, title: str = "追回违规使用医保基金", amount: str | None = "60000.00", **extra: Any) -> dict[str, Any]:
    """A dishonesty record's content as GraphQL input."""
    out: dict[str, Any] = {"title": title, "facts": "串换药品、虚记费用", "occurredOn": "2026-03-02",
                           "legalBasis": "《医疗保障基金使用监督管理条例》第三十八条", **extra}
    if amount is not None:
        out["amount"] = amount
    return out


async def confirmed_record(gql: GraphQL, subject_id: uuid.UUID, *, kind: str = "RECOVERED_FUNDS",
                           body: dict[str, Any] | None = None) -> str:
    """A record entered by the Wushan clerk, reviewed and confirmed by two other officers (real workflow)."""
    entered = await gql(ENTER, {"s": str(subject_id), "kind": kind, "c": body or content()}, as_=CLERK)
    assert "errors" not in entered, entered
    rid = str(entered["data"]["enterRecord"]["id"])
    await review_and_confirm(gql, rid)
    return rid


async def review_and_confirm(gql: GraphQL, record_id: str) -> None:
    reviewed = await gql("mutation($id: ID!) { reviewRecord(id: $id, approve: true) { status } }", {"id": record_id},
                         as_=REVIEWER)
    assert "errors" not in reviewed, reviewed
    confirmed = await gql("mutation($id: ID!) { confirmRecord(id: $id) { status } }", {"id": record_id},
                          as_=CONFIRMER)
    assert confirmed["data"]["confirmRecord"]["status"] == "CONFIRMED", confirmed


async def file_objection(gql: GraphQL, subject_id: uuid.UUID, item_id: str, *, item_type: str = "RECORD",
                         reasons: str = "追回金额有误，实际违规金额为8000元") -> dict[str, Any]:
    body = await gql(FILE, {"t": item_type, "id": item_id, "r": reasons, "e": [PDF_EVIDENCE]},
                     as_=subject_principal(subject_id))
    assert "errors" not in body, body
    return dict(body["data"]["fileObjection"])


def pdf_text(pdf: bytes, tmp: Path, name: str) -> str:
    """The text poppler extracts from a PDF (what a reader's copy-paste or a screen reader gets)."""
    assert shutil.which("pdftotext"), "poppler-utils is needed (.ci/run installs it)"
    path = tmp / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def render_first_page(pdf: bytes, tmp: Path, name: str) -> Path:
    """The first page rendered to PNG by poppler at 50 dpi."""
    path = tmp / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp / name)], check=True)
    (png,) = sorted(tmp.glob(f"{name}*.png"))
    return png
