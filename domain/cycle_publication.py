"""周期公开: previewing and publishing the results of a whole cycle for a region in one operation (001 art.22).

The city-level bureau publishes every institution's current result of a finished cycle at once, set-based:
one ``INSERT … SELECT`` writes the publication rows straight from the current results, and one
``session.emit_query`` writes one ``publication.published`` event per new row. Everything one-by-one
publication decides is decided the same way here, from the same code:

- the window is ``domain.rules.disclosure.result_window`` of the transaction's ``now()`` (one instant for the
  whole cycle, so it is computed once in Python and passed to SQL as constants);
- the public payload is ``domain.public_payloads.build_result_payload``, turned into a ``jsonb_build_object`` by
  feeding it placeholder values (``_payload_sql``), so a new public field appears in both paths or in neither;
- individuals' results are never published, results with a live (prepared or published) publication are
  left as they are, superseded and excluded (ungraded) results are skipped;
- the poor-grade list is the published results graded C, D or E (``poor_grade_filter``): nothing to add.

A failure publishes nothing: the statements run in the caller's one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.access import Access, PrincipalKind
from domain.errors import Forbidden, InvalidInput, unknown_region
from domain.events import AUDIENCES, EventType
from domain.public_payloads import build_result_payload
from domain.publication_views import RESULT_CATEGORY, ItemType
from domain.rules.catalog import Grade, SubjectClass, SubjectKind
from domain.rules.disclosure import beijing_iso, result_window
from domain.session import Session
from tenants import region_tree


@dataclass(frozen=True)
class CyclePublicationPreview:
    """What publishing a region's cycle would do: current institution results by grade, how many are public
    (or prepared) already, how many would be published now, and how many results are individuals' (never)."""

    region_code: str
    cycle_year: int
    by_grade: dict[Grade, int]
    already_live: int
    to_publish: int
    individuals: int


@dataclass(frozen=True)
class CyclePublication:
    """What one cycle publication did."""

    region_code: str
    cycle_year: int
    published: int
    by_grade: dict[Grade, int]
    already_live: int
    published_at: datetime | None
    public_until: datetime | None


# Placeholders fed to ``build_result_payload`` to learn where each column goes in the payload.
_PLACEHOLDER_CLASS = next(c for c in SubjectClass if c.kind is SubjectKind.INSTITUTION)
_PLACEHOLDERS: dict[str, str] = {"\x00name": "s.name", "\x00code": "s.code", "\x00region": "s.region_code",
                                 "\x00grade": "e.grade", str(_PLACEHOLDER_CLASS): "s.subject_class"}
_CYCLE_PLACEHOLDER = -987654321


def _jsonb_sql(value: Any) -> str:
    """A ``jsonb_build_object`` expression for a payload template built from the placeholders."""
    if isinstance(value, dict):
        parts = ", ".join(f"'{k}', {_jsonb_sql(v)}" for k, v in value.items())
        return f"jsonb_build_object({parts})"
    if value == _CYCLE_PLACEHOLDER:
        return "e.cycle_year"
    if isinstance(value, str):
        if value in _PLACEHOLDERS:
            return _PLACEHOLDERS[value]
        if "'" in value:
            raise ValueError(f"unexpected constant in a result payload: {value!r}")
        return f"'{value}'::text"
    raise ValueError(f"unexpected value in a result payload template: {value!r}")


def _payload_sql() -> str:
    """The SQL of ``build_result_payload`` over ``evaluation_result e JOIN subject s`` (institutions)."""
    template = build_result_payload({"subject_class": _PLACEHOLDER_CLASS, "name": "\x00name", "code": "\x00code",
                                     "subject_region": "\x00region", "grade": "\x00grade",
                                     "cycle_year": _CYCLE_PLACEHOLDER})
    return _jsonb_sql(template)


