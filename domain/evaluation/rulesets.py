"""信用评价规则集: rule sets stored as versioned data, drafted, activated, and found for a subject."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

# Declares the evaluation tables on the shared SQLModel metadata (alembic, the drift test) wherever this
# service is loaded; domain/tables.py is to import it as well, so the metadata is whole on its own.
from domain import evaluation_tables  # noqa: F401
from domain.access import Access
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.events import DomainEvent, EventType
from domain.rules.catalog import Grade
from domain.rules.evaluation import (
    RuleSet,
    parse_ruleset,
    ruleset_to_dict,
)
from domain.rules.evaluation.measures import Measure, catalog_by_grade
from domain.rules.evaluation.ruleset import local_ruleset_refusal
from domain.session import Session
from domain.subjects import SubjectRow
from tenants import region_tree

RULESET_COLUMNS = """id, code, version, jurisdiction, name, status, body, effective_from, effective_to, created_by,
    created_at, activated_by, activated_at"""


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
