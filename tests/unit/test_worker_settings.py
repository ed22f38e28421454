"""The worker reads its retry policy from the environment, with documented defaults."""

from __future__ import annotations

import pytest

from api.worker import delivery_settings


def test_without_settings_the_worker_retries_from_one_second_up_to_five_minutes_eight_times() -> None:
    s = delivery_settings({})
    assert (s.retry.base_seconds, s.retry.cap_seconds, s.retry.max_attempts, s.timeout_seconds) == (1.0, 300.0, 8, 10.0)


def test_the_environment_sets_back_off_attempts_and_timeout() -> None:
    s = delivery_settings({"YIBAO_WEBHOOK_BACKOFF_BASE": "0.05", "YIBAO_WEBHOOK_BACKOFF_CAP": "2",
                           "YIBAO_WEBHOOK_MAX_ATTEMPTS": "3", "YIBAO_WEBHOOK_TIMEOUT": "0.5"})
    assert (s.retry.base_seconds, s.retry.cap_seconds, s.retry.max_attempts, s.timeout_seconds) == (0.05, 2.0, 3, 0.5)


def test_a_nonsense_setting_stops_the_worker_at_start() -> None:
    with pytest.raises(ValueError):
        delivery_settings({"YIBAO_WEBHOOK_MAX_ATTEMPTS": "0"})