# The current, graded results of a cycle in a subtree, with their subject ($1 prefix, $2 cycle year).
_CANDIDATES = """FROM evaluation_result e JOIN subject s ON s.id = e.subject_id
    WHERE e.region_code LIKE $1 || '%' AND e.cycle_year = $2 AND e.superseded_at IS NULL"""
_LIVE = """EXISTS (SELECT 1 FROM publication l WHERE l.item_type = 'result' AND l.item_id = e.id
                   AND l.status <> 'withdrawn')"""


def _check(access: Access, *, region_code: str, cycle_year: int, today: date) -> str:
    """The subtree prefix of a region whose cycle may be published by this principal, or a refusal."""
    tree = region_tree()
    if tree.find(region_code) is None:
        raise unknown_region(region_code)
    if cycle_year >= today.year:
        raise InvalidInput(f"{cycle_year}年度尚未结束，只能公开已结束年度的评价结果（最近的是{today.year - 1}年度）。",
                           en=f"Cycle {cycle_year} is not over; only a finished cycle's results are published.",
                           field="cycleYear", latest=today.year - 1)
    access.require("publication", "publish", region_code=region_code)
    try:
        publisher = tree.publishing_node(region_code).code
    except ValueError as exc:
        raise InvalidInput(f"{region_code} 是省级行政区：评价结果由设区市医疗保障局按市公开，请指定设区市。",
                           en="A province's results are published city by city; give a city.",
                           field="regionCode") from exc
    p = access.principal
    if p.kind is not PrincipalKind.OFFICER or not tree.is_within(publisher, p.region_code):
        raise Forbidden(f"{region_code} 辖区的评价结果由 {publisher} 医疗保障局公开。",
                        en=f"Results of region {region_code} are published by the bureau of {publisher}.",
                        resource="publication", action="publish", region=region_code)
    return tree.subtree_prefix(region_code)


async def preview_cycle_publication(*, session: Session, access: Access, region_code: str, cycle_year: int,
                                    today: date) -> CyclePublicationPreview:
    """周期公开预览: what publishing a region's cycle would publish, by grade, without writing anything."""
    prefix = _check(access, region_code=region_code, cycle_year=cycle_year, today=today)
    rows = await session.fetch(
        f"""SELECT s.kind, e.grade, {_LIVE} AS live, count(*) AS n {_CANDIDATES}
            GROUP BY 1, 2, 3""", prefix, cycle_year)
    if not rows:
        raise InvalidInput(f"{region_code} 没有 {cycle_year} 年度的评价结果，请先运行该年度的周期评价。",
                           en=f"Region {region_code} has no results for cycle {cycle_year}; run the cycle first.",
                           field="cycleYear")
    by_grade: dict[Grade, int] = {}
    live = new = individuals = 0
    for r in rows:
        n = int(r["n"])
        if r["kind"] != SubjectKind.INSTITUTION:
            individuals += n
            continue
        if r["grade"] is None:
            continue
        by_grade[Grade(r["grade"])] = by_grade.get(Grade(r["grade"]), 0) + n
        if r["live"]:
            live += n
        else:
            new += n
    return CyclePublicationPreview(region_code=region_code, cycle_year=cycle_year, by_grade=by_grade,
                                   already_live=live, to_publish=new, individuals=individuals)


