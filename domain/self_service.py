"""信用信息自查 (001 art.25): a subject reads its whole archive in one place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain import evaluation, objections, record_queries, repair
from domain.access import Access, PrincipalKind
from domain.errors import Forbidden, NotFound
from domain.evaluation import StoredResult
from domain.objections import ObjectionView
from domain.publication_views import PublicationView
from domain.record_views import CreditRecordView
from domain.repair import RepairView
from domain.session import Session
from domain.subjects import SubjectRow, subjects_by_ids

MAX_RECORDS = 1000


@dataclass(frozen=True)
class SubjectArchive:
    """Everything the archive holds about one subject, and what of it is public right now."""

    subject: SubjectRow
    records: list[CreditRecordView]
    results: list[StoredResult]
    publications: list[PublicationView]
    public_now: frozenset[uuid.UUID]  # ids of the publications the public sees at this instant
    objections: list[ObjectionView]
    repairs: list[RepairView]


async def my_archive(*, session: Session, access: Access) -> SubjectArchive:
    """The requesting subject's whole archive: records, results, publications, objections, repairs."""
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("只有信用主体本人可以查询自己的完整信用档案。", resource="subject", action="read")
    access.require("subject", "read", subject_id=p.id)
    sid = uuid.UUID(p.id)
    subject = (await subjects_by_ids(session=session, ids=[sid])).get(sid)
    if subject is None:
        raise NotFound("没有找到该信用主体。", field="subjectId")
    records = (await record_queries.latest_records(session=session, subject_ids=[sid], limit=MAX_RECORDS))[sid]
    results = await evaluation.results_of(session=session, access=access, subject_id=sid)
    pubs = await publication_views(session=session, subject_id=sid)
    live = await session.fetch("SELECT id FROM public_item WHERE id = ANY($1)", [v.id for v in pubs])
    return SubjectArchive(
        subject=subject, records=records, results=results, publications=pubs,
        public_now=frozenset(r["id"] for r in live),
        objections=await objections.objections_of_subject(session=session, access=access, subject_id=sid),
        repairs=await repair.repairs_of_subject(session=session, access=access, subject_id=sid))


async def publication_views(*, session: Session, subject_id: uuid.UUID) -> list[PublicationView]:
    """Every publication of a subject (prepared, published, withdrawn), newest first."""
    rows = await session.fetch(
        """SELECT id, item_type, item_id, subject_id, region_code, publisher_region, category, kind, status,
                  window_months, prepared_by, prepared_at, published_by, published_at, public_until, withdrawn_by,
                  withdrawn_at, withdraw_reason FROM publication WHERE subject_id = $1
           ORDER BY prepared_at DESC, id""", subject_id)
    return [PublicationView.from_record(r) for r in rows]
