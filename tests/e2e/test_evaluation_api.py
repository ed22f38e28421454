"""Evaluation through HTTP with real tokens: reports, as-of, refusals, what-if and inspection plans."""

from __future__ import annotations

import copy
import uuid
from datetime import date
from decimal import Decimal

import asyncpg
import httpx
import pytest

from api.settings import Settings
from domain.access import OfficerRole
from domain.rules.catalog import RecordKind, SubjectClass
from domain.rules.evaluation import ruleset_to_dict, shipped_ruleset
from tests.support.evaluation import add_record
from tests.support.factories import GraphQL, count, error_codes, insert_subject, officer

WUSHAN = "500237"

EVALUATE = """mutation($id: ID!) { evaluateSubject(subjectId: $id) {
    id score grade base evaluatedAt cycleYear ruleSetCode
    lines { lineNo itemCode clause recordIds points explanation }
    measures { code grade appliesInYear params } } }"""
AS_OF = """query($id: ID!, $at: DateTime) { creditResult(subjectId: $id, asOf: $at) { id grade score } }"""
RUN = """mutation($region: ID!, $year: Int!) { runCycle(regionCode: $region, cycleYear: $year,
    ruleSetCode: "cq-wushan-outpatient-pharmacy") { evaluated distribution { grade count } } }"""
DRAFT = """mutation($rs: JSON!) { draftRuleSet(ruleSet: $rs) { code version status } }"""
WHAT_IF = """query($region: ID!, $rs: JSON!, $year: Int) { whatIf(regionCode: $region, ruleSet: $rs, cycleYear: $year) {
    cycleYear draft { grade count } current { grade count } } }"""
PLAN = """mutation($input: DrawInspectionPlanInput!) { drawInspectionPlan(input: $input) {
    id seed assignments { subjectId grade inspectors } } }"""


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


def _draft() -> dict[str, object]:
    body = copy.deepcopy(ruleset_to_dict(shipped_ruleset("cq-wushan-outpatient-pharmacy")))
    body["version"] = 2
    return body


async def _clinic_with_fraud(conn, year: int):  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region=WUSHAN, subject_class=SubjectClass.MEDICAL_INSTITUTION)
    fraud = await add_record(conn, sid, RecordKind.FRAUD, on=date(year, 6, 1))
    return sid, fraud


async def test_an_officer_evaluates_a_clinic_and_its_report_adds_up_to_its_score(gql, conn) -> None:  # type: ignore[no-untyped-def]
    year = date.today().year - 1
    sid, fraud = await _clinic_with_fraud(conn, year)
    body = await gql(EVALUATE, {"id": str(sid)}, as_=officer(WUSHAN))
    r = body["data"]["evaluateSubject"]
    assert (Decimal(str(r["score"])), r["grade"], r["cycleYear"]) == (Decimal(80), "B", year)
    assert Decimal(str(r["base"])) + sum(Decimal(str(ln["points"])) for ln in r["lines"]) == Decimal(str(r["score"]))
    assert r["lines"][0]["recordIds"] == [str(fraud)] and "一(五)" in r["lines"][0]["clause"]
    assert r["measures"] and {m["appliesInYear"] for m in r["measures"]} == {year + 1}


async def test_as_of_an_earlier_instant_returns_the_grade_before_a_re_evaluation(gql, conn) -> None:  # type: ignore[no-untyped-def]
    year = date.today().year - 1
    sid = await insert_subject(conn, region=WUSHAN, subject_class=SubjectClass.MEDICAL_INSTITUTION)
    first = (await gql(EVALUATE, {"id": str(sid)}, as_=officer(WUSHAN)))["data"]["evaluateSubject"]
    for _ in range(2):
        await add_record(conn, sid, RecordKind.FRAUD, on=date(year, 6, 1))
    second = (await gql(EVALUATE, {"id": str(sid)}, as_=officer(WUSHAN)))["data"]["evaluateSubject"]
    then = (await gql(AS_OF, {"id": str(sid), "at": first["evaluatedAt"]}, as_=officer(WUSHAN)))["data"]
    now = (await gql(AS_OF, {"id": str(sid)}, as_=officer(WUSHAN)))["data"]
    assert (first["grade"], second["grade"]) == ("A", "C")
    assert then["creditResult"]["id"] == first["id"] and then["creditResult"]["grade"] == "A"
    assert now["creditResult"]["id"] == second["id"]


