"""Province-scale synthetic archives (省级规模合成数据) for load tests and benchmarks, written with COPY.

Rows are generated in Python at a few microseconds each and streamed to PostgreSQL with binary COPY, so a
province of a million subjects and five million confirmed records loads in minutes. Identifiers are valid
(check characters and all) and unique by construction: every code embeds a counter, never a retry.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
from asyncpg.pgproto.pgproto import UUID as PgUUID

from domain.rules.catalog import RecordKind, ServiceScope, SubjectClass
from domain.rules.records import STANDARD_COMMITMENT_CLAUSES
from domain.synthetic import GIVEN, SURNAMES, mobile_number, person_name
from tenants import RegionLevel, region_tree

ACTOR = "synthetic"
RECORD_CHUNK = 20_000  # records per COPY round: big enough to amortise, small enough for a smooth progress bar

# (class, share of subjects): mostly designated medical institutions and pharmacies among institutions,
# and insured persons plus medical staff among individuals.
CLASS_MIX: tuple[tuple[SubjectClass, float], ...] = (
    (SubjectClass.MEDICAL_INSTITUTION, 0.10),
    (SubjectClass.RETAIL_PHARMACY, 0.08),
    (SubjectClass.INSURED_EMPLOYER, 0.012),
    (SubjectClass.PHARMA_COMPANY, 0.005),
    (SubjectClass.THIRD_PARTY_AGENCY, 0.003),
    (SubjectClass.DOCTOR, 0.14),
    (SubjectClass.NURSE, 0.12),
    (SubjectClass.PHARMACIST, 0.05),
    (SubjectClass.MEDICAL_TECHNICIAN, 0.02),
    (SubjectClass.INSURED_PERSON, 0.47),
)
_DESIGNATED = frozenset({SubjectClass.MEDICAL_INSTITUTION, SubjectClass.RETAIL_PHARMACY})
_STAFF = frozenset({SubjectClass.DOCTOR, SubjectClass.NURSE, SubjectClass.PHARMACIST,
                    SubjectClass.MEDICAL_TECHNICIAN})

K = RecordKind
# Which kinds of record each group of subjects collects, with weights (annual assessments come separately).
_KIND_MIX: dict[str, tuple[tuple[RecordKind, int], ...]] = {
    "designated": ((K.RECOVERED_FUNDS, 25), (K.AUDIT_REDUCTION, 30), (K.INTERVIEW, 8), (K.LATE_REPAYMENT, 3),
                   (K.AGREEMENT_SUSPENDED, 2), (K.ADMINISTRATIVE_PENALTY, 3), (K.FRAUD, 1),
                   (K.COMMENDATION, 5), (K.CREDIT_COMMITMENT, 10), (K.REGISTRATION, 8), (K.AGREEMENT_EVENT, 5)),
    "institution": ((K.CREDIT_COMMITMENT, 30), (K.REGISTRATION, 30), (K.AGREEMENT_EVENT, 20),
                    (K.LATE_REPAYMENT, 10), (K.ADMINISTRATIVE_PENALTY, 5), (K.COMMENDATION, 5)),
    "staff": ((K.STAFF_POINTS, 40), (K.REGISTRATION, 25), (K.CREDIT_COMMITMENT, 25), (K.COMMENDATION, 5),
              (K.INTERVIEW, 5)),
    "insured": ((K.CREDIT_COMMITMENT, 40), (K.REGISTRATION, 37), (K.OTHER_DISHONESTY, 10),
                (K.VERIFIED_WHISTLEBLOWING, 10), (K.FRAUD, 3)),
}
# How much more often a subject of each group turns up in records than an insured person.
_RECORD_WEIGHT = {"designated": 6.0, "institution": 2.0, "staff": 2.0, "insured": 0.5}

_TITLES: dict[RecordKind, str] = {
    K.REGISTRATION: "登记信息", K.ANNUAL_ASSESSMENT: "年度定点医药机构考核", K.AGREEMENT_EVENT: "医保服务协议续签",
    K.COMMENDATION: "医疗保障工作先进集体", K.VERIFIED_WHISTLEBLOWING: "举报欺诈骗保经查属实",
    K.OTHER_TRUST: "其他守信信息", K.RECOVERED_FUNDS: "追回违规使用医保基金", K.AUDIT_REDUCTION: "医保审核扣减",
    K.INTERVIEW: "约谈", K.AGREEMENT_SUSPENDED: "暂停医保服务协议", K.LATE_REPAYMENT: "未按时退回违规资金",
    K.FRAUD: "欺诈骗取医保基金", K.ADMINISTRATIVE_PENALTY: "医保行政处罚", K.REFERRED_CASE: "移送案件",
    K.STAFF_POINTS: "医保支付资格记分", K.OTHER_DISHONESTY: "其他失信信息", K.CREDIT_COMMITMENT: "医保信用承诺书",
}
_FACTS = ("检查发现超标准收费、重复收费等问题", "串换药品、医用耗材、诊疗项目和服务设施", "分解住院、挂床住院",
          "将不属于医保基金支付范围的费用纳入结算", "虚构医药服务项目", "未按规定保管财务账目、处方等资料")
_LEGAL_BASIS = "《医疗保障基金使用监督管理条例》第三十八条"
_FRAUD_BASIS = "《医疗保障基金使用监督管理条例》第四十条"
_PENALTY_KINDS = frozenset({K.AGREEMENT_SUSPENDED, K.ADMINISTRATIVE_PENALTY, K.FRAUD})

_HOSPITALS = ("人民医院", "中医院", "中心卫生院", "妇幼保健院", "骨科医院", "中西医结合医院")
_CLINICS = ("诊所", "门诊部", "社区卫生服务站", "卫生室", "口腔诊所", "中医诊所")
_PHARMACIES = ("大药房", "药店", "医药连锁店", "大药房连锁店")
_COMPANIES = {SubjectClass.INSURED_EMPLOYER: "有限公司", SubjectClass.PHARMA_COMPANY: "医药有限公司",
              SubjectClass.THIRD_PARTY_AGENCY: "健康管理有限公司"}
_ROADS = ("人民路", "长江路", "建设路", "解放路", "和平路", "文化路", "胜利路", "新华路")

# GB 32100 check character: the code alphabet and position weights (faster than stdnum's generic version).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ORG_SPACE = 10**8  # 8-digit organisation code bodies
_BIRTH_DAYS = 365 * 50  # resident birth dates from 1950 onwards
_RIC_SPACE = _BIRTH_DAYS * 1000  # (birth date, 3-digit sequence) pairs
# Multipliers coprime with their spaces: counter → code is a bijection that does not look like a counter.
_ORG_MULT = 48_271_013
_RIC_MULT = 7_368_787


@dataclass(frozen=True, slots=True)
class ScaleSummary:
    """What one bulk load wrote and how long it took."""

    subjects: int
    records: int
    seconds: float


@dataclass(frozen=True, slots=True)
class _County:
    code: str
    label: str  # city and county name, as written on signs and in departments
    department: str
    officer: str
    reviewer: str
    confirmer: str


def _uscc_check(partial: str) -> str:
    """The 18th character of a unified social credit code."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(partial, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def _org_code(n: int) -> str:
    """The GB 11714 organisation code (8 digits and its check character) numbered ``n``."""
    body = f"{n * _ORG_MULT % _ORG_SPACE:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _uscc(n: int, region: str, kind: str) -> str:
    """Unified social credit code number ``n``: unique for distinct ``n`` below 10**8."""
    partial = kind + region + _org_code(n)
    return partial + _uscc_check(partial)