async def publish_cycle(*, session: Session, access: Access, region_code: str, cycle_year: int, today: date,
                        window_months: int | None = None,
                        progress: Callable[[int, int], None] | None = None) -> CyclePublication:
    """周期公开: publish every institution's current result of a finished cycle in a region, set-based, with the
    windows, payloads and events of one-by-one publication; results already public are left as they are."""
    steps = 4

    def step(done: int) -> None:
        if progress is not None:
            progress(done, steps)

    preview = await preview_cycle_publication(session=session, access=access, region_code=region_code,
                                              cycle_year=cycle_year, today=today)
    step(1)
    # The database's clock decides the instant, as in ``publish``; one instant for the whole cycle.
    window = result_window(published_at=await session.fetchval("SELECT now()"), months=window_months)
    tree = region_tree()
    prefix = tree.subtree_prefix(region_code)
    regions = [r["region_code"] for r in await session.fetch(
        "SELECT DISTINCT region_code FROM evaluation_result WHERE region_code LIKE $1 || '%' AND cycle_year = $2",
        prefix, cycle_year)]
    publishers = [tree.publishing_node(code).code for code in regions]
    actor = access.principal.actor
    created = await session.fetch(
        f"""WITH ins AS (
              INSERT INTO publication AS p (item_type, item_id, subject_id, region_code, publisher_region, category,
                  kind, status, window_months, prepared_by, prepared_at, published_by, published_at, public_until,
                  public_payload, public_key, public_name, shared_payload, grade, cycle_year)
              SELECT 'result', e.id, e.subject_id, e.region_code, pub.publisher, '{RESULT_CATEGORY}', e.grade,
                     'published', $3, $4, $5, $4, $5, $6, {_payload_sql()}, s.code, s.name,
                     jsonb_build_object('score', e.score::text), e.grade, e.cycle_year
              FROM evaluation_result e JOIN subject s ON s.id = e.subject_id
              JOIN unnest($7::text[], $8::text[]) AS pub(region_code, publisher) ON pub.region_code = e.region_code
              WHERE e.region_code LIKE $1 || '%' AND e.cycle_year = $2 AND e.superseded_at IS NULL
                AND s.kind = '{SubjectKind.INSTITUTION}' AND e.grade IS NOT NULL AND NOT {_LIVE}
              ORDER BY e.id
              -- a concurrent run (or one-by-one publication) that got there first keeps its row
              ON CONFLICT (item_type, item_id) WHERE status <> 'withdrawn' DO NOTHING
              RETURNING p.id, p.grade)
            SELECT grade, count(*) AS n, array_agg(id) AS ids FROM ins GROUP BY grade""",
        prefix, cycle_year, window_months, actor, window.published_at, window.public_until, regions, publishers)
    step(2)
    by_grade = {Grade(r["grade"]): int(r["n"]) for r in created}
    ids = [i for r in created for i in r["ids"]]
    _emit_published(session, ids=ids, actor=actor, published_at=window.published_at,
                    public_until=window.public_until)
    step(3)
    step(4)
    return CyclePublication(region_code=region_code, cycle_year=cycle_year, published=len(ids),
                            by_grade=by_grade, already_live=preview.already_live,
                            published_at=window.published_at if ids else None,
                            public_until=window.public_until if ids else None)


def _emit_published(session: Session, *, ids: list[uuid.UUID], actor: str, published_at: datetime,
                    public_until: datetime | None) -> None:
    """One ``publication.published`` per publication this run wrote, with ``publish``'s two payloads."""
    audiences = sorted(str(a) for a in AUDIENCES[EventType.PUBLICATION_PUBLISHED])
    until = beijing_iso(public_until) if public_until else None
    session.emit_query(
        f"""SELECT $1::text, p.region_code, p.subject_id, p.id, $2::text, $3::text[],
                   jsonb_build_object('publicationId', p.id::text, 'itemType', '{ItemType.RESULT}', 'itemId',
                                      p.item_id::text, 'category', p.category, 'grade', p.grade, 'cycleYear',
                                      p.cycle_year, 'publisherRegion', p.publisher_region, 'publicUntil', $4::text),
                   jsonb_build_object('publicationId', p.id::text, 'itemType', '{ItemType.RESULT}', 'regionCode',
                                      p.region_code, 'publishedAt', $5::text, 'publicUntil', $4::text,
                                      'item', p.public_payload)
            FROM publication p
            WHERE p.id = ANY($6::uuid[])
            ORDER BY p.id""",
        str(EventType.PUBLICATION_PUBLISHED), actor, audiences, until, beijing_iso(published_at), ids)

