"""Demo data for `yibao serve --demo`: officers for every role, and a few hundred subjects and records.

Everything is written through the same services the API uses, by the demo officers, so the demo archive
went through entry → review → confirmation like real data.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from authz import Authorizer, default_authorizer
from domain import archive, publication, subjects
from domain.access import Access, OfficerRole, Principal, PrincipalKind
from domain.consumers import CONSUMERS, drain_all
from domain.db import Database
from domain.db_scope import DbScope
from domain.evaluation.inspection_plans import draw_inspection_plan, publish_inspection_plan
from domain.exchange.push import PUSHED_KINDS
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
        # Each demo bureau's name and unified social credit code (机关 codes start 11), which the 双公示 rows
        # pushed to the provincial platform name as the deciding authority and the source unit (CF_CFJG(DM)).
        bureaus = {region: dept for _, _, region, _, dept in DEMO_OFFICERS}
        await s.executemany(
            "INSERT INTO exchange_bureau (region_code, name, uscc) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [(region, dept, make_uscc(random.Random(int(region)), region, kind="11"))
             for region, dept in bureaus.items()])


# Named institutions every demo has, whatever its size: the README's and the public page's examples.
# (county, name, class, service scope, profile); a profile decides the records and so the grade.
SHOWCASE_INSTITUTIONS: list[tuple[str, str, SubjectClass, ServiceScope | None, str]] = [
    ("340102", "瑶海区益康大药房", SubjectClass.RETAIL_PHARMACY, None, "fair"),
    ("340102", "瑶海区仁和堂大药房", SubjectClass.RETAIL_PHARMACY, None, "serious"),
    ("340102", "瑶海区明光路社区卫生服务中心", SubjectClass.MEDICAL_INSTITUTION, ServiceScope.OUTPATIENT_ONLY, "good"),
    ("340104", "蜀山区益康诊所", SubjectClass.MEDICAL_INSTITUTION, ServiceScope.OUTPATIENT_ONLY, "poor"),
    ("340104", "蜀山区康宁门诊部", SubjectClass.MEDICAL_INSTITUTION, ServiceScope.OUTPATIENT_ONLY, "bad"),
    ("500237", "巫山县福康大药房", SubjectClass.RETAIL_PHARMACY, None, "poor"),
    ("500237", "巫山县人民医院", SubjectClass.MEDICAL_INSTITUTION, ServiceScope.INPATIENT_AND_OUTPATIENT, "good"),
]
# A person with a published sanction, for the README's verifyIndividual example: (county, name, resident ID).
SHOWCASE_PERSON = ("340102", "张三", "340102198503150012")
# How often each profile is drawn for the other institutions: most institutions keep their agreements, a
# tenth fall short, a few are serious cases (roughly what published county results look like).
PROFILES = (("good", 52), ("fair", 27), ("poor", 11), ("bad", 5), ("serious", 5))


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
            planned: list[tuple[NewSubject, str | None]] = [
                (NewSubject(subject_class=cls, code=make_uscc(rng, county, kind="12" if scope else "91"), name=name,
                            region_code=county, service_scope=scope, address=f"{county_name}长江路{n + 1}号"), profile)
                for n, (c, name, cls, scope, profile) in enumerate(SHOWCASE_INSTITUTIONS) if c == county]
            if county == SHOWCASE_PERSON[0]:
                planned.append((NewSubject(subject_class=SubjectClass.PHARMACIST, code=SHOWCASE_PERSON[2],
                                           name=SHOWCASE_PERSON[1], region_code=county, phone=mobile_number(rng),
                                           address=f"{county_name}幸福小区3栋"), "sanctioned"))
            for i in range(subjects_per_county):
                planned.append(_random_subject(rng, i, county, county_name))
            for new, profile in planned:
                row = await subjects.create_subject(session=s, access=officer, new=new)
                added += 1
                if profile is None and row.kind == "institution":
                    profile = rng.choices([p for p, _ in PROFILES], weights=[w for _, w in PROFILES])[0]
                await _demo_records(s, rng, row.id, row.subject_class, officer, reviewer, confirmer, today, profile)
        # The confirmations re-grade their subjects after commit, as in the API; then the grades are published.
        await drain_all(db, CONSUMERS)
        publisher = Access(principal=officer_principal(f"{DEMO_PUBLISHERS[county]}-officer"), authorizer=authz)
        async with db.session(publisher.db_scope()) as s:
            await _demo_publications(s, officer, publisher, today)
        await drain_all(db, CONSUMERS)
    await _demo_inspection_plan(db, authz, today)
    return added


async def _demo_inspection_plan(db: Database, authz: Authorizer, today: date) -> None:
    """This year's random inspections in Wushan (双随机、一公开), drawn by grade and published by the city-level
    bureau, so the public has a plan to see (README: publicInspectionPlans)."""
    bureau = Access(principal=officer_principal("500000-officer"), authorizer=authz)
    async with db.session(bureau.db_scope()) as s:
        plan = await draw_inspection_plan(session=s, access=bureau, region_code="500237", year=today.year,
                                          inspectors=["巫山县检查员甲", "巫山县检查员乙", "巫山县检查员丙"],
                                          team_size=2, seed=42)
        await publish_inspection_plan(session=s, access=bureau, id=plan.id)


def _random_subject(rng: random.Random, i: int, county: str, county_name: str) -> tuple[NewSubject, str | None]:
    """Two institutions, then a person, and so on: a county's mix of subjects."""
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
        return NewSubject(
            subject_class=cls,
            code=make_uscc(rng, county, kind="12" if scope else "91"),
            name=f"{county_name}{person_name(rng)[1:]}{suffix}",
            region_code=county,
            service_scope=scope,
            address=f"{county_name}人民路{rng.randrange(1, 300)}号",
        ), None
    cls = rng.choice([SubjectClass.DOCTOR, SubjectClass.NURSE, SubjectClass.PHARMACIST, SubjectClass.INSURED_PERSON])
    return NewSubject(
        subject_class=cls,
        code=make_resident_id(rng, county),
        name=person_name(rng),
        region_code=county,
        phone=mobile_number(rng),
        address=f"{county_name}幸福小区{rng.randrange(1, 30)}栋",
    ), "sanctioned" if rng.random() < 0.2 else None


