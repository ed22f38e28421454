"""医保e贷: a subject lets a named bank read its credit summary, for a purpose and a period (004 §三(七)).

A subject grants (and can revoke at once) a consent to a bank configured in authz/federation.json (``kind: bank``).
The bank's client reads the summary (grade, score, report lines, measures) through the ``bank_*`` views of
migration 0013, which show rows only while the calling bank holds a valid consent of that subject: revocation and
expiry take effect on the next statement, and another subject's data cannot be reached. Every read is logged in
``bank_access``, which the subject reads in its archive.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.access import Access, PrincipalKind
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.session import Session

log = logging.getLogger("yibao.exchange.consent")
MAX_CONSENT = timedelta(days=366)  # a consent is for a loan's application and review, at most a year


@dataclass(frozen=True)
class ConsentView:
    """A consent as its subject sees it."""

    id: uuid.UUID
    bank_client: str
    bank_name: str
    purpose: str
    valid_from: datetime
    valid_until: datetime
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.valid_from <= now < self.valid_until


@dataclass(frozen=True)
class AccessView:
    """One read a bank made of the subject's credit summary."""

    bank_client: str
    bank_name: str
    purpose: str
    what: str
    accessed_at: datetime


@dataclass(frozen=True)
class SummaryLine:
    line_no: int
    item_code: str
    clause: str
    points: Decimal
    explanation: str


@dataclass(frozen=True)
class SummaryMeasure:
    code: str
    description: str
    clause: str
    applies_in_year: int


@dataclass(frozen=True)
class CreditSummary:
    """What a bank may read with consent: the subject's current grade, score, report and measures."""

    subject_name: str
    subject_code: str
    purpose: str
    consent_until: datetime
    cycle_year: int | None
    as_of: date | None
    grade: str | None
    score: Decimal | None
    lines: list[SummaryLine]
    measures: list[SummaryMeasure]


_CONSENT_COLUMNS = "id, bank_client, purpose, valid_from, valid_until, revoked_at"


def _subject_id(access: Access, action: str) -> uuid.UUID:
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("只有信用主体本人可以授权或撤回银行查询。", resource="bank_consent", action=action)
    access.require("bank_consent", action, subject_id=p.id)
    return uuid.UUID(p.id)


def _view(r: Mapping[str, object], banks: Mapping[str, str]) -> ConsentView:
    client = str(r["bank_client"])
    return ConsentView(id=r["id"], bank_client=client, bank_name=banks.get(client, client),  # type: ignore[arg-type]
                       purpose=str(r["purpose"]), valid_from=r["valid_from"], valid_until=r["valid_until"],  # type: ignore[arg-type]
                       revoked_at=r["revoked_at"])  # type: ignore[arg-type]


async def grant_bank_consent(*, session: Session, access: Access, banks: Mapping[str, str], bank_client: str,
                             purpose: str, valid_until: datetime, now: datetime) -> ConsentView:
    """授权: the subject lets ``bank_client`` read its credit summary for ``purpose`` until ``valid_until``."""
    subject_id = _subject_id(access, "write")
    if bank_client not in banks:
        raise InvalidInput(f"{bank_client!r} 不是已登记的合作银行。", field="bank")
    purpose = purpose.strip()
    if not 2 <= len(purpose) <= 200:
        raise InvalidInput("请写明授权用途（2 到 200 个字）。", field="purpose")
    if valid_until.tzinfo is None:
        raise InvalidInput("授权截止时间须带时区。", field="validUntil")
    if not now < valid_until <= now + MAX_CONSENT:
        raise InvalidInput("授权截止时间须在今后一年之内。", field="validUntil")
    row = await session.fetchrow(
        # valid_from is the database's clock, which the bank_* views compare with.
        f"""INSERT INTO bank_consent (subject_id, region_code, bank_client, purpose, valid_until)
            SELECT s.id, s.region_code, $2, $3, $4 FROM subject s WHERE s.id = $1
            RETURNING {_CONSENT_COLUMNS}""", subject_id, bank_client, purpose, valid_until)
    if row is None:
        raise NotFound("找不到您的信用档案。")
    return _view(row, banks)


