"""The set-based cycle (one SQL statement per step, no loop per subject) gives exactly what the engine gives."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from domain import evaluation
from domain.rules.catalog import Grade, RecordKind, ServiceScope, SubjectClass
from domain.rules.evaluation import evaluate
from domain.single_connection_db import SingleConnectionDatabase
from domain.subjects import subjects_by_ids
from tests.support.evaluation import access_of, add_record, add_subject

K = RecordKind
WUSHAN = "500237"
AS_OF = date(2024, 3, 1)  # cycle 2023 is evaluated in 2024 (002 art.15)
ON = date(2023, 6, 1)


async def _clinic(conn: asyncpg.Connection, *records: tuple[RecordKind, dict[str, object]]) -> uuid.UUID:
    sid = await add_subject(conn, region=WUSHAN, subject_class=SubjectClass.MEDICAL_INSTITUTION,
                            scope=ServiceScope.OUTPATIENT_ONLY)
    for kind, kw in records:
        await add_record(conn, sid, kind, on=kw.pop("on", ON), **kw)  # type: ignore[arg-type]
    return sid


async def _hospital(conn: asyncpg.Connection, *scores: str) -> uuid.UUID:
    sid = await add_subject(conn, region=WUSHAN, subject_class=SubjectClass.MEDICAL_INSTITUTION,
                            scope=ServiceScope.INPATIENT_AND_OUTPATIENT)
    for i, s in enumerate(scores):
        await add_record(conn, sid, K.ANNUAL_ASSESSMENT, on=date(2023, 12, 1 + i), score=s)
    return sid


async def _wushan_population(conn: asyncpg.Connection) -> dict[str, uuid.UUID]:
    """Outpatient clinics, pharmacies and hospitals at every edge of the Wushan table."""
    amount = {f"amount {a}": await _clinic(conn, (K.RECOVERED_FUNDS, {"amount": a}))
              for a in ("0", "9999.99", "10000", "49999.99", "50000", "99999.99", "100000")}
    split = await _clinic(conn, (K.RECOVERED_FUNDS, {"amount": "6000"}), (K.AUDIT_REDUCTION, {"amount": "4000"}))
    out = {
        **amount,
        "recovered plus reduced 10000": split,
        "zero violations": await _clinic(conn),
        "exactly 90": await _clinic(conn, (K.INTERVIEW, {}), (K.INTERVIEW, {})),
        "just under 90": await _clinic(conn, (K.INTERVIEW, {}), (K.INTERVIEW, {}),
                                       (K.RECOVERED_FUNDS, {"amount": "100"})),
        "exactly 65": await _clinic(conn, (K.FRAUD, {}), (K.AGREEMENT_SUSPENDED, {}), (K.LATE_REPAYMENT, {})),
        "exactly 60": await _clinic(conn, (K.FRAUD, {}), (K.FRAUD, {})),
        "under 60": await _clinic(conn, (K.FRAUD, {}), (K.FRAUD, {}), (K.RECOVERED_FUNDS, {"amount": "1"})),
        "suspended twice, capped": await _clinic(conn, (K.AGREEMENT_SUSPENDED, {}), (K.AGREEMENT_SUSPENDED, {})),
        "floored at 0": await _clinic(conn, *((K.FRAUD, {}) for _ in range(6))),
        "ended by subject": await _clinic(conn, (K.AGREEMENT_EVENT, {"details": {"agreement_end_reason":
                                                                                 "by_subject"}})),
        "ended for violation": await _clinic(conn, (K.AGREEMENT_EVENT, {"details": {"agreement_end_reason":
                                                                                    "for_violation"}})),
        "not renewed": await _clinic(conn, (K.AGREEMENT_EVENT, {"details": {"agreement_end_reason":
                                                                            "not_renewed"}})),
        "5 months in business": await _clinic(conn, (K.REGISTRATION, {"details": {"months_in_business": 5}})),
        "6 months in business": await _clinic(conn, (K.REGISTRATION, {"details": {"months_in_business": 6}})),
        "fraud past its window": await _clinic(conn, (K.FRAUD, {"on": date(2023, 1, 5), "confirmed_at":
                                                                datetime(2023, 1, 10, tzinfo=UTC)})),
        "fraud withdrawn": await _clinic(conn, (K.FRAUD, {"status": "withdrawn"})),
        "fraud awaiting review": await _clinic(conn, (K.FRAUD, {"status": "entered"})),
        "fraud of another cycle": await _clinic(conn, (K.FRAUD, {"on": date(2022, 12, 31)})),
        "hospital 90": await _hospital(conn, "90"),
        "hospital 89.99": await _hospital(conn, "89.99"),
        "hospital 65": await _hospital(conn, "65"),
        "hospital 64.99": await _hospital(conn, "64.99"),
        "hospital 60": await _hospital(conn, "60"),
        "hospital 59.99": await _hospital(conn, "59.99"),
        "hospital corrected to 70": await _hospital(conn, "95", "70"),
        "hospital without assessment": await _hospital(conn),
    }
    pharmacy = await add_subject(conn, region=WUSHAN, subject_class=SubjectClass.RETAIL_PHARMACY)
    await add_record(conn, pharmacy, K.RECOVERED_FUNDS, on=ON, amount="50000")
    await add_record(conn, pharmacy, K.INTERVIEW, on=ON)
    out["pharmacy 50000 and an interview"] = pharmacy
    return out


async def _engine_view(db: SingleConnectionDatabase, code: str, sids: list[uuid.UUID], year: int,
                       as_of: date) -> dict[uuid.UUID, tuple[object, ...]]:
    access = access_of(WUSHAN)
    async with db.session(access.db_scope()) as s:
        rs = (await evaluation.get_ruleset(session=s, access=access, code=code)).ruleset
        rows = list((await subjects_by_ids(session=s, ids=sids)).values())
        facts = await evaluation.load_facts(session=s, subjects=rows, cycle_year=year, as_of=as_of)
    out = {}
    for sid, f in facts.items():
        ev = evaluate(ruleset=rs, facts=f, as_of=as_of, cycle_year=year)
        lines = tuple((ln.item_code, ln.clause, tuple(uuid.UUID(x) for x in ln.record_ids), ln.points,
                       ln.explanation) for ln in ev.lines)
        out[sid] = (ev.base, ev.score, ev.grade, ev.excluded_reason, lines)
    return out


async def _stored_view(db: SingleConnectionDatabase, sids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[object, ...]]:
    access = access_of(WUSHAN)
    out = {}
    async with db.session(access.db_scope()) as s:
        for sid in sids:
            r = await evaluation.result_as_of(session=s, access=access, subject_id=sid,
                                              at=datetime.now(tz=UTC))
            assert r is not None
            lines = (await evaluation.lines_of(session=s, result_ids=[r.id]))[r.id]
            out[sid] = (r.base, r.score, r.grade, r.excluded_reason,
                        tuple((ln.item_code, ln.clause, ln.record_ids, ln.points, ln.explanation) for ln in lines))
    return out


async def test_the_sql_cycle_grades_every_wushan_edge_exactly_as_the_engine(conn, db) -> None:  # type: ignore[no-untyped-def]
    population = await _wushan_population(conn)
    access = access_of(WUSHAN)
    for code in ("cq-wushan-outpatient-pharmacy", "cq-wushan-hospital-assessment"):
        async with db.session(access.db_scope()) as s:
            await evaluation.run_cycle(session=s, access=access, region_code=WUSHAN, cycle_year=2023,
                                       ruleset_code=code, today=AS_OF)
    sids = list(population.values())
    stored = await _stored_view(db, sids)
    outpatient = [population[k] for k in population if not k.startswith("hospital")]
    hospital = [population[k] for k in population if k.startswith("hospital")]
    expected = {**await _engine_view(db, "cq-wushan-outpatient-pharmacy", outpatient, 2023, AS_OF),
                **await _engine_view(db, "cq-wushan-hospital-assessment", hospital, 2023, AS_OF)}
    for name, sid in population.items():
        assert stored[sid] == expected[sid], name
    grade = {name: stored[sid][2] for name, sid in population.items()}
    assert grade["exactly 90"] is Grade.A and grade["just under 90"] is Grade.B
    assert grade["exactly 65"] is Grade.B and grade["exactly 60"] is Grade.C and grade["under 60"] is Grade.D
    assert grade["hospital 90"] is Grade.A and grade["hospital 89.99"] is Grade.B
    assert grade["hospital 64.99"] is Grade.C and grade["hospital 59.99"] is Grade.D
    assert grade["hospital corrected to 70"] is Grade.B
    assert grade["fraud past its window"] is Grade.A and grade["fraud withdrawn"] is Grade.A
    assert grade["fraud awaiting review"] is Grade.A and grade["fraud of another cycle"] is Grade.A
    assert grade["5 months in business"] is None and grade["6 months in business"] is Grade.A
    assert stored[population["floored at 0"]][1] == 0
    assert stored[population["amount 100000"]][1] == 80 and stored[population["amount 99999.99"]][1] == 90


async def test_every_stored_report_adds_up_to_its_score(conn, db) -> None:  # type: ignore[no-untyped-def]
    population = await _wushan_population(conn)
    access = access_of(WUSHAN)
    async with db.session(access.db_scope()) as s:
        await evaluation.run_cycle(session=s, access=access, region_code=WUSHAN, cycle_year=2023,
                                   ruleset_code="cq-wushan-outpatient-pharmacy", today=AS_OF)
    stored = await _stored_view(db, [population["under 60"], population["floored at 0"], population["exactly 65"]])
    for base, score, _, _, lines in stored.values():
        assert base + sum((ln[3] for ln in lines), Decimal(0)) == score


async def test_a_second_cycle_supersedes_the_first_and_measures_follow_the_grade(conn, db) -> None:  # type: ignore[no-untyped-def]
    sid = await _clinic(conn, (K.FRAUD, {}), (K.FRAUD, {}), (K.FRAUD, {}))
    access = access_of(WUSHAN)
    for _ in range(2):
        async with db.session(access.db_scope()) as s:
            run = await evaluation.run_cycle(session=s, access=access, region_code=WUSHAN, cycle_year=2023,
                                             ruleset_code="cq-wushan-outpatient-pharmacy", today=AS_OF)
    assert run.distribution == {Grade.D: 1}
    assert await conn.fetchval("SELECT count(*) FROM evaluation_result WHERE subject_id = $1", sid) == 2
    assert await conn.fetchval("SELECT count(*) FROM evaluation_result WHERE subject_id = $1 "
                               "AND superseded_at IS NULL", sid) == 1
    codes = await conn.fetch("SELECT m.code, m.applies_in_year FROM applied_measure m JOIN evaluation_result e "
                             "ON e.id = m.result_id WHERE e.subject_id = $1 AND e.superseded_at IS NULL", sid)
    assert codes and all(r["applies_in_year"] == 2024 for r in codes)


async def test_guangdong_and_sichuan_cycles_match_the_engine_too(conn, db) -> None:  # type: ignore[no-untyped-def]
    cases = [("440303", "gd-institutions-dynamic-points", SubjectClass.RETAIL_PHARMACY),
             ("511602", "sc-medical-institution-weighted", SubjectClass.MEDICAL_INSTITUTION)]
    for region, code, cls in cases:
        scope = ServiceScope.OUTPATIENT_ONLY if cls is SubjectClass.MEDICAL_INSTITUTION else None
        sids = []
        for i in range(4):
            sid = await add_subject(conn, region=region, subject_class=cls, scope=scope)
            for _ in range(i):
                await add_record(conn, sid, K.INTERVIEW, on=date(2024, 5, 1))
                await add_record(conn, sid, K.COMMENDATION, on=date(2024, 5, 2))
                await add_record(conn, sid, K.RECOVERED_FUNDS, on=date(2024, 5, 3), amount="30000")
            for _ in range(i * 2):
                await add_record(conn, sid, K.FRAUD, on=date(2024, 6, 1))
                await add_record(conn, sid, K.OTHER_DISHONESTY, on=date(2024, 6, 1))
            sids.append(sid)
        access = access_of(region)
        async with db.session(access.db_scope()) as s:
            stored_rs = await evaluation.get_ruleset(session=s, access=access, code=code)
            year = 2024
            as_of = date(2024 + stored_rs.ruleset.cycle.evaluate_offset_years, 12, 31)
            await evaluation.run_cycle(session=s, access=access, region_code=region, cycle_year=year,
                                       ruleset_code=code, today=as_of)
            rows = list((await subjects_by_ids(session=s, ids=sids)).values())
            facts = await evaluation.load_facts(session=s, subjects=rows, cycle_year=year, as_of=as_of)
            for sid in sids:
                ev = evaluate(ruleset=stored_rs.ruleset, facts=facts[sid], as_of=as_of, cycle_year=year)
                r = await evaluation.result_as_of(session=s, access=access, subject_id=sid, at=datetime.now(tz=UTC))
                assert r is not None
                lines = (await evaluation.lines_of(session=s, result_ids=[r.id]))[r.id]
                assert (r.score, r.grade) == (ev.score, ev.grade), code
                assert [(ln.item_code, ln.points, ln.explanation) for ln in lines] == [
                    (ln.item_code, ln.points, ln.explanation) for ln in ev.lines], code


async def _publish(conn: asyncpg.Connection, record_id: uuid.UUID, *, at: datetime, until: datetime) -> None:
    """A publication of the record, as the city bureau's publish leaves it (written as the owner)."""
    await conn.execute(
        """INSERT INTO publication (item_type, item_id, subject_id, region_code, publisher_region, category, kind,
               status, window_months, prepared_by, published_by, published_at, public_until, public_payload)
           SELECT 'record', r.id, r.subject_id, r.region_code, '500000', r.category, r.kind, 'published', 6,
                  'test', 'test', $2, $3, '{}'::jsonb FROM credit_record r WHERE r.id = $1""", record_id, at, until)


