"""Evaluating one subject in real time, results as of a past instant, rule sets, plans, lists and warnings."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg
import pytest

from domain import evaluation
from domain.access import OfficerRole
from domain.errors import Conflict, Forbidden, InvalidInput
from domain.rules.catalog import Grade, RecordKind, ServiceScope, SubjectClass
from domain.rules.evaluation import ruleset_to_dict, shipped_ruleset
from tests.support.evaluation import access_of, add_record, add_subject

K = RecordKind
WUSHAN = "500237"
TODAY = date(2024, 3, 1)


async def _clinic(conn: asyncpg.Connection) -> object:
    return await add_subject(conn, region=WUSHAN, subject_class=SubjectClass.MEDICAL_INSTITUTION,
                             scope=ServiceScope.OUTPATIENT_ONLY)


async def _evaluate(db, sid, today: date = TODAY):  # type: ignore[no-untyped-def]
    access = access_of(WUSHAN)
    async with db.session(access.db_scope()) as s:
        return await evaluation.evaluate_subject(session=s, access=access, subject_id=sid, today=today)


async def test_as_of_returns_the_earlier_grade_after_a_re_evaluation(conn, db) -> None:  # type: ignore[no-untyped-def]
    sid = await _clinic(conn)
    first = await _evaluate(db, sid)
    between = datetime.now(tz=UTC)
    await asyncio.sleep(0.01)
    for _ in range(2):
        await add_record(conn, sid, K.FRAUD, on=date(2023, 7, 1))
    second = await _evaluate(db, sid)
    assert (first.grade, second.grade) == (Grade.A, Grade.C)
    access = access_of(WUSHAN)
    async with db.session(access.db_scope()) as s:
        then = await evaluation.result_as_of(session=s, access=access, subject_id=sid, at=between)
        now = await evaluation.result_as_of(session=s, access=access, subject_id=sid, at=datetime.now(tz=UTC))
        before = await evaluation.result_as_of(session=s, access=access, subject_id=sid,
                                               at=datetime(2020, 1, 1, tzinfo=UTC))
    assert then is not None and then.id == first.id and then.grade is Grade.A
    assert then.superseded_by == second.id
    assert now is not None and now.id == second.id and now.score == 60
    assert before is None


async def test_a_real_time_report_adds_up_and_carries_its_measures(conn, db) -> None:  # type: ignore[no-untyped-def]
    sid = await _clinic(conn)
    fraud = await add_record(conn, sid, K.FRAUD, on=date(2023, 7, 1))
    await add_record(conn, sid, K.RECOVERED_FUNDS, on=date(2023, 8, 1), amount="50000")
    r = await _evaluate(db, sid)
    access = access_of(WUSHAN)
    async with db.session(access.db_scope()) as s:
        lines = (await evaluation.lines_of(session=s, result_ids=[r.id]))[r.id]
        measures = (await evaluation.measures_of(session=s, result_ids=[r.id]))[r.id]
    assert r.score == 70 and r.base + sum((ln.points for ln in lines), Decimal(0)) == r.score
    assert any(ln.record_ids == (fraud,) and ln.points == -20 and "一(五)" in ln.clause for ln in lines)
    assert measures and all(m.applies_in_year == 2024 and m.grade is Grade.B for m in measures)


async def test_a_negative_record_past_its_disclosure_window_is_not_used(conn, db) -> None:  # type: ignore[no-untyped-def]
    sid = await _clinic(conn)
    # confirmed 2023-01-10: public for 12 months, so no longer usable on 2024-03-01 (001 art.24)
    await add_record(conn, sid, K.FRAUD, on=date(2023, 1, 5), confirmed_at=datetime(2023, 1, 10, tzinfo=UTC))
    # a penalty running to 2024-06-30 keeps the same kind of record usable (never shorter than the penalty)
    other = await _clinic(conn)
    await add_record(conn, other, K.FRAUD, on=date(2023, 1, 5), confirmed_at=datetime(2023, 1, 10, tzinfo=UTC),
                     penalty_until=date(2024, 6, 30))
    assert (await _evaluate(db, sid)).score == 100
    assert (await _evaluate(db, other)).score == 80


async def test_evaluation_by_a_reviewer_or_outside_ones_region_is_forbidden_and_stores_nothing(conn, db) -> None:  # type: ignore[no-untyped-def]
    sid = await _clinic(conn)
    reviewer = access_of(WUSHAN, OfficerRole.REVIEWER)
    async with db.session(reviewer.db_scope()) as s:
        with pytest.raises(Forbidden):
            await evaluation.evaluate_subject(session=s, access=reviewer, subject_id=sid, today=TODAY)
    neighbour = access_of("500236")
    async with db.session(neighbour.db_scope()) as s:
        with pytest.raises(Forbidden):
            await evaluation.run_cycle(session=s, access=neighbour, region_code=WUSHAN, cycle_year=2023,
                                       ruleset_code="cq-wushan-outpatient-pharmacy", today=TODAY)
    assert await conn.fetchval("SELECT count(*) FROM evaluation_result") == 0


def _draft(**changes: object) -> dict[str, object]:
    body = copy.deepcopy(ruleset_to_dict(shipped_ruleset("cq-wushan-outpatient-pharmacy")))
    body.update(version=2, **changes)
    return body


async def test_a_rule_set_with_overlapping_bands_is_refused_and_nothing_is_stored(conn, db) -> None:  # type: ignore[no-untyped-def]
    body = _draft()
    body["bands"][1]["upper_inclusive"] = True  # type: ignore[index]
    author = access_of(WUSHAN)
    before = await conn.fetchval("SELECT count(*) FROM ruleset")
    async with db.session(author.db_scope()) as s:
        with pytest.raises(InvalidInput, match="overlap"):
            await evaluation.draft_ruleset(session=s, access=author, data=body)
    assert await conn.fetchval("SELECT count(*) FROM ruleset") == before


async def test_a_draft_is_activated_by_a_reviewer_not_its_author_and_retires_the_previous_version(conn, db) -> None:  # type: ignore[no-untyped-def]
    author, reviewer = access_of(WUSHAN), access_of(WUSHAN, OfficerRole.REVIEWER)
    async with db.session(author.db_scope()) as s:
        draft = await evaluation.draft_ruleset(session=s, access=author, data=_draft())
        assert draft.status == "draft"
        with pytest.raises(Forbidden):
            await evaluation.activate_ruleset(session=s, access=author, code=draft.code, version=2)
    async with db.session(reviewer.db_scope()) as s:
        active = await evaluation.activate_ruleset(session=s, access=reviewer, code=draft.code, version=2)
        with pytest.raises(Conflict):
            await evaluation.activate_ruleset(session=s, access=reviewer, code=draft.code, version=2)
    assert active.status == "active"
    assert await conn.fetchval("SELECT status FROM ruleset WHERE code = $1 AND version = 1", draft.code) == "retired"
    with pytest.raises(asyncpg.RaiseError):
        await conn.execute("UPDATE ruleset SET body = '{}' WHERE code = $1 AND version = 2", draft.code)


async def test_a_stored_result_cannot_be_changed(conn, db) -> None:  # type: ignore[no-untyped-def]
    r = await _evaluate(db, await _clinic(conn))
    with pytest.raises(asyncpg.RaiseError, match="immutable"):
        await conn.execute("UPDATE evaluation_result SET score = 1 WHERE id = $1", r.id)


async def test_what_if_reports_a_draft_distribution_beside_the_current_and_stores_nothing(conn, db) -> None:  # type: ignore[no-untyped-def]
    sids = [await _clinic(conn) for _ in range(3)]
    await add_record(conn, sids[0], K.INTERVIEW, on=date(2023, 5, 1))
    await add_record(conn, sids[0], K.INTERVIEW, on=date(2023, 5, 2))
    access = access_of(WUSHAN)
    async with db.session(access.db_scope()) as s:
        await evaluation.run_cycle(session=s, access=access, region_code=WUSHAN, cycle_year=2023,
                                   ruleset_code="cq-wushan-outpatient-pharmacy", today=TODAY)
    stricter = _draft()
    stricter["deductions"][1]["points_each"] = "10"  # type: ignore[index]
    results = await conn.fetchval("SELECT count(*) FROM evaluation_result")
    async with db.session(access.db_scope()) as s:
        w = await evaluation.what_if(session=s, access=access, region_code=WUSHAN, data=stricter, today=TODAY)
    assert w.current == {Grade.A: 3} and w.draft == {Grade.A: 2, Grade.B: 1}
    assert await conn.fetchval("SELECT count(*) FROM evaluation_result") == results


async def test_the_same_seed_draws_the_same_inspection_plan(conn, db) -> None:  # type: ignore[no-untyped-def]
    for _ in range(12):
        await _clinic(conn)
    access = access_of(WUSHAN)
    async with db.session(access.db_scope()) as s:
        await evaluation.run_cycle(session=s, access=access, region_code=WUSHAN, cycle_year=2023,
                                   ruleset_code="cq-wushan-outpatient-pharmacy", today=TODAY)
        plans = [await evaluation.draw_inspection_plan(session=s, access=access, region_code=WUSHAN, year=2024,
                                                       inspectors=["i1", "i2", "i3", "i4"], team_size=2, seed=seed)
                 for seed in (42, 42, 7)]
    assert plans[0].assignments == plans[1].assignments and plans[0].id != plans[1].id
    assert plans[0].assignments != plans[2].assignments
    assert all(g is Grade.A and len(team) == 2 for _, g, team in plans[0].assignments)


async def test_a_grade_drop_raises_a_warning_for_the_bureau(conn, db) -> None:  # type: ignore[no-untyped-def]
    sid = await _clinic(conn)
    await _evaluate(db, sid)
    for _ in range(2):
        await add_record(conn, sid, K.FRAUD, on=date(2023, 7, 1))
    await _evaluate(db, sid)
    access = access_of(WUSHAN)
    async with db.session(access.db_scope()) as s:
        found = await evaluation.list_warnings(session=s, access=access)
        board = await evaluation.grades_by_region(session=s, access=access_of("500000"), parent_code="500000",
                                                  cycle_year=2023)
        lists = await evaluation.credit_lists(session=s, access=access, region_code=WUSHAN, cycle_year=2023,
                                              today=TODAY)
    assert {w.kind for w in found} == {"band_crossed", "sharp_drop", "repeated_violation"}
    assert board == [("500237", Grade.C, 1)]  # Chongqing counties sit right under the municipality
    assert [(e.subject_id, str(e.membership.list_kind)) for e in lists] == [(sid, "black")]