async def _demo_publications(s, county: Access, city: Access, today: date) -> None:  # type: ignore[no-untyped-def]
    """The county prepares and the city publishes: institutions' grades of the last finished cycle, their
    dishonesty, trust and commitment records, and individuals' sanctions (masked)."""
    from datetime import UTC, datetime

    now = datetime.now(tz=UTC)
    prefix = county.region_prefix
    results = await s.fetch(
        """SELECT r.id FROM evaluation_result r JOIN subject s ON s.id = r.subject_id
           WHERE r.region_code = $1 AND r.superseded_at IS NULL AND r.grade IS NOT NULL
             AND s.kind = 'institution' AND r.cycle_year = $2""", prefix, today.year - 1)
    for r in results:
        view = await publication.prepare_result_publication(session=s, access=county, result_id=r["id"], now=now)
        await publication.publish(session=s, access=city, id=view.id)
    records = await s.fetch(
        """SELECT id FROM credit_record WHERE region_code = $1 AND status = 'confirmed'
             AND kind IN ('recovered_funds', 'late_repayment', 'staff_points', 'credit_commitment', 'commendation',
                          'administrative_penalty', 'fraud', 'agreement_suspended')""",
        prefix)
    for r in records:
        view = await publication.prepare_publication(session=s, access=county, record_id=r["id"], now=now)
        await publication.publish(session=s, access=city, id=view.id)


# Annual assessment scores (hospitals' grade) and the findings (kind, amount range in yuan) each profile
# brings; the deduction schemes grade the others at 100 minus these (roughly A, B, C, D and a serious case).
_PROFILE_SCORES = {"good": (92, 100), "fair": (80, 90), "poor": (66, 75), "bad": (50, 60), "serious": (60, 70)}
_PROFILE_FINDINGS: dict[str, tuple[tuple[RecordKind, tuple[int, int] | None], ...]] = {
    "good": (),
    "fair": ((RecordKind.RECOVERED_FUNDS, (50_000, 99_000)), (RecordKind.INTERVIEW, None)),
    "poor": ((RecordKind.RECOVERED_FUNDS, (100_000, 900_000)), (RecordKind.INTERVIEW, None),
             (RecordKind.LATE_REPAYMENT, None)),
    "bad": ((RecordKind.AUDIT_REDUCTION, (100_000, 2_000_000)), (RecordKind.AGREEMENT_SUSPENDED, None),
            (RecordKind.INTERVIEW, None), (RecordKind.INTERVIEW, None), (RecordKind.LATE_REPAYMENT, None)),
    "serious": ((RecordKind.FRAUD, (50_000, 500_000)), (RecordKind.ADMINISTRATIVE_PENALTY, (50_000, 500_000))),
}
_FINDING_TITLES = {
    RecordKind.RECOVERED_FUNDS: "追回违规使用医保基金",
    RecordKind.AUDIT_REDUCTION: "医保审核扣减",
    RecordKind.INTERVIEW: "约谈",
    RecordKind.LATE_REPAYMENT: "未按时退回违规资金",
    RecordKind.AGREEMENT_SUSPENDED: "暂停医保服务协议三个月",
    RecordKind.FRAUD: "虚构医药服务骗取医保基金",
    RecordKind.ADMINISTRATIVE_PENALTY: "骗取医保基金，处以罚款并暂停医保结算",
}
# What the decision imposed (处罚内容, the 双公示 row's CF_NR), for the kinds pushed to the provincial platform.
_PENALTIES = {
    RecordKind.ADMINISTRATIVE_PENALTY: "罚款并暂停医保结算六个月",
    RecordKind.FRAUD: "责令退回骗取的医保基金，处骗取金额二倍罚款",
    RecordKind.AGREEMENT_SUSPENDED: "暂停医保服务协议三个月",
}
_SERIOUS_FACTS = {
    RecordKind.FRAUD: "虚构诊疗服务、伪造处方骗取医保基金支付",
    RecordKind.ADMINISTRATIVE_PENALTY: "伪造医疗文书骗取医保基金",
}