async def test_a_published_record_is_used_within_its_publication_window_not_the_default_one(conn, db) -> None:  # type: ignore[no-untyped-def]
    # confirmed 2023-06-10: the default window (12 months from confirmation) is open on 2024-03-01
    confirmed = datetime(2023, 6, 10, tzinfo=UTC)
    unpublished = await _clinic(conn, (K.FRAUD, {"confirmed_at": confirmed}))
    published = await _clinic(conn, (K.FRAUD, {"confirmed_at": confirmed}))
    # the city bureau published the same kind of record for 6 months, ending 2024-01-01: no longer usable
    await _publish(conn, await conn.fetchval("SELECT id FROM credit_record WHERE subject_id = $1", published),
                   at=datetime(2023, 7, 1, tzinfo=UTC), until=datetime(2023, 12, 31, 16, tzinfo=UTC))
    # published later for 12 months, ending 2024-07-01: its window outlasts the default one (2024-06-10)
    late = await _clinic(conn, (K.FRAUD, {"confirmed_at": confirmed}))
    await _publish(conn, await conn.fetchval("SELECT id FROM credit_record WHERE subject_id = $1", late),
                   at=datetime(2023, 7, 1, tzinfo=UTC), until=datetime(2024, 6, 30, 16, tzinfo=UTC))
    access = access_of(WUSHAN)
    sids = [unpublished, published, late]
    for today in (AS_OF, date(2024, 6, 20)):
        async with db.session(access.db_scope()) as s:
            await evaluation.run_cycle(session=s, access=access, region_code=WUSHAN, cycle_year=2023,
                                       ruleset_code="cq-wushan-outpatient-pharmacy", today=today)
        stored = await _stored_view(db, sids)
        assert stored == await _engine_view(db, "cq-wushan-outpatient-pharmacy", sids, 2023, today)
        scores = [stored[sid][1] for sid in sids]
        assert scores == ([80, 100, 80] if today == AS_OF else [100, 100, 80]), today


