"""信用查询: the public finds an institution by name or code, and reads its public page.

Everything here reads published data only: ``yibao_public_institution_search`` (migration 0010) finds the codes
of institutions with a live public item, and the rest reads the ``public_item`` view, as every public query
does. An institution's page carries its one current published grade: the published, still-current result of
its latest evaluated cycle (a newer cycle's result replaces the older one on the page, as a re-evaluation of
the same cycle already removes the superseded one from the view).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.access import Access
from domain.errors import InvalidInput, unknown_region
from domain.paging import Page, decode_cursor, encode_cursor
from domain.public_items import _public_item
from domain.publication_views import PublicItem
from domain.rules.lists import POOR_GRADE_LIST_GRADES, SERIOUS_DISHONESTY_KINDS
from domain.rules.redaction import PublicInstitution, public_subject_from_json
from domain.rules.search import PublicSearch, parse_public_search
from domain.session import Session
from tenants import region_tree

_PUBLIC_COLUMNS = """i.id, i.item_type, i.region_code, i.publisher_region, i.published_at, i.public_until,
    i.public_payload"""


@dataclass(frozen=True)
class InstitutionHit:
    """One search result: the institution as published, its current published grade (if any) and its rank."""

    institution: PublicInstitution
    grade: PublicItem | None
    rank: float


def _offset(after: str | None) -> int:
    key = decode_cursor(after)
    if key is None:
        return 0
    if not key.startswith("o") or not key[1:].isdigit():
        raise InvalidInput("The cursor is not one this API handed out.", field="after")
    return int(key[1:])


def _search_args(search: PublicSearch, region_code: str | None, access: Access) -> list[Any]:
    region_like = "%"
    if region_code:
        if region_tree().find(region_code) is None:
            raise unknown_region(region_code)
        region_like = region_tree().subtree_prefix(region_code) + "%"
    confined = access.public_prefix()
    return [search.text, search.like, search.by_code, region_like, "%" if confined is None else confined + "%"]


_SEARCH = "SELECT * FROM yibao_public_institution_search($1, $2, $3, $4, $5)"


async def search_institutions(*, session: Session, access: Access, search: str, region_code: str | None,
                              first: int, after: str | None) -> Page[InstitutionHit]:
    """信用查询: institutions with published information whose name or code matches, best match first."""
    access.require("published", "read")
    parsed = parse_public_search(search)
    offset = _offset(after)
    args = _search_args(parsed, region_code, access)
    rows = await session.fetch(
        f"SELECT s.public_key, s.rank FROM ({_SEARCH}) s ORDER BY s.rank DESC, s.public_key LIMIT $6 OFFSET $7",
        *args, first + 1, offset)
    keys = [r["public_key"] for r in rows]
    institutions = await institutions_by_code(session=session, codes=keys)
    grades = await current_grades(session=session, codes=keys)
    hits = [InstitutionHit(institution=institutions[r["public_key"]], grade=grades.get(r["public_key"]),
                           rank=float(r["rank"])) for r in rows if r["public_key"] in institutions]
    return Page.from_rows(hits, [encode_cursor(f"o{offset + n + 1}") for n in range(len(hits))], first)


async def count_institutions(*, session: Session, access: Access, search: str, region_code: str | None) -> int:
    """How many institutions a search finds."""
    access.require("published", "read")
    args = _search_args(parse_public_search(search), region_code, access)
    return int(await session.fetchval(f"SELECT count(*) FROM ({_SEARCH}) s", *args))


async def institutions_by_code(*, session: Session, codes: list[str]) -> dict[str, PublicInstitution]:
    """Each institution as its newest public item shows it, by unified social credit code, in one statement."""
    if not codes:
        return {}
    rows = await session.fetch(
        """SELECT DISTINCT ON (i.public_key) i.public_key, i.public_payload FROM public_item i
           WHERE i.public_key = ANY($1::text[]) ORDER BY i.public_key, i.published_at DESC, i.id DESC""", codes)
    out: dict[str, PublicInstitution] = {}
    for r in rows:
        found = public_subject_from_json(r["public_payload"]["subject"])
        if isinstance(found, PublicInstitution):
            out[r["public_key"]] = found
    return out


async def current_grades(*, session: Session, codes: list[str]) -> dict[str, PublicItem]:
    """Each institution's one current published grade: its latest cycle's live result, in one statement."""
    if not codes:
        return {}
    rows = await session.fetch(
        f"""SELECT DISTINCT ON (i.public_key) i.public_key, {_PUBLIC_COLUMNS} FROM public_item i
            WHERE i.public_key = ANY($1::text[]) AND i.item_type = 'result'
            ORDER BY i.public_key, i.cycle_year DESC, i.published_at DESC, i.id DESC""", codes)
    return {r["public_key"]: _public_item(r) for r in rows}


async def current_grade(*, session: Session, access: Access, code: str) -> PublicItem | None:
    """An institution's one current published grade (信用评价结果), or None."""
    access.require("published", "read")
    return (await current_grades(session=session, codes=[code])).get(code)


async def lists_of(*, session: Session, access: Access, code: str) -> tuple[bool, bool]:
    """Whether the institution is on the serious-dishonesty list and on the poor-grade list (001 art.22)."""
    access.require("published", "read")
    serious = await session.fetchval(
        """SELECT EXISTS (SELECT 1 FROM public_item i WHERE i.public_key = $1 AND i.item_type = 'record'
               AND i.category = 'dishonesty' AND i.kind = ANY($2::text[]))""",
        code, sorted(str(k) for k in SERIOUS_DISHONESTY_KINDS))
    grade = await current_grade(session=session, access=access, code=code)
    poor = grade is not None and grade.result is not None and grade.result.grade in POOR_GRADE_LIST_GRADES
    return bool(serious), poor
