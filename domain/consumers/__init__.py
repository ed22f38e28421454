"""The consumers of the event spine, in the order a drain runs them: re-grading first (its results may be
superseded ones that must come down), then take-down, then the notices that follow both."""

from __future__ import annotations

from domain.consumers import notify, regrade, takedown, webhooks
from domain.consumers.bus import Consumer, Drained, drain, drain_all

CONSUMERS: tuple[Consumer, ...] = (regrade.CONSUMER, takedown.CONSUMER, notify.CONSUMER, webhooks.CONSUMER)

__all__ = ["CONSUMERS", "Consumer", "Drained", "drain", "drain_all"]