async def test_evaluation_by_a_reviewer_or_a_neighbouring_county_is_forbidden_and_nothing_stored(gql, conn) -> None:  # type: ignore[no-untyped-def]
    sid, _ = await _clinic_with_fraud(conn, date.today().year - 1)
    reviewer = await gql(EVALUATE, {"id": str(sid)}, as_=officer(WUSHAN, OfficerRole.REVIEWER))
    neighbour = await gql(RUN, {"region": WUSHAN, "year": date.today().year - 1}, as_=officer("500236"))
    assert error_codes(reviewer) == ["FORBIDDEN"] and error_codes(neighbour) == ["FORBIDDEN"]
    assert await count(conn, "evaluation_result") == 0


async def test_a_rule_set_whose_bands_leave_a_gap_is_refused_and_nothing_stored(gql, conn) -> None:  # type: ignore[no-untyped-def]
    body = _draft()
    body["bands"][1]["lower"] = "66"  # type: ignore[index]
    before = await count(conn, "ruleset")
    refused = await gql(DRAFT, {"rs": body}, as_=officer(WUSHAN))
    assert error_codes(refused) == ["INVALID_INPUT"] and "之间有空缺" in refused["errors"][0]["message"]
    assert await count(conn, "ruleset") == before
    ok = await gql(DRAFT, {"rs": _draft()}, as_=officer(WUSHAN))
    assert ok["data"]["draftRuleSet"] == {"code": "cq-wushan-outpatient-pharmacy", "version": 2, "status": "draft"}


async def test_a_band_gap_is_refused_in_chinese_by_default_and_in_english_when_asked(gql) -> None:  # type: ignore[no-untyped-def]
    body = _draft()
    body["bands"][1]["lower"] = "66"  # type: ignore[index]
    chinese = await gql(DRAFT, {"rs": body}, as_=officer(WUSHAN))
    english = await gql(DRAFT, {"rs": body}, as_=officer(WUSHAN), language="en")
    assert error_codes(chinese) == error_codes(english) == ["INVALID_INPUT"]
    zh, en = chinese["errors"][0], english["errors"][0]
    assert zh["message"].startswith("规则集 'cq-wushan-outpatient-pharmacy' 无效（1 个问题）：ruleset.bands：")
    assert "之间有空缺" in zh["message"] and "gap" not in zh["message"]
    assert en["message"].startswith("rule set 'cq-wushan-outpatient-pharmacy' is invalid (1 problem): ruleset.bands: gap between")
    # each problem keeps its JSON path in both languages, and is in the request's language
    (zh_problem,), (en_problem,) = zh["extensions"]["problems"], en["extensions"]["problems"]
    assert zh_problem["path"] == en_problem["path"] == "ruleset.bands"
    assert zh_problem["message"] in zh["message"] and en_problem["message"] in en["message"]


VALIDATE = """query($rs: JSON!) { validateRuleSet(ruleSet: $rs) { valid problems
    problemDetails { path message messageEn } } }"""


