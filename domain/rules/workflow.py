"""The collection workflow of a credit record (录入 → 审核 → 确认, 001 art.14) as a pure state machine.

A record passes entry → review → confirmation, each step by a different officer. A subject's own declaration
(申报, of basic or trust information) starts as DECLARED; an officer verifies it (which counts as the review)
and a different officer confirms it.

Amending: AMEND starts a new version of the content, back in ENTERED with a fresh history. The previous
confirmed version (``RecordHistory.confirmed_version``) stays in force until the new version is confirmed;
the service layer must keep serving that version, not the draft, to evaluations and disclosure.

Withdrawing: WITHDRAW ends the record from any state but WITHDRAWN, with a reason; the withdrawal is itself
recorded as an event (``Transition``), never a deletion (001 art.31). A record with a version in force took
three officers to enter, so one officer alone cannot take it out: WITHDRAW then only requests the withdrawal
(WITHDRAWAL_REQUESTED, the record stays in force) and a different officer approves it (→ WITHDRAWN) or refuses
it (→ back to the state it was in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from domain.errors import Conflict, InvalidInput


class RecordState(StrEnum):
    """Where a credit record stands in the collection workflow."""

    ENTERED = "entered"  # 已录入, awaiting review
    REVIEWED = "reviewed"  # 已审核, awaiting confirmation
    CONFIRMED = "confirmed"  # 已确认, in force
    REJECTED = "rejected"  # sent back; amend to resubmit
    DECLARED = "declared"  # a subject's own declaration awaiting verification
    WITHDRAWN = "withdrawn"  # 已撤销, final
    WITHDRAWAL_REQUESTED = "withdrawal_requested"  # 撤销待审: still in force until a second officer approves


class RecordAction(StrEnum):
    """What an officer can do to a credit record."""

    REVIEW_APPROVE = "review_approve"
    REVIEW_REJECT = "review_reject"
    CONFIRM = "confirm"
    VERIFY_DECLARATION = "verify_declaration"
    REJECT_DECLARATION = "reject_declaration"
    WITHDRAW = "withdraw"
    AMEND = "amend"
    APPROVE_WITHDRAWAL = "approve_withdrawal"
    REFUSE_WITHDRAWAL = "refuse_withdrawal"


@dataclass(frozen=True, slots=True)
class RecordHistory:
    """Who entered (or declared), reviewed (or verified) and confirmed the current version."""

    entered_by: str | None = None
    reviewed_by: str | None = None
    confirmed_by: str | None = None
    version: int = 1
    confirmed_version: int | None = None  # the version in force, if any was ever confirmed
    withdrawal_requested_by: str | None = None  # who asked to withdraw a record in force
    state_before_withdrawal: RecordState | None = None  # where a refused withdrawal returns to


@dataclass(frozen=True, slots=True)
class Transition:
    """The outcome of an action: the new state and history, plus the event to record."""

    state: RecordState
    history: RecordHistory
    previous_state: RecordState | None
    action: RecordAction | None  # None when the record was created
    actor_id: str
    reason: str | None = None


S, A = RecordState, RecordAction
# (state, action) → next state; everything absent is a Conflict.
_NEXT: Mapping[tuple[RecordState, RecordAction], RecordState] = MappingProxyType(
    {
        (S.ENTERED, A.REVIEW_APPROVE): S.REVIEWED,
        (S.ENTERED, A.REVIEW_REJECT): S.REJECTED,
        # The confirming officer may send a reviewed record back instead of confirming it.
        (S.REVIEWED, A.REVIEW_REJECT): S.REJECTED,
        (S.REVIEWED, A.CONFIRM): S.CONFIRMED,
        (S.DECLARED, A.VERIFY_DECLARATION): S.REVIEWED,
        (S.DECLARED, A.REJECT_DECLARATION): S.REJECTED,
        **{(state, A.AMEND): S.ENTERED for state in (S.ENTERED, S.REVIEWED, S.CONFIRMED, S.REJECTED)},
        **{(state, A.WITHDRAW): S.WITHDRAWN for state in RecordState
           if state not in (S.WITHDRAWN, S.WITHDRAWAL_REQUESTED)},
        (S.WITHDRAWAL_REQUESTED, A.APPROVE_WITHDRAWAL): S.WITHDRAWN,
        # the target of a refusal is the state before the request (``RecordHistory.state_before_withdrawal``)
        (S.WITHDRAWAL_REQUESTED, A.REFUSE_WITHDRAWAL): S.CONFIRMED,
    }
)

FORWARD_ACTIONS: Mapping[RecordState, frozenset[RecordAction]] = MappingProxyType(
    {state: frozenset(a for (s, a) in _NEXT if s is state) for state in RecordState}
)
_REASON_REQUIRED = frozenset({A.REVIEW_REJECT, A.REJECT_DECLARATION, A.WITHDRAW, A.REFUSE_WITHDRAWAL})


def allowed_actions(state: RecordState) -> tuple[RecordAction, ...]:
    """The actions possible from this state, in declaration order (for clients to offer)."""
    return tuple(a for a in RecordAction if a in FORWARD_ACTIONS[state])


def start_entry(*, actor_id: str) -> Transition:
    """A record entered by an officer: ENTERED, version 1."""
    return Transition(S.ENTERED, RecordHistory(entered_by=actor_id), None, None, actor_id)


def start_declaration(*, declarant_id: str) -> Transition:
    """A subject's own declaration (申报): DECLARED, awaiting verification."""
    return Transition(S.DECLARED, RecordHistory(entered_by=declarant_id), None, None, declarant_id)


