"""Who may read, write and review where: every role against targets at every relation, through HTTP.

The expected answers are written out here by hand from the domain (001 art.5, art.14, art.22), not derived
from the policy, so a policy change that breaks the rules fails these tests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from domain.access import OfficerRole, Principal
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import (
    GraphQL,
    insert_entered_record,
    insert_subject,
    officer,
    subject_principal,
)

NODES = ["340000", "340100", "340102", "340104", "341100", "500237"]


@dataclass(frozen=True)
class Actor:
    name: str
    node: str
    role: OfficerRole | None  # None: the subject itself, or the public
    targets: dict[str, str]  # relation → node of the target


ACTORS = [
    Actor(
        "province", "340000", OfficerRole.OFFICER, {"own": "340000", "descendant": "340102", "other_province": "500237"}
    ),
    Actor(
        "city",
        "340100",
        OfficerRole.OFFICER,
        {
            "own": "340100",
            "descendant": "340102",
            "sibling": "341100",
            "ancestor": "340000",
            "other_province": "500237",
        },
    ),
    Actor(
        "county",
        "340102",
        OfficerRole.OFFICER,
        {"own": "340102", "sibling": "340104", "ancestor": "340100", "other_province": "500237"},
    ),
    Actor(
        "reviewer",
        "340100",
        OfficerRole.REVIEWER,
        {
            "own": "340100",
            "descendant": "340102",
            "sibling": "341100",
            "ancestor": "340000",
            "other_province": "500237",
        },
    ),
    Actor(
        "agency",
        "340100",
        OfficerRole.AGENCY,
        {
            "own": "340100",
            "descendant": "340102",
            "sibling": "341100",
            "ancestor": "340000",
            "other_province": "500237",
        },
    ),
    Actor("subject", "340102", None, {"own": "340102", "sibling": "340104", "other_province": "500237"}),
    Actor("public", "", None, {"own": "340102", "other_province": "500237"}),
]

OWN_SUBTREE = {"own", "descendant"}
EXPECTED: dict[tuple[str, str], set[str]] = {
    # The province reads its whole province and enters nothing (001 art.5).
    ("province", "read"): OWN_SUBTREE,
    ("province", "write"): set(),
    ("province", "review"): set(),
    # City and county bureaus collect and enter in their own subtree; reviewing is a separate duty.
    ("city", "read"): OWN_SUBTREE,
    ("city", "write"): OWN_SUBTREE,
    ("city", "review"): set(),
    ("county", "read"): OWN_SUBTREE,
    ("county", "write"): OWN_SUBTREE,
    ("county", "review"): set(),
    ("reviewer", "read"): OWN_SUBTREE,
    ("reviewer", "write"): set(),
    ("reviewer", "review"): OWN_SUBTREE,
    # A handling agency enters for its bureau but does not review.
    ("agency", "read"): OWN_SUBTREE,
    ("agency", "write"): OWN_SUBTREE,
    ("agency", "review"): set(),
    # A subject reads its own archive only; it declares, it never enters or reviews.
    ("subject", "read"): {"own"},
    ("subject", "write"): set(),
    ("subject", "review"): set(),
    ("public", "read"): set(),
    ("public", "write"): set(),
    ("public", "review"): set(),
}

CASES = [(a, action, rel) for a in ACTORS for action in ("read", "write", "review") for rel in a.targets]


@pytest.fixture
async def targets(conn) -> dict[str, tuple[uuid.UUID, uuid.UUID]]:  # type: ignore[no-untyped-def]
    """A subject with one record awaiting review at every node: node → (subject id, record id)."""
    out = {}
    for node in NODES:
        sid = await insert_subject(conn, region=node)
        out[node] = (sid, await insert_entered_record(conn, subject_id=sid, region=node))
    return out


def _principal(actor: Actor, targets: dict[str, tuple[uuid.UUID, uuid.UUID]]) -> Principal | None:
    if actor.name == "public":
        return None
    if actor.role is None:
        return subject_principal(targets[actor.node][0])
    return officer(actor.node, actor.role)


async def _attempt(gql: GraphQL, action: str, who: Principal | None, sid: uuid.UUID, rid: uuid.UUID, conn) -> bool:  # type: ignore[no-untyped-def]
    """Try the action; return whether it took effect, checking the database agrees with the answer."""
    if action == "read":
        body = await gql("query($id: ID!) { subject(id: $id) { id code } }", {"id": str(sid)}, as_=who)
        return bool(body.get("data") and body["data"]["subject"])
    if action == "write":
        before = await conn.fetchval("SELECT count(*) FROM credit_record WHERE subject_id = $1", sid)
        body = await gql(
            """mutation($s: ID!) { enterRecord(input: {subjectId: $s, kind: INTERVIEW, content: {
                 title: "约谈", facts: "约谈法定代表人", occurredOn: "2025-05-01", legalBasis: "服务协议"}}) { id } }""",
            {"s": str(sid)},
            as_=who,
        )
        after = await conn.fetchval("SELECT count(*) FROM credit_record WHERE subject_id = $1", sid)
        done = bool(body.get("data") and body["data"]["enterRecord"])
        assert after == before + (1 if done else 0)
        return done
    before = await conn.fetchval("SELECT count(*) FROM record_event WHERE record_id = $1", rid)
    body = await gql(
        "mutation($id: ID!) { reviewRecord(id: $id, approve: true) { status } }", {"id": str(rid)}, as_=who
    )
    after = await conn.fetchval("SELECT count(*) FROM record_event WHERE record_id = $1", rid)
    done = bool(body.get("data") and body["data"]["reviewRecord"])
    assert after == before + (1 if done else 0)
    if not done:
        assert body["errors"][0]["extensions"]["code"] in {"FORBIDDEN", "NOT_FOUND"}
    return done


@pytest.mark.parametrize(("actor", "action", "relation"), CASES, ids=[f"{a.name}-{act}-{rel}" for a, act, rel in CASES])
async def test_authorization_matrix(
    actor: Actor,
    action: str,
    relation: str,
    targets,
    client: httpx.AsyncClient,  # type: ignore[no-untyped-def]
    settings: Settings,
    conn,
) -> None:
    sid, rid = targets[actor.targets[relation]]
    allowed = await _attempt(GraphQL(client, settings), action, _principal(actor, targets), sid, rid, conn)
    assert allowed == (relation in EXPECTED[(actor.name, action)])


class AllowEverything:
    """An authorizer that says yes to everything: Casbin bypassed, so row-level security stands alone."""

    def allows(self, sub: str, obj: str, act: str, rel: str) -> bool:
        return True


@pytest.fixture
async def unguarded(db: SingleConnectionDatabase, settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(settings=settings, database=db, authorizer=AllowEverything())  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        yield GraphQL(http, settings)


@pytest.mark.parametrize("relation", ["sibling", "ancestor", "other_province"])
async def test_cross_region_reads_return_nothing_with_casbin_bypassed(relation: str, targets, unguarded, conn) -> None:  # type: ignore[no-untyped-def]
    county = ACTORS[2]
    sid, rid = targets[county.targets[relation]]
    who = officer(county.node)
    body = await unguarded("query($id: ID!) { subject(id: $id) { id } }", {"id": str(sid)}, as_=who)
    assert body["data"] == {"subject": None} and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await unguarded("query($id: ID!) { record(id: $id) { id } }", {"id": str(rid)}, as_=who)
    assert body["data"] == {"record": None}
    page = await unguarded("{ subjects(first: 100) { totalCount edges { node { region { code } } } } }", as_=who)
    assert page["data"]["subjects"]["totalCount"] == 1
    assert {e["node"]["region"]["code"] for e in page["data"]["subjects"]["edges"]} == {"340102"}


async def test_cross_region_writes_fail_with_casbin_bypassed(targets, unguarded, conn) -> None:  # type: ignore[no-untyped-def]
    _, rid = targets["340104"]
    who = officer("340102", OfficerRole.REVIEWER)
    body = await unguarded(
        "mutation($id: ID!) { reviewRecord(id: $id, approve: true) { status } }", {"id": str(rid)}, as_=who
    )
    assert body["data"] is None
    assert await conn.fetchval("SELECT status FROM credit_record WHERE id = $1", rid) == "entered"


async def test_subject_principal_sees_only_its_own_archive_with_casbin_bypassed(targets, unguarded) -> None:  # type: ignore[no-untyped-def]
    own, _ = targets["340102"]
    other, _ = targets["340104"]
    who = subject_principal(own)
    mine = await unguarded("query($id: ID!) { subject(id: $id) { id } }", {"id": str(own)}, as_=who)
    assert mine["data"]["subject"]["id"] == str(own)
    theirs = await unguarded("query($id: ID!) { subject(id: $id) { id } }", {"id": str(other)}, as_=who)
    assert theirs["data"] == {"subject": None}
