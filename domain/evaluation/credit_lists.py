"""红黑名单: the red and black lists of a region and cycle."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

# Declares the evaluation tables on the shared SQLModel metadata (alembic, the drift test) wherever this
# service is loaded; domain/tables.py is to import it as well, so the metadata is whole on its own.
from domain import evaluation_tables  # noqa: F401
from domain.access import Access
from domain.errors import unknown_region
from domain.evaluation.facts import load_facts
from domain.rules.catalog import Grade, RecordCategory
from domain.rules.lists import SERIOUS_DISHONESTY_KINDS, ListMembership, list_membership
from domain.session import Session
from domain.subjects import SubjectRow, subjects_by_ids
from tenants import region_tree

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
        raise unknown_region(region_code)
    access.require("evaluation", "read", region_code=region_code)
    rows = await session.fetch(
        """SELECT e.subject_id, e.grade FROM evaluation_result e
           WHERE e.region_code LIKE $1 AND e.cycle_year = $2 AND e.superseded_at IS NULL""",
        tree.subtree_prefix(region_code) + "%", cycle_year)
    grades = {r["subject_id"]: Grade(r["grade"]) if r["grade"] else None for r in rows}
    return await list_entries_of(session=session, grades=grades, cycle_year=cycle_year, today=today)


async def list_entries_of(*, session: Session, grades: Mapping[uuid.UUID, Grade | None], cycle_year: int,
                          today: date) -> list[ListEntry]:
    """The red or black list entries of these subjects with these grades of a cycle (no access check: the
    caller has checked, or is the system publishing a cycle's lists)."""
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
