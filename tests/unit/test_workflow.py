from __future__ import annotations

import itertools

import pytest

from domain.errors import Conflict, InvalidInput
from domain.rules.workflow import (
    FORWARD_ACTIONS,
    RecordAction,
    RecordHistory,
    RecordState,
    Transition,
    allowed_actions,
    start_declaration,
    start_entry,
    transition,
)

S, A = RecordState, RecordAction
ENTERER, REVIEWER, CONFIRMER, SUBJECT = "officer-entry", "officer-review", "officer-confirm", "subject-1"

LEGAL = {
    S.ENTERED: {A.REVIEW_APPROVE, A.REVIEW_REJECT, A.AMEND, A.WITHDRAW},
    S.REVIEWED: {A.CONFIRM, A.REVIEW_REJECT, A.AMEND, A.WITHDRAW},
    S.CONFIRMED: {A.AMEND, A.WITHDRAW},
    S.REJECTED: {A.AMEND, A.WITHDRAW},
    S.DECLARED: {A.VERIFY_DECLARATION, A.REJECT_DECLARATION, A.WITHDRAW},
    S.WITHDRAWN: set(),
    S.WITHDRAWAL_REQUESTED: {A.APPROVE_WITHDRAWAL, A.REFUSE_WITHDRAWAL},
}


def step(t: Transition, action: RecordAction, actor: str, reason: str | None = None) -> Transition:
    return transition(state=t.state, action=action, actor_id=actor, history=t.history, reason=reason)


def confirmed() -> Transition:
    reviewed = step(start_entry(actor_id=ENTERER), A.REVIEW_APPROVE, REVIEWER)
    return step(reviewed, A.CONFIRM, CONFIRMER)


def test_an_entered_record_reviewed_and_confirmed_by_three_officers_is_confirmed() -> None:
    t = confirmed()
    assert t.state is S.CONFIRMED
    assert t.history == RecordHistory(
        entered_by=ENTERER, reviewed_by=REVIEWER, confirmed_by=CONFIRMER, version=1, confirmed_version=1
    )
    assert (t.previous_state, t.action, t.actor_id) == (S.REVIEWED, A.CONFIRM, CONFIRMER)


def test_a_new_entry_awaits_review() -> None:
    t = start_entry(actor_id=ENTERER)
    assert (t.state, t.history.entered_by, t.previous_state, t.action) == (S.ENTERED, ENTERER, None, None)


def test_a_verified_declaration_is_confirmed_by_a_different_officer() -> None:
    declared = start_declaration(declarant_id=SUBJECT)
    assert declared.state is S.DECLARED
    verified = step(declared, A.VERIFY_DECLARATION, REVIEWER)
    assert (verified.state, verified.history.reviewed_by) == (S.REVIEWED, REVIEWER)
    with pytest.raises(Conflict, match="The officer who reviewed a record cannot also confirm it"):
        step(verified, A.CONFIRM, REVIEWER)
    assert step(verified, A.CONFIRM, CONFIRMER).state is S.CONFIRMED


def test_a_rejected_declaration_keeps_its_reason() -> None:
    t = step(start_declaration(declarant_id=SUBJECT), A.REJECT_DECLARATION, REVIEWER, "no evidence")
    assert (t.state, t.reason) == (S.REJECTED, "no evidence")


def test_the_declarant_cannot_verify_its_own_declaration() -> None:
    with pytest.raises(Conflict, match="Whoever declared a record cannot verify it"):
        step(start_declaration(declarant_id=SUBJECT), A.VERIFY_DECLARATION, SUBJECT)


def test_the_officer_who_entered_a_record_cannot_review_it() -> None:
    entry = start_entry(actor_id=ENTERER)
    for action in (A.REVIEW_APPROVE, A.REVIEW_REJECT):
        with pytest.raises(Conflict, match="The officer who entered a record cannot review it") as raised:
            step(entry, action, ENTERER, "reason")
        assert raised.value.details == {"state": "entered", "action": action.value}


def test_the_officer_who_entered_a_record_cannot_confirm_it() -> None:
    reviewed = step(start_entry(actor_id=ENTERER), A.REVIEW_APPROVE, REVIEWER)
    with pytest.raises(Conflict, match="The officer who entered a record cannot also confirm it"):
        step(reviewed, A.CONFIRM, ENTERER)


def test_the_officer_who_reviewed_a_record_cannot_confirm_it() -> None:
    reviewed = step(start_entry(actor_id=ENTERER), A.REVIEW_APPROVE, REVIEWER)
    with pytest.raises(Conflict, match="The officer who reviewed a record cannot also confirm it"):
        step(reviewed, A.CONFIRM, REVIEWER)


