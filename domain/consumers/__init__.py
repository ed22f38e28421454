"""The consumers of the event spine, in the order a drain runs them: the red and black lists, then re-grading (its
results may be superseded ones that must come down), then take-down, then the notices that follow both."""

from __future__ import annotations

from domain.consumers import credit_lists, joint_punishment, notify, platform_push, regrade, takedown, webhooks
from domain.consumers.bus import Consumer, Drained, drain, drain_all, waits_for_positions

CONSUMERS: tuple[Consumer, ...] = (
    # issue 9: the red and black lists first, so an approved repair takes an entry down as a repair rather than as
    # the supersession of the grade that the re-grading then causes (either way it comes down)
    credit_lists.CONSUMER,
    regrade.CONSUMER, takedown.CONSUMER, notify.CONSUMER, webhooks.CONSUMER,
    # issue 9: after the take-down, whose withdrawals they follow
    platform_push.CONSUMER, joint_punishment.CONSUMER)

# What a writing request drains before it answers, so that its caller reads its own writes (the rest: the listeners).
SYNCHRONOUS: tuple[Consumer, ...] = tuple(c for c in CONSUMERS if c.synchronous)

__all__ = ["CONSUMERS", "SYNCHRONOUS", "Consumer", "Drained", "drain", "drain_all", "waits_for_positions"]