_EPOCH_1950 = date(1950, 1, 1)


def _resident_id(n: int, region: str) -> str:
    """Resident ID number ``n``: unique for distinct ``n`` below 18,250,000, whatever the region."""
    k = n * _RIC_MULT % _RIC_SPACE
    birth = _EPOCH_1950 + timedelta(days=k % _BIRTH_DAYS)
    partial = f"{region}{birth:%Y%m%d}{k // _BIRTH_DAYS:03d}"
    total = sum(int(c) * w for c, w in zip(partial, _RIC_WEIGHTS, strict=True))
    return partial + "10X98765432"[total % 11]


def _counties(province_code: str) -> list[_County]:
    """The county-level leaves under a province (districts of a municipality hang directly under it)."""
    tree = region_tree()
    province = tree.get(province_code)
    if province.level is not RegionLevel.PROVINCE:
        raise ValueError(f"{province_code} ({province.name}) is not a province")
    leaves: list[_County] = []
    stack = list(tree.children(province_code))
    while stack:
        region = stack.pop()
        kids = tree.children(region.code)
        if kids:
            stack.extend(kids)
            continue
        parent = tree.get(region.parent_code or province_code)
        label = region.name if parent.level is RegionLevel.PROVINCE else parent.name + region.name
        leaves.append(_County(code=region.code, label=label, department=f"{label}医疗保障局",
                              officer=f"{region.code}-officer", reviewer=f"{region.code}-reviewer",
                              confirmer=f"{region.code}-confirmer"))
    if not leaves:
        raise ValueError(f"{province_code} has no counties in the region tree")
    return sorted(leaves, key=lambda c: c.code)


