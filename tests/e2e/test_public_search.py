"""信用查询 over HTTP on the demo data: find an institution by part of its name, a typo or its code, read its page
with one grade, and get a clear, cheap answer to bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.demo import SHOWCASE_PERSON, seed_demo
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.rules.search import MAX_SEARCH_LENGTH
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL, error_codes, insert_subject

SEARCH = """query($q: String!, $region: ID, $first: Int, $after: String) {
  publicInstitutions(search: $q, regionCode: $region, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor rank node { name unifiedSocialCreditCode region { code } grade { grade cycleYear } } } } }"""

PAGE = """query($code: String!) { publicInstitution(code: $code) {
  name unifiedSocialCreditCode grade { grade cycleYear institution { name } }
  records(first: 50) { totalCount edges { node { category kind title decidedOn } } }
  commitments { totalCount edges { node { kind clauses } } }
  lists } }"""

YIKANG = "瑶海区益康大药房"


@pytest.fixture
async def gql(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[GraphQL]:
    """The API over the demo data (a small county each), anonymous cache and rate limits out of the way."""
    await seed_demo(db, subjects_per_county=12)
    app = create_app(settings=settings, database=db,
                     protection=ProtectionSettings(cache_ttl_seconds=0, anonymous_limit="10000/minute",
                                                     verify_limit="10000/minute"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQL(http, settings)


async def _search(gql: GraphQL, q: str, **variables: Any) -> dict[str, Any]:
    return await gql(SEARCH, {"q": q, **variables})


def _names(body: dict[str, Any]) -> list[str]:
    return [e["node"]["name"] for e in body["data"]["publicInstitutions"]["edges"]]


@pytest.mark.parametrize("q", ["益康", "益康大药房", "瑶海区益康大药店"])
async def test_part_of_the_name_or_a_typo_finds_the_pharmacy_first_or_among_the_few(gql: GraphQL, q: str) -> None:
    body = await _search(gql, q)
    assert "errors" not in body, body
    names = _names(body)
    assert YIKANG in names
    if q != "益康":  # "益康" matches two institutions equally well
        assert names[0] == YIKANG


@pytest.mark.parametrize(("q", "name"), [("益康大药店", YIKANG), ("仁和大药店", "瑶海区仁和堂大药房"),
                                       ("海区益康大药店", YIKANG)])
async def test_part_of_a_name_with_a_wrong_character_finds_the_institution_first(
    gql: GraphQL, q: str, name: str
) -> None:
    body = await _search(gql, q)
    assert "errors" not in body, body
    assert body["data"]["publicInstitutions"]["totalCount"] >= 1
    assert _names(body)[0] == name


@pytest.mark.parametrize("q", ["东方航空", "北京协和医院", "一个完全无关的查询"])
async def test_a_search_unrelated_to_any_name_finds_nothing(gql: GraphQL, q: str) -> None:
    body = await _search(gql, q)
    assert "errors" not in body, body
    assert body["data"]["publicInstitutions"]["totalCount"] == 0 and _names(body) == []


async def test_the_exact_name_ranks_above_names_that_merely_resemble_it(gql: GraphQL) -> None:
    edges = (await _search(gql, "益康大药房"))["data"]["publicInstitutions"]["edges"]
    exact = (await _search(gql, YIKANG))["data"]["publicInstitutions"]["edges"]
    assert edges[0]["node"]["name"] == YIKANG and exact[0]["node"]["name"] == YIKANG
    assert all(e["rank"] < exact[0]["rank"] for e in exact[1:])


async def test_a_typo_ranks_the_right_institution_above_those_that_merely_share_the_county(gql: GraphQL) -> None:
    edges = (await _search(gql, "瑶海区益康大药店"))["data"]["publicInstitutions"]["edges"]
    assert edges[0]["node"]["name"] == YIKANG
    assert all(e["rank"] < edges[0]["rank"] for e in edges[1:])


async def test_the_full_code_and_its_first_characters_find_the_institution(gql: GraphQL) -> None:
    found = (await _search(gql, YIKANG))["data"]["publicInstitutions"]["edges"][0]["node"]
    code = found["unifiedSocialCreditCode"]
    assert _names(await _search(gql, code)) == [YIKANG]
    assert YIKANG in _names(await _search(gql, code[:10].lower()))


async def test_each_result_carries_one_grade_of_a_finished_cycle(gql: GraphQL) -> None:
    from datetime import date

    edges = (await _search(gql, "瑶海区"))["data"]["publicInstitutions"]["edges"]
    assert edges
    graded = [e["node"]["grade"] for e in edges if e["node"]["grade"]]
    assert graded and all(g["cycleYear"] == date.today().year - 1 for g in graded)


async def test_a_region_narrows_the_search_to_its_subtree(gql: GraphQL) -> None:
    body = await _search(gql, "益康", region="340104")
    assert _names(body) == ["蜀山区益康诊所"]
    assert body["data"]["publicInstitutions"]["totalCount"] == 1


async def test_results_page_with_a_total_and_a_cursor(gql: GraphQL) -> None:
    first = (await _search(gql, "瑶海区", first=2))["data"]["publicInstitutions"]
    assert first["totalCount"] > 2 and first["pageInfo"]["hasNextPage"]
    second = (await _search(gql, "瑶海区", first=2, after=first["pageInfo"]["endCursor"]))["data"]["publicInstitutions"]
    seen = {e["node"]["unifiedSocialCreditCode"] for e in first["edges"]}
    assert seen.isdisjoint(e["node"]["unifiedSocialCreditCode"] for e in second["edges"])


async def test_the_institution_page_has_one_grade_its_published_records_commitments_and_lists(gql: GraphQL) -> None:
    code = (await _search(gql, YIKANG))["data"]["publicInstitutions"]["edges"][0]["node"]["unifiedSocialCreditCode"]
    page = (await gql(PAGE, {"code": code}))["data"]["publicInstitution"]
    assert page["name"] == YIKANG
    assert page["grade"]["grade"] in ("A", "B", "C", "D") and page["grade"]["institution"]["name"] == YIKANG
    kinds = {e["node"]["kind"] for e in page["records"]["edges"]}
    assert "CREDIT_COMMITMENT" in kinds and "RECOVERED_FUNDS" in kinds
    assert page["commitments"]["totalCount"] == 1
    assert page["commitments"]["edges"][0]["node"]["clauses"]


async def test_a_serious_case_is_on_the_serious_dishonesty_list(gql: GraphQL) -> None:
    code = (await _search(gql, "仁和堂"))["data"]["publicInstitutions"]["edges"][0]["node"]["unifiedSocialCreditCode"]
    page = (await gql(PAGE, {"code": code}))["data"]["publicInstitution"]
    assert "SERIOUS_DISHONESTY" in page["lists"]


async def test_no_institution_has_two_current_public_grades(gql: GraphQL, conn: asyncpg.Connection) -> None:
    doubles = await conn.fetchval(
        "SELECT count(*) FROM (SELECT public_key FROM public_item WHERE item_type = 'result' "
        "GROUP BY public_key HAVING count(*) > 1) d")
    assert doubles == 0
    unfinished = await conn.fetchval(
        "SELECT count(*) FROM evaluation_result WHERE cycle_year >= extract(year FROM now())")
    assert unfinished == 0


async def test_the_demo_grades_spread_over_several_grades(gql: GraphQL, conn: asyncpg.Connection) -> None:
    grades = {r["grade"] for r in await conn.fetch("SELECT DISTINCT grade FROM public_item WHERE item_type = 'result'")}
    assert len(grades) >= 3


async def test_the_demo_person_with_a_published_sanction_can_be_verified(gql: GraphQL) -> None:
    _, name, resident_id = SHOWCASE_PERSON
    body = await gql('query($r: String!, $n: String!) { verifyIndividual(residentId: $r, name: $n) '
                     '{ hasCurrentSanction } }', {"r": resident_id, "n": name})
    assert body["data"]["verifyIndividual"]["hasCurrentSanction"] is True


async def test_every_demo_resident_id_can_be_asked_about(gql: GraphQL, conn: asyncpg.Connection) -> None:
    people = await conn.fetch("SELECT code, name FROM subject WHERE kind = 'individual'")
    assert len(people) > 10
    for p in people:
        body = await gql('query($r: String!, $n: String!) { verifyIndividual(residentId: $r, name: $n) '
                         '{ hasCurrentSanction } }', {"r": p["code"], "n": p["name"]})
        assert "errors" not in body, (p["code"], body)


# ---- only published data


async def test_an_institution_with_nothing_published_is_not_found(gql: GraphQL, conn: asyncpg.Connection) -> None:
    await insert_subject(conn, region="340102", name="瑶海区未公开大药房")
    assert _names(await _search(gql, "未公开大药房")) == []


async def test_people_are_never_found_by_name(gql: GraphQL) -> None:
    body = await _search(gql, SHOWCASE_PERSON[1])
    assert body["data"]["publicInstitutions"]["totalCount"] == 0


# ---- bad input: a clear answer, refused before any SQL where the input cannot be a name


@pytest.mark.parametrize("q", ["", " ", "益", "　益　"])
async def test_an_empty_or_one_character_search_is_refused_in_chinese(gql: GraphQL, q: str) -> None:
    body = await _search(gql, q)
    assert error_codes(body) == ["INVALID_INPUT"]
    assert "至少2个字" in body["errors"][0]["message"]


async def test_a_ten_thousand_character_search_is_refused_without_searching(gql: GraphQL) -> None:
    body = await _search(gql, "益" * 10_000)
    assert error_codes(body) == ["INVALID_INPUT"]
    assert f"最多{MAX_SEARCH_LENGTH}个字符" in body["errors"][0]["message"]


@pytest.mark.parametrize("q", ["%%", "__", "%益%", "益_康", "\\%", "%_%_%"])
async def test_sql_wildcards_are_plain_characters_and_match_no_name(gql: GraphQL, q: str) -> None:
    body = await _search(gql, q)
    assert "errors" not in body, body
    assert body["data"]["publicInstitutions"]["totalCount"] == 0


@pytest.mark.parametrize(("q", "letters"), [(".*", ""), ("(益康)+", "益康"), ("[^a]+", "a"), ("益康|.*", "益康"),
                                            ("^瑶海区$", "瑶海区")])
async def test_regex_metacharacters_are_plain_characters(gql: GraphQL, q: str, letters: str) -> None:
    body = await _search(gql, q)
    assert "errors" not in body, body
    # never "everything": at most what the letters between the metacharacters find by themselves
    names = _names(body)
    if len(letters) < 2:
        assert names == []
    else:
        assert set(names) <= set(_names(await _search(gql, letters, first=100)))


@pytest.mark.parametrize("q", ["益康Pharmacy", "ＹＩＫＡＮＧ益康大药房", "瑶海区益康大药房 ltd."])
async def test_a_mixed_script_search_gets_an_answer_not_an_error(gql: GraphQL, q: str) -> None:
    body = await _search(gql, q)
    assert "errors" not in body, body
    assert all(isinstance(n, str) for n in _names(body))


def _readme_section_operations() -> list[str]:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Finding an institution (信用查询) and the public page", 1)[1].split("\n### ", 1)[0]
    ops: list[str] = []
    for block in re.findall(r"```graphql\n(.*?)```", section, flags=re.S):
        text = "\n".join(line.split("#", 1)[0] for line in block.splitlines())
        depth, start = 0, 0
        for i, ch in enumerate(text):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if ch == "}" and depth == 0:
                ops.append(text[start:i + 1].strip())
                start = i + 1
    return ops


@pytest.mark.parametrize("operation", _readme_section_operations())
async def test_each_readme_search_example_answers_something_on_the_demo_data(gql: GraphQL, operation: str) -> None:
    import json

    body = await gql(operation)
    assert "errors" not in body, body
    text = json.dumps(body["data"], ensure_ascii=False)
    assert '"totalCount": 0' not in text and '"edges": []' not in text, text
    if "仁和堂" in operation:
        assert "SERIOUS_DISHONESTY" in text
    if "verifyIndividual" in operation:
        assert body["data"]["verifyIndividual"]["hasCurrentSanction"] is True


async def test_with_two_cycles_published_the_page_shows_the_latest_cycles_grade_only(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    from tests.support.publication import insert_result, publish_result

    subject = await insert_subject(conn, region="340102", name="瑶海区两年大药房")
    await publish_result(gql, await insert_result(conn, subject_id=subject, region="340102", grade="C",
                                                  cycle_year=2023))
    await publish_result(gql, await insert_result(conn, subject_id=subject, region="340102", grade="A",
                                                  cycle_year=2024))
    node = (await _search(gql, "两年大药房"))["data"]["publicInstitutions"]["edges"][0]["node"]
    assert node["grade"] == {"grade": "A", "cycleYear": 2024}
    page = (await gql(PAGE, {"code": node["unifiedSocialCreditCode"]}))["data"]["publicInstitution"]
    assert page["grade"]["grade"] == "A" and page["lists"] == []


async def test_a_withdrawn_institution_leaves_the_search_at_once(gql: GraphQL, conn: asyncpg.Connection) -> None:
    assert YIKANG in _names(await _search(gql, "益康大药房"))
    await conn.execute(
        """UPDATE publication SET status = 'withdrawn', withdrawn_by = 'test', withdrawn_at = now(),
               withdraw_reason = '测试撤回' WHERE public_name = $1""", YIKANG)
    assert YIKANG not in _names(await _search(gql, "益康大药房"))


async def test_an_older_cycles_grade_leaves_the_public_grades_and_lists_when_a_newer_one_is_published(
        gql: GraphQL, conn: asyncpg.Connection) -> None:
    from tests.support.publication import insert_result, publish_result

    subject = await insert_subject(conn, region="340102", name="瑶海区旧等级大药房")
    await publish_result(gql, await insert_result(conn, subject_id=subject, region="340102", grade="D",
                                                  cycle_year=2023))
    poor = '{ publicLists(kind: POOR_GRADE, regionCode: "340102", first: 100) { edges { node { ... on PublicGrade { institution { name } } } } } }'
    names = [e["node"]["institution"]["name"] for e in (await gql(poor))["data"]["publicLists"]["edges"]]
    assert "瑶海区旧等级大药房" in names
    await publish_result(gql, await insert_result(conn, subject_id=subject, region="340102", grade="A",
                                                  cycle_year=2024))
    names = [e["node"]["institution"]["name"] for e in (await gql(poor))["data"]["publicLists"]["edges"]]
    assert "瑶海区旧等级大药房" not in names
    grades = await gql('{ publicGrades(regionCode: "340102", first: 100) { edges { node { grade cycleYear institution { name } } } } }')
    mine = [(e["node"]["grade"], e["node"]["cycleYear"]) for e in grades["data"]["publicGrades"]["edges"]
            if e["node"]["institution"]["name"] == "瑶海区旧等级大药房"]
    assert mine == [("A", 2024)]