def transition(
    *,
    state: RecordState,
    action: RecordAction,
    actor_id: str,
    history: RecordHistory,
    reason: str | None = None,
) -> Transition:
    """Apply an action: Conflict if it misfits the state or the actor, InvalidInput if a reason is missing."""
    target = _NEXT.get((state, action))
    if target is None:
        zh, en = _refusal(state, action)
        raise Conflict(zh, en=en, state=state.value, action=action.value)
    reason = reason.strip() if reason else None
    if action in _REASON_REQUIRED and not reason:
        raise InvalidInput(f"{_VERB_ZH[action]}记录须说明原因。",
            en=f"A reason is required to {_VERB[action]} a record.", field="reason")
    _check_separation(state=state, action=action, actor_id=actor_id, history=history)
    if action is A.WITHDRAW and history.confirmed_version is not None:
        target = S.WITHDRAWAL_REQUESTED  # a version is in force: a second officer must approve (see module doc)
    elif action is A.REFUSE_WITHDRAWAL:
        target = history.state_before_withdrawal or S.CONFIRMED
    new_history = _record(target=target, action=action, actor_id=actor_id, history=history, state=state)
    return Transition(target, new_history, state, action, actor_id, reason)



def _check_separation(
    *, state: RecordState, action: RecordAction, actor_id: str, history: RecordHistory
) -> None:
    # Separation of duties (录入、审核、确认 by different people): no officer pushes a record through alone.
    details = {"state": state.value, "action": action.value}
    if action in (A.VERIFY_DECLARATION, A.REJECT_DECLARATION) and actor_id == history.entered_by:
        raise Conflict("申报人不能核实自己申报的记录。", en="Whoever declared a record cannot verify it.", **details)
    if action is A.REVIEW_REJECT and state is S.REVIEWED:
        # Sending back at confirmation is the confirmer's decision, so the confirmer's rule applies.
        action = A.CONFIRM
    if action in (A.REVIEW_APPROVE, A.REVIEW_REJECT) and actor_id == history.entered_by:
        raise Conflict("录入人不能审核自己录入的记录。", en="The officer who entered a record cannot review it.",
            **details)
    if action is A.CONFIRM:
        if actor_id == history.entered_by:
            raise Conflict("录入人不能确认自己录入的记录。",
                en="The officer who entered a record cannot also confirm it.", **details)
        if actor_id == history.reviewed_by:
            raise Conflict("审核人不能再确认同一条记录。",
                en="The officer who reviewed a record cannot also confirm it.", **details)
    if action in (A.APPROVE_WITHDRAWAL, A.REFUSE_WITHDRAWAL) and actor_id == history.withdrawal_requested_by:
        raise Conflict("提出撤销申请的工作人员不能再审核该申请。",
                       en="The officer who asked to withdraw a record cannot also decide the request.", **details)


def actions_open_to(*, state: RecordState, actor_id: str, history: RecordHistory) -> tuple[RecordAction, ...]:
    """The steps possible from ``state`` that this actor may take under separation of duties (录入、审核、确认)."""
    out = []
    for action in allowed_actions(state):
        try:
            _check_separation(state=state, action=action, actor_id=actor_id, history=history)
        except Conflict:
            continue
        out.append(action)
    return tuple(out)


