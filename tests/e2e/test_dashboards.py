"""What the dashboard teams meet: orders with stable cursors, filters, totals on every list, linked subjects,
every child region counted, grade breakdowns, consistent fields; each through HTTP with real tokens."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import asyncpg
import httpx
import pytest

from api.settings import Settings
from domain.access import OfficerRole
from domain.rules.catalog import RecordKind, SubjectClass
from domain.rules.disclosure import CHINA_STANDARD_TIME, _add_months
from domain.single_connection_db import SingleConnectionDatabase
from tenants import region_tree
from tests.support.evaluation import add_record
from tests.support.factories import GraphQL, error_codes, insert_subject, officer, subject_principal
from tests.support.publication import insert_confirmed_record, insert_result, publish_record, publish_result

YAOHAI, HEFEI = "340102", "340100"
BUREAU = officer(HEFEI)


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


SUBJECTS = """query($after: String, $order: SubjectOrder!, $grade: Grade) {
  subjects(first: 3, after: $after, orderBy: $order, filter: { regionCode: "340102", grade: $grade }) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { name createdAt } } } }"""


async def _all_pages(gql: GraphQL, order: str) -> list[str]:
    names: list[str] = []
    after = None
    while True:
        body = await gql(SUBJECTS, {"after": after, "order": order}, as_=BUREAU)
        page = body["data"]["subjects"]
        names += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return names
        after = page["pageInfo"]["endCursor"]


async def test_subjects_ordered_by_name_come_page_by_page_each_exactly_once(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    names = ["丁药房", "甲药房", "乙药房", "丙药房", "戊药房", "己药房", "庚药房"]
    for name in names:
        await insert_subject(conn, region=YAOHAI, name=name)
    # by pinyin (bing, ding, geng, ji, jia, wu, yi), as a Chinese reader expects, not by code point
    assert await _all_pages(gql, "NAME_ASC") == ["丙药房", "丁药房", "庚药房", "己药房", "甲药房", "戊药房", "乙药房"]
    first = await gql(SUBJECTS, {"order": "NAME_ASC"}, as_=BUREAU)
    assert first["data"]["subjects"]["totalCount"] == 7


async def test_a_cursor_handed_out_for_one_order_is_refused_for_another(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        await insert_subject(conn, region=YAOHAI)
    first = await gql(SUBJECTS, {"order": "NAME_ASC"}, as_=BUREAU)
    cursor = first["data"]["subjects"]["pageInfo"]["endCursor"]
    body = await gql(SUBJECTS, {"order": "CODE_ASC", "after": cursor}, as_=BUREAU)
    assert error_codes(body) == ["INVALID_INPUT"]
    assert "另一种排序" in body["errors"][0]["message"]


async def test_subjects_filter_by_their_current_grade(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    poor = await insert_subject(conn, region=YAOHAI, name="差药房")
    good = await insert_subject(conn, region=YAOHAI, name="好药房")
    await insert_subject(conn, region=YAOHAI, name="未评药房")
    await insert_result(conn, subject_id=poor, region=YAOHAI, grade="A", cycle_year=2024)
    await insert_result(conn, subject_id=poor, region=YAOHAI, grade="C", cycle_year=2025)  # the latest cycle counts
    await insert_result(conn, subject_id=good, region=YAOHAI, grade="A", cycle_year=2025)
    body = await gql(SUBJECTS, {"order": "CODE_ASC", "grade": "C"}, as_=BUREAU)
    page = body["data"]["subjects"]
    assert [e["node"]["name"] for e in page["edges"]] == ["差药房"] and page["totalCount"] == 1
    in_2024 = await gql("""{ subjects(filter: { regionCode: "340102", grade: A, cycleYear: 2024 }) {
        edges { node { name } } } }""", as_=BUREAU)
    assert [e["node"]["name"] for e in in_2024["data"]["subjects"]["edges"]] == ["差药房"]


async def test_timestamps_are_written_in_beijing_time(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    await insert_subject(conn, region=YAOHAI)
    body = await gql(SUBJECTS, {"order": "CODE_ASC"}, as_=BUREAU)
    created = body["data"]["subjects"]["edges"][0]["node"]["createdAt"]
    assert created.endswith("+08:00")
    assert datetime.fromisoformat(created) == await conn.fetchval("SELECT created_at FROM subject")


RECORDS = """query($s: ID, $kind: RecordKind, $from: Date, $to: Date, $order: RecordOrder!, $after: String) {
  records(subjectId: $s, kind: $kind, occurredFrom: $from, occurredTo: $to, orderBy: $order, first: 2,
          after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { kind current { occurredOn } subject { name } } } } }"""


async def test_records_filter_by_subject_kind_and_dates_and_order_by_date_of_conduct(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    mine = await insert_subject(conn, region=YAOHAI, name="甲药房")
    other = await insert_subject(conn, region=YAOHAI, name="乙药房")
    for day, kind in [(date(2025, 5, 1), RecordKind.INTERVIEW), (date(2025, 2, 1), RecordKind.INTERVIEW),
                      (date(2025, 3, 1), RecordKind.AUDIT_REDUCTION), (date(2024, 12, 1), RecordKind.INTERVIEW)]:
        await add_record(conn, mine, kind, on=day, amount="10.00" if kind is RecordKind.AUDIT_REDUCTION else None)
    await add_record(conn, other, RecordKind.INTERVIEW, on=date(2025, 4, 1))

    variables = {"s": str(mine), "kind": "INTERVIEW", "from": "2025-01-01", "to": "2025-12-31",
                 "order": "OCCURRED_ON_ASC"}
    body = await gql(RECORDS, variables, as_=BUREAU)
    page = body["data"]["records"]
    assert page["totalCount"] == 2
    assert [e["node"]["current"]["occurredOn"] for e in page["edges"]] == ["2025-02-01", "2025-05-01"]
    assert {e["node"]["subject"]["name"] for e in page["edges"]} == {"甲药房"}

    everything = await gql(RECORDS, {"order": "OCCURRED_ON_DESC"}, as_=BUREAU)
    days = [e["node"]["current"]["occurredOn"] for e in everything["data"]["records"]["edges"]]
    after = everything["data"]["records"]["pageInfo"]["endCursor"]
    rest = await gql(RECORDS, {"order": "OCCURRED_ON_DESC", "after": after}, as_=BUREAU)
    days += [e["node"]["current"]["occurredOn"] for e in rest["data"]["records"]["edges"]]
    assert days == ["2025-05-01", "2025-04-01", "2025-03-01", "2025-02-01"]


async def test_a_date_range_that_ends_before_it_starts_is_refused(gql: GraphQL) -> None:
    body = await gql(RECORDS, {"from": "2025-02-01", "to": "2025-01-01", "order": "ENTERED_AT_DESC"}, as_=BUREAU)
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_counts_by_region_list_every_child_region_even_with_no_subjects(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await insert_subject(conn, region=YAOHAI)
    body = await gql('{ subjectCountsByRegion(parentCode: "340100") { region { code } count } }', as_=BUREAU)
    rows = {r["region"]["code"]: r["count"] for r in body["data"]["subjectCountsByRegion"]}
    children = [c.code for c in region_tree().children(HEFEI)]
    assert list(rows) == children
    assert rows[YAOHAI] == 3 and rows["340104"] == 0


WARNINGS = """query($n: Int!) { creditWarningsPage(first: $n, regionCode: "340100") { totalCount
  edges { node { warningKind message subject { name region { code } } } } } }"""


async def _insert_warning(conn: asyncpg.Connection, subject_id: uuid.UUID, minutes: int) -> None:
    await conn.execute(
        """INSERT INTO credit_warning (id, subject_id, region_code, kind, message, raised_at)
           VALUES (gen_random_uuid(), $1, '340102', 'band_crossed', '信用等级由B级降为C级。',
                   now() - make_interval(mins => $2))""", subject_id, minutes)


async def _statements(gql: GraphQL, db: SingleConnectionDatabase, query: str, variables: dict[str, object]) -> int:
    seen: list[str] = []
    stop = db.listen(lambda q: seen.append(q.query))
    try:
        body = await gql(query, variables, as_=BUREAU)
    finally:
        stop()
    assert "errors" not in body, body
    return len([q for q in seen if not q.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                                        "RELEASE", "SELECT SET_CONFIG", "SET "))])


async def test_warnings_come_with_their_subjects_in_one_batched_statement_whatever_the_page_size(
    gql: GraphQL, db: SingleConnectionDatabase, conn  # type: ignore[no-untyped-def]
) -> None:
    for i in range(25):
        await _insert_warning(conn, await insert_subject(conn, region=YAOHAI), minutes=i)
    await gql(WARNINGS, {"n": 1}, as_=BUREAU)  # asyncpg introspects types once per connection; not per page
    small = await _statements(gql, db, WARNINGS, {"n": 5})
    large = await _statements(gql, db, WARNINGS, {"n": 20})
    assert small == large <= 3 + 1  # page, count, subjects (+ the request's scope)
    body = await gql(WARNINGS, {"n": 20}, as_=BUREAU)
    page = body["data"]["creditWarningsPage"]
    assert page["totalCount"] == 25 and len(page["edges"]) == 20
    assert all(e["node"]["subject"]["region"]["code"] == YAOHAI for e in page["edges"])
    assert page["edges"][0]["node"]["warningKind"] == "BAND_CROSSED"


async def test_the_black_list_is_paged_with_its_total_and_each_entry_links_its_subject(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        sid = await insert_subject(conn, region=YAOHAI, name=f"差{i}药房")
        await insert_result(conn, subject_id=sid, region=YAOHAI, grade="D", cycle_year=2025)
    query = """query($after: String) { creditListsPage(regionCode: "340102", cycleYear: 2025, listKind: BLACK,
      first: 2, after: $after, orderBy: NAME_ASC) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { kind reasonCodes subject { name } } } } }"""
    first = (await gql(query, {}, as_=BUREAU))["data"]["creditListsPage"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    second = (await gql(query, {"after": first["pageInfo"]["endCursor"]}, as_=BUREAU))["data"]["creditListsPage"]
    names = [e["node"]["subject"]["name"] for e in first["edges"] + second["edges"]]
    assert names == ["差0药房", "差1药房", "差2药房"]
    assert {e["node"]["kind"] for e in first["edges"]} == {"BLACK"}
    assert "POOR_GRADE" in first["edges"][0]["node"]["reasonCodes"]


async def test_the_black_list_by_name_is_in_pinyin_order_across_pages(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    for name in ("张药房", "钱药房", "安药房", "李药房"):
        sid = await insert_subject(conn, region=YAOHAI, name=name)
        await insert_result(conn, subject_id=sid, region=YAOHAI, grade="D", cycle_year=2025)
    query = """query($after: String) { creditListsPage(regionCode: "340102", cycleYear: 2025, listKind: BLACK,
      first: 2, after: $after, orderBy: NAME_ASC) { pageInfo { endCursor } edges { node { subject { name } } } } }"""
    first = (await gql(query, {}, as_=BUREAU))["data"]["creditListsPage"]
    second = (await gql(query, {"after": first["pageInfo"]["endCursor"]}, as_=BUREAU))["data"]["creditListsPage"]
    names = [e["node"]["subject"]["name"] for e in first["edges"] + second["edges"]]
    assert names == ["安药房", "李药房", "钱药房", "张药房"]  # an, li, qian, zhang


async def test_a_subjects_results_are_paged_with_a_total(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region=YAOHAI)
    for year in (2023, 2024, 2025):
        await insert_result(conn, subject_id=sid, region=YAOHAI, cycle_year=year)
    query = """query($s: ID!) { evaluationsPage(subjectId: $s, first: 2, orderBy: CYCLE_YEAR_DESC) { totalCount
      pageInfo { hasNextPage } edges { node { cycleYear } } } }"""
    page = (await gql(query, {"s": str(sid)}, as_=BUREAU))["data"]["evaluationsPage"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    assert [e["node"]["cycleYear"] for e in page["edges"]] == [2025, 2024]


async def test_grades_are_broken_down_by_subject_class_and_by_rule_set(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    for cls, grade in [(SubjectClass.RETAIL_PHARMACY, "A"), (SubjectClass.RETAIL_PHARMACY, "A"),
                       (SubjectClass.MEDICAL_INSTITUTION, "B")]:
        sid = await insert_subject(conn, region=YAOHAI, subject_class=cls)
        await insert_result(conn, subject_id=sid, region=YAOHAI, grade=grade)
    query = """query($by: GradeBreakdownDimension!) { gradeBreakdown(cycleYear: 2025, regionCode: "340100", by: $by) {
      subjectClass ruleSetCode grade count } }"""
    by_class = (await gql(query, {"by": "SUBJECT_CLASS"}, as_=BUREAU))["data"]["gradeBreakdown"]
    assert {(r["subjectClass"], r["grade"], r["count"]) for r in by_class} == {
        ("RETAIL_PHARMACY", "A", 2), ("MEDICAL_INSTITUTION", "B", 1)}
    by_rules = (await gql(query, {"by": "RULE_SET"}, as_=BUREAU))["data"]["gradeBreakdown"]
    assert {(r["ruleSetCode"], r["grade"], r["count"]) for r in by_rules} == {
        ("ah-institutions", "A", 2), ("ah-institutions", "B", 1)}


PUBLICATIONS = """{ publications(first: 10, orderBy: PREPARED_AT_DESC) { totalCount edges { node {
    itemType recordKind grade windowMonths chosenWindowMonths } } } }"""


async def test_a_publication_says_its_record_kind_or_its_grade_and_the_window_it_really_has(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region=YAOHAI)
    now = datetime.now(CHINA_STANDARD_TIME)
    penalty_until = (_add_months(now, 9) - timedelta(days=2)).astimezone(CHINA_STANDARD_TIME).date()
    record = await insert_confirmed_record(conn, subject_id=sid, region=YAOHAI, penalty="暂停医保协议九个月",
                                           penalty_until=penalty_until)
    await publish_record(gql, record, months=6)
    await publish_result(gql, await insert_result(conn, subject_id=sid, region=YAOHAI, grade="B"))
    body = await gql(PUBLICATIONS, as_=BUREAU)
    page = body["data"]["publications"]
    assert page["totalCount"] == 2
    by_type = {e["node"]["itemType"]: e["node"] for e in page["edges"]}
    assert by_type["RECORD"] == {"itemType": "RECORD", "recordKind": "FRAUD", "grade": None, "windowMonths": 9,
                                 "chosenWindowMonths": 6}
    assert by_type["RESULT"]["grade"] == "B" and by_type["RESULT"]["recordKind"] is None


async def test_a_subject_pages_its_notifications_and_sees_its_own_region(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region=YAOHAI, name="瑶海区益康大药房")
    for _ in range(2):
        await publish_record(gql, await insert_confirmed_record(conn, subject_id=sid, region=YAOHAI))
    me = subject_principal(sid)
    body = await gql("""{ me { kind name region { code } } myNotificationsPage(first: 1) { totalCount
        pageInfo { hasNextPage } edges { node { message createdAt } } } }""", as_=me)
    assert body["data"]["me"] == {"kind": "SUBJECT", "name": "瑶海区益康大药房", "region": {"code": YAOHAI}}
    page = body["data"]["myNotificationsPage"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"] and len(page["edges"]) == 1
    assert page["edges"][0]["node"]["createdAt"].endswith("+08:00")


async def test_an_officer_may_not_read_a_subjects_notifications(gql: GraphQL) -> None:
    body = await gql("{ myNotificationsPage { totalCount } }", as_=officer(YAOHAI, OfficerRole.REVIEWER))
    assert error_codes(body) == ["FORBIDDEN"]


RECORD_PAGE = """query($n: Int!) { records(first: $n, regionCode: "340100", kind: INTERVIEW, orderBy: OCCURRED_ON_DESC,
  occurredFrom: "2025-01-01") { totalCount edges { node { kind subject { name } } } } }"""
PUBLICATION_PAGE = """query($n: Int!) { publications(first: $n, orderBy: PUBLISHED_AT_DESC) { totalCount
  edges { node { recordKind grade windowMonths } } } }"""


async def test_filtered_record_and_publication_pages_cost_the_same_few_statements_at_any_size(
    gql: GraphQL, db: SingleConnectionDatabase, conn  # type: ignore[no-untyped-def]
) -> None:
    for i in range(25):
        sid = await insert_subject(conn, region=YAOHAI)
        await add_record(conn, sid, RecordKind.INTERVIEW, on=date(2025, 1 + i % 12, 1))
        await conn.execute(
            """INSERT INTO publication (item_type, item_id, subject_id, region_code, publisher_region, category, kind,
                   status, prepared_by) VALUES ('record', gen_random_uuid(), $1, $2, $3, 'dishonesty', 'interview',
                   'prepared', 'test')""", sid, YAOHAI, HEFEI)
    for query in (RECORD_PAGE, PUBLICATION_PAGE):
        await gql(query, {"n": 1}, as_=BUREAU)  # asyncpg introspects types once per connection; not per page
        small = await _statements(gql, db, query, {"n": 5})
        large = await _statements(gql, db, query, {"n": 20})
        assert small == large <= 3 + 1  # page, count, a batched link (+ the request's scope)