async def test_a_result_line_or_measure_referring_to_nothing_is_refused_like_a_foreign_key(conn) -> None:  # type: ignore[no-untyped-def]
    sid = await _clinic(conn)
    result = """INSERT INTO evaluation_result (id, subject_id, region_code, subject_class, ruleset_code, ruleset_version,
                    cycle_year, as_of, trigger, base, score, grade, evaluated_by, evaluated_at)
                VALUES (gen_random_uuid(), {subject}, '500237', 'medical_institution', 'cq-wushan-outpatient-pharmacy',
                        {version}, 2023, '2024-03-01', 'cycle', 100, 100, 'A', 'test', now())"""
    for sql in (result.format(subject="$1", version="99"), result.format(subject="(SELECT gen_random_uuid() WHERE $1::uuid IS NOT NULL)", version="1"),
                """INSERT INTO evaluation_line (result_id, line_no, subject_id, region_code, item_code, clause, points,
                       explanation) VALUES (gen_random_uuid(), 1, $1, '500237', 'X', '', 0, 'x')""",
                """INSERT INTO applied_measure (result_id, code, subject_id, region_code, grade, description, clause,
                       applies_in_year) VALUES (gen_random_uuid(), 'X', $1, '500237', 'A', 'x', '', 2024)"""):
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            async with conn.transaction():
                await conn.execute(sql, sid)


