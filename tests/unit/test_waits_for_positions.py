"""Which commits wait for their events' positions: those a consumer must handle before the caller hears back."""

from __future__ import annotations

from domain.consumers import CONSUMERS, waits_for_positions
from domain.events import EventType


def test_a_record_entered_waits_for_nothing_since_only_the_webhooks_follow_it() -> None:
    assert not waits_for_positions(CONSUMERS, {EventType.RECORD_ENTERED})
    assert not waits_for_positions(CONSUMERS, {EventType.RECORD_ENTERED, EventType.RECORD_REVIEWED})


def test_a_confirmation_waits_so_that_its_caller_reads_the_new_grade() -> None:
    assert waits_for_positions(CONSUMERS, {EventType.RECORD_ENTERED, EventType.RECORD_CONFIRMED})


def test_a_publication_or_its_withdrawal_waits_so_that_the_public_answers_change_at_once() -> None:
    assert waits_for_positions(CONSUMERS, {EventType.PUBLICATION_PUBLISHED})
    assert waits_for_positions(CONSUMERS, {EventType.PUBLICATION_WITHDRAWN})


def test_unknown_types_from_set_based_work_always_wait() -> None:
    assert waits_for_positions(CONSUMERS, None)


def test_no_events_no_wait() -> None:
    assert not waits_for_positions(CONSUMERS, set())
