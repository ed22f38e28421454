"""Evidence files (证明材料) a subject attaches to an objection or a repair application: the upload, and the
stored file as it is read back (without its content)."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from domain.documents.evidence import EvidenceUpload, EvidenceView, evidence_of
from schema.context import Context

Info = strawberry.Info[Context, None]


@strawberry.input(description="An evidence file: PDF, PNG or JPEG, base64-encoded, at most 2 MB.")
class EvidenceInput:
    file_name: str
    content_base64: str

    def to_domain(self) -> EvidenceUpload:
        return EvidenceUpload(file_name=self.file_name, content_base64=self.content_base64)


@strawberry.type(description="证明材料: an attached file (its content is not served back).")
class EvidenceFile:
    id: strawberry.ID
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str


async def _evidence(info: Info, owner: uuid.UUID, *, of_repair: bool = False) -> list[EvidenceFile]:
    # one statement for every objection (or repair) on the page, not one per row
    async def load(session: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[EvidenceView]]:
        return await evidence_of(session=session, objection_ids=None if of_repair else ids,
                                 repair_ids=ids if of_repair else None)

    name = "repair_evidence" if of_repair else "objection_evidence"
    found = await info.context.loader(name, load, default=list).load(owner)
    return [EvidenceFile(id=strawberry.ID(str(f.id)), file_name=f.file_name, media_type=f.media_type,
                         size_bytes=f.size_bytes, sha256=f.sha256) for f in found]
