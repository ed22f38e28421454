"""Exchange with other systems (issue 9): the provincial platform's push log, joint punishment for department
clients, consent-based bank access, and the province's oversight of its bureaus. Each resolver is one domain call."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import strawberry

from domain.exchange import consent, joint, oversight, push
from schema.context import Context, parse_uuid

Info = strawberry.Info[Context, None]


@strawberry.type(description="One publication's copy on the provincial public credit platform (省信用平台).")
class PlatformPushLine:
    publication_id: strawberry.ID
    subject_id: strawberry.ID
    region_code: str
    decision_number: str = strawberry.field(description="行政处罚决定书文号 as pushed.")
    published_status: str | None = strawberry.field(description="pending, sent, acknowledged or failed.")
    published_attempts: int
    taken_down_status: str | None = strawberry.field(description="The take-down's status; null: none needed.")
    last_error: str | None
    layout: str = strawberry.field(default="penalty", description="penalty (行政处罚) or list (红黑名单): for a list "
                                                                  "entry, publicationId is the entry's id.")
    list_name: str | None = strawberry.field(default=None, description="The list of a list entry, as pushed.")

    @classmethod
    def of(cls, line: push.PushLine) -> PlatformPushLine:
        return cls(publication_id=strawberry.ID(str(line.publication_id)),
                   subject_id=strawberry.ID(str(line.subject_id)), region_code=line.region_code,
                   decision_number=line.decision_number, published_status=line.published_status,
                   published_attempts=line.published_attempts, taken_down_status=line.taken_down_status,
                   last_error=line.last_error, layout=line.layout, list_name=line.list_name)


@strawberry.type(description="对账: what was pushed to the provincial platform, acknowledged, failed, taken down.")
class PlatformReconciliation:
    sent: int
    acknowledged: int
    failed: int
    pending: int
    taken_down: int
    lines: list[PlatformPushLine]


@strawberry.type(description="A joint measure (联合惩戒措施) and the departments it binds.")
class JointMeasure:
    code: str
    description: str
    departments: list[str]
    basis: str
    starts_on: date
    ends_on: date | None = strawberry.field(description="Null: until the list entry is taken down.")


@strawberry.type(description="A subject under active joint measures (一处违规，处处受限); individuals are masked.")
class JointPunishedSubject:
    subject_id: strawberry.ID | None = strawberry.field(description="Bureaus only; department clients get null.")
    subject_kind: str
    name: str
    code: str = strawberry.field(description="Unified social credit code; an individual's ID masked.")
    region_code: str
    measures: list[JointMeasure]

    @classmethod
    def of(cls, s: joint.JointSubject) -> JointPunishedSubject:
        return cls(subject_id=strawberry.ID(str(s.subject_id)) if s.subject_id else None,
                   subject_kind=s.subject_kind, name=s.name, code=s.code, region_code=s.region_code,
                   measures=[JointMeasure(code=m.code, description=m.description, departments=list(m.departments),
                                          basis=m.basis, starts_on=m.starts_on, ends_on=m.ends_on)
                             for m in s.measures])


@strawberry.type(name="BankConsent", description="医保e贷: a consent to a named bank, for a purpose and a period.")
class BankConsentType:
    id: strawberry.ID
    bank: str = strawberry.field(description="The bank client's id.")
    bank_name: str
    purpose: str
    valid_from: datetime
    valid_until: datetime
    revoked_at: datetime | None
    active: bool = strawberry.field(description="Whether the bank may read your credit summary now.")

    @classmethod
    def of(cls, c: consent.ConsentView, now: datetime) -> BankConsentType:
        return cls(id=strawberry.ID(str(c.id)), bank=c.bank_client, bank_name=c.bank_name, purpose=c.purpose,
                   valid_from=c.valid_from, valid_until=c.valid_until, revoked_at=c.revoked_at, active=c.active(now))


@strawberry.type(description="One read a bank made of your credit summary (查询记录).")
class BankAccess:
    bank: str
    bank_name: str
    purpose: str
    what: str
    accessed_at: datetime


@strawberry.type(description="A line of the credit report, as a consented bank reads it.")
class BankReportLine:
    line_no: int
    item_code: str
    clause: str
    points: Decimal
    explanation: str


@strawberry.type(description="A measure that applies to the subject, as a consented bank reads it.")
class BankMeasure:
    code: str
    description: str
    clause: str
    applies_in_year: int


@strawberry.type(description="信用概况 a bank reads with the subject's consent; every read is logged for the subject.")
class BankCreditSummary:
    subject_name: str
    subject_code: str
    purpose: str
    consent_until: datetime
    cycle_year: int | None
    as_of: date | None
    grade: str | None
    score: Decimal | None
    report_lines: list[BankReportLine]
    measures: list[BankMeasure]


@strawberry.type(description="One lower bureau's timeliness: decision → entry → confirmation, in days.")
class BureauTimeliness:
    region_code: str
    bureau: str
    records: int
    avg_days_to_entry: Decimal | None
    max_days_to_entry: int | None
    avg_days_to_confirmation: Decimal | None
    max_days_to_confirmation: int | None
    unconfirmed: int
    late_entries: int = strawberry.field(description="Entered later than the province's deadline after decision.")
    late_confirmations: int = strawberry.field(description="Confirmed (or still unconfirmed) past the deadline.")


@strawberry.type(description="信息报送监督 (001 art.30): every lower bureau's timeliness and the late ones named.")
class OversightReport:
    province_code: str
    since: date
    until: date
    entry_days: int
    confirmation_days: int
    bureaus: list[BureauTimeliness]
    late_bureaus: list[str]
    notice: str = strawberry.field(description="The notice (通报) naming the late bureaus, ready to publish.")


@strawberry.type
class ExchangeQuery:
    @strawberry.field(description="The provincial platform push reconciliation for your subtree (001 art.5).")
    async def platform_reconciliation(self, info: Info, region_code: str | None = None) -> PlatformReconciliation:
        ctx = info.context
        r = await push.push_reconciliation(session=await ctx.session(), access=ctx.access, region_code=region_code)
        return PlatformReconciliation(sent=r.sent, acknowledged=r.acknowledged, failed=r.failed, pending=r.pending,
                                      taken_down=r.taken_down, lines=[PlatformPushLine.of(x) for x in r.lines])

    @strawberry.field(description="Subjects under active joint measures (004 §三(五)): a department client sees those "
                                  "binding its department in its agreed region; a bureau all in its subtree.")
    async def joint_measures(self, info: Info, region_code: str | None = None,
                             first: int = 100) -> list[JointPunishedSubject]:
        ctx = info.context
        found = await joint.joint_measures(session=await ctx.session(), access=ctx.access, region_code=region_code,
                                           limit=max(1, min(first, ctx.max_page_size)))
        return [JointPunishedSubject.of(s) for s in found]

    @strawberry.field(description="Banks only (医保e贷): a subject's credit summary, while it has given you consent.")
    async def bank_credit_summary(self, info: Info, subject_code: str) -> BankCreditSummary:
        ctx = info.context
        s = await consent.credit_summary_for_bank(session=await ctx.session(), access=ctx.access,
                                                  subject_code=subject_code)
        return BankCreditSummary(
            subject_name=s.subject_name, subject_code=s.subject_code, purpose=s.purpose, consent_until=s.consent_until,
            cycle_year=s.cycle_year, as_of=s.as_of, grade=s.grade, score=s.score,
            report_lines=[BankReportLine(line_no=x.line_no, item_code=x.item_code, clause=x.clause, points=x.points,
                                         explanation=x.explanation) for x in s.lines],
            measures=[BankMeasure(code=m.code, description=m.description, clause=m.clause,
                                  applies_in_year=m.applies_in_year) for m in s.measures])

    @strawberry.field(description="A subject's consents to banks, newest first.")
    async def my_bank_consents(self, info: Info) -> list[BankConsentType]:
        ctx = info.context
        found = await consent.my_bank_consents(session=await ctx.session(), access=ctx.access, banks=ctx.banks)
        return [BankConsentType.of(c, ctx.now()) for c in found]

    @strawberry.field(description="Every read a bank made of your credit summary, newest first.")
    async def my_bank_accesses(self, info: Info, first: int = 100) -> list[BankAccess]:
        ctx = info.context
        found = await consent.my_bank_accesses(session=await ctx.session(), access=ctx.access, banks=ctx.banks,
                                               limit=max(1, min(first, ctx.max_page_size)))
        return [BankAccess(bank=a.bank_client, bank_name=a.bank_name, purpose=a.purpose, what=a.what,
                           accessed_at=a.accessed_at) for a in found]

    @strawberry.field(description="Province bureaus only: how fast each lower bureau entered and confirmed the "
                                  "information decided in a period, and which were late (001 art.30).")
    async def oversight_report(self, info: Info, province_code: str, since: date, until: date) -> OversightReport:
        ctx = info.context
        r = await oversight.oversight_report(session=await ctx.session(), access=ctx.access,
                                             province_code=province_code, since=since, until=until,
                                             today=ctx.today())
        return OversightReport(
            province_code=r.province_code, since=r.since, until=r.until, entry_days=r.entry_days,
            confirmation_days=r.confirmation_days, late_bureaus=r.late_bureaus, notice=r.notice,
            bureaus=[BureauTimeliness(
                region_code=b.region_code, bureau=b.bureau, records=b.records, avg_days_to_entry=b.avg_days_to_entry,
                max_days_to_entry=b.max_days_to_entry, avg_days_to_confirmation=b.avg_days_to_confirmation,
                max_days_to_confirmation=b.max_days_to_confirmation, unconfirmed=b.unconfirmed,
                late_entries=b.late_entries, late_confirmations=b.late_confirmations) for b in r.bureaus])


@strawberry.type
class ExchangeMutation:
    @strawberry.mutation(description="医保e贷: let a named bank read your credit summary for a purpose, until a time.")
    async def grant_bank_consent(self, info: Info, bank: str, purpose: str,
                                 valid_until: datetime) -> BankConsentType:
        ctx = info.context
        found = await consent.grant_bank_consent(session=await ctx.session(), access=ctx.access, banks=ctx.banks,
                                                 bank_client=bank, purpose=purpose, valid_until=valid_until,
                                                 now=ctx.now())
        return BankConsentType.of(found, ctx.now())

    @strawberry.mutation(description="Withdraw a consent at once: the bank's next read is refused.")
    async def revoke_bank_consent(self, info: Info, id: strawberry.ID) -> BankConsentType:
        ctx = info.context
        key: uuid.UUID = parse_uuid(id, field="id")
        found = await consent.revoke_bank_consent(session=await ctx.session(), access=ctx.access, banks=ctx.banks,
                                                  id=key, now=ctx.now())
        return BankConsentType.of(found, ctx.now())