async def test_a_subject_keeps_its_id(conn) -> None:  # type: ignore[no-untyped-def]
    sid = await _clinic(conn)
    with pytest.raises(asyncpg.RaiseError):
        async with conn.transaction():
            await conn.execute("UPDATE subject SET id = gen_random_uuid() WHERE id = $1", sid)


async def _repair(conn: asyncpg.Connection, record_id: uuid.UUID, *, decided_at: datetime,
                  status: str = "approved") -> None:
    """A decided credit repair of the record, as the deciding department leaves it (written as the owner)."""
    revocation = None
    if status == "revoked":
        revocation = await conn.fetchval(
            """SELECT add.id FROM (SELECT r.subject_id FROM credit_record r WHERE r.id = $1) s,
                   LATERAL (SELECT id FROM credit_record WHERE subject_id = s.subject_id LIMIT 1) add""", record_id)
    await conn.execute(
        """INSERT INTO repair_application (subject_id, region_code, record_id, kind, handler_department, status,
               statement, application_no, display_started, eligible_from, filed_by, decided_by, decided_at,
               decision_no, revoked_by, revoked_at, revoke_reason, revocation_record_id)
           SELECT r.subject_id, r.region_code, r.id, r.kind, 'test', $2::text, '已整改', 'XF-' || r.id, DATE '2024-01-01',
                  DATE '2024-04-01', 'test', 'test', $3::timestamptz, 'JD-' || r.id,
                  CASE WHEN $2::text = 'revoked' THEN 'test' END, CASE WHEN $2::text = 'revoked' THEN $3::timestamptz END,
                  CASE WHEN $2::text = 'revoked' THEN '提供虚假材料' END, $4::uuid
           FROM credit_record r WHERE r.id = $1""", record_id, status, decided_at, revocation)