async def revoke_bank_consent(*, session: Session, access: Access, banks: Mapping[str, str], id: uuid.UUID,
                              now: datetime) -> ConsentView:
    """撤回: end a consent now; the bank's next read is refused."""
    subject_id = _subject_id(access, "write")
    row = await session.fetchrow(
        f"""UPDATE bank_consent SET revoked_at = coalesce(revoked_at, $3) WHERE id = $1 AND subject_id = $2
            RETURNING {_CONSENT_COLUMNS}""", id, subject_id, now)
    if row is None:
        raise NotFound("没有这项授权。", field="id")
    return _view(row, banks)


async def my_bank_consents(*, session: Session, access: Access, banks: Mapping[str, str]) -> list[ConsentView]:
    """The subject's consents, newest first."""
    subject_id = _subject_id(access, "read")
    rows = await session.fetch(f"SELECT {_CONSENT_COLUMNS} FROM bank_consent WHERE subject_id = $1 "
                               "ORDER BY created_at DESC, id", subject_id)
    return [_view(r, banks) for r in rows]


async def my_bank_accesses(*, session: Session, access: Access, banks: Mapping[str, str],
                           limit: int = 100) -> list[AccessView]:
    """查询记录: every read a bank made of the subject's credit summary, newest first."""
    subject_id = _subject_id(access, "read")
    rows = await session.fetch(
        """SELECT bank_client, purpose, what, accessed_at FROM bank_access WHERE subject_id = $1
           ORDER BY accessed_at DESC, id LIMIT $2""", subject_id, limit)
    return [AccessView(bank_client=r["bank_client"], bank_name=banks.get(r["bank_client"], r["bank_client"]),
                       purpose=r["purpose"], what=r["what"], accessed_at=r["accessed_at"]) for r in rows]


async def credit_summary_for_bank(*, session: Session, access: Access, subject_code: str) -> CreditSummary:
    """A bank reads the credit summary of the subject with ``subject_code``, only under that subject's consent."""
    p = access.principal
    scope = access.federation
    if p.kind is not PrincipalKind.FEDERATION or scope is None or scope.kind != "bank" or scope.client_id != p.id:
        raise Forbidden("只有登记为合作银行的客户端，凭信用主体的授权，才能查询信用概况。",
                        resource="credit_summary", action="read")
    access.require("credit_summary", "read")
    code = subject_code.strip().upper()
    subject = await session.fetchrow(
        """SELECT consent_id, bank_client, purpose, valid_until, subject_id, code, name FROM bank_consented_subject
           WHERE code = $1 ORDER BY valid_until DESC LIMIT 1""", code)
    if subject is None:
        # Absent, never consented, revoked or expired look alike: the bank learns nothing it was not given.
        log.info("bank %s refused a credit summary: no valid consent for the subject asked", p.id)
        raise Forbidden("该信用主体没有向贵行授权，或授权已撤回、已过期。", resource="credit_summary", action="read")
    result = await session.fetchrow(
        """SELECT result_id, cycle_year, as_of, grade, score FROM bank_credit_result WHERE subject_id = $1
           ORDER BY cycle_year DESC, as_of DESC LIMIT 1""", subject["subject_id"])
    lines: list[SummaryLine] = []
    measures: list[SummaryMeasure] = []
    if result is not None:
        lines = [SummaryLine(line_no=r["line_no"], item_code=r["item_code"], clause=r["clause"], points=r["points"],
                             explanation=r["explanation"]) for r in await session.fetch(
            "SELECT line_no, item_code, clause, points, explanation FROM bank_credit_line WHERE result_id = $1 "
            "ORDER BY line_no", result["result_id"])]
        measures = [SummaryMeasure(code=r["code"], description=r["description"], clause=r["clause"],
                                   applies_in_year=r["applies_in_year"]) for r in await session.fetch(
            "SELECT code, description, clause, applies_in_year FROM bank_credit_measure WHERE result_id = $1 "
            "ORDER BY code", result["result_id"])]
    await session.execute(
        """INSERT INTO bank_access (consent_id, subject_id, region_code, bank_client, purpose, what)
           SELECT consent_id, subject_id, region_code, bank_client, purpose, $2 FROM bank_consented_subject
           WHERE consent_id = $1""", subject["consent_id"], "信用概况（等级、分数、评价报告、结果应用措施）")
    return CreditSummary(subject_name=subject["name"], subject_code=subject["code"], purpose=subject["purpose"],
                         consent_until=subject["valid_until"],
                         cycle_year=result["cycle_year"] if result else None, as_of=result["as_of"] if result else None,
                         grade=result["grade"] if result else None, score=result["score"] if result else None,
                         lines=lines, measures=measures)
