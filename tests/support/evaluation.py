"""Arranging evaluation tests: subjects with a service scope and confirmed records, written as the owner."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from authz.authorizer import default_authorizer
from domain.access import Access, OfficerRole
from domain.rules.catalog import RecordKind, ServiceScope, SubjectClass
from domain.synthetic import make_resident_id, make_uscc
from tests.support.factories import officer

_rng = random.Random(11)


def access_of(region: str, role: OfficerRole = OfficerRole.OFFICER, *, id: str | None = None) -> Access:
    """An officer's access at a bureau node, with the shipped policy."""
    return Access(principal=officer(region, role, id=id), authorizer=default_authorizer())


async def add_subject(conn: asyncpg.Connection, *, region: str, subject_class: SubjectClass,
                      scope: ServiceScope | None = None) -> uuid.UUID:
    """A subject of any class and scope, written as the owner."""
    code = (make_uscc(_rng, region, kind="91") if subject_class.kind == "institution"
            else make_resident_id(_rng, region))
    return await conn.fetchval(
        """INSERT INTO subject (kind, subject_class, code, name, region_code, service_scope, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, 'test') RETURNING id""",
        str(subject_class.kind), str(subject_class), code, f"主体{code[-4:]}", region,
        str(scope) if scope else None)


async def add_record(conn: asyncpg.Connection, subject_id: uuid.UUID, kind: RecordKind, *, on: date,
                     amount: str | None = None, score: str | None = None, points: str | None = None,
                     details: dict[str, Any] | None = None, confirmed_at: datetime | None = None,
                     penalty_until: date | None = None, status: str = "confirmed") -> uuid.UUID:
    """A record confirmed (by default) at ``confirmed_at`` (default: now), with its confirmation event."""
    region = await conn.fetchval("SELECT region_code FROM subject WHERE id = $1", subject_id)
    rid = uuid.uuid4()
    effective = 1 if status in ("confirmed", "withdrawn") else None
    await conn.execute(
        # entered before and last updated at its confirmation, as the workflow leaves a record
        """INSERT INTO credit_record (id, subject_id, region_code, category, kind, status, effective_version,
               department, entered_by, entered_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'test', 'test', coalesce($8::timestamptz - interval '1 day', now()),
                   coalesce($8::timestamptz, now()))""",
        rid, subject_id, region, str(kind.category), str(kind), status, effective, confirmed_at)
    await conn.execute(
        """INSERT INTO credit_record_version (record_id, version, subject_id, region_code, title, amount, score,
               points, occurred_on, penalty_until, details, author_id, author_kind)
           VALUES ($1, 1, $2, $3, 'test', $4, $5, $6, $7, $8, $9, 'test', 'officer')""",
        rid, subject_id, region, None if amount is None else Decimal(amount),
        None if score is None else Decimal(score), None if points is None else Decimal(points), on,
        penalty_until, details or {})
    if effective is not None:
        await conn.execute(
            """INSERT INTO record_event (record_id, subject_id, region_code, version, action, from_status, to_status,
                   actor_id, actor_kind, at) VALUES ($1, $2, $3, 1, 'confirm', 'reviewed', 'confirmed', 'test',
                   'officer', coalesce($4, now()))""", rid, subject_id, region, confirmed_at)
    return rid
