"""公开查询: what the public (and federation clients) read: pages of public items, the public lists, an
institution's public profile and the verification of a person's sanction. Everything here reads only the
``public_item`` view, which drops every item outside its disclosure window.

Federation clients read the same public items confined to their configured region subtree
(``Access.public_prefix``), and the ``shared_item`` view adds, for institutions only, the public-plus
fields their agreement names (``Access.shared_fields``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from domain.access import Access
from domain.errors import InvalidInput, unknown_region
from domain.paging import Page, decode_time_cursor, encode_time_cursor
from domain.publication_views import ItemType, PublicItem
from domain.rules.catalog import Grade, RecordCategory, RecordKind
from domain.rules.lists import POOR_GRADE_LIST_GRADES, SERIOUS_DISHONESTY_KINDS
from domain.rules.redaction import PublicInstitution, public_subject_from_json
from domain.rules.verification import normalize_verification_request
from domain.session import Session
from tenants import region_tree

_PUBLIC_COLUMNS = """i.id, i.item_type, i.region_code, i.publisher_region, i.published_at, i.public_until,
    i.public_payload"""


def _source(access: Access) -> tuple[str, str]:
    """The view to read and the extra column: the shared view only for a client with shared fields."""
    if access.shared_fields():
        return "shared_item", ", i.shared_payload"
    return "public_item", ""


def _public_item(r: asyncpg.Record, shared_fields: frozenset[str] = frozenset()) -> PublicItem:
    shared: dict[str, Any] = {}
    if shared_fields and r.get("shared_payload"):
        shared = {k: v for k, v in r["shared_payload"].items() if k in shared_fields}
    return PublicItem.from_payload(id=r["id"], item_type=r["item_type"], region_code=r["region_code"],
                                   publisher_region=r["publisher_region"], published_at=r["published_at"],
                                   public_until=r["public_until"], payload=r["public_payload"], shared=shared)


@dataclass(frozen=True)
class PublicFilter:
    region_code: str | None = None
    category: RecordCategory | None = None
    kinds: frozenset[RecordKind] | None = None
    institution_code: str | None = None
    item_type: ItemType | None = ItemType.RECORD  # None: records and results alike
    grades: frozenset[Grade] | None = None


def _public_where(flt: PublicFilter, access: Access) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    confined = access.public_prefix()
    if confined is not None:
        # A federation client sees its configured subtree only, whatever it asks for.
        args.append(confined + "%")
        clauses.append(f"i.region_code LIKE ${len(args)}")
    if flt.region_code:
        if region_tree().find(flt.region_code) is None:
            raise unknown_region(flt.region_code)
        args.append(region_tree().subtree_prefix(flt.region_code) + "%")
        clauses.append(f"i.region_code LIKE ${len(args)}")
    if flt.item_type is not None:
        args.append(str(flt.item_type))
        clauses.append(f"i.item_type = ${len(args)}")
    if flt.category:
        args.append(str(flt.category))
        clauses.append(f"i.category = ${len(args)}")
    if flt.kinds is not None:
        args.append(sorted(str(k) for k in flt.kinds))
        clauses.append(f"i.kind = ANY(${len(args)}::text[])")
    if flt.grades is not None:
        args.append(sorted(str(g) for g in flt.grades))
        clauses.append(f"i.grade = ANY(${len(args)}::text[])")
    if flt.institution_code:
        args.append(flt.institution_code.strip().upper())
        clauses.append(f"i.public_key = ${len(args)}")
    return clauses or ["true"], args


async def public_items(*, session: Session, access: Access, flt: PublicFilter, first: int,
                       after: str | None) -> Page[PublicItem]:
    """A page of public items, newest published first."""
    access.require("published", "read")
    if not access.shared_fields():
        return await _public_page(session=session, access=access, flt=flt, first=first, after=after)
    clauses, args = _public_where(flt, access)
    cursor = decode_time_cursor(after)
    if cursor is not None:
        args += list(cursor)
        clauses.append(f"(i.published_at, i.id) < (${len(args) - 1}, ${len(args)})")
    args.append(first + 1)
    view, extra = _source(access)
    rows = await session.fetch(
        f"""SELECT {_PUBLIC_COLUMNS}{extra} FROM {view} i WHERE {' AND '.join(clauses)}
            ORDER BY i.published_at DESC, i.id DESC LIMIT ${len(args)}""", *args)
    fields = access.shared_fields()
    items = [_public_item(r, fields) for r in rows]
    keys = [encode_time_cursor(i.published_at, i.id) for i in items]
    return Page.from_rows(items, keys, first)


def _page_prefix(flt: PublicFilter, access: Access) -> tuple[bool, str | None]:
    """The one subtree prefix a page reads (the narrower of the asked and the confined one), and whether the
    two overlap at all (a federation client asking outside its subtree gets an empty page)."""
    confined = access.public_prefix()
    prefixes = [confined] if confined else []
    if flt.region_code:
        if region_tree().find(flt.region_code) is None:
            raise unknown_region(flt.region_code)
        prefixes.append(region_tree().subtree_prefix(flt.region_code))
    if not prefixes:
        return True, None
    narrowest = max(prefixes, key=len)
    return all(narrowest.startswith(p) for p in prefixes), narrowest


async def _public_page(*, session: Session, access: Access, flt: PublicFilter, first: int,
                       after: str | None) -> Page[PublicItem]:
    """A page through ``yibao_public_page`` (migration 0014): the same live items and public columns as the
    public_item view, planned with its filter and limit together so it walks an index (issue 12)."""
    overlap, prefix = _page_prefix(flt, access)
    cursor = decode_time_cursor(after)
    if not overlap:
        return Page.from_rows([], [], first)
    rows = await session.fetch(
        "SELECT * FROM yibao_public_page($1, $2, $3, $4::text[], $5::text[], $6, $7, $8, $9)",
        prefix, str(flt.item_type) if flt.item_type else None, str(flt.category) if flt.category else None,
        sorted(str(k) for k in flt.kinds) if flt.kinds is not None else None,
        sorted(str(g) for g in flt.grades) if flt.grades is not None else None,
        flt.institution_code.strip().upper() if flt.institution_code else None,
        cursor[0] if cursor else None, cursor[1] if cursor else None, first + 1)
    items = [_public_item(r) for r in rows]
    keys = [encode_time_cursor(i.published_at, i.id) for i in items]
    return Page.from_rows(items, keys, first)


async def count_public_items(*, session: Session, access: Access, flt: PublicFilter) -> int:
    """How many public items match ``flt``."""
    access.require("published", "read")
    clauses, args = _public_where(flt, access)
    return int(await session.fetchval(f"SELECT count(*) FROM public_item i WHERE {' AND '.join(clauses)}", *args))


def grades_filter(region_code: str | None, grades: frozenset[Grade] | None = None) -> PublicFilter:
    """Published institution results (信用评价结果公开, 001 art.22) of a region subtree, of some grades."""
    return PublicFilter(region_code=region_code, item_type=ItemType.RESULT, grades=grades)


def poor_grade_filter(region_code: str | None) -> PublicFilter:
    """The poor-grade list (信用等级差名单, 001 art.22): published results graded C, D or E."""
    return grades_filter(region_code, POOR_GRADE_LIST_GRADES)


def serious_dishonesty_filter(region_code: str | None) -> PublicFilter:
    """The serious-dishonesty list (严重失信名单, 001 art.22): published serious dishonesty records."""
    return PublicFilter(region_code=region_code, category=RecordCategory.DISHONESTY,
                        kinds=frozenset(SERIOUS_DISHONESTY_KINDS))


async def public_institution(*, session: Session, access: Access, code: str | None = None,
                             name: str | None = None) -> PublicInstitution | None:
    """An institution with at least one public item, by its unified social credit code or exact name."""
    access.require("published", "read")
    if code:
        column, value = "public_key", code.strip().upper()
    elif name and name.strip():
        column, value = "public_name", name.strip()
    else:
        raise InvalidInput("请提供机构的统一社会信用代码或全称。",
            en="Give an institution's unified social credit code or its full name.", field="code")
    confined = access.public_prefix()
    if confined is None:
        row = await session.fetchrow(
            f"SELECT i.public_payload FROM public_item i WHERE i.{column} = $1 ORDER BY i.published_at DESC LIMIT 1",
            value)
    else:
        row = await session.fetchrow(
            f"""SELECT i.public_payload FROM public_item i WHERE i.{column} = $1 AND i.region_code LIKE $2
                ORDER BY i.published_at DESC LIMIT 1""", value, confined + "%")
    if row is None:
        return None
    found = public_subject_from_json(row["public_payload"]["subject"])
    return found if isinstance(found, PublicInstitution) else None


async def verify_individual(*, session: Session, access: Access, resident_id: str, name: str) -> bool:
    """Whether the person with exactly this resident ID and name has a current publishable sanction."""
    access.require("published", "read")
    request = normalize_verification_request(resident_id=resident_id, name=name)
    return bool(await session.fetchval("SELECT yibao_verify_individual($1, $2)", request.resident_id, request.name))


async def shared_items(*, session: Session, access: Access, region_code: str | None, first: int,
                       after: str | None) -> Page[PublicItem]:
    """A federation client's page of published records and results within its configured subtree, each with
    the public-plus fields its agreement names (institutions only)."""
    access.require("shared", "read")
    return await public_items(session=session, access=access, flt=shared_filter(region_code), first=first,
                              after=after)


def shared_filter(region_code: str | None) -> PublicFilter:
    """Records and results alike, of a region subtree."""
    return PublicFilter(region_code=region_code, item_type=None)
