"""重试退避: when a failed webhook delivery is tried again, and when it is given up (dead-lettered).

Exponential back-off doubles the wait after each failed attempt up to a cap; "full jitter" spreads the retries
of many deliveries that failed together (a receiver that was down) so they do not return all at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a delivery is retried: ``base`` seconds before the 2nd attempt, doubling, at most ``cap``."""

    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    max_attempts: int = 8  # after this many failed attempts the delivery is dead-lettered
    jitter: float = 0.5  # the fraction of each delay that is random

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.cap_seconds < self.base_seconds:
            raise ValueError("back-off needs 0 < base <= cap")
        if self.max_attempts < 1:
            raise ValueError("at least one attempt")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter is a fraction between 0 and 1")


def backoff_seconds(policy: RetryPolicy, *, failed_attempts: int, random_fraction: float) -> float:
    """The wait before the next attempt after ``failed_attempts`` failures (>= 1); ``random_fraction`` in [0, 1)
    is the caller's random draw, so the rule stays deterministic under test."""
    if failed_attempts < 1:
        raise ValueError("the first attempt is not a retry")
    exponent = min(failed_attempts - 1, 62)
    ceiling = min(policy.cap_seconds, policy.base_seconds * (2.0 ** exponent))
    return ceiling * (1.0 - policy.jitter) + ceiling * policy.jitter * random_fraction


def is_dead(policy: RetryPolicy, *, failed_attempts: int) -> bool:
    """Whether a delivery that failed ``failed_attempts`` times is given up (dead-lettered)."""
    return failed_attempts >= policy.max_attempts