def test_the_confirming_officer_may_send_a_reviewed_record_back() -> None:
    reviewed = step(start_entry(actor_id=ENTERER), A.REVIEW_APPROVE, REVIEWER)
    t = step(reviewed, A.REVIEW_REJECT, CONFIRMER, "amount wrong")
    assert (t.state, t.reason) == (S.REJECTED, "amount wrong")


@pytest.mark.parametrize("actor", [ENTERER, REVIEWER])
def test_neither_enterer_nor_reviewer_may_send_back_at_confirmation(actor: str) -> None:
    reviewed = step(start_entry(actor_id=ENTERER), A.REVIEW_APPROVE, REVIEWER)
    with pytest.raises(Conflict, match="cannot also confirm it"):
        step(reviewed, A.REVIEW_REJECT, actor, "reason")


def test_confirming_twice_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="This record has already been confirmed") as raised:
        step(confirmed(), A.CONFIRM, "officer-4")
    assert raised.value.code == "CONFLICT"


def test_reviewing_a_confirmed_record_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="already been confirmed; amend it"):
        step(confirmed(), A.REVIEW_APPROVE, "officer-4")


def test_confirming_an_unreviewed_record_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="must be reviewed before it can be confirmed"):
        step(start_entry(actor_id=ENTERER), A.CONFIRM, CONFIRMER)


def test_reviewing_twice_is_a_conflict() -> None:
    reviewed = step(start_entry(actor_id=ENTERER), A.REVIEW_APPROVE, REVIEWER)
    with pytest.raises(Conflict, match="already been reviewed and awaits confirmation"):
        step(reviewed, A.REVIEW_APPROVE, CONFIRMER)


def test_a_declaration_cannot_be_reviewed_or_confirmed_before_verification() -> None:
    declared = start_declaration(declarant_id=SUBJECT)
    for action in (A.REVIEW_APPROVE, A.CONFIRM, A.AMEND):
        with pytest.raises(Conflict, match="declaration awaiting verification; verify or reject it first"):
            step(declared, action, REVIEWER)


def test_an_entered_record_cannot_be_verified_as_a_declaration() -> None:
    with pytest.raises(Conflict, match="Only a subject's declaration"):
        step(start_entry(actor_id=ENTERER), A.VERIFY_DECLARATION, REVIEWER)


def test_a_rejected_record_must_be_amended_to_resubmit() -> None:
    rejected = step(start_entry(actor_id=ENTERER), A.REVIEW_REJECT, REVIEWER, "incomplete")
    with pytest.raises(Conflict, match="was rejected; amend it"):
        step(rejected, A.REVIEW_APPROVE, REVIEWER)
    amended = step(rejected, A.AMEND, ENTERER)
    assert (amended.state, amended.history.version) == (S.ENTERED, 2)


@pytest.mark.parametrize("action", list(RecordAction))
def test_nothing_can_be_done_to_a_withdrawn_record(action: RecordAction) -> None:
    requested = step(confirmed(), A.WITHDRAW, "officer-4", "entered in error")
    withdrawn = step(requested, A.APPROVE_WITHDRAWAL, "officer-5")
    with pytest.raises(Conflict, match="This record has been withdrawn"):
        step(withdrawn, action, "officer-5", "reason")


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for s, a in itertools.product(RecordState, RecordAction) if a not in LEGAL[s]],
)
def test_every_illegal_transition_is_a_conflict(state: RecordState, action: RecordAction) -> None:
    with pytest.raises(Conflict) as raised:
        transition(state=state, action=action, actor_id="x", history=RecordHistory(), reason="reason")
    assert raised.value.details == {"state": state.value, "action": action.value}
    assert not raised.value.en.startswith("Cannot")  # every refusal has its own explanation


@pytest.mark.parametrize(("state", "action"), [(s, a) for s, actions in LEGAL.items() for a in actions])
def test_every_legal_transition_is_offered_to_clients(state: RecordState, action: RecordAction) -> None:
    assert action in allowed_actions(state)
    assert action in FORWARD_ACTIONS[state]


def test_allowed_actions_are_exactly_the_legal_ones_in_a_stable_order() -> None:
    for state in RecordState:
        assert set(allowed_actions(state)) == LEGAL[state]
    assert allowed_actions(S.WITHDRAWN) == ()
    assert allowed_actions(S.REVIEWED) == (A.REVIEW_REJECT, A.CONFIRM, A.WITHDRAW, A.AMEND)


