"""Real-time evaluation (001 art.17): confirming or withdrawing a record re-grades its subject at once."""

from __future__ import annotations

from decimal import Decimal

import httpx

from api.settings import Settings
from domain.access import OfficerRole
from tests.support.factories import GraphQL, insert_subject, officer

CLERK = officer("500237", OfficerRole.OFFICER)
REVIEWER = officer("500237", OfficerRole.REVIEWER, id="wushan-reviewer-1")
CONFIRMER = officer("500237", OfficerRole.REVIEWER, id="wushan-reviewer-2")
RESULT = """query($id: ID!) { subject(id: $id) { creditResult { score grade trigger cycleYear
  lines { itemCode points recordIds clause } } } }"""


async def test_a_confirmed_recovery_of_60k_costs_a_wushan_pharmacy_10_points_and_withdrawal_restores_them(
    client: httpx.AsyncClient, settings: Settings, conn
) -> None:  # type: ignore[no-untyped-def]
    gql = GraphQL(client, settings)
    sid = await insert_subject(conn, region="500237")  # a retail pharmacy: 100 minus the annex's deductions
    entered = await gql(
        """mutation($s: ID!) { enterRecord(input: {subjectId: $s, kind: RECOVERED_FUNDS, content: {
             title: "追回违规使用医保基金", facts: "串换药品", amount: "60000.00", occurredOn: "2026-03-02",
             legalBasis: "条例第三十八条"}}) { id } }""",
        {"s": str(sid)},
        as_=CLERK,
    )
    rid = entered["data"]["enterRecord"]["id"]
    before = await gql(RESULT, {"id": str(sid)}, as_=CLERK)
    assert before["data"]["subject"]["creditResult"] is None  # nothing confirmed, nothing graded yet

    await gql("mutation($id: ID!) { reviewRecord(id: $id, approve: true) { status } }", {"id": rid}, as_=REVIEWER)
    await gql("mutation($id: ID!) { confirmRecord(id: $id) { status } }", {"id": rid}, as_=CONFIRMER)
    graded = (await gql(RESULT, {"id": str(sid)}, as_=CLERK))["data"]["subject"]["creditResult"]
    assert (Decimal(graded["score"]), graded["grade"], graded["trigger"], graded["cycleYear"]) == (90, "A", "realtime", 2026)
    assert [(Decimal(ln["points"]), ln["recordIds"]) for ln in graded["lines"]] == [(-10, [rid])]

    asked = await gql('mutation($id: ID!) { withdrawRecord(id: $id, reason: "追款决定被撤销") { status } }', {"id": rid}, as_=CLERK)
    assert asked["data"]["withdrawRecord"]["status"] == "WITHDRAWAL_REQUESTED"
    still = (await gql(RESULT, {"id": str(sid)}, as_=CLERK))["data"]["subject"]["creditResult"]
    assert Decimal(still["score"]) == 90  # one officer alone cannot take a record in force out
    await gql("mutation($id: ID!) { approveWithdrawal(id: $id) { status } }", {"id": rid}, as_=REVIEWER)
    restored = (await gql(RESULT, {"id": str(sid)}, as_=CLERK))["data"]["subject"]["creditResult"]
    assert (Decimal(restored["score"]), restored["grade"], restored["lines"]) == (100, "A", [])
