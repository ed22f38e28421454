"""What the engine evaluates: each subject's records in force, as facts (001 art.24 applied)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import asyncpg

# Declares the evaluation tables on the shared SQLModel metadata (alembic, the drift test) wherever this
# service is loaded; domain/tables.py is to import it as well, so the metadata is whole on its own.
from domain import evaluation_tables  # noqa: F401
from domain.rules.catalog import RecordCategory, RecordKind
from domain.rules.disclosure import usable_until
from domain.rules.evaluation import (
    AgreementEndReason,
    RecordFact,
    SubjectFacts,
)
from domain.rules.evaluation.record_usability_sql import repaired_on_sql
from domain.session import Session
from domain.subjects import SubjectRow

# -------------------------------------------------------------------------------------------------- facts


async def load_facts(*, session: Session, subjects: Sequence[SubjectRow], cycle_year: int,
                     as_of: date) -> dict[uuid.UUID, SubjectFacts]:
    """Each subject's confirmed records (their versions in force) as the engine sees them, in one statement."""
    rows = await session.fetch(
        f"""SELECT r.id, r.subject_id, r.kind, r.category, v.amount, v.points, v.score, v.penalty_until, v.details,
                  coalesce(v.occurred_on, v.decided_on) AS occurred_on,
                  (SELECT max(e.at) FROM record_event e WHERE e.record_id = r.id AND e.to_status = 'confirmed'
                      AND e.version = r.effective_version) AS confirmed_at,
                  (SELECT p.public_until FROM publication p WHERE p.item_type = 'record' AND p.item_id = r.id
                      AND p.category = 'dishonesty' AND p.published_at IS NOT NULL AND p.public_until IS NOT NULL
                    ORDER BY p.published_at DESC LIMIT 1) AS published_until,
                  {repaired_on_sql('r')} AS repaired_on
           FROM credit_record r JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
           WHERE r.subject_id = ANY($1) AND r.effective_version IS NOT NULL AND r.status <> 'withdrawn'
             AND coalesce(v.occurred_on, v.decided_on) IS NOT NULL""", [s.id for s in subjects])
    start, end = date(cycle_year, 1, 1), date(cycle_year, 12, 31)
    by_subject: dict[uuid.UUID, list[asyncpg.Record]] = {s.id: [] for s in subjects}
    for r in rows:
        by_subject[r["subject_id"]].append(r)
    out: dict[uuid.UUID, SubjectFacts] = {}
    for s in subjects:
        recs = by_subject[s.id]
        # the exclusion facts come from the cycle's basic records known on as_of, the latest one standing
        basics = sorted((r for r in recs if r["category"] == RecordCategory.BASIC
                         and start <= r["occurred_on"] <= min(end, as_of)),
                        key=lambda r: (r["occurred_on"], str(r["id"])), reverse=True)
        reason = next((r["details"]["agreement_end_reason"] for r in basics
                       if r["kind"] == RecordKind.AGREEMENT_EVENT and "agreement_end_reason" in (r["details"] or {})),
                      None)
        months = next((int(r["details"]["months_in_business"]) for r in basics
                       if "months_in_business" in (r["details"] or {})), 12)
        try:
            end_reason = AgreementEndReason(reason) if reason is not None else None
        except ValueError:
            end_reason = None
        out[s.id] = SubjectFacts(
            subject_id=str(s.id), subject_class=s.subject_class, service_scope=s.service_scope,
            agreement_end_reason=end_reason, months_in_business=months,
            records=tuple(_fact(r) for r in recs))
    return out


def _fact(r: asyncpg.Record) -> RecordFact:
    # 001 art.24: negative information past its disclosure window is not used (disclosure.usable_until).
    last = usable_until(category=RecordCategory(r["category"]), published_until=r["published_until"],
                        confirmed_at=r["confirmed_at"], penalty_until=r["penalty_until"])
    return RecordFact(record_id=str(r["id"]), kind=RecordKind(r["kind"]), occurred_on=r["occurred_on"],
                      amount=r["amount"], points=r["points"], score=r["score"], usable_until=last,
                      repaired_on=r["repaired_on"])
