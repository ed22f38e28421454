"""After a commit only the consumers of the committed event types run, and then those of what they write."""

from __future__ import annotations

from domain.consumers import CONSUMERS, drain_all
from domain.db_scope import DbScope
from domain.events import DomainEvent, EventType
from domain.single_connection_db import SingleConnectionDatabase


async def _locked_bookmarks(db: SingleConnectionDatabase, types: set[EventType] | None) -> list[str]:
    seen: list[str] = []
    stop = db.listen(lambda q: seen.append(q.args[0]) if "FOR UPDATE" in q.query and "event_consumer" in q.query
                     else None)
    try:
        await drain_all(db, CONSUMERS, types)
    finally:
        stop()
    return seen


async def test_a_commit_drains_only_the_consumers_of_its_event_types(db: SingleConnectionDatabase) -> None:
    async with db.session(DbScope.system(actor="test")) as s:
        s.emit(DomainEvent(type=EventType.RULESET_ACTIVATED, region_code="340000", actor="test",
                           payload={"code": "x", "version": 1}))
        assert s.event_types == {EventType.RULESET_ACTIVATED}
    interested = {c.name for c in CONSUMERS if EventType.RULESET_ACTIVATED in c.types}
    assert set(await _locked_bookmarks(db, {EventType.RULESET_ACTIVATED})) == interested
    assert len(interested) < len(CONSUMERS)  # the re-grading, take-down and notice consumers are not asked
    # without types (the listener's catch-up) every consumer is drained
    assert set(await _locked_bookmarks(db, None)) == {c.name for c in CONSUMERS}


async def test_set_based_events_leave_the_types_unknown_so_every_consumer_is_drained(
        db: SingleConnectionDatabase) -> None:
    async with db.session(DbScope.system(actor="test")) as s:
        s.emit_query("SELECT 'ruleset.activated', '340000', NULL::uuid, NULL::uuid, 'test', "
                     "'{bureau}'::text[], '{}'::jsonb, NULL::jsonb WHERE false")
        assert s.event_types is None
