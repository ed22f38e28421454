"""信用评价: rule sets in the database, evaluating subjects and whole cycles, results as of any instant.

One subject (real time) is evaluated by the pure engine over facts loaded from the archive; a region's
cycle is evaluated set-based by the SQL that ``domain.rules.evaluation.sqlgen`` compiles from the rule set,
which gives the same scores, grades and report lines. Results are immutable: a re-evaluation of the same
subject and cycle supersedes the previous result, so ``result_as_of`` can return what stood at any instant.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

# Declares the evaluation tables on the shared SQLModel metadata (alembic, the drift test) wherever this
# service is loaded; domain/tables.py is to import it as well, so the metadata is whole on its own.
from domain import evaluation_tables  # noqa: F401
from domain.access import Access
from domain.db import Session, grouped
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.events import DomainEvent, EventType
from domain.rules.catalog import Grade, RecordCategory, RecordKind, SubjectClass
from domain.rules.disclosure import usable_until
from domain.rules.evaluation import (
    AgreementEndReason,
    Evaluation,
    RecordFact,
    RuleSet,
    SubjectFacts,
    evaluate,
    measures_for,
    parse_ruleset,
    ruleset_to_dict,
)
from domain.rules.evaluation.measures import Measure, catalog_by_grade, measure_params_to_dict
from domain.rules.evaluation.ruleset import local_ruleset_refusal
from domain.rules.evaluation.sqlgen import compile_cycle, measures_sql
from domain.rules.inspection import default_ratios_by_grade, draw_plan
from domain.rules.lists import SERIOUS_DISHONESTY_KINDS, ListMembership, list_membership
from domain.rules.redaction import (
    PublicIndividual,
    PublicInstitution,
    public_subject,
    public_subject_from_json,
    public_subject_to_json,
)
from domain.rules.warnings import WarningKind, warnings_for
from domain.subjects import SubjectRow, subjects_by_ids
from tenants import region_tree

# A score falling by this many points in one re-evaluation raises a warning (000 §三(六) gives no number).
WARNING_DROP_POINTS = Decimal(10)

RULESET_COLUMNS = """id, code, version, jurisdiction, name, status, body, effective_from, effective_to, created_by,
    created_at, activated_by, activated_at"""
RESULT_COLUMNS = """id, subject_id, region_code, subject_class, service_scope, ruleset_code, ruleset_version,
    cycle_year, as_of, trigger, base, score, grade, excluded_reason, evaluated_by, evaluated_at, superseded_at,
    superseded_by"""


# ------------------------------------------------------------------------------------------------ rule sets


@dataclass(frozen=True)
class StoredRuleSet:
    """A rule set as stored: its content and where it stands (draft, active, retired)."""

    id: uuid.UUID
    code: str
    version: int
    jurisdiction: str
    name: str
    status: str
    body: dict[str, Any]
    effective_from: date
    effective_to: date | None
    created_by: str
    created_at: datetime
    activated_by: str | None
    activated_at: datetime | None

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> StoredRuleSet:
        return cls(**dict(r))

    @property
    def ruleset(self) -> RuleSet:
        """The parsed rule set (cached: a stored rule set's content never changes)."""
        key = (self.code, self.version)
        if key not in _PARSED:
            _PARSED[key] = parse_ruleset(self.body)
        return _PARSED[key]


_PARSED: dict[tuple[str, int], RuleSet] = {}


def validate_ruleset(*, data: Any) -> RuleSet:
    """Parse and validate a rule set's JSON; ``InvalidInput`` names every problem."""
    if not isinstance(data, dict):
        raise InvalidInput("评价规则集须为 JSON 对象。", en="A rule set is a JSON object.", field="ruleset")
    return parse_ruleset(data)


async def list_rulesets(*, session: Session, access: Access, status: str | None = None,
                        jurisdiction: str | None = None) -> list[StoredRuleSet]:
    """Rule sets, newest version first within each code."""
    access.require("ruleset", "read")
    rows = await session.fetch(
        f"""SELECT {RULESET_COLUMNS} FROM ruleset WHERE ($1::text IS NULL OR status = $1)
            AND ($2::text IS NULL OR jurisdiction = $2) ORDER BY code, version DESC""", status, jurisdiction)
    return [StoredRuleSet.from_record(r) for r in rows]


async def get_ruleset(*, session: Session, access: Access, code: str, version: int | None = None) -> StoredRuleSet:
    """One rule set by code (its highest version unless ``version`` is given)."""
    access.require("ruleset", "read")
    row = await session.fetchrow(
        f"""SELECT {RULESET_COLUMNS} FROM ruleset WHERE code = $1 AND ($2::int IS NULL OR version = $2)
            ORDER BY version DESC LIMIT 1""", code, version)
    if row is None:
        raise NotFound(f"没有评价规则集 {code}" + ("" if version is None else f" 第{version}版") + "。",
                       en=f"No rule set {code}" + ("" if version is None else f" v{version}") + ".", field="code")
    return StoredRuleSet.from_record(row)


async def draft_ruleset(*, session: Session, access: Access, data: Any) -> StoredRuleSet:
    """Store a validated rule set as a draft of its jurisdiction; nothing is stored when it is invalid."""
    rs = validate_ruleset(data=data)
    if region_tree().find(rs.jurisdiction) is None:
        raise InvalidInput(f"未知的管辖区域 {rs.jurisdiction!r}。",
            en=f"Unknown jurisdiction {rs.jurisdiction!r}.", field="jurisdiction")
    access.require("ruleset", "write", region_code=rs.jurisdiction)
    await _check_local_allowed(session=session, ruleset=rs)
    if await session.fetchval("SELECT 1 FROM ruleset WHERE code = $1 AND version = $2", rs.code, rs.version):
        raise Conflict(f"评价规则集 {rs.code} 第{rs.version}版已存在，请起草新版本。",
            en=f"Rule set {rs.code} v{rs.version} exists already; draft a new version.", field="version")
    row = await session.fetchrow(
        f"""INSERT INTO ruleset (code, version, jurisdiction, name, status, body, effective_from, effective_to,
                created_by) VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8) RETURNING {RULESET_COLUMNS}""",
        rs.code, rs.version, rs.jurisdiction, rs.name, ruleset_to_dict(rs), rs.effective_from, rs.effective_to,
        access.principal.actor)
    assert row is not None
    return StoredRuleSet.from_record(row)


async def _check_local_allowed(*, session: Session, ruleset: RuleSet) -> None:
    """Refuse a local rule set that an active rule set above it forbids (001 art.16)."""
    above = [r.code for r in region_tree().ancestors(ruleset.jurisdiction)]
    if not above:
        return
    rows = await session.fetch(
        f"SELECT {RULESET_COLUMNS} FROM ruleset WHERE status = 'active' AND jurisdiction = ANY($1)", above)
    refusal = local_ruleset_refusal(local=ruleset, higher=[StoredRuleSet.from_record(r).ruleset for r in rows])
    if refusal is not None:
        raise Forbidden(refusal, field="jurisdiction")


async def activate_ruleset(*, session: Session, access: Access, code: str, version: int) -> StoredRuleSet:
    """Bring a draft into force; the active earlier version of the same code is retired."""
    found = await session.fetchrow(f"SELECT {RULESET_COLUMNS} FROM ruleset WHERE code = $1 AND version = $2 "
                                   "FOR UPDATE", code, version)
    if found is None:
        raise NotFound(f"没有评价规则集 {code} 第{version}版。", en=f"No rule set {code} v{version}.", field="code")
    stored = StoredRuleSet.from_record(found)
    access.require("ruleset", "activate", region_code=stored.jurisdiction)
    if stored.status != "draft":
        raise Conflict(f"评价规则集 {code} 第{version}版的状态是 {stored.status}，只有草稿才能启用。",
            en=f"Rule set {code} v{version} is {stored.status}; only a draft can be activated.")
    if stored.created_by == access.principal.actor:
        raise Conflict("评价规则集须由起草人以外的人启用。",
            en="A rule set is activated by someone other than its author.")
    await _check_local_allowed(session=session, ruleset=stored.ruleset)
    await session.execute(
        "UPDATE ruleset SET status = 'retired' WHERE code = $1 AND status = 'active'", code)
    row = await session.fetchrow(
        f"""UPDATE ruleset SET status = 'active', activated_by = $3, activated_at = now()
            WHERE code = $1 AND version = $2 RETURNING {RULESET_COLUMNS}""", code, version, access.principal.actor)
    assert row is not None
    session.emit(DomainEvent(type=EventType.RULESET_ACTIVATED, region_code=stored.jurisdiction,
                             actor=access.principal.actor, payload={"code": code, "version": version}))
    return StoredRuleSet.from_record(row)


async def measures_catalog(*, session: Session, access: Access, code: str,
                           version: int | None = None) -> list[tuple[Grade, tuple[Measure, ...]]]:
    """The measures a rule set defines, per grade (its highest version unless ``version`` is given)."""
    stored = await get_ruleset(session=session, access=access, code=code, version=version)
    return catalog_by_grade(stored.ruleset)


async def ruleset_for(*, session: Session, subject: SubjectRow, on: date) -> StoredRuleSet:
    """The active rule set of the nearest jurisdiction (the subject's region or above) that evaluates it."""
    chain = [subject.region_code, *(r.code for r in region_tree().ancestors(subject.region_code))]
    rows = await session.fetch(
        f"SELECT {RULESET_COLUMNS} FROM ruleset WHERE status = 'active' AND jurisdiction = ANY($1)", chain)
    candidates = [
        s for s in map(StoredRuleSet.from_record, rows)
        if s.ruleset.is_effective_on(on)
        and s.ruleset.applies_to(subject_class=subject.subject_class, service_scope=subject.service_scope)
    ]
    if not candidates:
        raise NotFound(f"{on} 时没有评价 {subject.region_code} 辖区 {subject.subject_class} 类主体的生效规则集。",
            en=f"No active rule set evaluates {subject.subject_class} subjects in {subject.region_code} "
                       f"on {on}.", subject_id=str(subject.id))
    return min(candidates, key=lambda s: (chain.index(s.jurisdiction), -s.version))


# -------------------------------------------------------------------------------------------------- facts


async def load_facts(*, session: Session, subjects: Sequence[SubjectRow], cycle_year: int,
                     as_of: date) -> dict[uuid.UUID, SubjectFacts]:
    """Each subject's confirmed records (their versions in force) as the engine sees them, in one statement."""
    rows = await session.fetch(
        """SELECT r.id, r.subject_id, r.kind, r.category, v.amount, v.points, v.score, v.penalty_until, v.details,
                  coalesce(v.occurred_on, v.decided_on) AS occurred_on,
                  (SELECT max(e.at) FROM record_event e WHERE e.record_id = r.id AND e.to_status = 'confirmed'
                      AND e.version = r.effective_version) AS confirmed_at,
                  (SELECT p.public_until FROM publication p WHERE p.item_type = 'record' AND p.item_id = r.id
                      AND p.category = 'dishonesty' AND p.published_at IS NOT NULL AND p.public_until IS NOT NULL
                    ORDER BY p.published_at DESC LIMIT 1) AS published_until
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
                      amount=r["amount"], points=r["points"], score=r["score"], usable_until=last)


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


# ---------------------------------------------------------------------------------------------- the cycle


@dataclass(frozen=True)
class CycleRun:
    """What a region's cycle stored: how many results, and the grades they got (None: excluded)."""

    region_code: str
    cycle_year: int
    ruleset_code: str
    ruleset_version: int
    evaluated: int
    distribution: dict[Grade | None, int]


_CYCLE_TABLE = "yibao_cycle_rows"
_CYCLE_WORK_MEM = "128MB"


async def _cycle_ruleset(*, session: Session, access: Access, region_code: str, code: str,
                         version: int | None) -> StoredRuleSet:
    tree = region_tree()
    if tree.find(region_code) is None:
        raise InvalidInput(f"未知的行政区划代码 {region_code!r}。",
            en=f"Unknown region code {region_code!r}.", field="regionCode")
    access.require("evaluation", "run", region_code=region_code)
    stored = await get_ruleset(session=session, access=access, code=code, version=version)
    if not tree.is_within(region_code, stored.jurisdiction):
        raise InvalidInput(f"评价规则集 {code} 适用于 {stored.jurisdiction}，不覆盖 {region_code}。",
            en=f"Rule set {code} is for {stored.jurisdiction}, which does not cover {region_code}.",
                           field="regionCode")
    return stored


async def run_cycle(*, session: Session, access: Access, region_code: str, cycle_year: int, ruleset_code: str,
                    today: date, ruleset_version: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> CycleRun:
    """Evaluate every subject of a region that the (active) rule set covers for ``cycle_year``, set-based;
    ``progress(done, total)`` hears after each of its steps (each step is one statement over the region)."""
    steps = 6

    def step(done: int) -> None:
        if progress is not None:
            progress(done, steps)

    stored = await _cycle_ruleset(session=session, access=access, region_code=region_code, code=ruleset_code,
                                  version=ruleset_version)
    if stored.status != "active":
        raise Conflict(f"评价规则集 {stored.code} 第{stored.version}版的状态是 {stored.status}；"
                       "周期评价只能使用生效的规则集（草稿请用 whatIf 试算）。",
                       en=f"Rule set {stored.code} v{stored.version} is {stored.status}; a cycle runs on an active "
                       "rule set (use what-if for a draft).")
    rs = stored.ruleset
    if today < date(cycle_year, 1, 1):
        raise InvalidInput(f"{today} 时 {cycle_year} 年度评价周期尚未开始。",
            en=f"Cycle {cycle_year} has not started on {today}.", field="cycleYear")
    compiled = compile_cycle(rs, region_prefix=region_tree().subtree_prefix(region_code), cycle_year=cycle_year,
                             as_of=today)
    at = await session.fetchval("SELECT clock_timestamp()")
    actor = access.principal.actor
    t = _CYCLE_TABLE
    # one batch job grouping a whole region: let its sort and hash stay in memory (this transaction only)
    await session.execute(f"SET LOCAL work_mem = '{_CYCLE_WORK_MEM}'")
    await session.execute(f"DROP TABLE IF EXISTS pg_temp.{t}")
    # Row-level security's test gives the planner no row estimate, so it would probe the records index once
    # per record (nested loops) where hashing a whole region's records is far cheaper; the ids are time-ordered
    # (uuidv7), so the results, their lines and measures go to the right edge of their indexes.
    await session.execute("SET LOCAL enable_nestloop = off")
    await session.execute(f"CREATE TEMP TABLE {t} ON COMMIT DROP AS SELECT uuidv7() AS result_id, c.* "
                          f"FROM ({compiled.select}) c", *compiled.args)
    await session.execute("SET LOCAL enable_nestloop TO DEFAULT")
    step(1)
    # supersede first: the current result of a subject and cycle is unique
    await session.execute(
        f"""UPDATE evaluation_result o SET superseded_at = $2, superseded_by = c.result_id FROM {t} c
            WHERE o.subject_id = c.subject_id AND o.cycle_year = $1 AND o.superseded_at IS NULL""", cycle_year, at)
    step(2)
    await session.execute(
        f"""INSERT INTO evaluation_result (id, subject_id, region_code, subject_class, service_scope, ruleset_code,
                ruleset_version, cycle_year, as_of, trigger, base, score, grade, excluded_reason, evaluated_by,
                evaluated_at)
            SELECT result_id, subject_id, region_code, subject_class, service_scope, $1, $2, $3, $4, 'cycle', base,
                   score, grade, excluded_reason, $5, $6 FROM {t}""",
        rs.code, rs.version, cycle_year, today, actor, at)
    step(3)
    await session.execute(
        f"""INSERT INTO evaluation_line (result_id, subject_id, region_code, line_no, item_code, clause,
                indicator_code, record_ids, points, explanation) {compiled.lines_sql(t)}""")
    step(4)
    msql = measures_sql(rs, table=t, cycle_year=cycle_year)
    if msql is not None:
        await session.execute(
            f"""INSERT INTO applied_measure (result_id, code, subject_id, region_code, grade, description, clause,
                    params, discretionary, condition, applies_in_year) {msql}""")
    step(5)
    rows = await session.fetch(f"SELECT grade, count(*) AS n FROM {t} GROUP BY grade")
    await session.execute(f"DROP TABLE {t}")
    _emit_cycle_events(session, region_prefix=region_tree().subtree_prefix(region_code), cycle_year=cycle_year,
                       at=at, actor=actor)
    step(6)
    dist = {Grade(r["grade"]) if r["grade"] else None: int(r["n"]) for r in rows}
    return CycleRun(region_code=region_code, cycle_year=cycle_year, ruleset_code=rs.code,
                    ruleset_version=rs.version, evaluated=sum(dist.values()), distribution=dist)


def _emit_cycle_events(session: Session, *, region_prefix: str, cycle_year: int, at: datetime, actor: str) -> None:
    """One result.stored per result the cycle stored and one result.superseded per result it replaced, set-based
    (the results of one cycle run share their instant)."""
    for type, instant in ((EventType.RESULT_SUPERSEDED, "superseded_at"), (EventType.RESULT_STORED, "evaluated_at")):
        session.emit_query(
            f"""SELECT $1::text, region_code, subject_id, id, $2::text, '{{bureau,subject}}'::text[],
                       jsonb_build_object('resultId', id, 'cycleYear', cycle_year, 'grade', grade, 'score', score,
                                          'trigger', 'cycle', 'supersededBy', superseded_by), NULL::jsonb
                FROM evaluation_result
                WHERE cycle_year = $3 AND {instant} = $4 AND region_code LIKE $5 || '%'
                ORDER BY id""", str(type), actor, cycle_year, at, region_prefix)


@dataclass(frozen=True)
class WhatIf:
    """A draft rule set's grade distribution over a region beside the current one; nothing is stored."""

    region_code: str
    cycle_year: int
    draft: dict[Grade | None, int]
    current: dict[Grade | None, int]


async def what_if(*, session: Session, access: Access, region_code: str, data: Any, today: date,
                  cycle_year: int | None = None) -> WhatIf:
    """Run a draft rule set over a region's subjects set-based and compare with their current grades."""
    rs = validate_ruleset(data=data)
    tree = region_tree()
    if tree.find(region_code) is None:
        raise InvalidInput(f"未知的行政区划代码 {region_code!r}。",
            en=f"Unknown region code {region_code!r}.", field="regionCode")
    access.require("evaluation", "run", region_code=region_code)
    year = today.year - rs.cycle.evaluate_offset_years if cycle_year is None else cycle_year
    compiled = compile_cycle(rs, region_prefix=tree.subtree_prefix(region_code), cycle_year=year, as_of=today)
    draft_rows = await session.fetch(f"SELECT grade, count(*) AS n FROM ({compiled.select}) c GROUP BY grade",
                                     *compiled.args)
    current_rows = await session.fetch(
        f"""SELECT e.grade, count(*) AS n FROM ({compiled.select}) c
            JOIN evaluation_result e ON e.subject_id = c.subject_id AND e.cycle_year = $5
             AND e.superseded_at IS NULL GROUP BY e.grade""", *compiled.args, year)

    def dist(rows: list[asyncpg.Record]) -> dict[Grade | None, int]:
        return {Grade(r["grade"]) if r["grade"] else None: int(r["n"]) for r in rows}

    return WhatIf(region_code=region_code, cycle_year=year, draft=dist(draft_rows), current=dist(current_rows))


async def grades_by_region(*, session: Session, access: Access, parent_code: str | None,
                           cycle_year: int) -> list[tuple[str, Grade | None, int]]:
    """Current grades per child region of ``parent_code`` (default: the principal's node), for dashboards."""
    parent = parent_code or access.principal.region_code
    if not parent or region_tree().find(parent) is None:
        raise InvalidInput("请指定要细分统计的行政区划（parentCode）。",
            en="Name the region to break down (parentCode).", field="parentCode")
    access.require("evaluation", "read", region_code=parent)
    tree = region_tree()
    depth = len(tree.ancestors(parent)) + 1
    rows = await session.fetch(
        f"""SELECT r.path[{depth + 1}] AS child, e.grade, count(*) AS n
            FROM evaluation_result e JOIN region r ON r.code = e.region_code
            WHERE e.region_code LIKE $1 AND e.cycle_year = $2 AND e.superseded_at IS NULL
            GROUP BY 1, 2 ORDER BY 1, 2""", tree.subtree_prefix(parent) + "%", cycle_year)
    return [(r["child"] or parent, Grade(r["grade"]) if r["grade"] else None, int(r["n"])) for r in rows]


# ---------------------------------------------------------------------------------------------- warnings


@dataclass(frozen=True)
class StoredWarning:
    """监测预警 as raised for a bureau."""

    id: uuid.UUID
    subject_id: uuid.UUID
    region_code: str
    kind: str
    message: str
    record_kind: str | None
    result_id: uuid.UUID | None
    raised_at: datetime


async def list_warnings(*, session: Session, access: Access, region_code: str | None = None,
                        first: int = 50) -> list[StoredWarning]:
    """The newest early warnings in the principal's subtree (or a region of it)."""
    prefix = access.read_prefix("evaluation")
    if region_code:
        access.require("evaluation", "read", region_code=region_code)
        prefix = region_tree().subtree_prefix(region_code)
    rows = await session.fetch(
        """SELECT id, subject_id, region_code, kind, message, record_kind, result_id, raised_at FROM credit_warning
           WHERE region_code LIKE $1 ORDER BY raised_at DESC, id LIMIT $2""", prefix + "%", first)
    return [StoredWarning(**dict(r)) for r in rows]


# ------------------------------------------------------------------------------------- inspection plans


@dataclass(frozen=True)
class StoredPlan:
    """双随机抽查计划 as stored, with its assignments; re-drawing from its seed gives the same plan."""

    id: uuid.UUID
    region_code: str
    year: int
    seed: int
    ratios: dict[str, str]
    inspectors: tuple[str, ...]
    team_size: int
    created_by: str
    created_at: datetime
    published_at: datetime | None
    published_by: str | None
    assignments: tuple[tuple[uuid.UUID, Grade | None, tuple[str, ...]], ...]


def _ratio_key(grade: Grade | None) -> str:
    return "ungraded" if grade is None else str(grade)


async def _plan_ratios(*, session: Session, region_code: str, year: int,
                       ratios: dict[Grade | None, Decimal] | None) -> dict[Grade | None, Decimal]:
    """The given ratios, else those the active rule sets' measures set (Anhui art.27), else the defaults."""
    out = dict(default_ratios_by_grade())
    if ratios is not None:
        out.update(ratios)
        return out
    chain = [region_code, *(r.code for r in region_tree().ancestors(region_code))]
    rows = await session.fetch(
        f"SELECT {RULESET_COLUMNS} FROM ruleset WHERE status = 'active' AND jurisdiction = ANY($1)", chain)
    # nearest jurisdiction wins, so walk from the farthest and let nearer rule sets overwrite
    for stored in sorted(map(StoredRuleSet.from_record, rows), key=lambda s: -chain.index(s.jurisdiction)):
        for m in stored.ruleset.measures:
            if m.params.inspection_sampling_ratio is not None:
                for g in m.grades:
                    out[g] = m.params.inspection_sampling_ratio
    return out


async def draw_inspection_plan(*, session: Session, access: Access, region_code: str, year: int,
                               inspectors: Sequence[str], team_size: int, seed: int | None = None,
                               ratios: dict[Grade | None, Decimal] | None = None) -> StoredPlan:
    """Draw subjects by their current grades (the results applying in ``year``) and inspectors at random,
    reproducibly from ``seed`` (a fresh one when not given), and store the plan with its seed."""
    tree = region_tree()
    if tree.find(region_code) is None:
        raise InvalidInput(f"未知的行政区划代码 {region_code!r}。",
            en=f"Unknown region code {region_code!r}.", field="regionCode")
    access.require("inspection", "plan", region_code=region_code)
    chosen = await _plan_ratios(session=session, region_code=region_code, year=year, ratios=ratios)
    rows = await session.fetch(
        """SELECT s.id, s.region_code, e.grade FROM subject s
           LEFT JOIN evaluation_result e ON e.subject_id = s.id AND e.superseded_at IS NULL AND e.cycle_year = $2
           WHERE s.region_code LIKE $1""", tree.subtree_prefix(region_code) + "%", year - 1)
    regions = {str(r["id"]): r["region_code"] for r in rows}
    the_seed = secrets.randbits(62) if seed is None else seed
    plan = draw_plan(subjects=[(str(r["id"]), Grade(r["grade"]) if r["grade"] else None) for r in rows],
                     ratios=chosen, inspectors=list(inspectors), team_size=team_size, seed=the_seed)
    stored_ratios = {_ratio_key(g): str(v) for g, v in chosen.items()}
    plan_id = await session.fetchval(
        """INSERT INTO inspection_plan (region_code, year, seed, ratios, inspectors, team_size, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
        region_code, year, the_seed, stored_ratios, list(inspectors), team_size, access.principal.actor)
    await session.executemany(
        """INSERT INTO inspection_assignment (plan_id, subject_id, region_code, grade, inspectors)
           VALUES ($1, $2, $3, $4, $5)""",
        [(plan_id, uuid.UUID(a.subject_id), regions[a.subject_id], str(a.grade) if a.grade else None,
          list(a.inspectors)) for a in plan.assignments])
    return await get_inspection_plan(session=session, access=access, id=plan_id)


async def get_inspection_plan(*, session: Session, access: Access, id: uuid.UUID) -> StoredPlan:
    """One stored plan with its assignments."""
    access.require("evaluation", "read")
    row = await session.fetchrow(
        """SELECT id, region_code, year, seed, ratios, inspectors, team_size, created_by, created_at, published_at,
                  published_by FROM inspection_plan WHERE id = $1""", id)
    if row is None:
        raise NotFound("您的辖区内没有该抽查计划。", en="No such inspection plan in your region.", field="id")
    found = await session.fetch(
        """SELECT subject_id, grade, inspectors FROM inspection_assignment WHERE plan_id = $1
           ORDER BY grade NULLS LAST, subject_id::text""", id)
    assignments = tuple((r["subject_id"], Grade(r["grade"]) if r["grade"] else None, tuple(r["inspectors"]))
                        for r in found)
    return StoredPlan(**{**dict(row), "inspectors": tuple(row["inspectors"]), "assignments": assignments})


async def list_inspection_plans(*, session: Session, access: Access, region_code: str | None = None,
                                year: int | None = None) -> list[uuid.UUID]:
    """The ids of the stored plans in the principal's subtree, newest first."""
    prefix = access.read_prefix("evaluation")
    if region_code:
        access.require("evaluation", "read", region_code=region_code)
        prefix = region_tree().subtree_prefix(region_code)
    rows = await session.fetch(
        """SELECT id FROM inspection_plan WHERE region_code LIKE $1 AND ($2::int IS NULL OR year = $2)
           ORDER BY created_at DESC, id""", prefix + "%", year)
    return [r["id"] for r in rows]


@dataclass(frozen=True)
class PublicPlanSubject:
    """A drawn subject as the public sees it (redacted at publish time) and its inspectors."""

    subject: PublicInstitution | PublicIndividual
    inspectors: tuple[str, ...]


@dataclass(frozen=True)
class PublicPlan:
    """一公开: a published inspection plan, as anyone may read it."""

    id: uuid.UUID
    region_code: str
    year: int
    published_at: datetime
    subjects: tuple[PublicPlanSubject, ...]


async def publish_inspection_plan(*, session: Session, access: Access, id: uuid.UUID) -> StoredPlan:
    """Publish a drawn plan (双随机、一公开): only a city-level bureau over its region, once. The drawn subjects
    are stored redacted for the public: institutions by name and code, individuals masked."""
    region = await session.fetchval("SELECT region_code FROM inspection_plan WHERE id = $1", id)
    if region is None:
        raise NotFound("您的辖区内没有该抽查计划。", en="No such inspection plan in your region.", field="id")
    access.require("publication", "publish", region_code=region)
    published = await session.fetchval("SELECT published_at FROM inspection_plan WHERE id = $1 FOR UPDATE", id)
    if published is not None:
        raise Conflict("该抽查计划已经公开。", en="This inspection plan is published already.", field="id")
    rows = await session.fetch(
        """SELECT s.subject_class, s.name, s.code, s.region_code, a.inspectors FROM inspection_assignment a
           JOIN subject s ON s.id = a.subject_id WHERE a.plan_id = $1 ORDER BY s.region_code, s.code""", id)
    subjects = [{**public_subject_to_json(public_subject(subject_class=SubjectClass(r["subject_class"]), name=r["name"],
                                                       identifier=r["code"], region_code=r["region_code"])),
                 "inspectors": list(r["inspectors"])} for r in rows]
    row = await session.fetchrow(
        """UPDATE inspection_plan SET published_at = now(), published_by = $2, public_subjects = $3
           WHERE id = $1 RETURNING year""", id, access.principal.actor, subjects)
    assert row is not None
    summary = {"planId": str(id), "year": row["year"], "regionCode": region, "subjects": len(subjects)}
    session.emit(DomainEvent(type=EventType.INSPECTION_PLAN_PUBLISHED, region_code=region, item_id=id,
                             actor=access.principal.actor, payload=summary, public_payload=summary))
    return await get_inspection_plan(session=session, access=access, id=id)


async def public_inspection_plans(*, session: Session, region_code: str | None = None,
                                  year: int | None = None) -> list[PublicPlan]:
    """Published inspection plans, newest first, for anyone: read through the public view only."""
    prefix = region_tree().subtree_prefix(region_code) if region_code else ""
    rows = await session.fetch(
        """SELECT id, region_code, year, published_at, public_subjects FROM public_inspection_plan
           WHERE region_code LIKE $1 AND ($2::int IS NULL OR year = $2) ORDER BY published_at DESC, id LIMIT 100""",
        prefix + "%", year)
    return [PublicPlan(id=r["id"], region_code=r["region_code"], year=r["year"], published_at=r["published_at"],
                       subjects=tuple(PublicPlanSubject(subject=public_subject_from_json(d),
                                                        inspectors=tuple(d["inspectors"]))
                                      for d in r["public_subjects"])) for r in rows]


# ------------------------------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class ListEntry:
    """红黑名单: a subject on the red or black list of a cycle, with the reasons."""

    subject_id: uuid.UUID
    region_code: str
    grade: Grade | None
    membership: ListMembership
    subject: SubjectRow | None = None  # already loaded to decide the list, so a page links it for free


async def credit_lists(*, session: Session, access: Access, region_code: str, cycle_year: int,
                       today: date) -> list[ListEntry]:
    """The red and black lists of a region for a cycle, derived from the current results and the records."""
    tree = region_tree()
    if tree.find(region_code) is None:
        raise InvalidInput(f"未知的行政区划代码 {region_code!r}。",
            en=f"Unknown region code {region_code!r}.", field="regionCode")
    access.require("evaluation", "read", region_code=region_code)
    rows = await session.fetch(
        """SELECT e.subject_id, e.grade FROM evaluation_result e
           WHERE e.region_code LIKE $1 AND e.cycle_year = $2 AND e.superseded_at IS NULL""",
        tree.subtree_prefix(region_code) + "%", cycle_year)
    grades = {r["subject_id"]: Grade(r["grade"]) if r["grade"] else None for r in rows}
    found = await subjects_by_ids(session=session, ids=list(grades))
    facts = await load_facts(session=session, subjects=list(found.values()), cycle_year=cycle_year, as_of=today)
    start, end = date(cycle_year, 1, 1), date(cycle_year, 12, 31)
    # 信用修复 (domain/repair.py): an approved repair takes a record off the black list
    repaired = {str(r["record_id"]) for r in await session.fetch(
        "SELECT record_id FROM repair_application WHERE subject_id = ANY($1) AND status = 'approved'", list(grades))}
    out: list[ListEntry] = []
    for sid, f in facts.items():
        usable = [r for r in f.records if r.occurred_on <= today
                  and (r.usable_until is None or r.usable_until >= today)]
        serious = [r.kind for r in usable if r.kind in SERIOUS_DISHONESTY_KINDS]
        in_cycle = [r for r in usable if start <= r.occurred_on <= end]
        membership = list_membership(
            grade=grades[sid], serious_dishonesty_kinds_present=serious,
            has_unrepaired_serious_dishonesty=any(r.kind in SERIOUS_DISHONESTY_KINDS and r.record_id not in repaired
                                                  for r in usable),
            has_dishonesty_in_cycle=any(r.kind.category is RecordCategory.DISHONESTY for r in in_cycle),
            trust_records_in_cycle=sum(1 for r in in_cycle if r.kind.category is RecordCategory.TRUST))
        if membership is not None:
            out.append(ListEntry(subject_id=sid, region_code=found[sid].region_code, grade=grades[sid],
                                 membership=membership, subject=found[sid]))
    return sorted(out, key=lambda e: (str(e.membership.list_kind), str(e.subject_id)))
