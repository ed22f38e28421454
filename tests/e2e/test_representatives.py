"""代理人: an institution names the people who act for it, revokes them, and never the public sees them."""

from __future__ import annotations

import random

import asyncpg
import httpx
import pytest

from api.settings import Settings
from domain.rules.catalog import SubjectClass
from domain.synthetic import make_resident_id
from tests.support.factories import GraphQL, count, error_codes, insert_subject, officer, subject_principal

NAME = """mutation($n: String!, $id: String!, $r: RepresentativeRole!) {
    nameRepresentative(name: $n, residentId: $id, role: $r) { id name maskedResidentId role revokedAt } }"""
LIST = "query($s: ID) { representatives(subjectId: $s) { id name maskedResidentId role revokedAt } }"
PERSON_ID = make_resident_id(random.Random(3), "340102")


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


async def test_an_institution_names_and_revokes_a_representative_and_its_bureau_reads_both(
        conn: asyncpg.Connection, gql: GraphQL) -> None:
    institution = await insert_subject(conn, region="340102")
    me = subject_principal(institution)
    named = await gql(NAME, {"n": "王经理", "id": PERSON_ID, "r": "CONTACT"}, as_=me)
    rep = named["data"]["nameRepresentative"]
    assert (rep["name"], rep["role"], rep["revokedAt"]) == ("王经理", "CONTACT", None)
    assert rep["maskedResidentId"] == PERSON_ID[:6] + "********" + PERSON_ID[-4:]
    again = await gql(NAME, {"n": "王经理", "id": PERSON_ID, "r": "CONTACT"}, as_=me)
    assert error_codes(again) == ["CONFLICT"]
    revoked = await gql("mutation($id: ID!) { revokeRepresentative(id: $id) { revokedAt } }", {"id": rep["id"]},
                        as_=me)
    assert revoked["data"]["revokeRepresentative"]["revokedAt"] is not None
    seen = (await gql(LIST, {"s": str(institution)}, as_=officer("340100")))["data"]["representatives"]
    assert [(r["name"], r["revokedAt"] is not None) for r in seen] == [("王经理", True)]
    assert error_codes(await gql(LIST, {"s": str(institution)}, as_=officer("500237"))) in (["FORBIDDEN"],
                                                                                            ["NOT_FOUND"])
    assert error_codes(await gql(LIST, {"s": str(institution)})) == ["FORBIDDEN"]  # never public


async def test_a_person_an_officer_or_a_bad_resident_id_names_no_one_and_nothing_is_written(
        conn: asyncpg.Connection, gql: GraphQL) -> None:
    institution = await insert_subject(conn, region="340102")
    person = await insert_subject(conn, region="340102", subject_class=SubjectClass.DOCTOR)
    before = await count(conn, "subject_representative")
    bad_check = PERSON_ID[:-1] + ("0" if PERSON_ID[-1] != "0" else "1")
    cases = [
        ({"n": "王经理", "id": bad_check, "r": "AGENT"}, subject_principal(institution), "INVALID_INPUT"),
        ({"n": " ", "id": PERSON_ID, "r": "AGENT"}, subject_principal(institution), "INVALID_INPUT"),
        ({"n": "王经理", "id": PERSON_ID, "r": "AGENT"}, subject_principal(person), "FORBIDDEN"),
        ({"n": "王经理", "id": PERSON_ID, "r": "AGENT"}, officer("340102"), "FORBIDDEN"),
    ]
    for variables, principal, code in cases:
        assert error_codes(await gql(NAME, variables, as_=principal)) == [code], (variables, principal)
    assert await count(conn, "subject_representative") == before
