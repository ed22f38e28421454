"""Errors speak Chinese by default and English to a client that asks for it; the code never changes."""

from __future__ import annotations

import random
import re

import httpx
import pytest

from api.errors import request_language
from api.settings import Settings
from domain.synthetic import make_uscc
from tests.support.factories import GraphQL, error_codes, officer

CREATE = """mutation($input: CreateSubjectInput!) { createSubject(input: $input) { id } }"""


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


def _bad_region() -> dict[str, object]:
    return {"subjectClass": "RETAIL_PHARMACY", "code": make_uscc(random.Random(3), "340102"), "name": "益康大药房",
            "regionCode": "349999"}


async def test_an_error_message_is_chinese_when_the_request_names_no_language(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql(CREATE, {"input": _bad_region()}, as_=officer("340100"))
    assert error_codes(body) == ["INVALID_INPUT"]
    assert body["errors"][0]["message"].startswith("未知的行政区划代码 '349999'")


async def test_an_error_message_is_english_for_accept_language_en_with_the_same_code(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql(CREATE, {"input": _bad_region()}, as_=officer("340100"), language="en-US,en;q=0.9")
    assert error_codes(body) == ["INVALID_INPUT"]
    assert body["errors"][0]["message"].startswith("Unknown region code '349999'")
    assert body["errors"][0]["extensions"]["field"] == "regionCode"


async def test_a_forbidden_answer_follows_the_language(gql) -> None:  # type: ignore[no-untyped-def]
    refused = await gql('{ subjects(filter: { regionCode: "500237" }) { totalCount } }', as_=officer("340100"))
    english = await gql('{ subjects(filter: { regionCode: "500237" }) { totalCount } }', as_=officer("340100"),
                        language="en")
    assert error_codes(refused) == error_codes(english) == ["FORBIDDEN"]
    assert "无权" in refused["errors"][0]["message"]
    assert english["errors"][0]["message"].startswith("As a city officer you may not read subject")


async def test_an_expired_token_is_refused_in_english_when_asked(client: httpx.AsyncClient, settings) -> None:  # type: ignore[no-untyped-def]
    from tests.support.factories import token

    expired = token(settings, officer("340100"), ttl_seconds=-10)
    response = await client.post("/graphql", json={"query": "{ me { kind } }"},
                                 headers={"Authorization": f"Bearer {expired}", "Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "The token has expired; ask for a new one."


def test_the_preferred_language_is_read_from_quality_values() -> None:
    assert request_language({}) == "zh"
    assert request_language({"accept-language": "en"}) == "en"
    assert request_language({"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}) == "zh"
    assert request_language({"accept-language": "en;q=0.5,zh-CN;q=0.9"}) == "zh"
    assert request_language({"accept-language": "fr,en;q=0.3"}) == "en"
    assert request_language({"accept-language": "fr"}) == "zh"


async def test_a_refusal_before_graphql_runs_follows_the_language_too(client: httpx.AsyncClient) -> None:
    chinese = await client.post("/graphql", content=b"{not json", headers={"Content-Type": "application/json"})
    english = await client.post("/graphql", content=b"{not json",
                                headers={"Content-Type": "application/json", "Accept-Language": "en"})
    assert chinese.status_code == english.status_code == 400
    assert chinese.json()["errors"][0]["message"] == "请求体须为 JSON。"
    assert english.json()["errors"][0]["message"] == "The body must be JSON."
    assert chinese.json()["errors"][0]["extensions"] == english.json()["errors"][0]["extensions"]


async def test_a_county_officer_is_told_plainly_that_it_may_not_publish(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql('{ previewCyclePublication(regionCode: "340102", cycleYear: 2024) { cycleYear } }',
                     as_=officer("340102"))
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["message"] == "您的身份（县级经办人员）无权公开信息（行政区划 340102）。"


# An unknown region code is refused in the request's language on every path (issue: publicGrades answered in English).
@pytest.mark.parametrize(("query", "as_"), [
    ('{ publicGrades(regionCode: "999999") { totalCount } }', None),
    ('{ publicLists(kind: POOR_GRADE, regionCode: "999999", first: 5) { totalCount } }', None),
    ('{ subjects(filter: { regionCode: "999999" }) { totalCount } }', officer("340100")),
])
async def test_an_unknown_region_code_is_refused_in_chinese_by_default_and_in_english_when_asked(
        gql, query: str, as_) -> None:  # type: ignore[no-untyped-def]
    chinese = await gql(query, as_=as_)
    english = await gql(query, as_=as_, language="en")
    assert error_codes(chinese) == error_codes(english) == ["INVALID_INPUT"]
    assert chinese["errors"][0]["message"].startswith("未知的行政区划代码 '999999'")
    assert english["errors"][0]["message"].startswith("Unknown region code '999999'")


# graphql-core's own messages: Chinese by default, the library's English when asked, the same code either way.
LIBRARY_MESSAGES = [
    ("{ subjects(first: 5 { totalCount } }", None, "GRAPHQL_PARSE_FAILED",
     "语法错误：此处应为 Name，实际是 '{'。", "Syntax Error: Expected Name, found '{'."),
    ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED",
     "类型 'Query' 上没有字段 'nope'。", "Cannot query field 'nope' on type 'Query'."),
    ("{ publicGrades(grade: Z) { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED",
     "枚举 'Grade' 中没有取值 'Z'。", "Value 'Z' does not exist in 'Grade' enum."),
    ("{ publicGrades(first: 1.5) { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED",
     "Int 类型不能表示非整数值 1.5。", "Int cannot represent non-integer value: 1.5"),
    ("query($g: Grade) { publicGrades(grade: $g) { totalCount } }", {"g": "Z"}, "BAD_USER_INPUT",
     "变量 '$g' 的取值无效：枚举 'Grade' 中没有取值 'Z'。您是否想用 'A'、'B'、'C'、'D' 或 'E'？",
     "Variable '$g' has invalid value: Value 'Z' does not exist in 'Grade' enum."),
    ("query($n: Int!) { publicGrades(first: $n) { totalCount } }", {}, "BAD_USER_INPUT",
     "缺少必填变量 '$n'（类型 Int!）。", "Variable '$n' has invalid value: Expected a value of non-null type 'Int!'"),
    ("{ publicGrades { totalCount edges } }", None, "GRAPHQL_VALIDATION_FAILED",
     "字段 'edges'（类型 '[PublicGradeEdge!]!'", "Field 'edges' of type '[PublicGradeEdge!]!' must have a selection"),
]


@pytest.mark.parametrize(("query", "variables", "code", "chinese", "english"), LIBRARY_MESSAGES)
async def test_a_mistake_graphql_itself_finds_is_explained_in_chinese_unless_english_is_asked_for(
        gql, query: str, variables, code: str, chinese: str, english: str) -> None:  # type: ignore[no-untyped-def]
    zh = await gql(query, variables)
    en = await gql(query, variables, language="en")
    assert error_codes(zh) == error_codes(en) == [code]
    assert zh["errors"][0]["message"].startswith(chinese.split("（类型 '")[0]), zh["errors"][0]["message"]
    assert en["errors"][0]["message"].startswith(english)
    assert not re.search(r"[A-Za-z]{3,} [a-z]{3,} [a-z]{3,}", zh["errors"][0]["message"]), "an English sentence"


async def test_a_suggestion_is_offered_in_chinese(gql) -> None:  # type: ignore[no-untyped-def]
    body = await gql("{ publicGrade(first: 1) { totalCount } }")
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert body["errors"][0]["message"] == "类型 'Query' 上没有字段 'publicGrade'。您是否想用 'publicGrades' 或 'publicLists'？"


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer a.b.c"])
async def test_a_token_that_cannot_be_read_is_explained_in_chinese_without_the_library_s_english(
        client: httpx.AsyncClient, header: str) -> None:
    response = await client.post("/graphql", json={"query": "{ me { kind } }"}, headers={"Authorization": header})
    english = await client.post("/graphql", json={"query": "{ me { kind } }"},
                                headers={"Authorization": header, "Accept-Language": "en"})
    assert response.status_code == english.status_code == 401
    message = response.json()["errors"][0]["message"]
    assert message.startswith("令牌格式不正确"), message
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,}", message), message
    assert english.json()["errors"][0]["message"].startswith("The token could not be verified (")


async def test_a_token_signed_with_another_key_is_called_not_ours_in_chinese(
        client: httpx.AsyncClient, settings: Settings) -> None:
    from dataclasses import replace

    from tests.support.factories import token

    forged = token(replace(settings, jwt_secret="another-secret-0123456789abcdef0123456"), officer("340100"))
    response = await client.post("/graphql", json={"query": "{ me { kind } }"},
                                 headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"].startswith("令牌签名无效")


async def test_the_limits_on_a_query_are_explained_in_chinese_with_their_numbers(gql) -> None:  # type: ignore[no-untyped-def]
    aliases = "{ " + " ".join(f"a{i}: publicGrades(first: 1) {{ totalCount }}" for i in range(20)) + " }"
    costly = "{ subjects(first: 100) { edges { node { records(first: 100) { versions { title } } } } } }"
    answers = {}
    for name, query in (("aliases", aliases), ("costly", costly)):
        answers[name] = await gql(query, as_=officer("340100"))
    assert error_codes(answers["aliases"]) == ["TOO_MANY_ALIASES"]
    assert answers["aliases"]["errors"][0]["message"] == "查询使用了 20 个别名，最多允许 15 个，请拆分查询。"
    assert error_codes(answers["costly"]) == ["QUERY_TOO_COSTLY"]
    assert answers["costly"]["errors"][0]["message"].startswith("查询可能返回约 ")
    for body in answers.values():
        for error in body["errors"]:
            assert not re.search(r"[A-Za-z]{3,} [a-z]{3,}", error["message"]), error["message"]


async def test_a_query_nested_too_deeply_is_told_the_limit_in_chinese(db, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from api.app import create_app

    app = create_app(settings=replace(settings, max_query_depth=3), database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        query = {"query": "{ publicGrades { edges { node { institution { name } } } } }"}
        zh = (await http.post("/graphql", json=query)).json()
        en = (await http.post("/graphql", json=query, headers={"Accept-Language": "en"})).json()
    assert error_codes(zh) == error_codes(en) == ["QUERY_TOO_DEEP"]
    assert zh["errors"][0]["message"] == "查询嵌套过深：最多 3 层，请减少嵌套或拆分查询。"
    assert en["errors"][0]["message"].startswith("The query is nested too deeply (")


async def test_anonymous_introspection_stays_refused_and_says_in_chinese_how_to_add_a_token(gql) -> None:  # type: ignore[no-untyped-def]
    query = "query IntrospectionQuery { __schema { queryType { name } } }"
    zh = await gql(query)
    en = await gql(query, language="en")
    assert zh["errors"][0]["extensions"] == en["errors"][0]["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "data" not in zh or not zh["data"]
    message = zh["errors"][0]["message"]
    assert message.startswith("内省查询")
    for step in ("Headers", "Authorization: Bearer <令牌>", "yibao token"):
        assert step in message
    assert en["errors"][0]["message"].startswith("Introspection (GraphiQL's docs and autocompletion) is only")


async def test_graphiql_asks_for_a_token_before_it_would_introspect_anonymously(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "/static/graphiql/start.js" in page.text
    script = (await client.get("/static/graphiql/start.js")).text
    # The IDE's own fetcher answers GraphiQL's introspection itself while no Authorization header is set.
    assert 'params.operationName === "IntrospectionQuery" && !signedIn(opts && opts.headers)' in script
    for step in ("Headers", '{"Authorization": "Bearer <令牌>"}', "yibao token", "Shift+Ctrl+R"):
        assert step in script