async def test_validating_a_rule_set_lists_each_problem_with_its_path_in_both_languages(gql) -> None:  # type: ignore[no-untyped-def]
    good = (await gql(VALIDATE, {"rs": _draft()}))["data"]["validateRuleSet"]  # no token: it stores nothing
    assert good == {"valid": True, "problems": [], "problemDetails": []}
    broken = _draft()
    broken["bands"][1]["lower"] = "66"  # type: ignore[index]
    del broken["name"]
    checked = (await gql(VALIDATE, {"rs": broken}))["data"]["validateRuleSet"]
    assert checked["valid"] is False and len(checked["problems"]) == len(checked["problemDetails"]) == 2
    by_path = {p["path"]: p for p in checked["problemDetails"]}
    assert set(by_path) == {"ruleset.bands", "ruleset.name"}
    assert "之间有空缺" in by_path["ruleset.bands"]["message"] and "gap" in by_path["ruleset.bands"]["messageEn"]
    assert checked["problems"] == [p["message"] for p in checked["problemDetails"]]
    not_an_object = (await gql(VALIDATE, {"rs": [1, 2]}))["data"]["validateRuleSet"]
    assert not_an_object["problemDetails"] == [{"path": "ruleset", "message": "评价规则集须为 JSON 对象。",
                                                "messageEn": "A rule set is a JSON object."}]


async def test_what_if_shows_a_draft_beside_the_current_grades_and_stores_nothing(gql, conn) -> None:  # type: ignore[no-untyped-def]
    year = date.today().year - 1
    await _clinic_with_fraud(conn, year)
    await insert_subject(conn, region=WUSHAN, subject_class=SubjectClass.MEDICAL_INSTITUTION)
    ran = await gql(RUN, {"region": WUSHAN, "year": year}, as_=officer(WUSHAN))
    assert ran["data"]["runCycle"]["distribution"] == [{"grade": "A", "count": 1}, {"grade": "B", "count": 1}]
    results = await count(conn, "evaluation_result")
    lenient = _draft()
    lenient["deductions"][4]["points_each"] = "5"  # type: ignore[index]
    body = await gql(WHAT_IF, {"region": WUSHAN, "rs": lenient, "year": year}, as_=officer(WUSHAN))
    w = body["data"]["whatIf"]
    assert w["draft"] == [{"grade": "A", "count": 2}]
    assert w["current"] == [{"grade": "A", "count": 1}, {"grade": "B", "count": 1}]
    assert await count(conn, "evaluation_result") == results


async def test_the_same_seed_draws_the_same_inspection_plan_through_the_api(gql, conn) -> None:  # type: ignore[no-untyped-def]
    for _ in range(8):
        await insert_subject(conn, region=WUSHAN)
    plan = {"regionCode": WUSHAN, "year": date.today().year, "inspectors": ["a", "b", "c"], "teamSize": 2,
            "seed": "20240301"}
    one = (await gql(PLAN, {"input": plan}, as_=officer(WUSHAN)))["data"]["drawInspectionPlan"]
    two = (await gql(PLAN, {"input": plan}, as_=officer(WUSHAN)))["data"]["drawInspectionPlan"]
    assert one["id"] != two["id"] and one["seed"] == two["seed"] == "20240301"
    assert one["assignments"] == two["assignments"] and len(one["assignments"]) == 1  # ceil(10 % of 8 ungraded)


PUBLISH_PLAN = """mutation($id: ID!) { publishInspectionPlan(id: $id) { id publishedAt publishedBy } }"""
PUBLIC_PLANS = """query($region: ID) { publicInspectionPlans(regionCode: $region) { id year region { code }
    subjects { inspectors subject { __typename ... on PublicInstitution { name unifiedSocialCreditCode }
                                    ... on PublicIndividual { maskedName maskedId } } } } }"""
CATALOG = """query($code: String!) { measuresCatalog(ruleSetCode: $code) { grade measures { code clause params } } }"""


