"""Entry → review → confirmation by different officers, every step attributed, nothing overwritten."""

from __future__ import annotations

import httpx
import pytest

from api.settings import Settings
from domain.access import OfficerRole
from tests.support.factories import GraphQL, count, error_codes, insert_subject, officer, subject_principal

ENTER = """mutation($s: ID!, $amount: Decimal) { enterRecord(input: {subjectId: $s, kind: RECOVERED_FUNDS, content: {
  title: "追回违规使用医保基金", facts: "串换药品收费", amount: $amount, occurredOn: "2025-04-02",
  decidedOn: "2025-04-20", legalBasis: "《医疗保障基金使用监督管理条例》第三十八条"}}) {
  id status department enteredBy current { version amount authorId } effectiveVersion nextActions } }"""
REVIEW = "mutation($id: ID!, $ok: Boolean!, $r: String) { reviewRecord(id: $id, approve: $ok, reason: $r) { status reviewedBy } }"
CONFIRM = "mutation($id: ID!) { confirmRecord(id: $id) { status confirmedBy effectiveVersion } }"

CLERK = officer("500237", OfficerRole.OFFICER)
REVIEWER = officer("500237", OfficerRole.REVIEWER, id="wushan-reviewer-1")
CONFIRMER = officer("500237", OfficerRole.REVIEWER, id="wushan-reviewer-2")


@pytest.fixture
def gql(client: httpx.AsyncClient, settings: Settings) -> GraphQL:
    return GraphQL(client, settings)


@pytest.fixture
async def entered(gql: GraphQL, conn) -> str:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region="500237")
    body = await gql(ENTER, {"s": str(sid), "amount": "60000.00"}, as_=CLERK)
    record = body["data"]["enterRecord"]
    assert record["status"] == "ENTERED" and record["enteredBy"] == CLERK.id
    assert record["department"] == "500237医疗保障局"
    assert record["current"] == {"version": 1, "amount": "60000.00", "authorId": CLERK.id}
    assert record["effectiveVersion"] is None
    # The clerk may amend or withdraw its entry, but neither review it (its role) nor confirm it.
    assert record["nextActions"] == ["WITHDRAW", "AMEND"]
    return str(record["id"])


NEXT = "query($id: ID!) { record(id: $id) { nextActions } }"


async def test_next_actions_list_only_what_the_caller_may_do(gql: GraphQL, entered: str) -> None:
    async def offered(who) -> list[str]:  # type: ignore[no-untyped-def]
        body = await gql(NEXT, {"id": entered}, as_=who)
        return list(body["data"]["record"]["nextActions"])

    assert await offered(REVIEWER) == ["REVIEW_APPROVE", "REVIEW_REJECT"]  # reviewers do not write records
    # The same person as a reviewer: separation of duties keeps review off its own entry.
    assert "REVIEW_APPROVE" not in await offered(officer("500237", OfficerRole.REVIEWER, id=CLERK.id))
    assert await offered(officer("500237", OfficerRole.EVALUATOR)) == []  # reads the archive, takes no step
    await gql(REVIEW, {"id": entered, "ok": True}, as_=REVIEWER)
    assert "CONFIRM" not in await offered(REVIEWER)  # the reviewer does not also confirm
    assert "CONFIRM" in await offered(CONFIRMER)


async def test_a_record_is_entered_reviewed_and_confirmed_by_three_different_officers(
    gql: GraphQL, entered: str
) -> None:
    reviewed = await gql(REVIEW, {"id": entered, "ok": True}, as_=REVIEWER)
    assert reviewed["data"]["reviewRecord"] == {"status": "REVIEWED", "reviewedBy": REVIEWER.id}
    confirmed = await gql(CONFIRM, {"id": entered}, as_=CONFIRMER)
    assert confirmed["data"]["confirmRecord"] == {
        "status": "CONFIRMED",
        "confirmedBy": CONFIRMER.id,
        "effectiveVersion": 1,
    }
    history = await gql(
        "query($id: ID!) { record(id: $id) { history { action actorId toStatus } } }",
        {"id": entered},
        as_=officer("500000"),
    )
    assert [(h["action"], h["actorId"], h["toStatus"]) for h in history["data"]["record"]["history"]] == [
        ("ENTER", CLERK.id, "ENTERED"),
        ("REVIEW_APPROVE", REVIEWER.id, "REVIEWED"),
        ("CONFIRM", CONFIRMER.id, "CONFIRMED"),
    ]


