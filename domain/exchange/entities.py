"""Federation entity lookups by key, batched: what ``_entities`` answers for other agencies' gateways.

Every lookup runs inside the caller's row-level scope (officers: their subtree; a subject: itself; the public
and federation clients: the published views only), so a key outside that scope simply finds nothing.
"""

from __future__ import annotations

import uuid

from domain.access import Access
from domain.public_items import _public_item, _source
from domain.publication_views import PublicItem
from domain.rules.redaction import PublicInstitution, public_subject_from_json
from domain.session import Session
from domain.subjects import SUBJECT_COLUMNS, SubjectRow


async def subjects_by_codes(*, session: Session, codes: list[str]) -> dict[str, SubjectRow]:
    """Subjects by unified social credit code or resident ID (统一社会信用代码/身份证号) the scope can see."""
    normalised = [c.strip().upper() for c in codes]
    rows = await session.fetch(f"SELECT {SUBJECT_COLUMNS} FROM subject s WHERE s.code = ANY($1)", normalised)
    found = {r["code"]: SubjectRow.from_record(r) for r in rows}
    return {c: found[n] for c, n in zip(codes, normalised, strict=True) if n in found}


async def public_institutions_by_codes(*, session: Session, access: Access,
                                       codes: list[str]) -> dict[str, PublicInstitution]:
    """Institutions with at least one public item, by unified social credit code, in one statement."""
    access.require("published", "read")
    normalised = [c.strip().upper() for c in codes]
    confined = access.public_prefix()
    rows = await session.fetch(
        """SELECT DISTINCT ON (i.public_key) i.public_key, i.public_payload FROM public_item i
           WHERE i.public_key = ANY($1) AND ($2::text IS NULL OR i.region_code LIKE $2 || '%')
           ORDER BY i.public_key, i.published_at DESC""", normalised, confined)
    found: dict[str, PublicInstitution] = {}
    for r in rows:
        subject = public_subject_from_json(r["public_payload"]["subject"])
        if isinstance(subject, PublicInstitution):
            found[r["public_key"]] = subject
    return {c: found[n] for c, n in zip(codes, normalised, strict=True) if n in found}


async def public_items_by_ids(*, session: Session, access: Access, ids: list[uuid.UUID]) -> dict[uuid.UUID, PublicItem]:
    """Published, in-window items by their stable id (the publication's id), in one statement."""
    access.require("published", "read")
    confined = access.public_prefix()
    view, extra = _source(access)
    rows = await session.fetch(
        f"""SELECT i.id, i.item_type, i.region_code, i.publisher_region, i.published_at, i.public_until,
                   i.public_payload{extra}
            FROM {view} i WHERE i.id = ANY($1) AND ($2::text IS NULL OR i.region_code LIKE $2 || '%')""",
        ids, confined)
    return {r["id"]: _public_item(r, access.shared_fields()) for r in rows}