async def test_a_repaired_record_stops_counting_where_the_rule_set_says_so_in_the_cycle_as_in_the_engine(
        conn, db) -> None:  # type: ignore[no-untyped-def]
    region, code = "440303", "gd-institutions-dynamic-points"  # Guangdong: repaired_records_count false
    china = ZoneInfo("Asia/Shanghai")
    repaired = await add_subject(conn, region=region, subject_class=SubjectClass.RETAIL_PHARMACY)
    fixed = await add_record(conn, repaired, K.FRAUD, on=date(2024, 3, 1))
    await add_record(conn, repaired, K.INTERVIEW, on=date(2024, 5, 1))
    await _repair(conn, fixed, decided_at=datetime(2024, 9, 1, 10, tzinfo=china))
    revoked = await add_subject(conn, region=region, subject_class=SubjectClass.RETAIL_PHARMACY)
    cheat = await add_record(conn, revoked, K.FRAUD, on=date(2024, 3, 1))
    await _repair(conn, cheat, decided_at=datetime(2024, 9, 1, 10, tzinfo=china), status="revoked")
    later = await add_subject(conn, region=region, subject_class=SubjectClass.RETAIL_PHARMACY)
    pending = await add_record(conn, later, K.FRAUD, on=date(2024, 3, 1))
    # approved on 1 January 2025 at 00:30 in China (31 December in UTC): after the cycle's as-of day
    await _repair(conn, pending, decided_at=datetime(2025, 1, 1, 0, 30, tzinfo=china))
    sids = [repaired, revoked, later]
    access = access_of(region)
    async with db.session(access.db_scope()) as s:
        stored_rs = await evaluation.get_ruleset(session=s, access=access, code=code)
        assert stored_rs.ruleset.repaired_records_count is False
        as_of = date(2024, 12, 31)
        await evaluation.run_cycle(session=s, access=access, region_code=region, cycle_year=2024,
                                   ruleset_code=code, today=as_of)
        rows = list((await subjects_by_ids(session=s, ids=sids)).values())
        facts = await evaluation.load_facts(session=s, subjects=rows, cycle_year=2024, as_of=as_of)
        counted = {}
        for sid in sids:
            ev = evaluate(ruleset=stored_rs.ruleset, facts=facts[sid], as_of=as_of, cycle_year=2024)
            r = await evaluation.result_as_of(session=s, access=access, subject_id=sid, at=datetime.now(tz=UTC))
            assert r is not None
            lines = (await evaluation.lines_of(session=s, result_ids=[r.id]))[r.id]
            assert (r.score, r.grade) == (ev.score, ev.grade)
            assert [(ln.item_code, ln.points, ln.record_ids) for ln in lines] == [
                (ln.item_code, ln.points, tuple(uuid.UUID(x) for x in ln.record_ids)) for ln in ev.lines]
            counted[sid] = {x for ln in lines for x in ln.record_ids}
    assert fixed not in counted[repaired]  # repaired before the as-of day: no longer counts
    assert cheat in counted[revoked]  # a revoked repair restores the record
    assert pending in counted[later]  # approved after the as-of day (China time): still counts then
