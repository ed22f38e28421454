"""Factories for tests: principals, tokens, subjects and records, written as the owner or through services."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from api.identity import mint_token
from api.settings import Settings
from domain.access import OfficerRole, Principal, PrincipalKind
from domain.rules.catalog import SubjectClass
from domain.synthetic import make_resident_id, make_uscc, person_name

_rng = random.Random(7)


def officer(region: str, role: OfficerRole = OfficerRole.OFFICER, *, id: str | None = None) -> Principal:
    """An officer principal at a bureau node."""
    return Principal(
        kind=PrincipalKind.OFFICER,
        id=id or f"{region}-{role}",
        region_code=region,
        role=role,
        name=f"{region} {role}",
        department=f"{region}医疗保障局",
    )


def subject_principal(subject_id: uuid.UUID | str) -> Principal:
    return Principal(kind=PrincipalKind.SUBJECT, id=str(subject_id))


def token(settings: Settings, principal: Principal, *, ttl_seconds: int = 600) -> str:
    return mint_token(
        secret=settings.jwt_secret,
        issuer=settings.jwt_issuer,
        kind=principal.kind,
        id=principal.id,
        region_code=principal.region_code,
        role=principal.role,
        name=principal.name,
        department=principal.department,
        ttl_seconds=ttl_seconds,
    )


def auth(settings: Settings, principal: Principal | None) -> dict[str, str]:
    return {} if principal is None else {"Authorization": f"Bearer {token(settings, principal)}"}


@dataclass
class GraphQL:
    """Posts GraphQL to the app as a given principal."""

    client: httpx.AsyncClient
    settings: Settings

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Principal | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        headers = auth(self.settings, as_)
        if language is not None:
            headers = {**headers, "Accept-Language": language}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return dict(response.json())


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def insert_subject(
    conn: asyncpg.Connection,
    *,
    region: str,
    subject_class: SubjectClass = SubjectClass.RETAIL_PHARMACY,
    name: str | None = None,
    code: str | None = None,
    phone: str | None = None,
) -> uuid.UUID:
    """A subject written directly as the owner (bypassing the API), for arranging a test."""
    if code is None:
        code = (
            make_uscc(_rng, region, kind="91")
            if subject_class.kind == "institution"
            else make_resident_id(_rng, region)
        )
    scope = "outpatient_only" if subject_class is SubjectClass.MEDICAL_INSTITUTION else None
    return await conn.fetchval(
        """INSERT INTO subject (kind, subject_class, code, name, region_code, service_scope, phone, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'test') RETURNING id""",
        str(subject_class.kind),
        str(subject_class),
        code,
        name or f"{person_name(_rng)}大药房",
        region,
        scope,
        phone,
    )


async def count(conn: asyncpg.Connection, table: str) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


async def insert_entered_record(
    conn: asyncpg.Connection,
    *,
    subject_id: uuid.UUID,
    region: str,
    entered_by: str = "someone-else",
    kind: str = "interview",
) -> uuid.UUID:
    """A dishonesty record awaiting review, written directly as the owner."""
    record_id = uuid.uuid4()
    await conn.execute(
        """INSERT INTO credit_record (id, subject_id, region_code, category, kind, status, department, entered_by)
           VALUES ($1, $2, $3, 'dishonesty', $4, 'entered', '测试医疗保障局', $5)""",
        record_id,
        subject_id,
        region,
        kind,
        entered_by,
    )
    await conn.execute(
        """INSERT INTO credit_record_version (record_id, version, subject_id, region_code, title, facts,
               occurred_on, legal_basis, author_id, author_kind)
           VALUES ($1, 1, $2, $3, '约谈', '约谈负责人', DATE '2025-03-01', '服务协议第十条', $4, 'officer')""",
        record_id,
        subject_id,
        region,
        entered_by,
    )
    await conn.execute(
        """INSERT INTO record_event (record_id, subject_id, region_code, version, action, to_status, actor_id,
               actor_kind) VALUES ($1, $2, $3, 1, 'enter', 'entered', $4, 'officer')""",
        record_id,
        subject_id,
        region,
        entered_by,
    )
    return record_id
