"""Rendering a rights document for whoever may read its application: the subject, or the bureaus of its subtree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain import objections, repair
from domain.access import Access
from domain.documents import rights_docs
from domain.documents.layout import MEDIA_TYPE, render
from domain.documents.rights_docs import DocumentKind, Party
from domain.rules.objections import ObjectionItem
from domain.session import Session
from domain.subjects import subjects_by_ids

_OBJECTION_KINDS = {
    DocumentKind.OBJECTION_APPLICATION: rights_docs.objection_application,
    DocumentKind.OBJECTION_DECISION: rights_docs.objection_decision,
}
_REPAIR_KINDS = {
    DocumentKind.REPAIR_APPLICATION: rights_docs.repair_application,
    DocumentKind.REPAIR_RESULT_FEEDBACK: rights_docs.repair_result_feedback,
    DocumentKind.REPAIR_REFUSAL_NOTICE: rights_docs.repair_refusal_notice,
    DocumentKind.REPAIR_CONFIRMATION: rights_docs.repair_confirmation,
}


@dataclass(frozen=True)
class Document:
    file_name: str
    media_type: str
    content: bytes


async def _party(session: Session, subject_id: uuid.UUID) -> Party:
    row = (await subjects_by_ids(session=session, ids=[subject_id]))[subject_id]
    return Party(name=row.name, code=row.code)


async def _record_title(session: Session, record_id: uuid.UUID) -> str:
    title = await session.fetchval(
        """SELECT v.title FROM credit_record r JOIN credit_record_version v ON v.record_id = r.id
               AND v.version = coalesce(r.effective_version, r.current_version) WHERE r.id = $1""", record_id)
    return str(title) if title else str(record_id)


async def render_document(*, session: Session, access: Access, kind: DocumentKind, id: uuid.UUID) -> Document:
    """One of the annex's documents (000 §三) for an objection or a repair application, as a PDF."""
    if kind in _OBJECTION_KINDS:
        o = await objections.get_objection(session=session, access=access, id=id)
        if o.record_id is not None:
            title = await _record_title(session, o.record_id)
        elif o.item_type is ObjectionItem.RESULT:
            title = f"信用评价结果（{o.item_id}）"
        else:
            title = f"公开公示信息（{o.item_id}）"
        doc = _OBJECTION_KINDS[kind](o=o, party=await _party(session, o.subject_id), item_title=title)
        number = o.decision_no if kind is DocumentKind.OBJECTION_DECISION else o.application_no
    else:
        r = await repair.get_repair(session=session, access=access, id=id)
        doc = _REPAIR_KINDS[kind](r=r, party=await _party(session, r.subject_id),
                                  record_title=await _record_title(session, r.record_id))
        number = r.application_no if kind is DocumentKind.REPAIR_APPLICATION else r.decision_no
    return Document(file_name=f"{doc.title}-{number}.pdf", media_type=MEDIA_TYPE, content=render(doc))
