"""Errors speak Chinese by default and English to a client that asks for it; the code never changes."""

from __future__ import annotations

import random

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
