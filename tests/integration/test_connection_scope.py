"""How a pooled ``Database`` opens a request's scope: one round trip for a transaction, none for the public.

These use a real pool on the test server (not the rolled-back single connection the other tests share), because
what is tested is how a pooled connection is opened, scoped and handed back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from api.postgres import app_database_url
from domain.db import Database
from domain.db_scope import APP_ROLE, PUBLIC_ROLE, DbScope, TimeLimits

pytestmark = pytest.mark.asyncio(loop_scope="session")
ANONYMOUS = DbScope(role=PUBLIC_ROLE, actor="public:anonymous")


@pytest.fixture
async def pooled(pg_url: str) -> AsyncIterator[Database]:
    # As the API connects: the login role, which owns nothing (migration 0008).
    db = await Database.connect(app_database_url(pg_url), min_size=1, max_size=1)
    db.limit(TimeLimits(statement_timeout_ms=1500, lock_timeout_ms=700))
    statements: list[str] = []
    db.listen(lambda q: statements.append(q.query))
    db.statements = statements  # type: ignore[attr-defined]
    try:
        yield db
    finally:
        await db.close()


async def test_a_scoped_transaction_opens_in_one_round_trip_with_every_setting(pooled: Database) -> None:
    scope = DbScope(role=APP_ROLE, read_prefix="3401", write_prefix="340102", actor="officer:o'brien")
    pooled.statements.clear()  # type: ignore[attr-defined]
    session = await pooled.begin(scope)
    await asyncio.sleep(0.01)  # asyncpg reports statements to its loggers on the next loop turns
    opened = list(pooled.statements)  # type: ignore[attr-defined]
    row = await session.fetchrow(
        "SELECT current_user AS who, current_setting('yibao.read_prefix') AS rp, "
        "current_setting('yibao.write_prefix') AS wp, current_setting('yibao.actor') AS actor, "
        "current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt, "
        "pg_current_xact_id_if_assigned() IS NULL AS fresh, now() = statement_timestamp() AS same_instant")
    in_tx = session.conn.is_in_transaction()
    await pooled.end(session, commit=True)
    assert len(opened) == 1 and opened[0].startswith("BEGIN;")
    assert row is not None and in_tx
    assert (row["who"], row["rp"], row["wp"], row["actor"]) == (APP_ROLE, "3401", "340102", "officer:o'brien")
    assert (row["st"], row["lt"]) == ("1500ms", "700ms")
    assert row["same_instant"] is False  # now() is the transaction's start: the statement ran inside it


async def test_a_value_with_a_backslash_is_bound_as_a_parameter_not_spliced(pooled: Database) -> None:
    scope = DbScope(role=APP_ROLE, read_prefix="3401", actor="officer:a\\'; DROP TABLE subject; --")
    pooled.statements.clear()  # type: ignore[attr-defined]
    async with pooled.session(scope) as session:
        actor = await session.fetchval("SELECT current_setting('yibao.actor')")
    await asyncio.sleep(0.01)
    assert actor == "officer:a\\'; DROP TABLE subject; --"
    sent = list(pooled.statements)  # type: ignore[attr-defined]
    assert not any("DROP TABLE" in s for s in sent) and any("$5" in s for s in sent)


async def test_the_settings_end_with_the_transaction_and_the_connection_returns_clean(pooled: Database) -> None:
    async with pooled.session(DbScope(role=APP_ROLE, read_prefix="3401", actor="officer:x")) as session:
        await session.fetchval("SELECT 1")
    async with pooled.pool.acquire() as again:
        row = await again.fetchrow("SELECT current_user AS who, current_setting('yibao.read_prefix', true) AS rp")
    # The pool holds one connection: the same one the session used, with nothing of its scope left on it.
    assert row is not None and row["who"] == "yibao_login" and not row["rp"]


async def test_an_anonymous_read_runs_as_the_public_role_outside_any_transaction(pooled: Database) -> None:
    for _ in range(3):  # the same connections serve request after request, still the public role
        session = await pooled.begin(ANONYMOUS, autocommit=True)
        row = await session.fetchrow("SELECT current_user AS who, current_setting('statement_timeout') AS st, "
                                     "current_setting('max_parallel_workers_per_gather') AS workers")
        in_tx = session.conn.is_in_transaction()
        await pooled.end(session, commit=True)
        assert row is not None and (row["who"], row["st"], row["workers"]) == (PUBLIC_ROLE, "1500ms", "0")
        assert not in_tx and not session.transactional


async def test_the_public_connection_can_read_published_views_but_not_the_archive_or_write(pooled: Database) -> None:
    session = await pooled.begin(ANONYMOUS, autocommit=True)
    try:
        await session.fetchval("SELECT count(*) FROM public_item")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await session.fetchval("SELECT count(*) FROM credit_record")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await session.execute("DELETE FROM publication")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await session.execute("RESET ROLE; DELETE FROM publication")
    finally:
        await pooled.end(session, commit=False)


async def test_without_autocommit_the_public_scope_still_gets_a_transaction(pooled: Database) -> None:
    session = await pooled.begin(ANONYMOUS)
    try:
        assert session.conn.is_in_transaction()
        assert await session.fetchval("SELECT current_user") == PUBLIC_ROLE
    finally:
        await pooled.end(session, commit=False)


async def test_the_public_feed_on_a_public_connection_sets_nothing_that_needs_a_transaction(pooled: Database) -> None:
    from domain.events import Audience
    from domain.feed import FeedScope, changes

    session = await pooled.begin(ANONYMOUS, autocommit=True)
    notices: list[str] = []

    def heard(_conn: object, message: object) -> None:
        notices.append(str(message))

    session.conn.add_log_listener(heard)
    try:
        page = await changes(session=session, scope=FeedScope(audience=Audience.PUBLIC, public_form=True), after=0,
                             types=None, first=10)
    finally:
        await asyncio.sleep(0.01)  # notices reach listeners on a later turn of the loop
        session.conn.remove_log_listener(heard)
        await pooled.end(session, commit=False)
    assert page.end_position >= 0
    assert notices == []  # "SET LOCAL can only be used in transaction blocks" before
