"""证明材料: evidence files a subject attaches to an objection or a repair application.

Only PDF, PNG and JPEG are accepted, recognised by their first bytes (the declared name or type proves nothing),
and at most ``MAX_EVIDENCE_BYTES`` each. Files are stored in PostgreSQL (bytea, append-only) beside the
application they support, so they commit or roll back with it and follow its row-level security.
Uploads travel inside the GraphQL request as base64: the request body limit (``YIBAO_MAX_BODY_BYTES``) must be
raised above 4/3 of the file size for large files; no second upload endpoint to secure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass

from domain.errors import DomainError, InvalidInput
from domain.session import Session

MAX_EVIDENCE_BYTES = 2 * 1024 * 1024
MAX_FILES = 10
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


class EvidenceRejected(DomainError):
    """An evidence file that is not a PDF/PNG/JPEG or is too large."""

    code = "EVIDENCE_REJECTED"


@dataclass(frozen=True, slots=True)
class EvidenceUpload:
    """One file as sent: a name and its base64 content."""

    file_name: str
    content_base64: str


@dataclass(frozen=True, slots=True)
class CheckedEvidence:
    file_name: str
    media_type: str
    content: bytes
    sha256: str


@dataclass(frozen=True, slots=True)
class EvidenceView:
    id: uuid.UUID
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str


def media_type_of(content: bytes) -> str | None:
    """The media type the file's first bytes show, or None when it is none of the accepted ones."""
    for magic, media in _MAGIC:
        if content.startswith(magic):
            return media
    return None


def check_evidence(uploads: list[EvidenceUpload]) -> list[CheckedEvidence]:
    """Decode and check every file before anything is written; ``EvidenceRejected`` names the first bad one."""
    if len(uploads) > MAX_FILES:
        raise EvidenceRejected(f"证明材料最多{MAX_FILES}个文件。", field="evidence")
    out = []
    for i, up in enumerate(uploads):
        name = up.file_name.strip()[:200] or f"材料{i + 1}"
        try:
            content = base64.b64decode(up.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(f"证明材料“{name}”不是有效的base64编码。", field="evidence", index=i) from exc
        if not content:
            raise EvidenceRejected(f"证明材料“{name}”是空文件。", field="evidence", index=i)
        if len(content) > MAX_EVIDENCE_BYTES:
            raise EvidenceRejected(
                f"证明材料“{name}”超过{MAX_EVIDENCE_BYTES // (1024 * 1024)}MB的大小限制。", field="evidence", index=i,
                sizeBytes=len(content), maxBytes=MAX_EVIDENCE_BYTES)
        media = media_type_of(content)
        if media is None:
            raise EvidenceRejected(f"证明材料“{name}”不是PDF、PNG或JPEG文件。", field="evidence", index=i)
        out.append(CheckedEvidence(file_name=name, media_type=media, content=content,
                                   sha256=hashlib.sha256(content).hexdigest()))
    return out


async def store_evidence(*, session: Session, files: list[CheckedEvidence], subject_id: uuid.UUID, region_code: str,
                         actor: str, objection_id: uuid.UUID | None = None,
                         repair_id: uuid.UUID | None = None) -> None:
    """Write checked files beside their objection or repair application."""
    if files:
        await session.executemany(
            """INSERT INTO evidence_file (subject_id, region_code, objection_id, repair_id, file_name, media_type,
                   size_bytes, sha256, content, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            [(subject_id, region_code, objection_id, repair_id, f.file_name, f.media_type, len(f.content), f.sha256,
              f.content, actor) for f in files])


async def evidence_of(*, session: Session, objection_ids: list[uuid.UUID] | None = None,
                      repair_ids: list[uuid.UUID] | None = None) -> dict[uuid.UUID, list[EvidenceView]]:
    """The files (without content) of some objections or repair applications, by owner id."""
    rows = await session.fetch(
        """SELECT id, coalesce(objection_id, repair_id) AS owner, file_name, media_type, size_bytes, sha256
           FROM evidence_file WHERE objection_id = ANY($1) OR repair_id = ANY($2) ORDER BY uploaded_at, id""",
        objection_ids or [], repair_ids or [])
    out: dict[uuid.UUID, list[EvidenceView]] = {k: [] for k in (objection_ids or []) + (repair_ids or [])}
    for r in rows:
        out.setdefault(r["owner"], []).append(EvidenceView(id=r["id"], file_name=r["file_name"],
                                                           media_type=r["media_type"], size_bytes=r["size_bytes"],
                                                           sha256=r["sha256"]))
    return out
