"""Demo data for `yibao serve --demo`: officers for every role, and a few hundred subjects and records.

Everything is written through the same services the API uses, by the demo officers, so the demo archive
went through entry → review → confirmation like real data.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from authz import default_authorizer
from domain import archive, publication, subjects
from domain.access import Access, OfficerRole, Principal, PrincipalKind
from domain.consumers import CONSUMERS, drain_all
from domain.db import Database, DbScope
from domain.rules.catalog import RecordKind, ServiceScope, SubjectClass
from domain.rules.records import RecordContent
from domain.rules.workflow import RecordAction
from domain.subjects import NewSubject
from domain.synthetic import make_resident_id, make_uscc, mobile_number, person_name
from tenants import region_tree

# (id, name, region, role, department)
DEMO_OFFICERS: list[tuple[str, str, str, OfficerRole, str]] = []
for _region, _label in [
    ("340000", "安徽省"),
    ("340100", "合肥市"),
    ("340102", "合肥市瑶海区"),
    ("340104", "合肥市蜀山区"),
    ("341100", "滁州市"),
    ("500000", "重庆市"),
    ("500237", "重庆市巫山县"),
    ("500101", "重庆市万州区"),
    ("320800", "淮安市"),
    ("440000", "广东省"),
    ("440300", "深圳市"),
    ("510000", "四川省"),
    ("511600", "广安市"),
]:
    _dept = f"{_label}医疗保障局"
    DEMO_OFFICERS += [
        (f"{_region}-officer", f"{_label}录入员", _region, OfficerRole.OFFICER, _dept),
        (f"{_region}-reviewer", f"{_label}审核员", _region, OfficerRole.REVIEWER, _dept),
        (f"{_region}-confirmer", f"{_label}确认员", _region, OfficerRole.REVIEWER, _dept),
    ]
    if region_tree().get(_region).level != "province":
        DEMO_OFFICERS += [
            (f"{_region}-agency", f"{_label}医保经办机构", _region, OfficerRole.AGENCY, f"{_label}医疗保障事务中心"),
            (f"{_region}-evaluator", f"{_label}信用评价机构", _region, OfficerRole.EVALUATOR, "第三方信用评价机构"),
        ]

DEMO_COUNTIES = ["340102", "340104", "500237", "500101"]
# The city-level bureau that publishes for each demo county (a municipality publishes for itself).
DEMO_PUBLISHERS = {"340102": "340100", "340104": "340100", "500237": "500000", "500101": "500000"}
INSTITUTION_NAMES = ["人民医院", "中医院", "社区卫生服务中心", "乡镇卫生院", "诊所", "门诊部", "大药房", "药店"]


def officer_principal(officer_id: str) -> Principal:
    for oid, name, region, role, dept in DEMO_OFFICERS:
        if oid == officer_id:
            return Principal(
                kind=PrincipalKind.OFFICER, id=oid, region_code=region, role=role, name=name, department=dept
            )
    raise KeyError(officer_id)


async def seed_officers(db: Database) -> None:
    """Insert the demo officers (idempotent)."""
    async with db.session(DbScope.system(actor="demo")) as s:
        await s.conn.execute("RESET ROLE")  # the officer table is reference data, written by the owner
        await s.executemany(
            """INSERT INTO officer (id, name, region_code, role, department) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (id) DO NOTHING""",
            [(oid, name, region, str(role), dept) for oid, name, region, role, dept in DEMO_OFFICERS],
        )


async def seed_demo(db: Database, *, subjects_per_county: int = 75, seed: int = 2026) -> int:
    """Officers plus subjects and records in four counties of Anhui and Chongqing; returns subjects added."""
    await seed_officers(db)
    async with db.session(DbScope.system()) as s:
        if await s.fetchval("SELECT count(*) FROM subject") > 0:
            return 0
    rng = random.Random(seed)
    authz = default_authorizer()
    today = date.today()
    added = 0
    for county in DEMO_COUNTIES:
        officer = Access(principal=officer_principal(f"{county}-officer"), authorizer=authz)
        reviewer = Access(principal=officer_principal(f"{county}-reviewer"), authorizer=authz)
        confirmer = Access(principal=officer_principal(f"{county}-confirmer"), authorizer=authz)
        county_name = region_tree().get(county).name
        async with db.session(officer.db_scope()) as s:
            institutions: list[uuid.UUID] = []
            for i in range(subjects_per_county):
                if i % 3 != 2:
                    suffix = INSTITUTION_NAMES[i % len(INSTITUTION_NAMES)]
                    cls = SubjectClass.RETAIL_PHARMACY if "药" in suffix else SubjectClass.MEDICAL_INSTITUTION
                    scope = None
                    if cls is SubjectClass.MEDICAL_INSTITUTION:
                        scope = (
                            ServiceScope.INPATIENT_AND_OUTPATIENT
                            if suffix in ("人民医院", "中医院", "乡镇卫生院")
                            else ServiceScope.OUTPATIENT_ONLY
                        )
                    new = NewSubject(
                        subject_class=cls,
                        code=make_uscc(rng, county, kind="12" if scope else "91"),
                        name=f"{county_name}{person_name(rng)[1:]}{suffix}",
                        region_code=county,
                        service_scope=scope,
                        address=f"{county_name}人民路{rng.randrange(1, 300)}号",
                    )
                else:
                    cls = rng.choice(
                        [SubjectClass.DOCTOR, SubjectClass.NURSE, SubjectClass.PHARMACIST, SubjectClass.INSURED_PERSON]
                    )
                    new = NewSubject(
                        subject_class=cls,
                        code=make_resident_id(rng, county),
                        name=person_name(rng),
                        region_code=county,
                        phone=mobile_number(rng),
                        address=f"{county_name}幸福小区{rng.randrange(1, 30)}栋",
                    )
                row = await subjects.create_subject(session=s, access=officer, new=new)
                added += 1
                if row.kind == "institution":
                    institutions.append(row.id)
                await _demo_records(s, rng, row.id, row.subject_class, officer, reviewer, confirmer, today)
        # The confirmations re-grade their subjects after commit, as in the API; then the grades are published.
        await drain_all(db, CONSUMERS)
        publisher = Access(principal=officer_principal(f"{DEMO_PUBLISHERS[county]}-officer"), authorizer=authz)
        async with db.session(publisher.db_scope()) as s:
            await _demo_publications(s, officer, publisher)
        await drain_all(db, CONSUMERS)
    return added


async def _demo_publications(s, county: Access, city: Access) -> None:  # type: ignore[no-untyped-def]
    """The county prepares and the city publishes: institutions' current grades, dishonesty and commitments."""
    from datetime import UTC, datetime

    now = datetime.now(tz=UTC)
    prefix = county.region_prefix
    results = await s.fetch(
        """SELECT r.id FROM evaluation_result r JOIN subject s ON s.id = r.subject_id
           WHERE r.region_code = $1 AND r.superseded_at IS NULL AND r.grade IS NOT NULL
             AND s.kind = 'institution'""", prefix)
    for r in results:
        view = await publication.prepare_result_publication(session=s, access=county, result_id=r["id"], now=now)
        await publication.publish(session=s, access=city, id=view.id)
    records = await s.fetch(
        """SELECT id FROM credit_record WHERE region_code = $1 AND status = 'confirmed'
             AND kind IN ('recovered_funds', 'late_repayment', 'staff_points', 'credit_commitment', 'commendation')""",
        prefix)
    for r in records:
        view = await publication.prepare_publication(session=s, access=county, record_id=r["id"], now=now)
        await publication.publish(session=s, access=city, id=view.id)