async def test_the_officer_who_entered_a_record_cannot_review_it(gql: GraphQL, entered: str, conn) -> None:  # type: ignore[no-untyped-def]
    same_person = officer("500237", OfficerRole.REVIEWER, id=CLERK.id)
    events = await count(conn, "record_event")
    body = await gql(REVIEW, {"id": entered, "ok": True}, as_=same_person)
    assert error_codes(body) == ["CONFLICT"]
    assert "录入人不能审核" in body["errors"][0]["message"]
    assert await count(conn, "record_event") == events


async def test_the_reviewer_cannot_also_confirm(gql: GraphQL, entered: str, conn) -> None:  # type: ignore[no-untyped-def]
    await gql(REVIEW, {"id": entered, "ok": True}, as_=REVIEWER)
    body = await gql(CONFIRM, {"id": entered}, as_=REVIEWER)
    assert error_codes(body) == ["CONFLICT"]
    assert await conn.fetchval("SELECT status FROM credit_record") == "reviewed"


async def test_confirming_twice_is_a_conflict_and_writes_nothing(gql: GraphQL, entered: str, conn) -> None:  # type: ignore[no-untyped-def]
    await gql(REVIEW, {"id": entered, "ok": True}, as_=REVIEWER)
    await gql(CONFIRM, {"id": entered}, as_=CONFIRMER)
    events = await count(conn, "record_event")
    audit = await count(conn, "audit_log")
    again = await gql(CONFIRM, {"id": entered}, as_=officer("500237", OfficerRole.REVIEWER, id="third"))
    assert error_codes(again) == ["CONFLICT"]
    assert (await count(conn, "record_event"), await count(conn, "audit_log")) == (events, audit)


async def test_a_rejection_needs_a_reason(gql: GraphQL, entered: str) -> None:
    body = await gql(REVIEW, {"id": entered, "ok": False}, as_=REVIEWER)
    assert error_codes(body) == ["INVALID_INPUT"]
    body = await gql(REVIEW, {"id": entered, "ok": False, "r": "金额与追款通知书不符"}, as_=REVIEWER)
    assert body["data"]["reviewRecord"]["status"] == "REJECTED"


async def test_amending_a_confirmed_record_keeps_the_confirmed_version_in_force(gql: GraphQL, entered: str) -> None:
    await gql(REVIEW, {"id": entered, "ok": True}, as_=REVIEWER)
    await gql(CONFIRM, {"id": entered}, as_=CONFIRMER)
    amended = await gql(
        """mutation($id: ID!) { amendRecord(id: $id, reason: "追款金额更正", content: {title: "追回违规使用医保基金",
             facts: "串换药品收费", amount: "40000.00", occurredOn: "2025-04-02", legalBasis: "条例第三十八条"}) {
             status effectiveVersion current { version amount changeReason } versions { version amount } } }""",
        {"id": entered},
        as_=CLERK,
    )
    record = amended["data"]["amendRecord"]
    assert record["status"] == "ENTERED" and record["effectiveVersion"] == 1
    assert record["current"] == {"version": 2, "amount": "40000.00", "changeReason": "追款金额更正"}
    assert record["versions"] == [{"version": 1, "amount": "60000.00"}, {"version": 2, "amount": "40000.00"}]


