"""A bounded schema fuzz: schemathesis (GraphQL mode) generates queries and mutations from the schema, and the real
ASGI app, on the test's rolled-back transaction, answers every one of them without a server error.

Schemathesis builds the cases (its hypothesis-graphql strategies, our custom scalars registered below); we post
them through httpx's ASGI transport ourselves, because the app's asyncpg connection lives on pytest's event loop,
not on the thread schemathesis' own ASGI client would run. ``YIBAO_FUZZ_CASES`` cases per audience (300 by
default, 2000 in CI); the seed is fixed, so a failure reproduces.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from graphql import introspection_from_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.access import Principal
from domain.single_connection_db import SingleConnectionDatabase
from schema.root import build_schema
from tests.support.factories import auth, officer, subject_principal

CASES = int(os.environ.get("YIBAO_FUZZ_CASES", "300"))
AUDIENCES: dict[str, Principal | None] = {
    "anonymous": None,
    "officer": officer("340102"),
    "subject": subject_principal(uuid.UUID("00000000-0000-4000-8000-000000000001")),
}

schemathesis.graphql.scalar("Decimal", st.sampled_from(
    ["0", "1.5", "60000.00", "-1", "NaN", "Infinity", "-Infinity", "1e400", "0.001", "abc", ""]).map(nodes.String))
schemathesis.graphql.scalar("JSON", st.sampled_from([nodes.String("x"), nodes.Int(1), nodes.Boolean(True)]))
schemathesis.graphql.scalar("Upload", st.sampled_from([nodes.String("x"), nodes.Int(0)]))  # not a file part
schemathesis.graphql.scalar("_Any", st.sampled_from([nodes.String("x"), nodes.Int(0)]))
# Region codes worth trying besides random strings: real ones, unknown ones, malformed ones.
schemathesis.graphql.scalar("ID", st.sampled_from(
    ["340102", "340100", "500237", "999999", "1", "", "00000000-0000-4000-8000-000000000001", "x" * 300]
).map(nodes.String))


def _cases(seed: int, count: int) -> list[str]:
    """``count`` GraphQL documents generated from the schema by schemathesis, reproducibly."""
    schema = schemathesis.graphql.from_dict(introspection_from_schema(build_schema()._schema))
    operations = [result.ok() for result in schema.get_all_operations()]
    out: list[str] = []

    @hypothesis.seed(seed)
    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[hypothesis.Phase.generate])
    @given(st.one_of([op.as_strategy() for op in operations]))
    def collect(case: Any) -> None:
        out.append(case.body if isinstance(case.body, str) else case.body["query"])

    collect()
    return out


@pytest.mark.parametrize("audience", list(AUDIENCES))
async def test_generated_requests_never_get_a_server_error(
        audience: str, db: SingleConnectionDatabase, settings: Settings) -> None:
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(
        anonymous_limit="1000000/minute", authenticated_limit="1000000/minute", verify_limit="1000000/minute",
        cache_ttl_seconds=0))
    headers = auth(settings, AUDIENCES[audience])
    failures: list[tuple[str, int, str]] = []
    documents = _cases(list(AUDIENCES).index(audience) + 1, CASES)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for document in documents:
            response = await http.post("/graphql", json={"query": document}, headers=headers)
            codes = {e.get("extensions", {}).get("code") for e in response.json().get("errors", [])}
            if response.status_code >= 500 or "INTERNAL_SERVER_ERROR" in codes:
                failures.append((document, response.status_code, response.text[:300]))
    assert len(documents) >= CASES * 0.9
    assert failures == [], f"{len(failures)} server errors, e.g. {failures[:3]}"
