"""信用主体: registering credit subjects and finding them within the principal's region subtree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from domain.access import Access
from domain.errors import Conflict, InvalidInput, NotFound, unknown_region
from domain.paging import Page, SortKey
from domain.rules.catalog import Grade, ServiceScope, SubjectClass, SubjectKind
from domain.rules.identifiers import validate_resident_id, validate_uscc
from domain.rules.name_order import name_order_sql
from domain.session import Session
from tenants import region_tree

SUBJECT_COLUMNS = """s.id, s.kind, s.subject_class, s.code, s.name, s.region_code, s.service_scope,
    s.parent_subject_id, s.phone, s.address, s.created_at, s.created_by"""


@dataclass(frozen=True)
class SubjectRow:
    """A subject as the archive holds it (all fields: the audience's shape decides what is shown)."""

    id: uuid.UUID
    kind: SubjectKind
    subject_class: SubjectClass
    code: str
    name: str
    region_code: str
    service_scope: ServiceScope | None
    parent_subject_id: uuid.UUID | None
    phone: str | None
    address: str | None
    created_at: datetime
    created_by: str

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> SubjectRow:
        return cls(
            id=r["id"],
            kind=SubjectKind(r["kind"]),
            subject_class=SubjectClass(r["subject_class"]),
            code=r["code"],
            name=r["name"],
            region_code=r["region_code"],
            service_scope=ServiceScope(r["service_scope"]) if r["service_scope"] else None,
            parent_subject_id=r["parent_subject_id"],
            phone=r["phone"],
            address=r["address"],
            created_at=r["created_at"],
            created_by=r["created_by"],
        )


@dataclass(frozen=True)
class NewSubject:
    subject_class: SubjectClass
    code: str
    name: str
    region_code: str
    service_scope: ServiceScope | None = None
    parent_subject_id: uuid.UUID | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class SubjectFilter:
    region_code: str | None = None
    subject_class: SubjectClass | None = None
    kind: SubjectKind | None = None
    name_contains: str | None = None
    grade: Grade | None = None  # the current grade of the subject's latest evaluated cycle ...
    grade_cycle_year: int | None = None  # ... or of this cycle


# The orders a page of subjects offers (dashboards sort by name or by registration; code is the default).
SUBJECT_ORDERS: dict[str, SortKey] = {
    "CODE_ASC": SortKey("CODE_ASC", "s.code", id_expression="s.id"),
    "NAME_ASC": SortKey("NAME_ASC", name_order_sql("s.name"), id_expression="s.id"),  # by pinyin
    "CREATED_AT_DESC": SortKey("CREATED_AT_DESC", "s.created_at", descending=True, id_expression="s.id",
                               cast="timestamptz"),
    "CREATED_AT_ASC": SortKey("CREATED_AT_ASC", "s.created_at", id_expression="s.id", cast="timestamptz"),
}


def _validated(new: NewSubject) -> NewSubject:
    """The input with its code normalised, or ``InvalidInput`` naming what is wrong."""
    cls = new.subject_class
    institution = cls.kind is SubjectKind.INSTITUTION
    code = validate_uscc(new.code) if institution else validate_resident_id(new.code)
    name = new.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("主体名称须为 1 到 200 个字符。", en="A subject needs a name of 1 to 200 characters.",
            field="name")
    if cls is SubjectClass.MEDICAL_INSTITUTION and new.service_scope is None:
        raise InvalidInput(
            "定点医疗机构须说明是否收治住院病人（serviceScope），两者的评价方法不同。",
            en="A designated medical institution must say whether it treats inpatients "
            "(serviceScope), because it is graded differently.",
            field="serviceScope",
        )
    if cls is not SubjectClass.MEDICAL_INSTITUTION and new.service_scope is not None:
        raise InvalidInput("只有定点医疗机构才有服务范围（serviceScope）。",
            en="Only a designated medical institution has a serviceScope.", field="serviceScope")
    if region_tree().find(new.region_code) is None:
        raise unknown_region(new.region_code)
    if cls.is_linked_person and new.parent_subject_id is None:
        raise InvalidInput(
            "法定代表人、实际控制人、主要负责人或直接责任人须关联其所属机构（parentSubjectId）。",
            en="A legal representative, controller, principal or directly responsible person "
            "must be linked to its institution (parentSubjectId).",
            field="parentSubjectId",
        )
    return NewSubject(
        subject_class=cls,
        code=code,
        name=name,
        region_code=new.region_code,
        service_scope=new.service_scope,
        parent_subject_id=new.parent_subject_id,
        phone=new.phone,
        address=new.address,
    )


async def create_subject(*, session: Session, access: Access, new: NewSubject) -> SubjectRow:
    """Register a credit subject in a region of the principal's subtree."""
    new = _validated(new)
    access.require("subject", "write", region_code=new.region_code)
    if new.parent_subject_id is not None:
        parent = await session.fetchrow("SELECT kind FROM subject WHERE id = $1", new.parent_subject_id)
        if parent is None:
            raise InvalidInput("您的辖区内没有该上级主体。",
                en="The parent subject does not exist in your region.", field="parentSubjectId")
        if parent["kind"] != SubjectKind.INSTITUTION:
            raise InvalidInput("主体只能关联到机构。",
                en="A subject can only be linked to an institution.", field="parentSubjectId")
    if await session.fetchval("SELECT 1 FROM subject WHERE code = $1", new.code):
        raise Conflict(f"代码为 {new.code} 的主体已经登记。",
            en=f"A subject with code {new.code} is already registered.", field="code")
    try:
        row = await session.fetchrow(
            f"""INSERT INTO subject AS s (kind, subject_class, code, name, region_code, service_scope,
                    parent_subject_id, phone, address, created_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {SUBJECT_COLUMNS}""",
            str(new.subject_class.kind),
            str(new.subject_class),
            new.code,
            new.name,
            new.region_code,
            str(new.service_scope) if new.service_scope else None,
            new.parent_subject_id,
            new.phone,
            new.address,
            access.principal.actor,
        )
    except asyncpg.UniqueViolationError as exc:
        # Registered in another region, invisible to this principal: still the same person or body.
        raise Conflict(f"代码为 {new.code} 的主体已经登记。",
            en=f"A subject with code {new.code} is already registered.", field="code") from exc
    assert row is not None
    return SubjectRow.from_record(row)


async def subjects_by_ids(*, session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, SubjectRow]:
    """Subjects by id (those the scope can see), in one statement."""
    rows = await session.fetch(f"SELECT {SUBJECT_COLUMNS} FROM subject s WHERE s.id = ANY($1)", ids)
    return {r["id"]: SubjectRow.from_record(r) for r in rows}


async def get_subject(
    *, session: Session, access: Access, id: uuid.UUID | None = None, code: str | None = None
) -> SubjectRow:
    """One subject by id or code, if the principal may read it."""
    access.require("subject", "read", subject_id=str(id) if id else None)
    if id is not None:
        row = await session.fetchrow(f"SELECT {SUBJECT_COLUMNS} FROM subject s WHERE s.id = $1", id)
    elif code is not None:
        row = await session.fetchrow(f"SELECT {SUBJECT_COLUMNS} FROM subject s WHERE s.code = $1", code.strip().upper())
    else:
        raise InvalidInput("请提供主体的 id 或代码。", en="Give a subject's id or its code.", field="id")
    if row is None:
        raise NotFound("您的辖区内没有该信用主体。", en="No such subject in your region.")
    return SubjectRow.from_record(row)


def _where(access: Access, flt: SubjectFilter) -> tuple[list[str], list[object]]:
    scope = access.region_scope("subject", region_code=flt.region_code)
    clauses, args = [scope.clause("s.region_code", 1)], [scope.argument]
    if flt.subject_class is not None:
        args.append(str(flt.subject_class))
        clauses.append(f"s.subject_class = ${len(args)}")
    if flt.kind is not None:
        args.append(str(flt.kind))
        clauses.append(f"s.kind = ${len(args)}")
    if flt.name_contains:
        args.append("%" + flt.name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        clauses.append(f"s.name LIKE ${len(args)}")
    if flt.grade is not None:
        # The current result of the latest evaluated cycle, the one Subject.creditResult shows; one index probe
        # per candidate row on evaluation_result_current_idx (subject_id, cycle_year).
        args += [str(flt.grade), flt.grade_cycle_year]
        clauses.append(
            f"""(SELECT e.grade FROM evaluation_result e WHERE e.subject_id = s.id AND e.superseded_at IS NULL
                   AND (${len(args)}::int IS NULL OR e.cycle_year = ${len(args)})
                 ORDER BY e.cycle_year DESC LIMIT 1) = ${len(args) - 1}"""
        )
    return clauses, args


async def list_subjects(
    *,
    session: Session,
    access: Access,
    flt: SubjectFilter,
    first: int,
    after: str | None,
    order: SortKey = SUBJECT_ORDERS["CODE_ASC"],
) -> Page[SubjectRow]:
    """A page of subjects in the principal's subtree, in the chosen order (by code unless told)."""
    clauses, args = _where(access, flt)
    keyset, keyset_args = order.after(after, first_param=len(args) + 1)
    args += keyset_args
    args.append(first + 1)
    rows = await session.fetch(
        f"""SELECT {SUBJECT_COLUMNS}, {order.expression} AS sort_value FROM subject s
            WHERE {" AND ".join(clauses)} {keyset} ORDER BY {order.order_by} LIMIT ${len(args)}""",
        *args,
    )
    items = [SubjectRow.from_record(r) for r in rows]
    return Page.from_rows(items, [order.cursor(r["sort_value"], r["id"]) for r in rows], first)


async def count_subjects(*, session: Session, access: Access, flt: SubjectFilter) -> int:
    """How many subjects match ``flt`` in the principal's subtree."""
    clauses, args = _where(access, flt)
    return int(await session.fetchval(f"SELECT count(*) FROM subject s WHERE {' AND '.join(clauses)}", *args))


async def counts_by_region(
    *, session: Session, access: Access, parent_code: str | None, flt: SubjectFilter
) -> list[tuple[str, str, int]]:
    """Subjects per child region of ``parent_code`` (default: the principal's node), for dashboards."""
    parent = parent_code or access.principal.region_code
    if not parent:
        raise InvalidInput("请指定要细分统计的行政区划（parentCode）。",
            en="Name the region to break down (parentCode).", field="parentCode")
    access.require("subject", "read", region_code=parent)
    depth = len(region_tree().ancestors(parent)) + 1  # 1-based position of the child in region.path
    clauses, args = _where(access, replace(flt, region_code=parent))
    rows = await session.fetch(
        f"""SELECT r.path[{depth + 1}] AS child, count(*) AS n
            FROM subject s JOIN region r ON r.code = s.region_code
            WHERE {" AND ".join(clauses)} GROUP BY 1 ORDER BY 1""",
        *args,
    )
    tree = region_tree()
    found = {r["child"] or parent: int(r["n"]) for r in rows}  # a null child: registered on the parent itself
    # Every child division is listed, with 0 when it has no subjects: a dashboard shows the gap, not nothing.
    out = [(c.code, c.name, found.pop(c.code, 0)) for c in tree.children(parent)]
    out += [(code, tree.get(code).name, n) for code, n in sorted(found.items())]
    return out
