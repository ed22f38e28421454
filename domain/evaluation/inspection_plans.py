"""双随机、一公开: random inspection plans drawn from the grades, and their publication."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# Declares the evaluation tables on the shared SQLModel metadata (alembic, the drift test) wherever this
# service is loaded; domain/tables.py is to import it as well, so the metadata is whole on its own.
from domain import evaluation_tables  # noqa: F401
from domain.access import Access
from domain.errors import Conflict, NotFound, unknown_region
from domain.evaluation.rulesets import RULESET_COLUMNS, StoredRuleSet
from domain.events import DomainEvent, EventType
from domain.rules.catalog import Grade, SubjectClass
from domain.rules.inspection import default_ratios_by_grade, draw_plan
from domain.rules.redaction import (
    PublicIndividual,
    PublicInstitution,
    public_subject,
    public_subject_from_json,
    public_subject_to_json,
)
from domain.session import Session
from tenants import region_tree

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
        raise unknown_region(region_code)
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
    scope = access.region_scope("evaluation", region_code=region_code)
    rows = await session.fetch(
        f"""SELECT id FROM inspection_plan WHERE {scope.clause("region_code", 1)} AND ($2::int IS NULL OR year = $2)
           ORDER BY created_at DESC, id""", scope.argument, year)
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
