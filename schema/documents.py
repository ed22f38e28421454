"""Documents: the PDFs of 000 §三's annex, generated from stored decisions, and the credit report (信用报告)
a subject is issued and anyone can verify."""

from __future__ import annotations

import base64
from datetime import datetime

import strawberry

from domain.documents import credit_report, service
from domain.documents.rights_docs import DocumentKind as _DocumentKind
from schema.context import Context, parse_uuid
from schema.enums import labelled

Info = strawberry.Info[Context, None]


DocumentKind = labelled(_DocumentKind, description="The documents of 000 §三's annex.")


@strawberry.type(description="A generated PDF, base64-encoded.")
class DocumentFile:
    file_name: str
    media_type: str
    size_bytes: int
    content_base64: str

    @classmethod
    def of(cls, *, file_name: str, media_type: str, content: bytes) -> DocumentFile:
        return cls(file_name=file_name, media_type=media_type, size_bytes=len(content),
                   content_base64=base64.b64encode(content).decode("ascii"))


@strawberry.type(description="信用报告: an issued credit report and how anyone can verify it.")
class IssuedCreditReport:
    report_no: str
    verification_code: str
    digest: str = strawberry.field(description="SHA-256 of the PDF bytes, hex.")
    issued_at: datetime
    file: DocumentFile


@strawberry.type(description="Whether a credit report with this number, code and digest was issued; nothing else.")
class CreditReportCheck:
    valid: bool
    issued_at: datetime | None


@strawberry.type
class DocumentQuery:
    @strawberry.field(description="A document of 000 §三's annex as a PDF, generated from the stored decision.")
    async def rights_document(self, info: Info, kind: DocumentKind, id: strawberry.ID) -> DocumentFile:  # type: ignore[valid-type]
        ctx = info.context
        doc = await service.render_document(session=await ctx.session(), access=ctx.access, kind=kind,
                                            id=parse_uuid(id, field="id"))
        return DocumentFile.of(file_name=doc.file_name, media_type=doc.media_type, content=doc.content)

    @strawberry.field(description="报告核验 (anyone): whether a credit report with this number, verification code "
                                  "and SHA-256 digest was issued, and when. Reveals nothing else.")
    async def verify_credit_report(self, info: Info, report_no: str, verification_code: str,
                                   digest: str) -> CreditReportCheck:
        ctx = info.context
        check = await credit_report.verify_credit_report(session=await ctx.session(), access=ctx.access,
                                                         report_no=report_no, code=verification_code, digest=digest)
        return CreditReportCheck(valid=check.valid, issued_at=check.issued_at)


@strawberry.type
class DocumentMutation:
    @strawberry.mutation(description="出具信用报告: your credit report as a PDF with a number and verification code.")
    async def issue_credit_report(self, info: Info) -> IssuedCreditReport:
        ctx = info.context
        r = await credit_report.issue_credit_report(session=await ctx.session(), access=ctx.access, today=ctx.today())
        return IssuedCreditReport(report_no=r.report_no, verification_code=r.verification_code, digest=r.digest,
                                  issued_at=r.issued_at,
                                  file=DocumentFile.of(file_name=r.file_name, media_type=r.media_type,
                                                       content=r.content))
