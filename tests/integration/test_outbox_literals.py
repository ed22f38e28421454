"""Events written in as literals (``insert_statement``, sent with the COMMIT in one round trip) are the same rows
as the bound ``INSERT_EVENTS``, whatever the text holds and whatever ``standard_conforming_strings`` says."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from domain.events import (
    INSERT_EVENTS,
    Audience,
    DomainEvent,
    EventType,
    insert_arguments,
    insert_statement,
)

HOSTILE = ["普通文本", "it's", "back\\slash", "\\'; DROP TABLE domain_event; --", "$e$ $$ dollar $q$",
           "line\nbreak\ttab", "E'x'", "\\\\'", "末尾反斜杠\\"]
COLUMNS = "type, region_code, subject_id, item_id, actor, audiences, payload, public_payload"


def events() -> list[DomainEvent]:
    out = []
    for text in HOSTILE:
        out.append(DomainEvent(type=EventType.RECORD_ENTERED, region_code="340102", actor=text,
                               subject_id=uuid.uuid4(), item_id=uuid.uuid4(),
                               payload={"title": text, "nested": {"k": [text, 1, None, 2.5, True]}}))
    out.append(DomainEvent(type=EventType.RULESET_ACTIVATED, region_code="340000", actor="system",
                           payload={"code": "x"}))
    public = [e for e in EventType if Audience.PUBLIC in DomainEvent(type=e, region_code="1", actor="a").audience_set()]
    out.append(DomainEvent(type=public[0], region_code="340102", actor="o", subject_id=uuid.uuid4(),
                           payload={"n": "内部"}, public_payload={"name": "公开的 'x' \\ y"}))
    return out


async def _rows(conn: asyncpg.Connection, after: int, upto: int | None = None) -> list[tuple[object, ...]]:
    rows = await conn.fetch(f"""SELECT {COLUMNS} FROM domain_event_pending
                                WHERE id > $1 AND ($2::bigint IS NULL OR id <= $2) ORDER BY id""", after, upto)
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("conforming", ["on", "off"])
async def test_literal_events_are_the_same_rows_as_bound_ones(conn: asyncpg.Connection, conforming: str) -> None:
    batch = events()
    await conn.execute(f"SET LOCAL standard_conforming_strings = {conforming}")
    start = await conn.fetchval("SELECT coalesce(max(id), 0) FROM domain_event_pending")
    await conn.fetchval(INSERT_EVENTS, *insert_arguments(batch))
    middle = await conn.fetchval("SELECT max(id) FROM domain_event_pending")
    await conn.execute(insert_statement(batch))  # a simple query, as Session.commit_with_events sends it
    bound = await _rows(conn, start, middle)
    literal = await _rows(conn, middle)
    assert len(bound) == len(batch)
    assert literal == bound
    assert [r[4] for r in literal] == [e.actor for e in batch]  # hostile text stored verbatim, nothing executed
    assert await conn.fetchval("SELECT to_regclass('domain_event') IS NOT NULL")


def test_a_public_event_without_its_public_payload_is_refused_before_any_sql() -> None:
    public = next(e for e in EventType
                  if Audience.PUBLIC in DomainEvent(type=e, region_code="1", actor="a").audience_set())
    with pytest.raises(ValueError):
        insert_statement([DomainEvent(type=public, region_code="340102", actor="o")])
