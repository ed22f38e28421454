"""The in-memory rate-limit storage: no thread per hit, expired counters still swept, limits still hold."""

from __future__ import annotations

import threading
import time

from api.protection import ProtectionSettings, RateLimits, SweepingMemoryStorage


def _timers() -> int:
    return sum(isinstance(t, threading.Timer) and t.is_alive() for t in threading.enumerate())


def test_thousands_of_hits_start_no_expiry_threads() -> None:
    limits = RateLimits(ProtectionSettings(anonymous_limit="100000/minute", storage_uri=None, processes=1))
    time.sleep(0.05)  # the one timer MemoryStorage's constructor starts has run out
    before = _timers()
    for i in range(2_000):
        assert limits.check(client=f"10.0.0.{i % 50}", anonymous=True, query="{ __typename }") is None
    assert _timers() == before == 0


def test_expired_counters_are_swept_on_the_request_path() -> None:
    storage = SweepingMemoryStorage()
    storage.incr("old", expiry=0.01)
    time.sleep(0.02)
    storage._next_sweep = time.monotonic()  # a second has passed, as far as the sweep is concerned
    storage.incr("new", expiry=60)
    assert "old" not in storage.storage
    assert storage.get("new") == 1


def test_the_limit_still_refuses_the_request_over_it_with_a_retry_time() -> None:
    limits = RateLimits(ProtectionSettings(anonymous_limit="5/minute", storage_uri=None, processes=1))
    answers = [limits.check(client="10.0.0.1", anonymous=True, query="{ x }") for _ in range(6)]
    assert answers[:5] == [None] * 5
    refusal = answers[5]
    assert refusal is not None and refusal.limit == "5 per 1 minute" and 1 <= refusal.retry_after <= 60
    # Another client is counted on its own.
    assert limits.check(client="10.0.0.2", anonymous=True, query="{ x }") is None
