"""Traces: one span per GraphQL operation and one per SQL statement under it, never one per resolver."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.settings import Settings
from tests.support.factories import GraphQL, insert_subject, officer

_exporter = InMemorySpanExporter()


@pytest.fixture
def spans() -> InMemorySpanExporter:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
        provider.add_span_processor(SimpleSpanProcessor(_exporter))
    _exporter.clear()
    return _exporter


async def test_an_operation_has_one_span_with_its_sql_statements_as_children(
        spans: InMemorySpanExporter, client: httpx.AsyncClient, settings: Settings, conn) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        await insert_subject(conn, region="340102")
    body = await GraphQL(client, settings)(
        "query Dashboard { subjects(first: 5) { totalCount edges { node { code records { kind } } } } }",
        as_=officer("340100"))
    assert "errors" not in body
    finished = spans.get_finished_spans()
    operations = [s for s in finished if s.name == "graphql.operation"]
    assert len(operations) == 1
    op = operations[0]
    assert op.attributes["graphql.operation.name"] == "Dashboard"
    sql = [s for s in finished if s.name == "sql"]
    assert len(sql) == 3  # page, count, records batch
    assert all(s.parent is not None and s.parent.span_id == op.context.span_id for s in sql)
    assert {s.name for s in finished} == {"graphql.operation", "sql"}  # nothing per resolver
    assert any("FROM subject" in s.attributes["db.statement"] for s in sql)
