"""信用报告 (001 art.18): a subject's credit report as a PDF with a report number and a verification code.

The report states the current grade and score, every report line with the clause behind it, the measures, and
what is public about the subject now. Only the number, the code and the SHA-256 of the PDF bytes are stored
(``credit_report``); anyone holding the file checks it through the public ``verifyCreditReport`` query, which
answers whether the three match and when the report was issued, and nothing else.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from domain import evaluation
from domain.access import Access, PrincipalKind
from domain.documents.layout import MEDIA_TYPE, OfficialDocument, Table, render
from domain.documents.numbering import bureau_name
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.rules.disclosure import CHINA_STANDARD_TIME
from domain.session import Session
from domain.subjects import subjects_by_ids

# Crockford-like alphabet without look-alikes (0/O, 1/I/L): codes are read off paper and typed.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_CATEGORY_NAMES = {"basic": "基本信息", "trust": "守信信息", "dishonesty": "失信信息", "commitment": "信用承诺",
                   "result": "评价结果"}


@dataclass(frozen=True)
class IssuedReport:
    """A report as handed to the subject."""

    report_no: str
    verification_code: str
    digest: str
    issued_at: datetime
    file_name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class ReportCheck:
    """The public answer: whether the report exists with that code and digest, and when it was issued."""

    valid: bool
    issued_at: datetime | None


def _until(at: datetime | None) -> str:
    return at.astimezone(CHINA_STANDARD_TIME).date().isoformat() if at is not None else "长期"


def _code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def issue_credit_report(*, session: Session, access: Access, today: date) -> IssuedReport:
    """出具信用报告: the subject's own credit report, numbered and verifiable."""
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("信用报告由信用主体本人下载。", resource="report", action="issue")
    access.require("report", "issue", subject_id=p.id)
    sid = uuid.UUID(p.id)
    subject = (await subjects_by_ids(session=session, ids=[sid])).get(sid)
    if subject is None:
        raise NotFound("没有找到该信用主体。", field="subjectId")
    result = (await evaluation.current_results(session=session, subject_ids=[sid])).get(sid)
    lines = (await evaluation.lines_of(session=session, result_ids=[result.id]))[result.id] if result else []
    measures = (await evaluation.measures_of(session=session, result_ids=[result.id]))[result.id] if result else []
    pubs = await session.fetch(
        """SELECT p.category, p.kind, p.published_at, p.public_until,
                  CASE WHEN p.item_type = 'result' THEN '信用评价结果（等级' || coalesce(p.grade, '—') || '）'
                       ELSE coalesce(v.title, p.kind) END AS title
           FROM publication p
           LEFT JOIN credit_record r ON p.item_type = 'record' AND r.id = p.item_id
           LEFT JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
           WHERE p.subject_id = $1 AND p.status = 'published' AND (p.public_until IS NULL OR p.public_until > now())
           ORDER BY p.published_at""", sid)
    seq = await session.fetchval("SELECT nextval('rights_document_seq')")
    issued_at = await session.fetchval("SELECT now()")
    report_no = f"YB{today:%Y%m%d}{int(seq):06d}"
    code = _code()
    grade = f"{result.grade}（{result.cycle_year}年度，{result.ruleset_code} v{result.ruleset_version}）" \
        if result and result.grade else ("未评价" if result is None else f"不予评价：{result.excluded_reason}")
    doc = OfficialDocument(
        issuer=bureau_name(subject.region_code), number=f"报告编号：{report_no}　验证码：{code}",
        title="医疗保障信用报告", dated=today, addressee=None,
        fields=[("信用主体", subject.name), ("统一代码/证件号", subject.code), ("信用等级", grade),
                ("信用得分", str(result.score) if result and result.score is not None else "—"),
                ("评价日期", result.as_of.isoformat() if result else "—")],
        paragraphs=["本报告依据医疗保障信用档案中已确认生效的信息和现行信用评价规则生成。"],
        tables=[
            Table("评价明细", ("序号", "条款", "分值", "说明"),
                  [(str(ln.line_no), ln.clause, str(ln.points), ln.explanation) for ln in lines], widths=(1, 3, 1, 6)),
            Table("结果应用措施", ("措施", "依据", "适用年度"),
                  [(m.description, m.clause, str(m.applies_in_year)) for m in measures], widths=(5, 3, 1)),
            Table("当前公开信息", ("类别", "事项", "公示至"),
                  [(_CATEGORY_NAMES.get(str(r["category"]), str(r["category"])), str(r["title"]),
                    _until(r["public_until"])) for r in pubs], widths=(1, 3, 1)),
        ],
        signature=bureau_name(subject.region_code),
        footnote=f"核验：在医保信用公共查询中输入报告编号{report_no}、验证码{code}及本文件的SHA-256摘要，"
                 "即可核验本报告是否由本系统出具、是否被改动。")
    content = render(doc)
    digest = hashlib.sha256(content).hexdigest()
    await session.execute(
        """INSERT INTO credit_report (report_no, verification_code, digest, subject_id, region_code, result_id,
               issued_by, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        report_no, code, digest, sid, subject.region_code, result.id if result else None, p.actor, issued_at)
    return IssuedReport(report_no=report_no, verification_code=code, digest=digest, issued_at=issued_at,
                        file_name=f"信用报告-{report_no}.pdf", media_type=MEDIA_TYPE, content=content)


async def verify_credit_report(*, session: Session, access: Access, report_no: str, code: str,
                               digest: str) -> ReportCheck:
    """报告核验: whether a report with this number, code and content digest was issued, and when."""
    access.require("report", "verify")
    digest = digest.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput("内容摘要应为64位十六进制的SHA-256值。", field="digest")
    at = await session.fetchval("SELECT yibao_verify_credit_report($1, $2, $3)", report_no.strip(),
                                code.strip().upper(), digest)
    return ReportCheck(valid=at is not None, issued_at=at)