@pytest.mark.parametrize(
    ("state", "action"),
    [(S.ENTERED, A.REVIEW_REJECT), (S.DECLARED, A.REJECT_DECLARATION), (S.CONFIRMED, A.WITHDRAW)],
)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_rejecting_or_withdrawing_needs_a_reason(
    state: RecordState, action: RecordAction, reason: str | None
) -> None:
    with pytest.raises(InvalidInput, match="A reason is required") as raised:
        transition(state=state, action=action, actor_id="x", history=RecordHistory(), reason=reason)
    assert raised.value.details == {"field": "reason"}


@pytest.mark.parametrize("state", [s for s in RecordState if s not in (S.WITHDRAWN, S.WITHDRAWAL_REQUESTED)])
def test_a_record_never_in_force_is_withdrawn_at_once_and_the_withdrawal_is_an_event(state: RecordState) -> None:
    history = RecordHistory(entered_by=ENTERER)
    t = transition(state=state, action=A.WITHDRAW, actor_id=REVIEWER, history=history, reason=" duplicate ")
    assert (t.state, t.previous_state, t.action, t.actor_id, t.reason) == (
        S.WITHDRAWN,
        state,
        A.WITHDRAW,
        REVIEWER,
        "duplicate",
    )
    assert t.history == history


def test_after_amending_the_confirmed_version_stays_in_force_until_the_new_one_is_confirmed() -> None:
    amended = step(confirmed(), A.AMEND, "officer-4")
    assert amended.state is S.ENTERED
    assert amended.history == RecordHistory(entered_by="officer-4", version=2, confirmed_version=1)
    reviewed = step(amended, A.REVIEW_APPROVE, ENTERER)  # the first version's enterer may review the new one
    assert reviewed.history.confirmed_version == 1
    reconfirmed = step(reviewed, A.CONFIRM, REVIEWER)
    assert (reconfirmed.history.version, reconfirmed.history.confirmed_version) == (2, 2)


def test_the_officer_who_amended_a_record_cannot_review_the_new_version() -> None:
    amended = step(confirmed(), A.AMEND, "officer-4")
    with pytest.raises(Conflict, match="entered a record cannot review it"):
        step(amended, A.REVIEW_APPROVE, "officer-4")


def test_a_transition_does_not_change_the_history_it_was_given() -> None:
    entry = start_entry(actor_id=ENTERER)
    step(entry, A.REVIEW_APPROVE, REVIEWER)
    assert entry.history == RecordHistory(entered_by=ENTERER)


def test_one_officer_alone_cannot_withdraw_a_record_in_force_it_only_asks() -> None:
    requested = step(confirmed(), A.WITHDRAW, "officer-4", "duplicate")
    assert requested.state is S.WITHDRAWAL_REQUESTED
    assert requested.history.confirmed_version == 1  # still in force while the request waits
    assert (requested.history.withdrawal_requested_by, requested.history.state_before_withdrawal) == (
        "officer-4", S.CONFIRMED)


def test_the_officer_who_asked_to_withdraw_cannot_approve_or_refuse_the_request() -> None:
    requested = step(confirmed(), A.WITHDRAW, "officer-4", "duplicate")
    with pytest.raises(Conflict, match="asked to withdraw"):
        step(requested, A.APPROVE_WITHDRAWAL, "officer-4")
    with pytest.raises(Conflict, match="asked to withdraw"):
        step(requested, A.REFUSE_WITHDRAWAL, "officer-4", "no")


def test_a_second_officer_approves_the_withdrawal_and_the_record_is_withdrawn() -> None:
    requested = step(confirmed(), A.WITHDRAW, "officer-4", "duplicate")
    withdrawn = step(requested, A.APPROVE_WITHDRAWAL, "officer-5")
    assert (withdrawn.state, withdrawn.previous_state, withdrawn.actor_id) == (S.WITHDRAWN, S.WITHDRAWAL_REQUESTED,
                                                                              "officer-5")


def test_a_refused_withdrawal_returns_the_record_to_where_it_was() -> None:
    amended = step(confirmed(), A.AMEND, "officer-4")  # version 1 in force, version 2 under way
    requested = step(amended, A.WITHDRAW, "officer-6", "duplicate")
    assert requested.state is S.WITHDRAWAL_REQUESTED
    refused = step(requested, A.REFUSE_WITHDRAWAL, "officer-5", "the record is right")
    assert refused.state is S.ENTERED
    assert refused.history.withdrawal_requested_by is None
    with pytest.raises(InvalidInput, match="A reason is required"):
        step(requested, A.REFUSE_WITHDRAWAL, "officer-5")
