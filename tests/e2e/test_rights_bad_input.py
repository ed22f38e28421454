"""Bad input to objections and repair: each gets its code and a Chinese message, and nothing is written."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.access import OfficerRole
from domain.documents.evidence import MAX_EVIDENCE_BYTES
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL, count, insert_subject, officer, subject_principal
from tests.support.publication import publish_record
from tests.support.rights import (
    ACCEPT,
    APPLY,
    APPROVE,
    CLERK,
    ENTER,
    FILE,
    REFUSE,
    REJECT,
    WUSHAN,
    confirmed_record,
    content,
    file_objection,
)

TABLES = ("objection", "repair_application", "evidence_file", "domain_event")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Room in the request body for a file just over the evidence limit, base64-encoded."""
    return replace(settings, max_body_bytes=4 * MAX_EVIDENCE_BYTES)


@pytest.fixture
async def gql(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[GraphQL]:
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(cache_ttl_seconds=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQL(http, settings)


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {t: await count(conn, t) for t in TABLES}


async def _refused(conn: asyncpg.Connection, gql: GraphQL, query: str, variables: dict[str, object], *,
                   as_: object) -> tuple[str, str]:
    """Run a request that must fail: its (code, message), after checking nothing was written."""
    before = await _counts(conn)
    body = await gql(query, variables, as_=as_)  # type: ignore[arg-type]
    assert body.get("data") is None or all(v is None for v in (body.get("data") or {}).values()), body
    (error,) = body["errors"]
    assert await _counts(conn) == before, error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error  # told in Chinese
    return error["extensions"]["code"], error["message"]


def _objection(item: str, *, kind: str = "RECORD", files: list[dict[str, str]] | None = None) -> dict[str, object]:
    return {"t": kind, "id": item, "r": "该信息有误", "e": files}


async def test_an_objection_to_another_subjects_record_is_not_found_without_revealing_it(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    owner, other = await insert_subject(conn, region=WUSHAN), await insert_subject(conn, region=WUSHAN)
    rid = await confirmed_record(gql, owner)
    code, _ = await _refused(conn, gql, FILE, _objection(rid), as_=subject_principal(other))
    assert code == "NOT_FOUND"


async def test_an_objection_to_a_record_that_does_not_exist_is_not_found(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    code, _ = await _refused(conn, gql, FILE, _objection(str(uuid.uuid4())), as_=subject_principal(sid))
    assert code == "NOT_FOUND"
    code, _ = await _refused(conn, gql, FILE, _objection(str(uuid.uuid4()), kind="RESULT"),
                             as_=subject_principal(sid))
    assert code == "NOT_FOUND"


async def test_an_objection_to_a_record_never_decided_against_the_subject_is_refused(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    entered = await gql(ENTER, {"s": str(sid), "kind": "INTERVIEW", "c": content(amount=None)}, as_=CLERK)
    rid = entered["data"]["enterRecord"]["id"]  # entered, never reviewed or confirmed
    code, message = await _refused(conn, gql, FILE, _objection(rid), as_=subject_principal(sid))
    assert code == "NOT_DECIDED_AGAINST_SUBJECT" and "尚未" in message


async def test_only_the_subject_itself_files_an_objection(gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    rid = await confirmed_record(gql, sid)
    code, _ = await _refused(conn, gql, FILE, _objection(rid), as_=CLERK)
    assert code == "FORBIDDEN"


async def test_evidence_that_is_too_large_or_not_a_pdf_or_image_is_refused(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    rid = await confirmed_record(gql, sid)
    big = base64.b64encode(b"%PDF-1.4\n" + b"0" * MAX_EVIDENCE_BYTES).decode()
    code, message = await _refused(conn, gql, FILE, _objection(rid, files=[{"fileName": "大.pdf", "contentBase64": big}]),
                                   as_=subject_principal(sid))
    assert code == "EVIDENCE_REJECTED" and "大小限制" in message
    exe = base64.b64encode(b"MZ\x90\x00 not a document").decode()
    code, message = await _refused(conn, gql, FILE,
                                   _objection(rid, files=[{"fileName": "凭证.pdf", "contentBase64": exe}]),
                                   as_=subject_principal(sid))
    assert code == "EVIDENCE_REJECTED" and "不是PDF、PNG或JPEG" in message
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()
    ok = await gql(FILE, _objection(rid, files=[{"fileName": "照片.png", "contentBase64": png}]),
                   as_=subject_principal(sid))
    assert ok["data"]["fileObjection"]["evidence"] == [{"fileName": "照片.png", "mediaType": "image/png"}]


async def test_a_department_that_did_not_produce_the_record_cannot_decide_the_objection(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    filed = await file_objection(gql, sid, await confirmed_record(gql, sid))
    # Chongqing's municipal bureau may decide objections in its territory, but it did not produce this record.
    code, message = await _refused(conn, gql, ACCEPT, {"id": filed["id"]}, as_=officer("500000"))
    assert code == "FORBIDDEN" and "500237医疗保障局" in message
    # A reviewer of the producing bureau has no power to decide objections at all.
    code, _ = await _refused(conn, gql, ACCEPT, {"id": filed["id"]}, as_=officer(WUSHAN, OfficerRole.REVIEWER))
    assert code == "FORBIDDEN"
    # Another province's bureau does not even see it.
    code, _ = await _refused(conn, gql, ACCEPT, {"id": filed["id"]}, as_=officer("340102"))
    assert code == "NOT_FOUND"


async def test_an_objection_cannot_be_decided_twice_or_filed_twice_while_open(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    rid = await confirmed_record(gql, sid)
    filed = await file_objection(gql, sid, rid)
    code, _ = await _refused(conn, gql, FILE, _objection(rid), as_=subject_principal(sid))
    assert code == "OBJECTION_ALREADY_OPEN"
    refuse = "mutation($id: ID!, $r: String!) { refuseObjection(id: $id, reason: $r) { status } }"
    code, _ = await _refused(conn, gql, refuse, {"id": filed["id"], "r": " "}, as_=CLERK)
    assert code == "INVALID_INPUT"  # a refusal owes the subject its reason
    await gql(ACCEPT, {"id": filed["id"]}, as_=CLERK)
    code, _ = await _refused(conn, gql, ACCEPT, {"id": filed["id"]}, as_=CLERK)
    assert code == "CONFLICT"
    await gql(REJECT, {"id": filed["id"], "r": "证据不足"}, as_=CLERK)
    code, message = await _refused(conn, gql, REJECT, {"id": filed["id"], "r": "再次驳回"}, as_=CLERK)
    assert code == "CONFLICT" and "已办结" in message


async def test_repair_of_an_unrepairable_record_or_before_its_minimum_period_is_refused(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    referred = await confirmed_record(gql, sid, kind="REFERRED_CASE", body=content(title="移送公安机关", amount=None))
    code, message = await _refused(conn, gql, APPLY, {"rid": referred, "m": []}, as_=subject_principal(sid))
    assert code == "REPAIR_NOT_ALLOWED" and "不予信用修复" in message
    interview = await confirmed_record(gql, sid, kind="INTERVIEW", body=content(title="约谈", amount=None))
    code, message = await _refused(conn, gql, APPLY, {"rid": interview, "m": ["COMMITMENT_SIGNED"]},
                                   as_=subject_principal(sid))
    assert code == "REPAIR_TOO_EARLY" and "3个月" in message
    await publish_record(gql, interview, county=WUSHAN, city="500000")
    await conn.execute("UPDATE publication SET published_at = published_at - interval '4 months' "
                       "WHERE item_id = $1::uuid", interview)
    code, message = await _refused(conn, gql, APPLY, {"rid": interview, "m": ["COMMITMENT_SIGNED"]},
                                   as_=subject_principal(sid))
    assert code == "REPAIR_CONDITIONS_UNMET" and "履行处罚" in message


async def test_a_repair_is_decided_once_by_the_department_that_found_the_dishonesty(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    sid = await insert_subject(conn, region=WUSHAN)
    rid = await confirmed_record(gql, sid, kind="INTERVIEW", body=content(title="约谈", amount=None))
    await publish_record(gql, rid, county=WUSHAN, city="500000")
    await conn.execute("UPDATE publication SET published_at = published_at - interval '4 months' "
                       "WHERE item_id = $1::uuid", rid)
    applied = await gql(APPLY, {"rid": rid, "m": ["COMMITMENT_SIGNED", "PENALTY_FULFILLED"]},
                        as_=subject_principal(sid))
    repair_id = applied["data"]["applyForRepair"]["id"]
    code, _ = await _refused(conn, gql, APPROVE, {"id": repair_id}, as_=officer("500000"))
    assert code == "FORBIDDEN"
    refused = await gql(REFUSE, {"id": repair_id, "r": "整改材料不完整"}, as_=CLERK)
    assert refused["data"]["refuseRepair"]["status"] == "REFUSED" and refused["data"]["refuseRepair"]["reapplyFrom"]
    code, _ = await _refused(conn, gql, APPROVE, {"id": repair_id}, as_=CLERK)
    assert code == "CONFLICT"
    # and the subject must wait for the re-application date
    code, message = await _refused(conn, gql, APPLY, {"rid": rid, "m": ["COMMITMENT_SIGNED", "PENALTY_FULFILLED"]},
                                   as_=subject_principal(sid))
    assert code == "REPAIR_TOO_EARLY" and "再次申请" in message