async def test_withdrawal_is_a_recorded_event_and_the_record_stays_readable(gql: GraphQL, entered: str) -> None:
    no_reason = await gql(
        'mutation($id: ID!) { withdrawRecord(id: $id, reason: "") { status } }', {"id": entered}, as_=CLERK
    )
    assert error_codes(no_reason) == ["INVALID_INPUT"]
    body = await gql(
        'mutation($id: ID!) { withdrawRecord(id: $id, reason: "录入对象错误") { status history { action reason } } }',
        {"id": entered},
        as_=CLERK,
    )
    record = body["data"]["withdrawRecord"]
    assert record["status"] == "WITHDRAWN"
    assert record["history"][-1] == {"action": "WITHDRAW", "reason": "录入对象错误"}


async def test_invalid_record_content_is_refused_with_every_problem_named(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region="500237")
    body = await gql(
        """mutation($s: ID!) { enterRecord(input: {subjectId: $s, kind: RECOVERED_FUNDS, content: {
             title: "追回", amount: "-5", occurredOn: "2999-01-01"}}) { id } }""",
        {"s": str(sid)},
        as_=CLERK,
    )
    assert error_codes(body) == ["INVALID_INPUT"]
    fields = {p["field"] for p in body["errors"][0]["extensions"]["problems"]}
    assert {"amount", "occurredOn", "facts", "legalBasis"} <= fields
    assert await count(conn, "credit_record") == 0


async def test_a_subject_declares_its_own_trust_information_and_an_officer_verifies_it(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region="500237")
    me = subject_principal(sid)
    body = await gql(
        """mutation { declareRecord(input: {kind: COMMENDATION, content: {title: "县级先进集体",
                       decidedOn: "2025-01-10"}}) { id status enteredBy department } }""",
        as_=me,
    )
    declared = body["data"]["declareRecord"]
    assert declared["status"] == "DECLARED" and declared["enteredBy"] == str(sid)
    refused = await gql(
        """mutation { declareRecord(input: {kind: FRAUD, content: {title: "x", facts: "x",
                           occurredOn: "2025-01-01", legalBasis: "x"}}) { id } }""",
        as_=me,
    )
    assert error_codes(refused) == ["INVALID_INPUT"]
    verified = await gql(
        "mutation($id: ID!) { verifyDeclaration(id: $id) { status } }", {"id": declared["id"]}, as_=REVIEWER
    )
    assert verified["data"]["verifyDeclaration"]["status"] == "REVIEWED"
    mine = await gql("query($id: ID!) { subject(id: $id) { records { status } } }", {"id": str(sid)}, as_=me)
    assert mine["data"]["subject"]["records"] == [{"status": "REVIEWED"}]


async def test_a_failed_mutation_in_a_request_rolls_back_the_whole_request(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region="500237")
    body = await gql(
        """mutation($s: ID!) {
             ok: enterRecord(input: {subjectId: $s, kind: INTERVIEW, content: {title: "约谈", facts: "约谈",
                 occurredOn: "2025-01-01", legalBasis: "协议"}}) { id }
             bad: enterRecord(input: {subjectId: $s, kind: INTERVIEW, content: {title: ""}}) { id } }""",
        {"s": str(sid)},
        as_=CLERK,
    )
    assert error_codes(body) == ["INVALID_INPUT"]
    assert await count(conn, "credit_record") == 0


async def test_the_review_queue_pages_records_awaiting_review_with_a_total(gql: GraphQL, conn) -> None:  # type: ignore[no-untyped-def]
    sid = await insert_subject(conn, region="500237")
    for _ in range(3):
        await gql(ENTER, {"s": str(sid), "amount": "1000.00"}, as_=CLERK)
    query = """query($after: String) { records(status: ENTERED, first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id status } } } }"""
    first = (await gql(query, as_=REVIEWER))["data"]["records"]
    assert first["totalCount"] == 3 and len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]
    rest = (await gql(query, {"after": first["pageInfo"]["endCursor"]}, as_=REVIEWER))["data"]["records"]
    assert len(rest["edges"]) == 1 and not rest["pageInfo"]["hasNextPage"]
    ids = {e["node"]["id"] for e in first["edges"] + rest["edges"]}
    assert len(ids) == 3
    elsewhere = (await gql(query, as_=officer("500101", OfficerRole.REVIEWER)))["data"]["records"]
    assert elsewhere["totalCount"] == 0