async def test_a_city_bureau_publishes_a_plan_and_anyone_sees_only_public_names(gql, conn) -> None:  # type: ignore[no-untyped-def]
    clinic = await insert_subject(conn, region=WUSHAN, subject_class=SubjectClass.MEDICAL_INSTITUTION)
    person = await insert_subject(conn, region=WUSHAN, subject_class=SubjectClass.INSURED_PERSON)
    plan = {"regionCode": WUSHAN, "year": date.today().year, "inspectors": ["a", "b"], "teamSize": 1, "seed": "7"}
    drawn = (await gql(PLAN, {"input": plan}, as_=officer(WUSHAN)))["data"]["drawInspectionPlan"]
    # draw everyone: the default ratio of ungraded subjects leaves too few to show both kinds
    await conn.execute("""INSERT INTO inspection_assignment (plan_id, subject_id, region_code, grade, inspectors)
                          SELECT $1, s.id, s.region_code, NULL, ARRAY['a'] FROM subject s WHERE s.id = ANY($2)
                          ON CONFLICT DO NOTHING""", uuid.UUID(drawn["id"]), [clinic, person])
    before = (await gql(PUBLIC_PLANS, {"region": WUSHAN}))["data"]["publicInspectionPlans"]
    county = await gql(PUBLISH_PLAN, {"id": drawn["id"]}, as_=officer(WUSHAN))
    assert before == [] and error_codes(county) == ["FORBIDDEN"]
    city = (await gql(PUBLISH_PLAN, {"id": drawn["id"]}, as_=officer("500000")))["data"]["publishInspectionPlan"]
    assert city["publishedAt"] and city["publishedBy"].endswith("500000-officer")
    again = await gql(PUBLISH_PLAN, {"id": drawn["id"]}, as_=officer("500000"))
    assert error_codes(again) == ["CONFLICT"]
    anonymous = (await gql(PUBLIC_PLANS, {"region": WUSHAN}))["data"]["publicInspectionPlans"]
    assert [p["id"] for p in anonymous] == [drawn["id"]]
    shown = {s["subject"]["__typename"]: s["subject"] for s in anonymous[0]["subjects"]}
    names = dict(await conn.fetch("SELECT code, name FROM subject WHERE id = ANY($1)", [clinic, person]))
    assert shown["PublicInstitution"]["name"] == names[shown["PublicInstitution"]["unifiedSocialCreditCode"]]
    individual = shown["PublicIndividual"]
    assert "*" in individual["maskedName"] and individual["maskedId"] not in names
    assert all(s["inspectors"] for s in anonymous[0]["subjects"])


async def test_the_public_role_cannot_read_the_inspection_tables_themselves(conn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with conn.transaction():
            await conn.execute("SET LOCAL ROLE yibao_public")
            await conn.fetch("SELECT * FROM inspection_assignment")
    async with conn.transaction():
        await conn.execute("SET LOCAL ROLE yibao_public")
        assert await conn.fetch("SELECT * FROM public_inspection_plan") is not None


async def test_the_measures_catalogue_lists_each_grade_of_a_rule_set_with_its_measures(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql(CATALOG, {"code": "cq-wushan-outpatient-pharmacy"}, as_=officer(WUSHAN))
    found = body["data"]["measuresCatalog"]
    rs = shipped_ruleset("cq-wushan-outpatient-pharmacy")
    assert [g["grade"] for g in found] == ["A", "B", "C", "D"]
    assert sorted(m["code"] for g in found for m in g["measures"]) == sorted(
        m.code for m in rs.measures for _ in m.grades)


async def test_a_county_rule_set_is_refused_where_the_province_forbids_local_rules(gql, conn) -> None:  # type: ignore[no-untyped-def]
    province = copy.deepcopy(ruleset_to_dict(shipped_ruleset("ah-institutions")))
    province.update(code="ah-strict", version=1, allow_local_rulesets=False)
    drafted = await gql(DRAFT, {"rs": province}, as_=officer("340000"))
    assert drafted["data"]["draftRuleSet"]["status"] == "draft"
    activated = await gql('mutation { activateRuleSet(code: "ah-strict", version: 1) { status } }',
                          as_=officer("340000", OfficerRole.REVIEWER))
    assert "errors" not in activated, activated
    local = copy.deepcopy(province)
    local.update(code="yaohai-local", jurisdiction="340102", allow_local_rulesets=True)
    before = await count(conn, "ruleset")
    refused = await gql(DRAFT, {"rs": local}, as_=officer("340102"))
    assert error_codes(refused) == ["FORBIDDEN"]
    assert "ah-strict" in refused["errors"][0]["message"]
    assert await count(conn, "ruleset") == before
