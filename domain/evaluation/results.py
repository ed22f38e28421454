"""信用评价结果: evaluating one subject in real time and storing its result, report lines, measures and warnings;
reading results as of any instant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

# Declares the evaluation tables on the shared SQLModel metadata (alembic, the drift test) wherever this
# service is loaded; domain/tables.py is to import it as well, so the metadata is whole on its own.
from domain import evaluation_tables  # noqa: F401
from domain.access import Access
from domain.errors import NotFound
from domain.evaluation.facts import load_facts
from domain.evaluation.rulesets import StoredRuleSet, ruleset_for
from domain.events import DomainEvent, EventType
from domain.grouping import grouped
from domain.rules.catalog import Grade, RecordCategory
from domain.rules.evaluation import (
    Evaluation,
    RuleSet,
    SubjectFacts,
    evaluate,
    measures_for,
)
from domain.rules.evaluation.measures import measure_params_to_dict
from domain.rules.warnings import WarningKind, warnings_for
from domain.session import Session
from domain.subjects import SubjectRow, subjects_by_ids

# A score falling by this many points in one re-evaluation raises a warning (000 §三(六) gives no number).
WARNING_DROP_POINTS = Decimal(10)

RESULT_COLUMNS = """id, subject_id, region_code, subject_class, service_scope, ruleset_code, ruleset_version,
    cycle_year, as_of, trigger, base, score, grade, excluded_reason, evaluated_by, evaluated_at, superseded_at,
    superseded_by"""


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class StoredResult:
    """信用评价结果 as stored; its report lines and measures are loaded separately."""

    id: uuid.UUID
    subject_id: uuid.UUID
    region_code: str
    subject_class: str
    service_scope: str | None
    ruleset_code: str
    ruleset_version: int
    cycle_year: int
    as_of: date
    trigger: str
    base: Decimal
    score: Decimal | None
    grade: Grade | None
    excluded_reason: str | None
    evaluated_by: str
    evaluated_at: datetime
    superseded_at: datetime | None
    superseded_by: uuid.UUID | None

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> StoredResult:
        d = dict(r)
        d["grade"] = Grade(d["grade"]) if d["grade"] else None
        return cls(**d)


@dataclass(frozen=True)
class StoredLine:
    """One line of a stored credit report."""

    result_id: uuid.UUID
    line_no: int
    item_code: str
    clause: str
    indicator_code: str | None
    record_ids: tuple[uuid.UUID, ...]
    points: Decimal
    explanation: str


@dataclass(frozen=True)
class StoredMeasure:
    """A measure attached to a result, with the year it applies in."""

    result_id: uuid.UUID
    code: str
    grade: Grade
    description: str
    clause: str
    params: dict[str, Any]
    discretionary: bool
    condition: str | None
    applies_in_year: int


async def evaluate_subject(*, session: Session, access: Access, subject_id: uuid.UUID, today: date,
                           cycle_year: int | None = None) -> StoredResult:
    """Evaluate one subject now (real time), store the result with its report and measures, supersede the
    previous result of the same cycle and raise the early warnings the change calls for."""
    subject = (await subjects_by_ids(session=session, ids=[subject_id])).get(subject_id)
    if subject is None:
        raise NotFound("您的辖区内没有该信用主体。", en="No such subject in your region.", field="subjectId")
    access.require("evaluation", "run", region_code=subject.region_code)
    stored = await ruleset_for(session=session, subject=subject, on=today)
    year = today.year - stored.ruleset.cycle.evaluate_offset_years if cycle_year is None else cycle_year
    return await _evaluate_and_store(session=session, subject=subject, stored=stored, year=year, today=today,
                                     actor=access.principal.actor)


async def reevaluate_after_change(*, session: Session, subject_id: uuid.UUID, cycle_year: int, today: date,
                                  actor: str) -> StoredResult | None:
    """Real-time re-evaluation of the cycle a confirmed or withdrawn record belongs to (001 art.17).

    It is a consequence of the archive change the principal was allowed to make, in the same transaction and
    row-level scope, so it needs no evaluation right of its own. Subjects no active rule set covers are
    left alone.
    """
    subject = (await subjects_by_ids(session=session, ids=[subject_id])).get(subject_id)
    if subject is None:
        return None
    try:
        stored = await ruleset_for(session=session, subject=subject, on=today)
    except NotFound:
        return None
    return await _evaluate_and_store(session=session, subject=subject, stored=stored, year=cycle_year, today=today,
                                     actor=actor)


async def _evaluate_and_store(*, session: Session, subject: SubjectRow, stored: StoredRuleSet, year: int,
                              today: date, actor: str) -> StoredResult:
    rs = stored.ruleset
    # One re-grade of a subject at a time (concurrent confirmations, a cycle): the current result is unique.
    await session.execute("SELECT 1 FROM subject WHERE id = $1 FOR UPDATE", subject.id)
    facts = (await load_facts(session=session, subjects=[subject], cycle_year=year, as_of=today))[subject.id]
    ev = evaluate(ruleset=rs, facts=facts, as_of=today, cycle_year=year)
    at = await session.fetchval("SELECT clock_timestamp()")
    result_id = uuid.uuid4()
    previous = await session.fetchrow(
        """UPDATE evaluation_result SET superseded_at = $3, superseded_by = $4
           WHERE subject_id = $1 AND cycle_year = $2 AND superseded_at IS NULL RETURNING id, score, grade""",
        subject.id, year, at, result_id)
    row = await session.fetchrow(
        f"""INSERT INTO evaluation_result (id, subject_id, region_code, subject_class, service_scope, ruleset_code,
                ruleset_version, cycle_year, as_of, trigger, base, score, grade, excluded_reason, evaluated_by,
                evaluated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'realtime', $10, $11, $12, $13, $14, $15)
            RETURNING {RESULT_COLUMNS}""",
        result_id, subject.id, subject.region_code, str(subject.subject_class),
        str(subject.service_scope) if subject.service_scope else None, rs.code, rs.version, year, today, ev.base,
        ev.score, str(ev.grade) if ev.grade else None, ev.excluded_reason, actor, at)
    assert row is not None
    await session.executemany(
        """INSERT INTO evaluation_line (result_id, line_no, subject_id, region_code, item_code, clause,
               indicator_code, record_ids, points, explanation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        [(result_id, n, subject.id, subject.region_code, ln.item_code, ln.clause, ln.indicator_code,
          [uuid.UUID(x) for x in ln.record_ids], ln.points, ln.explanation) for n, ln in enumerate(ev.lines, 1)])
    measures = measures_for(ruleset=rs, evaluation=ev)
    if measures:
        await session.executemany(
            """INSERT INTO applied_measure (result_id, code, subject_id, region_code, grade, description, clause,
                   params, discretionary, condition, applies_in_year)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
            [(result_id, m.measure_code, subject.id, subject.region_code, str(m.grade), m.description, m.clause,
              measure_params_to_dict(m.params), m.discretionary, m.condition, m.applies_in_year) for m in measures])
    await _raise_warnings(session=session, subject=subject, result_id=result_id, ev=ev, ruleset=rs,
                          previous=previous, facts=facts)
    grade = str(ev.grade) if ev.grade else None
    if previous is not None:
        session.emit(DomainEvent(
            type=EventType.RESULT_SUPERSEDED, region_code=subject.region_code, subject_id=subject.id,
            item_id=previous["id"], actor=actor,
            payload={"resultId": str(previous["id"]), "supersededBy": str(result_id), "cycleYear": year}))
    session.emit(DomainEvent(
        type=EventType.RESULT_STORED, region_code=subject.region_code, subject_id=subject.id, item_id=result_id,
        actor=actor, payload={"resultId": str(result_id), "cycleYear": year, "grade": grade,
                              "score": str(ev.score) if ev.score is not None else None, "trigger": "realtime",
                              "previousGrade": previous["grade"] if previous is not None else None}))
    return StoredResult.from_record(row)


async def _raise_warnings(*, session: Session, subject: SubjectRow, result_id: uuid.UUID, ev: Evaluation,
                          ruleset: RuleSet, previous: asyncpg.Record | None, facts: SubjectFacts) -> None:
    if ev.score is None:
        return  # an excluded subject has no running score to watch
    unused = {u.record_id for u in ev.unused_records}
    start, end = ruleset.cycle.bounds(ev.cycle_year)
    violations = [r.kind for r in facts.records if r.kind.category is RecordCategory.DISHONESTY
                  and start <= r.occurred_on <= end and r.record_id not in unused]
    # in a points scheme a higher score is worse, so a falling score is no warning there
    watch_drop = ruleset.score_source.value != "points"
    found = warnings_for(
        previous_score=previous["score"] if previous is not None and watch_drop else None,
        new_score=ev.score,
        previous_grade=Grade(previous["grade"]) if previous is not None and previous["grade"] else None,
        new_grade=ev.grade, drop_threshold=WARNING_DROP_POINTS, recent_violation_kinds=violations)
    for w in found:
        # a repeated violation is raised once per count, not again at every re-evaluation
        await session.execute(
            """INSERT INTO credit_warning (subject_id, region_code, kind, message, record_kind, result_id)
               SELECT $1, $2, $3, $4, $5, $6 WHERE $3 <> $7 OR NOT EXISTS (
                   SELECT 1 FROM credit_warning WHERE subject_id = $1 AND kind = $3 AND message = $4)""",
            subject.id, subject.region_code, str(w.kind), w.message,
            str(w.record_kind) if w.record_kind else None, result_id, str(WarningKind.REPEATED_VIOLATION))


async def result_as_of(*, session: Session, access: Access, subject_id: uuid.UUID, at: datetime,
                       cycle_year: int | None = None) -> StoredResult | None:
    """The result that was current at instant ``at`` (the latest cycle's, unless ``cycle_year`` is given)."""
    access.require("evaluation", "read", subject_id=str(subject_id))
    row = await session.fetchrow(
        f"""SELECT {RESULT_COLUMNS} FROM evaluation_result WHERE subject_id = $1 AND evaluated_at <= $2
              AND (superseded_at IS NULL OR superseded_at > $2) AND ($3::int IS NULL OR cycle_year = $3)
            ORDER BY cycle_year DESC LIMIT 1""", subject_id, at, cycle_year)
    return StoredResult.from_record(row) if row else None


async def current_results(*, session: Session, subject_ids: list[uuid.UUID]) -> dict[uuid.UUID, StoredResult]:
    """Each subject's current result of its latest evaluated cycle, for a whole page in one statement."""
    rows = await session.fetch(
        f"""SELECT DISTINCT ON (subject_id) {RESULT_COLUMNS} FROM evaluation_result
            WHERE subject_id = ANY($1) AND superseded_at IS NULL ORDER BY subject_id, cycle_year DESC""",
        subject_ids)
    return {r["subject_id"]: StoredResult.from_record(r) for r in rows}


async def results_of(*, session: Session, access: Access, subject_id: uuid.UUID) -> list[StoredResult]:
    """Every result of a subject, superseded ones included, newest first."""
    access.require("evaluation", "read", subject_id=str(subject_id))
    rows = await session.fetch(f"SELECT {RESULT_COLUMNS} FROM evaluation_result WHERE subject_id = $1 "
                               "ORDER BY evaluated_at DESC, id", subject_id)
    return [StoredResult.from_record(r) for r in rows]


async def lines_of(*, session: Session, result_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[StoredLine]]:
    """The report lines of each result, in report order."""
    rows = await session.fetch(
        """SELECT result_id, line_no, item_code, clause, indicator_code, record_ids, points, explanation
           FROM evaluation_line WHERE result_id = ANY($1) ORDER BY result_id, line_no""", result_ids)
    return grouped(rows, keys=result_ids, key="result_id",
                   build=lambda r: StoredLine(**{**dict(r), "record_ids": tuple(r["record_ids"])}))


async def measures_of(*, session: Session, result_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[StoredMeasure]]:
    """The measures attached to each result."""
    rows = await session.fetch(
        """SELECT result_id, code, grade, description, clause, params, discretionary, condition, applies_in_year
           FROM applied_measure WHERE result_id = ANY($1) ORDER BY result_id, code""", result_ids)
    return grouped(rows, keys=result_ids, key="result_id",
                   build=lambda r: StoredMeasure(**{**dict(r), "grade": Grade(r["grade"])}))
