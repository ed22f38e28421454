"""The objection state machine and who handles an objection, as pure rules."""

from __future__ import annotations

import pytest

from domain.errors import Conflict, InvalidInput
from domain.rules.objections import ObjectionAction as A
from domain.rules.objections import ObjectionItem, check_reasons, is_handler, next_state
from domain.rules.objections import ObjectionState as S


def test_an_objection_is_accepted_then_upheld_or_rejected() -> None:
    assert next_state(state=S.SUBMITTED, action=A.ACCEPT, reason=None) is S.ACCEPTED
    assert next_state(state=S.ACCEPTED, action=A.UPHOLD, reason="事实认定有误") is S.UPHELD
    assert next_state(state=S.ACCEPTED, action=A.REJECT, reason="证据不足") is S.REJECTED
    assert next_state(state=S.SUBMITTED, action=A.REFUSE, reason="超出异议范围") is S.REFUSED


@pytest.mark.parametrize("state", [S.REFUSED, S.UPHELD, S.REJECTED])
@pytest.mark.parametrize("action", list(A))
def test_a_closed_objection_cannot_be_decided_again(state: S, action: A) -> None:
    with pytest.raises(Conflict):
        next_state(state=state, action=action, reason="再次")


def test_an_objection_is_accepted_before_it_is_decided() -> None:
    with pytest.raises(Conflict):
        next_state(state=S.SUBMITTED, action=A.UPHOLD, reason="x")
    with pytest.raises(Conflict):
        next_state(state=S.ACCEPTED, action=A.ACCEPT, reason=None)


def test_refusing_or_rejecting_needs_a_reason_for_the_subject() -> None:
    for state, action in ((S.SUBMITTED, A.REFUSE), (S.ACCEPTED, A.REJECT), (S.ACCEPTED, A.UPHOLD)):
        with pytest.raises(InvalidInput):
            next_state(state=state, action=action, reason="  ")


def test_reasons_are_required_and_bounded() -> None:
    with pytest.raises(InvalidInput):
        check_reasons(" ")
    with pytest.raises(InvalidInput):
        check_reasons("理" * 2001)
    assert check_reasons(" 金额有误 ") == "金额有误"


def test_a_record_is_handled_by_its_producing_department_and_a_result_by_the_issuing_bureau() -> None:
    assert is_handler(handler_department="340102医疗保障局", handler_region="340102", item=ObjectionItem.RECORD,
                      department="340102医疗保障局", region_code="340102")
    assert not is_handler(handler_department="340102医疗保障局", handler_region="340102", item=ObjectionItem.RECORD,
                          department="340100医疗保障局", region_code="340100")
    assert is_handler(handler_department="合肥市医疗保障局", handler_region="340100", item=ObjectionItem.PUBLICATION,
                      department="whatever", region_code="340100")
    assert not is_handler(handler_department="x", handler_region="340100", item=ObjectionItem.RESULT,
                          department="x", region_code="340102")