async def _demo_records(
    s,
    rng: random.Random,
    subject_id: uuid.UUID,
    cls: SubjectClass,  # type: ignore[no-untyped-def]
    officer: Access,
    reviewer: Access,
    confirmer: Access,
    today: date,
    profile: str | None,
) -> None:
    # Every record belongs to the last finished year, so real-time grading files it under that cycle: a record
    # without a date of its own would be graded under the unfinished current year.
    last_year = today.year - 1
    short_name = region_tree().get(officer.principal.region_code).name[:2]  # 瑶海区 → 瑶海, in decision numbers
    plans: list[tuple[RecordKind, RecordContent]] = [
        (RecordKind.CREDIT_COMMITMENT, RecordContent(title="医保信用承诺书", occurred_on=date(last_year, 1, 5),
                                                     decided_on=date(last_year, 1, 5)))
    ]
    institution = cls is SubjectClass.MEDICAL_INSTITUTION or cls is SubjectClass.RETAIL_PHARMACY
    if institution:
        profile = profile or "fair"
        low, high = _PROFILE_SCORES[profile]
        plans.append(
            (
                RecordKind.ANNUAL_ASSESSMENT,
                RecordContent(
                    title=f"{last_year}年度定点医药机构考核",
                    score=Decimal(rng.randrange(low, high)),
                    occurred_on=date(last_year, 12, 28),
                    decided_on=date(last_year, 12, 28),
                ),
            )
        )
        findings = list(_PROFILE_FINDINGS[profile])
        if profile == "good" and rng.random() < 0.3:
            findings.append((RecordKind.RECOVERED_FUNDS, (2_000, 9_000)))
        for kind, amounts in findings:
            occurred = date(last_year, 1, 1) + timedelta(days=rng.randrange(0, 300))
            serious = kind in _SERIOUS_FACTS
            pushed = kind in PUSHED_KINDS  # a 双公示 row needs its decision's number and what it imposed
            plans.append((kind, RecordContent(
                title=_FINDING_TITLES[kind],
                facts=_SERIOUS_FACTS[kind] if serious else "检查发现超标准收费、重复收费等问题",
                amount=Decimal(rng.randrange(*amounts)) if amounts else None,
                occurred_on=occurred,
                decided_on=occurred + timedelta(days=20),
                penalty=_PENALTIES.get(kind),
                penalty_until=occurred + timedelta(days=20 + 182) if kind is RecordKind.ADMINISTRATIVE_PENALTY
                else None,
                legal_basis=f"《医疗保障基金使用监督管理条例》第{'四十' if serious else '三十八'}条",
                details={"decisionNumber": f"{short_name}医保罚〔{last_year}〕{rng.randrange(1, 300)}号"}
                if pushed else {},
            )))
        if profile == "good" and rng.random() < 0.6:
            plans.append(
                (
                    RecordKind.COMMENDATION,
                    RecordContent(title="县级医疗保障工作先进集体", occurred_on=date(last_year, 11, 1),
                                  decided_on=date(last_year, 11, 1)),
                )
            )
    elif profile == "sanctioned":
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
        # Leave a few records waiting in each queue, so the review screens have work on them (never a
        # dishonesty record or an assessment: the public examples rely on those being confirmed).
        waits = i == len(plans) - 1 and kind in (RecordKind.COMMENDATION, RecordKind.CREDIT_COMMITMENT)
        if waits and rng.random() < 0.3:
            continue
        await archive.act_on_record(
            session=s, access=reviewer, record_id=view.id, action=RecordAction.REVIEW_APPROVE, today=today
        )
        if waits and rng.random() < 0.3:
            continue
        await archive.act_on_record(
            session=s, access=confirmer, record_id=view.id, action=RecordAction.CONFIRM, today=today
        )
