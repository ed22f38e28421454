"""Arranging publication tests: confirmed records written as the owner, then published through the API."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from domain.access import OfficerRole
from tests.support.factories import GraphQL, officer

PREPARE = """mutation($id: ID!, $months: Int) { preparePublication(recordId: $id, windowMonths: $months) {
    id status publisherRegion { code } } }"""
PUBLISH = "mutation($id: ID!) { publish(id: $id) { id status publishedAt publicUntil } }"
WITHDRAW = "mutation($id: ID!, $reason: String!) { withdrawPublication(id: $id, reason: $reason) { status } }"


async def insert_confirmed_record(conn: asyncpg.Connection, *, subject_id: uuid.UUID, region: str,
                                  kind: str = "fraud", category: str = "dishonesty", title: str = "欺诈骗保",
                                  facts: str | None = None, amount: Decimal | None = None,
                                  penalty: str | None = None, penalty_until: date | None = None,
                                  details: dict[str, Any] | None = None, entered_by: str = "officer-a",
                                  clauses: list[str] | None = None) -> uuid.UUID:
    """A confirmed record in force (version 1), written directly as the owner."""
    record_id = uuid.uuid4()
    await conn.execute(
        """INSERT INTO credit_record (id, subject_id, region_code, category, kind, status, effective_version,
               reviewed_by, confirmed_by, department, entered_by)
           VALUES ($1, $2, $3, $4, $5, 'confirmed', 1, 'reviewer-b', 'reviewer-b', '测试医疗保障局', $6)""",
        record_id, subject_id, region, category, kind, entered_by)
    await conn.execute(
        """INSERT INTO credit_record_version (record_id, version, subject_id, region_code, title, facts, amount,
               decided_on, occurred_on, penalty, penalty_until, legal_basis, clauses, details, author_id, author_kind)
           VALUES ($1, 1, $2, $3, $4, $5, $6, DATE '2026-10-01', DATE '2026-09-01', $7, $8, '医疗保障基金使用监督管理条例',
                   $9, $10, $11, 'officer')""",
        record_id, subject_id, region, title, facts, amount, penalty, penalty_until, clauses or [], details or {},
        entered_by)
    return record_id


async def publish_record(gql: GraphQL, record_id: uuid.UUID, *, county: str = "340102", city: str = "340100",
                         months: int | None = None) -> str:
    """Prepare as the county officer and publish as the city officer; the publication's id."""
    prepared = await gql(PREPARE, {"id": str(record_id), "months": months}, as_=officer(county))
    assert "errors" not in prepared, prepared
    pub_id = str(prepared["data"]["preparePublication"]["id"])
    published = await gql(PUBLISH, {"id": pub_id}, as_=officer(city, OfficerRole.OFFICER))
    assert "errors" not in published, published
    return pub_id


PREPARE_RESULT = """mutation($id: ID!, $months: Int) { prepareResultPublication(resultId: $id, windowMonths: $months) {
    id status itemType kind category publisherRegion { code } } }"""


async def insert_result(conn: asyncpg.Connection, *, subject_id: uuid.UUID, region: str, grade: str = "B",
                        score: Decimal = Decimal("80"), cycle_year: int = 2025) -> uuid.UUID:
    """A current evaluation result written directly as the owner (under the shipped Anhui rule set)."""
    return await conn.fetchval(
        """INSERT INTO evaluation_result (id, subject_id, region_code, subject_class, ruleset_code, ruleset_version,
               cycle_year, as_of, trigger, base, score, grade, evaluated_by, evaluated_at)
           SELECT gen_random_uuid(), s.id, $2, s.subject_class, 'ah-institutions', 1, $5, DATE '2026-01-15', 'cycle',
                  100, $4, $3, 'test', now() FROM subject s WHERE s.id = $1 RETURNING id""",
        subject_id, region, grade, score, cycle_year)


async def publish_result(gql: GraphQL, result_id: uuid.UUID | str, *, county: str = "340102",
                         city: str = "340100") -> str:
    """Prepare a result as the county officer and publish it as the city officer; the publication's id."""
    prepared = await gql(PREPARE_RESULT, {"id": str(result_id)}, as_=officer(county))
    assert "errors" not in prepared, prepared
    pub_id = str(prepared["data"]["prepareResultPublication"]["id"])
    published = await gql(PUBLISH, {"id": pub_id}, as_=officer(city, OfficerRole.OFFICER))
    assert "errors" not in published, published
    return pub_id
