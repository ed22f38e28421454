"""代理人: an institution names the people who act for it in its credit matters (issue 8), and revokes them.

Only the institution itself names or revokes (its own token); the bureaus of its subtree read them; nothing
here is ever public. Every change is attributed, audited and announced to the bureau and the subject.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.access import Access, PrincipalKind
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.events import DomainEvent, EventType
from domain.rules.identifiers import validate_resident_id
from domain.session import Session

COLUMNS = "id, subject_id, region_code, name, resident_id, role, appointed_by, appointed_at, revoked_by, revoked_at"


class RepresentativeRole(StrEnum):
    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    CONTACT = "contact"  # 信用联络人
    AGENT = "agent"  # 委托代理人


@dataclass(frozen=True)
class Representative:
    id: uuid.UUID
    subject_id: uuid.UUID
    region_code: str
    name: str
    resident_id: str
    role: RepresentativeRole
    appointed_by: str
    appointed_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None


def _of(r: object) -> Representative:
    d = dict(r)  # type: ignore[call-overload]
    d["role"] = RepresentativeRole(d["role"])
    return Representative(**d)


def _institution(access: Access) -> uuid.UUID:
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("代理人由机构本人指定。", en="An institution names its own representatives.",
                        resource="representative", action="write")
    access.require("representative", "write", subject_id=p.id)
    return uuid.UUID(p.id)


async def name_representative(*, session: Session, access: Access, name: str, resident_id: str,
                              role: RepresentativeRole) -> Representative:
    """指定代理人: an institution names a person to act for it."""
    subject_id = _institution(access)
    subject = await session.fetchrow("SELECT kind, region_code FROM subject WHERE id = $1", subject_id)
    if subject is None:
        raise NotFound("没有找到该信用主体。", field="subjectId")
    if subject["kind"] != "institution":
        raise Forbidden("只有机构可以指定代理人。", en="Only institutions name representatives.",
                        resource="representative", action="write")
    clean = name.strip()
    if not 1 <= len(clean) <= 50:
        raise InvalidInput("姓名须为 1–50 个字。", en="The name must have 1 to 50 characters.", field="name")
    number = validate_resident_id(resident_id, field="residentId")
    live = await session.fetchval(
        """SELECT 1 FROM subject_representative WHERE subject_id = $1 AND resident_id = $2 AND role = $3
             AND revoked_at IS NULL""", subject_id, number, str(role))
    if live:
        raise Conflict("此人已担任该职责。", en="This person already holds this role.", field="residentId")
    row = await session.fetchrow(
        f"""INSERT INTO subject_representative (subject_id, region_code, name, resident_id, role, appointed_by)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}""",
        subject_id, subject["region_code"], clean, number, str(role), access.principal.actor)
    rep = _of(row)
    _emit(session, EventType.REPRESENTATIVE_NAMED, rep, actor=access.principal.actor)
    return rep


async def revoke_representative(*, session: Session, access: Access, id: uuid.UUID) -> Representative:
    """撤销代理人: the institution ends a representative's authority (the record stays)."""
    subject_id = _institution(access)
    row = await session.fetchrow(
        f"""UPDATE subject_representative SET revoked_by = $3, revoked_at = now()
            WHERE id = $1 AND subject_id = $2 AND revoked_at IS NULL RETURNING {COLUMNS}""",
        id, subject_id, access.principal.actor)
    if row is None:
        raise NotFound("没有找到该在任代理人。", en="No such current representative.", field="id")
    rep = _of(row)
    _emit(session, EventType.REPRESENTATIVE_REVOKED, rep, actor=access.principal.actor)
    return rep


async def representatives_of(*, session: Session, access: Access, subject_id: uuid.UUID) -> list[Representative]:
    """The representatives an institution named, current and revoked, newest first (its own, or a bureau's)."""
    region = await session.fetchval("SELECT region_code FROM subject WHERE id = $1", subject_id)
    if region is None:
        raise NotFound("没有找到该信用主体。", en="No such subject in your region.", field="subjectId")
    access.require("subject", "read", region_code=region, subject_id=str(subject_id))
    rows = await session.fetch(f"SELECT {COLUMNS} FROM subject_representative WHERE subject_id = $1 "
                               "ORDER BY appointed_at DESC, id", subject_id)
    return [_of(r) for r in rows]


def _emit(session: Session, type: EventType, rep: Representative, *, actor: str) -> None:
    session.emit(DomainEvent(type=type, region_code=rep.region_code, subject_id=rep.subject_id, item_id=rep.id,
                             actor=actor, payload={"representativeId": str(rep.id), "role": str(rep.role),
                                                   "name": rep.name}))