def _group(cls: SubjectClass) -> str:
    if cls in _DESIGNATED:
        return "designated"
    if cls in _STAFF:
        return "staff"
    return "institution" if cls.kind == "institution" else "insured"


class _Ids:
    """Fast unique uuids: a random 80-bit prefix per run and a counter, so index inserts stay local."""

    def __init__(self, rng: random.Random) -> None:
        self._base = rng.getrandbits(80) << 48
        self._next = itertools.count()

    def __call__(self) -> PgUUID:
        return PgUUID((self._base + next(self._next)).to_bytes(16, "big"))


def _institution_name(rng: random.Random, cls: SubjectClass, county: _County,
                      scope: ServiceScope | None) -> str:
    word = rng.choice(GIVEN) + rng.choice(GIVEN)
    if cls is SubjectClass.MEDICAL_INSTITUTION:
        if scope is ServiceScope.INPATIENT_AND_OUTPATIENT:
            return f"{county.label}{word}{rng.choice(_HOSPITALS)}"
        return f"{county.label}{rng.choice(SURNAMES)}{word[0]}{rng.choice(_CLINICS)}"
    if cls is SubjectClass.RETAIL_PHARMACY:
        return f"{county.label}{word}{rng.choice(_PHARMACIES)}"
    return f"{county.label}{word}{_COMPANIES.get(cls, '有限公司')}"


async def write_province_scale(conn: asyncpg.Connection, *, province_code: str, subjects: int, records: int,
                               seed: int = 1, progress: Callable[[int, int], None] | None = None) -> ScaleSummary:
    """Bulk-load ``subjects`` subjects and ``records`` confirmed records across a province's counties."""
    started = time.perf_counter()
    counties = _counties(province_code)
    total = subjects + records
    async with conn.transaction():
        # Codes embed a counter; continuing from the rows already there keeps a second load's codes apart.
        offset = int(await conn.fetchval("SELECT count(*) FROM subject"))
        if offset + subjects > _RIC_SPACE:
            raise ValueError("the synthetic code space holds at most 18,250,000 subjects per database")
        rng = random.Random(f"{seed}:{offset}")
        ids = _Ids(rng)
        # The per-row audit trigger would write one audit row per subject; one summary row stands for them.
        # Disabling it inside the transaction locks the table, so no concurrent insert goes unaudited.
        await conn.execute("ALTER TABLE subject DISABLE TRIGGER subject_audit")
        unchecked = await _skip_foreign_key_checks(conn)
        subject_ids, subject_regions, subject_groups = await _copy_subjects(
            conn, rng=rng, ids=ids, counties=counties, count=subjects, offset=offset,
            progress=lambda done: progress(done, total) if progress else None)
        written = await _copy_records(
            conn, rng=rng, ids=ids, counties={c.code: c for c in counties}, subject_ids=subject_ids,
            subject_regions=subject_regions, subject_groups=subject_groups, count=records,
            progress=lambda done: progress(subjects + done, total) if progress else None)
        if unchecked:
            await conn.execute("SET LOCAL session_replication_role = DEFAULT")
        await conn.execute("ALTER TABLE subject ENABLE TRIGGER subject_audit")
        await conn.execute(
            """INSERT INTO audit_log (table_name, row_id, region_code, op, new, actor)
               VALUES ('subject', $1, $2, 'BULK_LOAD', jsonb_build_object('subjects', $3::int, 'records', $4::int),
                       $5)""",
            f"synthetic:{seed}:{offset}", province_code, subjects, written, ACTOR)
    # Fresh statistics, so the planner sees a province and not the empty tables it last analysed.
    for table in ("subject", "credit_record", "credit_record_version", "record_event"):
        await conn.execute(f"ANALYZE {table}")
    return ScaleSummary(subjects=subjects, records=written, seconds=time.perf_counter() - started)


