"""A page never costs a query per row: pages of 10 and 50 subjects with their records cost the same statements."""

from __future__ import annotations

import httpx

from api.settings import Settings
from domain.access import OfficerRole
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL, insert_entered_record, insert_subject, officer

PAGE = """query($n: Int!) { subjects(first: $n) { totalCount edges { node { code name parent { code }
  records(first: 3) { kind status current { title amount } } } } } }"""


async def _statements(gql: GraphQL, db: SingleConnectionDatabase, size: int) -> tuple[int, int]:
    seen: list[str] = []
    stop = db.listen(lambda q: seen.append(q.query))
    try:
        body = await gql(PAGE, {"n": size}, as_=officer("340100", OfficerRole.OFFICER))
    finally:
        stop()
    assert "errors" not in body, body
    return len(body["data"]["subjects"]["edges"]), len(seen)


async def test_pages_of_10_and_50_subjects_with_records_issue_the_same_statements(
    client: httpx.AsyncClient, settings: Settings, db: SingleConnectionDatabase, conn
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(60):
        sid = await insert_subject(conn, region="340102")
        for _ in range(2):
            await insert_entered_record(conn, subject_id=sid, region="340102")
    gql = GraphQL(client, settings)
    await _statements(gql, db, 1)  # asyncpg introspects new types once per connection; not per page
    rows_10, statements_10 = await _statements(gql, db, 10)
    rows_50, statements_50 = await _statements(gql, db, 50)
    assert (rows_10, rows_50) == (10, 50)
    assert statements_10 == statements_50
    # scope + page + count + records batch (+ transaction control): a handful, not one per row.
    assert statements_50 <= 8
