"""What a new user meets: the demo data loads through the real services, and the exported SDL is current."""

from __future__ import annotations

import asyncpg

from api.demo import DEMO_OFFICERS, SHOWCASE_INSTITUTIONS, seed_demo
from domain.single_connection_db import SingleConnectionDatabase
from schema.root import SDL_PATH, build_schema, export_sdl


async def test_demo_data_goes_through_the_workflow_and_names_its_officers(
    db: SingleConnectionDatabase, conn: asyncpg.Connection
) -> None:
    added = await seed_demo(db, subjects_per_county=6)
    assert added == 24 + len(SHOWCASE_INSTITUTIONS) + 1  # the named examples and the sanctioned person
    assert await conn.fetchval("SELECT count(*) FROM officer") == len(DEMO_OFFICERS)
    regions = {r["left"] for r in await conn.fetch("SELECT DISTINCT left(region_code, 2) FROM subject")}
    assert regions == {"34", "50"}
    statuses = {r["status"] for r in await conn.fetch("SELECT DISTINCT status FROM credit_record")}
    assert "confirmed" in statuses
    unattributed = await conn.fetchval(
        "SELECT count(*) FROM credit_record_version v WHERE v.author_id = '' OR v.author_id IS NULL"
    )
    assert unattributed == 0
    # The county prepared and the city-level bureau published, so the public has something to see.
    publishers = {r["publisher_region"] for r in await conn.fetch(
        "SELECT DISTINCT publisher_region FROM publication WHERE status = 'published'")}
    assert publishers == {"340100", "500000"}
    assert await conn.fetchval("SELECT count(*) FROM publication WHERE item_type = 'result'") > 0
    # Every penalty and serious case the demo publishes is a complete 双公示 row for the provincial platform:
    # none is refused locally for a missing decision number, penalty or bureau code.
    pushes = await conn.fetch("SELECT status, last_error FROM platform_push WHERE action = 'publish'")
    assert pushes, "the demo publishes penalties and serious cases, which are pushed"
    assert [p["last_error"] for p in pushes if p["status"] == "failed"] == []
    assert await seed_demo(db, subjects_per_county=6) == 0  # idempotent


def test_the_exported_sdl_matches_the_code() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == export_sdl(build_schema()), (
        "schema/schema.graphql is out of date: run `./dev export-sdl`"
    )