_LOADED_TABLES = ("subject", "credit_record", "credit_record_version", "record_event")


async def _skip_foreign_key_checks(conn: asyncpg.Connection) -> bool:
    """Skip the per-row foreign-key triggers for this transaction when that is safe and allowed.

    Foreign-key checks are row triggers: they double the load time, and every row written here references
    rows written (or regions loaded) just before, so they cannot fail. ``session_replication_role = replica``
    skips every ordinary trigger too, so it is used only when no INSERT trigger other than the (already
    disabled) audit trigger exists on these tables: a trigger someone adds later is never silently skipped.
    Setting it needs a superuser (or a GRANT SET); otherwise the checks simply run.
    """
    others = await conn.fetchval(
        """SELECT count(*) FROM pg_trigger
           WHERE tgrelid = ANY($1::regclass[]) AND NOT tgisinternal AND tgtype & 4 <> 0
             AND tgname <> 'subject_audit'""", list(_LOADED_TABLES))
    if others:
        return False
    try:
        async with conn.transaction():  # a savepoint: a refused SET must not abort the load
            await conn.execute("SET LOCAL session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        return False
    return True


_SUBJECT_COLUMNS = ("id", "kind", "subject_class", "code", "name", "region_code", "service_scope", "phone",
                    "address", "created_at", "created_by", "updated_at")


async def _copy_subjects(conn: asyncpg.Connection, *, rng: random.Random, ids: _Ids, counties: Sequence[_County],
                         count: int, offset: int, progress: Callable[[int], None]
                         ) -> tuple[list[PgUUID], list[str], list[str]]:
    """COPY the subjects; return their ids, regions and record groups, in order."""
    classes = [cls for cls, _ in CLASS_MIX]
    cum = list(itertools.accumulate(share for _, share in CLASS_MIX))
    registered = datetime(date.today().year - 8, 1, 1, tzinfo=UTC)
    span_minutes = 6 * 365 * 24 * 60  # registered within six years, before the records of the last two
    subject_ids: list[PgUUID] = []
    regions: list[str] = []
    groups: list[str] = []

    def rows(start: int, stop: int) -> list[_Batch]:
        out: list[tuple[object, ...]] = []
        for n in range(start, stop):
            cls = classes[bisect.bisect(cum, rng.random() * cum[-1])]
            county = counties[rng.randrange(len(counties))]
            sid = ids()
            created = registered + timedelta(minutes=rng.randrange(span_minutes))
            serial = offset + n
            if cls.kind == "institution":
                scope = None
                kind_code = "91"
                if cls is SubjectClass.MEDICAL_INSTITUTION:
                    inpatient = rng.random() < 0.3
                    scope = ServiceScope.INPATIENT_AND_OUTPATIENT if inpatient else ServiceScope.OUTPATIENT_ONLY
                    kind_code = "12" if inpatient else "52"
                code = _uscc(serial, county.code, kind_code)
                name = _institution_name(rng, cls, county, scope)
                phone = f"0{rng.randrange(100, 999)}-{rng.randrange(10**7):07d}"
                address = f"{county.label}{rng.choice(_ROADS)}{rng.randrange(1, 500)}号"
                row = (sid, "institution", cls.value, code, name, county.code, scope.value if scope else None,
                       phone, address, created, ACTOR, created)
            else:
                row = (sid, "individual", cls.value, _resident_id(serial, county.code), person_name(rng),
                       county.code, None, mobile_number(rng), None, created, ACTOR, created)
            subject_ids.append(sid)
            regions.append(county.code)
            groups.append(_group(cls))
            out.append(row)
        return [("subject", out, _SUBJECT_COLUMNS)]

    await _stream(conn, make=rows, count=count, chunk=RECORD_CHUNK * 2, progress=progress)
    return subject_ids, regions, groups


_RECORD_COLUMNS = ("id", "subject_id", "region_code", "category", "kind", "status", "current_version",
                   "effective_version", "reviewed_by", "confirmed_by", "department", "entered_by", "entered_at",
                   "updated_at")
_VERSION_COLUMNS = ("record_id", "version", "subject_id", "region_code", "title", "facts", "amount", "points",
                    "score", "occurred_on", "decided_on", "penalty", "penalty_until", "legal_basis", "clauses",
                    "author_id", "author_kind", "created_at")
_EVENT_COLUMNS = ("record_id", "subject_id", "region_code", "version", "action", "from_status", "to_status",
                  "actor_id", "actor_kind", "at")
_DAY = timedelta(days=1)
_STAFF_POINTS = tuple(Decimal(p) for p in (1, 2, 3, 6, 9, 12))
_SCORES = tuple(Decimal(s) for s in range(55, 101))
_CLAUSES = list(STANDARD_COMMITMENT_CLAUSES)


async def _copy_records(conn: asyncpg.Connection, *, rng: random.Random, ids: _Ids, counties: dict[str, _County],
                        subject_ids: list[PgUUID], subject_regions: list[str], subject_groups: list[str],
                        count: int, progress: Callable[[int], None]) -> int:
    """COPY ``count`` confirmed records, each with version 1 and its enter → review → confirm trail."""
    if count and not subject_ids:
        raise ValueError("records need subjects: load at least one subject")
    today = date.today()
    latest = today - timedelta(days=5)  # room for review and confirmation to have happened already
    first_year = today.year - 2
    days = [d for d in (date(first_year, 1, 1) + timedelta(days=i) for i in range(731)) if d.year < today.year]
    midnight = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in days]
    hours = [timedelta(hours=h, minutes=m) for h in range(1, 10) for m in (0, 17, 34, 51)]
    kind_mix = {g: ([k for k, _ in mix], list(itertools.accumulate(w for _, w in mix)))
                for g, mix in _KIND_MIX.items()}
    cum_subject = list(itertools.accumulate(_RECORD_WEIGHT[g] for g in subject_groups))
    # One annual assessment per designated institution per year, as far as the budget allows.
    designated = [i for i, g in enumerate(subject_groups) if g == "designated"]
    years = (first_year, first_year + 1)
    assessments = [(i, y) for y in years for i in designated][: count // 2]

    def plan(n: int) -> tuple[int, RecordKind, int | None]:
        """The n-th record's subject, kind and (for assessments) year."""
        if n < len(assessments):
            i, year = assessments[n]
            return i, K.ANNUAL_ASSESSMENT, year
        i = bisect.bisect(cum_subject, rng.random() * cum_subject[-1])
        kinds, cum = kind_mix[subject_groups[i]]
        return i, kinds[bisect.bisect(cum, rng.random() * cum[-1])], None

    def rows(start: int, stop: int) -> list[_Batch]:
        record_rows: list[tuple[object, ...]] = []
        version_rows: list[tuple[object, ...]] = []
        event_rows: list[tuple[object, ...]] = []
        for n in range(start, stop):
            i, kind, year = plan(n)
            sid, region = subject_ids[i], subject_regions[i]
            county = counties[region]
            rid = ids()
            amount = points = score = penalty = penalty_until = facts = basis = None
            clauses: list[str] = []
            if year is not None:
                occurred = date(year, 12, 31)
                decided = min(date(year + 1, 1, 20), latest)
                score = _SCORES[rng.randrange(len(_SCORES))]
                title = f"{year}年度定点医药机构考核"
            else:
                day = rng.randrange(len(days))
                occurred = days[day]
                decided = min(occurred + timedelta(days=rng.randrange(7, 60)), latest)
                title = _TITLES[kind]
                if kind.category == "dishonesty":
                    facts = _FACTS[rng.randrange(len(_FACTS))]
                    basis = _FRAUD_BASIS if kind is K.FRAUD else _LEGAL_BASIS
                if kind is K.RECOVERED_FUNDS or kind is K.AUDIT_REDUCTION:
                    # Skewed like real findings: mostly hundreds to thousands of yuan, now and then a million.
                    amount = Decimal(int(10 ** rng.uniform(4, 8.2))).scaleb(-2)
                elif kind is K.STAFF_POINTS:
                    points = _STAFF_POINTS[rng.randrange(len(_STAFF_POINTS))]
                elif kind is K.CREDIT_COMMITMENT:
                    clauses = _CLAUSES
                if kind in _PENALTY_KINDS:
                    months = rng.choice((1, 3, 6, 12))
                    penalty = f"暂停医保服务协议{months}个月" if kind is not K.ADMINISTRATIVE_PENALTY else "罚款"
                    penalty_until = decided + timedelta(days=30 * months)
            entered = midnight[0] + timedelta(days=(decided - days[0]).days) + hours[rng.randrange(len(hours))]
            reviewed = entered + _DAY
            confirmed = reviewed + _DAY
            record_rows.append((rid, sid, region, kind.category.value, kind.value, "confirmed", 1, 1,
                                county.reviewer, county.confirmer, county.department, county.officer, entered,
                                confirmed))
            version_rows.append((rid, 1, sid, region, title, facts, amount, points, score, occurred, decided,
                                 penalty, penalty_until, basis, clauses, county.officer, "officer", entered))
            event_rows.append((rid, sid, region, 1, "enter", None, "entered", county.officer, "officer", entered))
            event_rows.append((rid, sid, region, 1, "review_approve", "entered", "reviewed", county.reviewer,
                               "officer", reviewed))
            event_rows.append((rid, sid, region, 1, "confirm", "reviewed", "confirmed", county.confirmer,
                               "officer", confirmed))
        return [("credit_record", record_rows, _RECORD_COLUMNS),
                ("credit_record_version", version_rows, _VERSION_COLUMNS),
                ("record_event", event_rows, _EVENT_COLUMNS)]

    await _stream(conn, make=rows, count=count, chunk=RECORD_CHUNK, progress=progress)
    return count


_Batch = tuple[str, list[tuple[object, ...]], tuple[str, ...]]


async def _stream(conn: asyncpg.Connection, *, make: Callable[[int, int], list[_Batch]], count: int, chunk: int,
                  progress: Callable[[int], None]) -> None:
    """COPY ``make``'s rows chunk by chunk, generating the next chunk in a thread while PostgreSQL ingests.

    One worker thread keeps the chunks (and the random stream) in order; while the event loop waits on
    the server the GIL is free, so generation and ingestion overlap on the two cores.
    """
    loop = asyncio.get_running_loop()
    bounds = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    if not bounds:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="synthetic") as pool:
        pending = loop.run_in_executor(pool, make, *bounds[0])
        for k, (_, stop) in enumerate(bounds):
            batches = await pending
            if k + 1 < len(bounds):
                pending = loop.run_in_executor(pool, make, *bounds[k + 1])
            for table, rows, columns in batches:
                await conn.copy_records_to_table(table, records=rows, columns=columns)
            progress(stop)