async def _demo_records(
    s,
    rng: random.Random,
    subject_id: uuid.UUID,
    cls: SubjectClass,  # type: ignore[no-untyped-def]
    officer: Access,
    reviewer: Access,
    confirmer: Access,
    today: date,
) -> None:
    last_year = today.year - 1
    plans: list[tuple[RecordKind, RecordContent]] = [
        (RecordKind.CREDIT_COMMITMENT, RecordContent(title="医保信用承诺书", decided_on=date(last_year, 1, 5)))
    ]
    if cls is SubjectClass.MEDICAL_INSTITUTION or cls is SubjectClass.RETAIL_PHARMACY:
        plans.append(
            (
                RecordKind.ANNUAL_ASSESSMENT,
                RecordContent(
                    title=f"{last_year}年度定点医药机构考核",
                    score=Decimal(rng.randrange(55, 100)),
                    decided_on=date(last_year, 12, 28),
                ),
            )
        )
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            kind = rng.choice(
                [
                    RecordKind.RECOVERED_FUNDS,
                    RecordKind.AUDIT_REDUCTION,
                    RecordKind.INTERVIEW,
                    RecordKind.LATE_REPAYMENT,
                ]
            )
            occurred = date(last_year, 1, 1) + timedelta(days=rng.randrange(0, 360))
            amount = (
                Decimal(rng.randrange(100_000, 15_000_000)) / 100
                if kind in (RecordKind.RECOVERED_FUNDS, RecordKind.AUDIT_REDUCTION)
                else None
            )
            plans.append(
                (
                    kind,
                    RecordContent(
                        title={
                            "recovered_funds": "追回违规使用医保基金",
                            "audit_reduction": "医保审核扣减",
                            "interview": "约谈",
                            "late_repayment": "未按时退回违规资金",
                        }[kind.value],
                        facts="检查发现超标准收费、重复收费等问题",
                        amount=amount,
                        occurred_on=occurred,
                        decided_on=occurred + timedelta(days=20),
                        legal_basis="《医疗保障基金使用监督管理条例》第三十八条",
                    ),
                )
            )
        if rng.random() < 0.3:
            plans.append(
                (
                    RecordKind.COMMENDATION,
                    RecordContent(title="县级医疗保障工作先进集体", decided_on=date(last_year, 11, 1)),
                )
            )
    elif rng.random() < 0.2:
        plans.append(
            (
                RecordKind.STAFF_POINTS,
                RecordContent(
                    title="医保支付资格记分",
                    points=Decimal(rng.choice((1, 2, 3, 6, 9))),
                    facts="串换项目收费",
                    occurred_on=date(last_year, 6, 1),
                    legal_basis="医保支付资格管理办法",
                ),
            )
        )
    for i, (kind, content) in enumerate(plans):
        view = await archive.enter_record(
            session=s, access=officer, subject_id=subject_id, kind=kind, content=content, today=today
        )
        # Leave a few records waiting in each queue, so the review screens have work on them.
        if i == len(plans) - 1 and rng.random() < 0.15:
            continue
        await archive.act_on_record(
            session=s, access=reviewer, record_id=view.id, action=RecordAction.REVIEW_APPROVE, today=today
        )
        if i == len(plans) - 1 and rng.random() < 0.15:
            continue
        await archive.act_on_record(
            session=s, access=confirmer, record_id=view.id, action=RecordAction.CONFIRM, today=today
        )
