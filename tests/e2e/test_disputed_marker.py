"""异议标注: while an objection is handled, the public sees the item marked as disputed where the rule set says so
(Anhui), never elsewhere (Wushan), and never learns more about the objection than that."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from api.settings import Settings
from domain.access import OfficerRole
from tests.support.factories import GraphQL, insert_subject, officer
from tests.support.publication import PREPARE, PUBLISH
from tests.support.rights import ACCEPT, ENTER, REJECT, content, file_objection

PUBLIC = """query($r: ID!) { publicRecords(regionCode: $r, first: 50) { edges { node { id disputed } } } }"""


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


async def _published(gql: GraphQL, subject: uuid.UUID, county: str, city: str) -> tuple[str, str]:
    """A record through the real workflow (enter, review, confirm by three officers), published by the city."""
    entered = await gql(ENTER, {"s": str(subject), "kind": "RECOVERED_FUNDS", "c": content()}, as_=officer(county))
    rid = entered["data"]["enterRecord"]["id"]
    await gql("mutation($id: ID!) { reviewRecord(id: $id, approve: true) { status } }", {"id": rid},
              as_=officer(county, OfficerRole.REVIEWER, id=f"{county}-reviewer"))
    await gql("mutation($id: ID!) { confirmRecord(id: $id) { status } }", {"id": rid},
              as_=officer(county, OfficerRole.REVIEWER, id=f"{county}-confirmer"))
    prepared = await gql(PREPARE, {"id": rid, "months": 6}, as_=officer(county))
    pub = prepared["data"]["preparePublication"]["id"]
    published = await gql(PUBLISH, {"id": pub}, as_=officer(city))
    assert "errors" not in published, published
    return rid, pub


async def _marker(gql: GraphQL, region: str, pub: str) -> bool:
    edges = (await gql(PUBLIC, {"r": region}))["data"]["publicRecords"]["edges"]
    return next(e["node"]["disputed"] for e in edges if e["node"]["id"] == pub)


async def test_an_item_under_objection_is_marked_disputed_until_the_objection_is_decided_in_anhui(
        conn: asyncpg.Connection, gql: GraphQL) -> None:
    subject = await insert_subject(conn, region="340102")
    rid, pub = await _published(gql, subject, "340102", "340100")
    assert await _marker(gql, "340102", pub) is False
    objection = await file_objection(gql, subject, rid)
    assert await _marker(gql, "340102", pub) is True
    feed = await gql("{ changes(types: [PUBLICATION_DISPUTED], first: 100) { events { payload subjectId } } }")
    announced = [e["payload"] for e in feed["data"]["changes"]["events"]]
    assert {"publicationId": pub, "disputed": True} in announced  # mirrors hear of it, and nothing more
    assert all(e["subjectId"] is None for e in feed["data"]["changes"]["events"])
    accepted = await gql(ACCEPT, {"id": objection["id"]}, as_=officer("340102"))
    assert "errors" not in accepted, accepted
    assert await _marker(gql, "340102", pub) is True  # accepted, still being handled
    rejected = await gql(REJECT, {"id": objection["id"], "r": "经复核，追回金额认定无误"}, as_=officer("340102"))
    assert "errors" not in rejected, rejected
    assert await _marker(gql, "340102", pub) is False


async def test_where_the_rule_set_does_not_say_so_an_objection_leaves_no_public_mark(
        conn: asyncpg.Connection, gql: GraphQL) -> None:
    subject = await insert_subject(conn, region="500237")  # Wushan's rule sets do not show objections
    rid, pub = await _published(gql, subject, "500237", "500000")
    await file_objection(gql, subject, rid)
    assert await _marker(gql, "500237", pub) is False
