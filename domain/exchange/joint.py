"""联合惩戒: "一处违规，处处受限" (004 §三(五)): a subject on the serious-dishonesty list is bound by measures that
other departments apply, for as long as its entry is published.

The catalog below is data (like a rule set's measures): which measures follow a serious-dishonesty entry and which
departments each binds. 004 names the mechanism, not the measures; these are the ones the national joint
punishment memoranda use for serious dishonesty, each bound to the department that applies it.

``handle`` (the spine's ``joint_punishment`` consumer) imposes the catalog's measures when a serious-dishonesty
record is published and lifts them when its publication is withdrawn or expires, announcing each in the feed
(``joint_measures.imposed`` / ``joint_measures.lifted``: bureaus, the subject, department clients and, since the
list itself is public, the public). Department clients configured in authz/federation.json read the subjects
whose active measures bind their department, within their agreed region.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from domain.access import Access, PrincipalKind
from domain.errors import Forbidden
from domain.events import DomainEvent, EventType, StoredEvent
from domain.rules.catalog import RecordKind
from domain.rules.lists import SERIOUS_DISHONESTY_KINDS
from domain.session import Session
from tenants import region_tree

_ACTOR = "system:joint-punishment"
CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class JointMeasureSpec:
    """One measure of the catalog and the departments it binds."""

    code: str
    description: str
    departments: tuple[str, ...]


CATALOG: tuple[JointMeasureSpec, ...] = (
    JointMeasureSpec("government_procurement", "限制参加政府采购活动", ("财政",)),
    JointMeasureSpec("market_access", "在市场准入、资质资格认定中从严审核，列为重点监管对象", ("市场监管",)),
    JointMeasureSpec("credit_financing", "在融资授信中作为审慎授信的参考", ("人民银行", "金融监管")),
    JointMeasureSpec("honours", "不得参加评先评优，已获荣誉予以撤销", ("发展改革", "文明办")),
    JointMeasureSpec("tax_monitoring", "列为税收重点监控对象", ("税务",)),
    JointMeasureSpec("medical_licensing", "在执业许可、校验中从严审核", ("卫生健康",)),
)
LIFTED = {EventType.PUBLICATION_WITHDRAWN: "严重失信名单公示已撤销",
          EventType.PUBLICATION_EXPIRED: "严重失信名单公示期届满"}
TYPES = frozenset({EventType.PUBLICATION_PUBLISHED, *LIFTED})


def _public_subject(kind: str, name: str, code: str) -> dict[str, str]:
    if kind == "institution":
        return {"name": name, "code": code}
    return {"name": name[:1] + "*" * max(len(name) - 1, 1), "code": code[:6] + "*" * max(len(code) - 10, 0) + code[-4:]}


async def _impose(session: Session, e: StoredEvent) -> None:
    row = await session.fetchrow(
        """SELECT p.id, p.subject_id, p.region_code, p.kind, p.public_until, s.kind AS subject_kind, s.name, s.code,
                  v.title
           FROM publication p JOIN subject s ON s.id = p.subject_id
           JOIN credit_record r ON r.id = p.item_id
           JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
           WHERE p.id = $1 AND p.item_type = 'record'""", e.item_id)
    if row is None or RecordKind(row["kind"]) not in SERIOUS_DISHONESTY_KINDS:
        return
    until = row["public_until"].astimezone(CHINA).date() if row["public_until"] is not None else None
    basis = f"列入医疗保障领域严重失信名单：{row['title']}"
    inserted = await session.fetch(
        """INSERT INTO joint_measure (subject_id, region_code, publication_id, code, description, departments, basis,
               starts_on, ends_on)
           SELECT $1, $2, $3, c.code, c.description, string_to_array(c.departments, ','), $4,
                  (now() AT TIME ZONE 'Asia/Shanghai')::date, $5
           FROM unnest($6::text[], $7::text[], $8::text[]) AS c(code, description, departments)
           ON CONFLICT DO NOTHING RETURNING code""",
        row["subject_id"], row["region_code"], row["id"], basis, until, [m.code for m in CATALOG],
        [m.description for m in CATALOG], [",".join(m.departments) for m in CATALOG])
    if not inserted:
        return
    departments = sorted({d for m in CATALOG for d in m.departments})
    payload = {"publicationId": str(row["id"]), "measures": [m.code for m in CATALOG], "departments": departments,
               "endsOn": until.isoformat() if until else None}
    session.emit(DomainEvent(
        type=EventType.JOINT_MEASURES_IMPOSED, region_code=row["region_code"], subject_id=row["subject_id"],
        item_id=row["id"], actor=_ACTOR, payload=payload,
        public_payload={**payload, "subject": _public_subject(row["subject_kind"], row["name"], row["code"])}))


async def _lift(session: Session, e: StoredEvent) -> None:
    rows = await session.fetch(
        """UPDATE joint_measure SET lifted_at = now(), lift_reason = $2 WHERE publication_id = $1 AND lifted_at IS NULL
           RETURNING subject_id, region_code, code""", e.item_id, LIFTED[e.type])
    if not rows:
        return
    payload = {"publicationId": str(e.item_id), "measures": [r["code"] for r in rows], "reason": LIFTED[e.type]}
    session.emit(DomainEvent(
        type=EventType.JOINT_MEASURES_LIFTED, region_code=rows[0]["region_code"], subject_id=rows[0]["subject_id"],
        item_id=e.item_id, actor=_ACTOR, payload=payload, public_payload=payload))


async def handle(session: Session, events: Sequence[StoredEvent]) -> None:
    """Impose the joint measures of newly published serious-dishonesty entries; lift those taken down."""
    for e in events:
        if e.item_id is None or e.payload.get("itemType") != "record":
            continue
        if e.type is EventType.PUBLICATION_PUBLISHED:
            await _impose(session, e)
        else:
            await _lift(session, e)


@dataclass(frozen=True)
class ActiveMeasure:
    code: str
    description: str
    departments: tuple[str, ...]
    basis: str
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class JointSubject:
    """A subject with active joint measures, as a department (or a bureau) sees it; individuals masked."""

    subject_id: uuid.UUID | None  # bureaus only: department clients get the name and code
    subject_kind: str
    name: str
    code: str
    region_code: str
    measures: list[ActiveMeasure]


async def joint_measures(*, session: Session, access: Access, region_code: str | None = None,
                         limit: int = 100) -> list[JointSubject]:
    """Subjects with active joint measures (联合惩戒对象): for a department client, those binding its department in
    its agreed region; for an officer, all in its subtree."""
    p = access.principal
    tree = region_tree()
    department: str | None = None
    if p.kind is PrincipalKind.FEDERATION:
        access.require("joint_measure", "read")
        scope = access.federation
        if scope is None or scope.kind != "department" or not scope.department:
            raise Forbidden("只有共享协议中登记了部门的政府部门客户端可以查询联合惩戒对象。",
                            resource="joint_measure", action="read")
        agreed = access.public_prefix() or ""
        prefix = tree.subtree_prefix(region_code) if region_code else agreed
        if not prefix.startswith(agreed):
            raise Forbidden(f"共享协议不包括行政区划 {region_code} 的数据。", resource="joint_measure",
                            action="read", region=region_code)
        department = scope.department
    else:
        access.require("joint_measure", "read", region_code=region_code)
        prefix = tree.subtree_prefix(region_code) if region_code else access.region_prefix
    rows = await session.fetch(
        """SELECT subject_id, subject_kind, subject_name, subject_code, region_code, code, description, departments,
                  basis, starts_on, ends_on
           FROM shared_joint_measure
           WHERE region_code LIKE $1 || '%' AND ($2::text IS NULL OR $2 = ANY (departments))
             AND subject_id IN (SELECT DISTINCT subject_id FROM shared_joint_measure
                                WHERE region_code LIKE $1 || '%' AND ($2::text IS NULL OR $2 = ANY (departments))
                                ORDER BY subject_id LIMIT $3)
           ORDER BY region_code, subject_id, code""", prefix, department, limit)
    out: dict[uuid.UUID, JointSubject] = {}
    for r in rows:
        subject = out.get(r["subject_id"])
        if subject is None:
            subject = out[r["subject_id"]] = JointSubject(
                subject_id=r["subject_id"] if department is None else None, subject_kind=r["subject_kind"],
                name=r["subject_name"], code=r["subject_code"], region_code=r["region_code"], measures=[])
        subject.measures.append(ActiveMeasure(code=r["code"], description=r["description"],
                                              departments=tuple(r["departments"]), basis=r["basis"],
                                              starts_on=r["starts_on"], ends_on=r["ends_on"]))
    return list(out.values())
