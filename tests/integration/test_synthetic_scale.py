"""The province-scale synthetic loader, at a small scale, inside the test's rolled-back transaction."""

from __future__ import annotations

import random
from collections import Counter

import asyncpg

from domain.rules.catalog import RecordKind, SubjectClass
from domain.rules.identifiers import validate_resident_id, validate_uscc
from domain.synthetic_scale import ScaleSummary, write_province_scale
from tests.support.factories import count

SUBJECTS = 2_000
RECORDS = 10_000


async def _load(conn: asyncpg.Connection, *, seed: int = 1) -> ScaleSummary:
    return await write_province_scale(conn, province_code="340000", subjects=SUBJECTS, records=RECORDS, seed=seed)


async def test_a_load_writes_the_requested_subjects_and_confirmed_records_with_versions_and_trails(
        conn: asyncpg.Connection) -> None:
    calls: list[tuple[int, int]] = []
    summary = await write_province_scale(conn, province_code="340000", subjects=SUBJECTS, records=RECORDS,
                                         progress=lambda done, total: calls.append((done, total)))

    assert (summary.subjects, summary.records) == (SUBJECTS, RECORDS)
    assert await count(conn, "subject") == SUBJECTS
    assert await count(conn, "credit_record") == RECORDS
    assert await count(conn, "credit_record_version") == RECORDS
    assert await count(conn, "record_event") == 3 * RECORDS
    assert calls[-1] == (SUBJECTS + RECORDS, SUBJECTS + RECORDS)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    unconfirmed = await conn.fetchval(
        """SELECT count(*) FROM credit_record
           WHERE status <> 'confirmed' OR effective_version <> 1 OR current_version <> 1""")
    assert unconfirmed == 0


async def test_every_record_has_its_version_its_subject_and_an_enter_review_confirm_trail(
        conn: asyncpg.Connection) -> None:
    await _load(conn)

    orphans = await conn.fetchval(
        """SELECT count(*) FROM credit_record r
           LEFT JOIN credit_record_version v ON v.record_id = r.id AND v.version = 1
           LEFT JOIN subject s ON s.id = r.subject_id
           WHERE v.record_id IS NULL OR s.id IS NULL OR s.region_code <> r.region_code
              OR v.subject_id <> r.subject_id""")
    assert orphans == 0
    trails = await conn.fetch(
        """SELECT string_agg(action, ',' ORDER BY id) AS trail, count(*) AS n FROM record_event
           GROUP BY record_id""")
    assert {t["trail"] for t in trails} == {"enter,review_approve,confirm"}
    assert len(trails) == RECORDS
    stray_events = await conn.fetchval(
        "SELECT count(*) FROM record_event e LEFT JOIN credit_record r ON r.id = e.record_id WHERE r.id IS NULL")
    assert stray_events == 0


async def test_every_region_code_is_a_county_of_the_province(conn: asyncpg.Connection) -> None:
    await _load(conn)

    bad = await conn.fetchval(
        """SELECT count(*) FROM (SELECT region_code FROM subject UNION ALL SELECT region_code FROM credit_record) x
           LEFT JOIN region g ON g.code = x.region_code
           WHERE g.code IS NULL OR g.level <> 'county' OR x.region_code NOT LIKE '34%'""")
    assert bad == 0
    counties = await conn.fetchval("SELECT count(DISTINCT region_code) FROM subject")
    assert counties > 50  # spread over Anhui's 100-odd counties, not piled into one


async def test_sampled_codes_are_valid_credit_codes_and_resident_ids(conn: asyncpg.Connection) -> None:
    await _load(conn)

    rows = await conn.fetch("SELECT kind, code, region_code FROM subject")
    for row in random.Random(3).sample(list(rows), 200):
        if row["kind"] == "institution":
            assert validate_uscc(row["code"]) == row["code"]
            assert row["code"][2:8] == row["region_code"]
        else:
            assert validate_resident_id(row["code"]) == row["code"]
            assert row["code"][:6] == row["region_code"]