def _record(
    *, target: RecordState, action: RecordAction, actor_id: str, history: RecordHistory, state: RecordState
) -> RecordHistory:
    if target is S.WITHDRAWAL_REQUESTED:
        return replace(history, withdrawal_requested_by=actor_id, state_before_withdrawal=state)
    if action in (A.APPROVE_WITHDRAWAL, A.REFUSE_WITHDRAWAL):
        return replace(history, withdrawal_requested_by=None, state_before_withdrawal=None)
    if action is A.AMEND:
        # A new version with a fresh chain of duties; the confirmed version (if any) stays in force.
        return RecordHistory(
            entered_by=actor_id, version=history.version + 1, confirmed_version=history.confirmed_version
        )
    if action in (A.REVIEW_APPROVE, A.VERIFY_DECLARATION):
        return replace(history, reviewed_by=actor_id)
    if action is A.CONFIRM:
        return replace(history, confirmed_by=actor_id, confirmed_version=history.version)
    return history  # rejection and withdrawal change the state, not who did the steps


_VERB = {
    A.REVIEW_APPROVE: "approve in review",
    A.REVIEW_REJECT: "reject",
    A.CONFIRM: "confirm",
    A.VERIFY_DECLARATION: "verify as a declaration",
    A.REJECT_DECLARATION: "reject as a declaration",
    A.WITHDRAW: "withdraw",
    A.AMEND: "amend",
    A.APPROVE_WITHDRAWAL: "approve the withdrawal of",
    A.REFUSE_WITHDRAWAL: "refuse the withdrawal of",
}
_VERB_ZH = {
    A.REVIEW_APPROVE: "审核通过",
    A.REVIEW_REJECT: "退回",
    A.CONFIRM: "确认",
    A.VERIFY_DECLARATION: "核实申报",
    A.REJECT_DECLARATION: "退回申报",
    A.WITHDRAW: "撤销",
    A.AMEND: "更正",
    A.APPROVE_WITHDRAWAL: "批准撤销",
    A.REFUSE_WITHDRAWAL: "驳回撤销申请",
}


def _refusal(state: RecordState, action: RecordAction) -> tuple[str, str]:
    """Why ``action`` misfits ``state``: (Chinese, English)."""
    if state is S.WITHDRAWN:
        return "该记录已撤销，不能再做任何操作。", "This record has been withdrawn; nothing more can be done to it."
    if state is S.WITHDRAWAL_REQUESTED:
        return ("该记录的撤销申请正等待另一名工作人员审核；请先批准或驳回。",
                "A withdrawal of this record awaits a second officer's decision; approve or refuse it first.")
    if action in (A.APPROVE_WITHDRAWAL, A.REFUSE_WITHDRAWAL):
        return "该记录没有待审核的撤销申请。", "No withdrawal of this record has been requested."
    if state is S.CONFIRMED:
        if action is A.CONFIRM:
            return "该记录已经确认。", "This record has already been confirmed."
        return ("该记录已经确认；如需修改请更正，或将其撤销。",
                "This record has already been confirmed; amend it to change it, or withdraw it.")
    if state is S.REJECTED:
        return ("该记录已被退回；请更正后重新提交，或将其撤销。",
                "This record was rejected; amend it to resubmit it, or withdraw it.")
    if state is S.DECLARED:
        return ("这是信用主体的申报，正在等待核实；请先核实或退回。",
                "This is a subject's declaration awaiting verification; verify or reject it first.")
    if action in (A.VERIFY_DECLARATION, A.REJECT_DECLARATION):
        return ("只有等待核实的主体申报才能核实或退回。",
                "Only a subject's declaration awaiting verification can be verified or rejected as one.")
    if state is S.ENTERED and action is A.CONFIRM:
        return "该记录须先审核才能确认。", "This record must be reviewed before it can be confirmed."
    if state is S.REVIEWED and action is A.REVIEW_APPROVE:
        return "该记录已审核，正在等待确认。", "This record has already been reviewed and awaits confirmation."
    # safety net; the cases above are total
    return (f"处于“{state.value}”状态的记录不能{_VERB_ZH[action]}。",
            f"Cannot {_VERB[action]} a record that is {state.value}.")
