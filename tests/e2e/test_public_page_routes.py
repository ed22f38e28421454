"""The public page, its static files and GraphiQL come from the app itself (no CDN); GraphQL over GET answers
queries (cacheable) and refuses mutations."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from api.app import STATIC_DIR


async def test_the_public_query_page_is_served_at_the_root(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "医保信用信息查询" in response.text and "/static/app.js" in response.text


async def test_static_files_and_the_bundled_graphiql_are_served(client: httpx.AsyncClient) -> None:
    for path in ("/static/app.js", "/static/style.css", "/static/graphiql/graphiql.min.js",
                 "/static/graphiql/graphiql.min.css", "/static/graphiql/react.production.min.js",
                 "/static/graphiql/react-dom.production.min.js", "/static/graphiql/start.js"):
        assert (await client.get(path)).status_code == 200, path


async def test_graphiql_and_the_public_page_load_nothing_from_outside(client: httpx.AsyncClient) -> None:
    ide = (await client.get("/graphql", headers={"Accept": "text/html"})).text
    assert "/static/graphiql/graphiql.min.js" in ide
    pages = [ide] + [p.read_text(encoding="utf-8") for p in (STATIC_DIR / "index.html", STATIC_DIR / "app.js",
                                                              STATIC_DIR / "style.css", STATIC_DIR / "graphiql" /
                                                              "start.js")]
    for text in pages:
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
        assert "@import" not in text and "fonts.googleapis" not in text


async def test_a_query_over_get_answers_and_may_be_cached(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": '{ region(code: "340102") { name } }'})
    assert response.status_code == 200
    assert response.json() == {"data": {"region": {"name": "瑶海区"}}}
    assert response.headers["cache-control"].startswith("public, max-age=")


async def test_a_query_over_get_takes_variables_and_an_operation_name(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={
        "query": "query A($c: ID!) { region(code: $c) { name } } query B { region(code: \"500237\") { name } }",
        "variables": '{"c": "340102"}', "operationName": "A"})
    assert response.json()["data"]["region"]["name"] == "瑶海区"


async def test_a_mutation_over_get_is_refused_with_405_and_changes_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": 'mutation { publish(id: "x") { status } }'})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert "POST" in response.json()["errors"][0]["message"]


async def test_a_document_hiding_a_mutation_behind_a_query_is_refused_over_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={
        "query": 'query Q { __typename } mutation M { publish(id: "x") { status } }', "operationName": "Q"})
    assert response.status_code == 405


async def test_bad_variables_over_get_are_a_clear_client_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }", "variables": "{not json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_the_static_files_ship_with_the_package() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'api = ["static/*", "static/graphiql/*"]' in pyproject