async def test_the_class_mix_is_mostly_medical_institutions_pharmacies_staff_and_insured_persons(
        conn: asyncpg.Connection) -> None:
    await _load(conn)

    classes = Counter({r["subject_class"]: r["n"] for r in await conn.fetch(
        "SELECT subject_class, count(*) AS n FROM subject GROUP BY 1")})
    share = {cls: classes[cls] / SUBJECTS for cls in classes}
    assert 0.06 < share[SubjectClass.MEDICAL_INSTITUTION] < 0.14
    assert 0.05 < share[SubjectClass.RETAIL_PHARMACY] < 0.11
    assert 0.38 < share[SubjectClass.INSURED_PERSON] < 0.56
    assert share[SubjectClass.DOCTOR] > 0.08 and share[SubjectClass.NURSE] > 0.06
    scopes = await conn.fetch(
        "SELECT subject_class, service_scope, count(*) AS n FROM subject GROUP BY 1, 2")
    for row in scopes:
        has_scope = row["service_scope"] is not None
        assert has_scope == (row["subject_class"] == SubjectClass.MEDICAL_INSTITUTION)
    assert {r["service_scope"] for r in scopes} >= {"inpatient_and_outpatient", "outpatient_only"}


async def test_records_carry_the_amounts_scores_and_points_their_kind_needs(conn: asyncpg.Connection) -> None:
    await _load(conn)

    rows = await conn.fetch(
        """SELECT r.kind, r.category, v.amount, v.score, v.points, v.occurred_on, v.decided_on, v.facts,
                  v.legal_basis
           FROM credit_record r JOIN credit_record_version v ON v.record_id = r.id""")
    years = {r["occurred_on"].year for r in rows}
    assert len(years) == 2
    for r in rows:
        kind = RecordKind(r["kind"])
        assert r["category"] == kind.category
        if kind in (RecordKind.RECOVERED_FUNDS, RecordKind.AUDIT_REDUCTION):
            assert r["amount"] is not None and r["amount"] > 0
        if kind is RecordKind.ANNUAL_ASSESSMENT:
            assert 55 <= r["score"] <= 100
        if kind is RecordKind.STAFF_POINTS:
            assert r["points"] > 0
        if kind.category == "dishonesty":
            assert r["facts"] and r["legal_basis"]
        assert r["decided_on"] >= r["occurred_on"]
    twice = await conn.fetchval(
        """SELECT count(*) FROM (SELECT r.subject_id, v.occurred_on FROM credit_record r
               JOIN credit_record_version v ON v.record_id = r.id
               WHERE r.kind = 'annual_assessment' GROUP BY 1, 2 HAVING count(*) > 1) x""")
    assert twice == 0  # one assessment per institution per year
    kinds = Counter(r["kind"] for r in rows)
    assert kinds[RecordKind.ANNUAL_ASSESSMENT] > 0 and kinds[RecordKind.STAFF_POINTS] > 0


async def test_a_bulk_load_leaves_one_summary_audit_row_instead_of_one_per_subject(
        conn: asyncpg.Connection) -> None:
    before = await count(conn, "audit_log")
    await _load(conn)

    rows = await conn.fetch("SELECT table_name, op, actor, region_code, new FROM audit_log ORDER BY id")
    assert len(rows) == before + 1
    last = rows[-1]
    assert (last["table_name"], last["op"], last["actor"], last["region_code"]) == (
        "subject", "BULK_LOAD", "synthetic", "340000")
    assert last["new"] == {"subjects": SUBJECTS, "records": RECORDS}
    enabled = await conn.fetchval("SELECT tgenabled FROM pg_trigger WHERE tgname = 'subject_audit'")
    assert enabled == b"O"  # the audit trigger is back on for everyone else
    assert await conn.fetchval("SHOW session_replication_role") == "origin"


async def test_a_second_load_with_another_seed_adds_more_without_clashing_codes(conn: asyncpg.Connection) -> None:
    await _load(conn, seed=1)
    await _load(conn, seed=2)

    assert await count(conn, "subject") == 2 * SUBJECTS
    assert await count(conn, "credit_record") == 2 * RECORDS
    assert await conn.fetchval("SELECT count(DISTINCT code) FROM subject") == 2 * SUBJECTS


async def test_names_read_like_chinese_institutions_and_people(conn: asyncpg.Connection) -> None:
    await _load(conn)

    rows = await conn.fetch("SELECT subject_class, name FROM subject")
    for row in rows:
        assert 2 <= len(row["name"]) <= 40
        if row["subject_class"] == SubjectClass.RETAIL_PHARMACY:
            assert "药" in row["name"]
        if row["subject_class"] == SubjectClass.INSURED_PERSON:
            assert len(row["name"]) <= 3
