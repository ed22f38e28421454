"""Webhook signatures and retry back-off are plain rules: tested without a database."""

from __future__ import annotations

import pytest

from domain.rules.webhook_retry import RetryPolicy, backoff_seconds, is_dead
from domain.rules.webhook_signature import parse, sign, verify

SECRET = "whsec_test_0123456789"
BODY = b'{"position":42,"type":"publication.published"}'
NOW = 1_800_000_000


def test_a_signature_made_now_verifies_with_the_same_secret_and_body() -> None:
    assert verify(SECRET, sign(SECRET, NOW, BODY), BODY, now=NOW)


def test_the_signature_header_names_the_timestamp_and_a_hex_sha256_digest() -> None:
    header = sign(SECRET, NOW, BODY)
    assert header.startswith(f"t={NOW},v1=")
    digest = header.split("v1=")[1]
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_a_known_vector_matches_the_documented_scheme() -> None:
    # echo -n "1800000000.{}" | openssl dgst -sha256 -hmac key
    import hashlib
    import hmac

    expected = hmac.new(b"key", b"1800000000.{}", hashlib.sha256).hexdigest()
    assert sign("key", NOW, b"{}") == f"t={NOW},v1={expected}"


def test_a_tampered_body_does_not_verify() -> None:
    header = sign(SECRET, NOW, BODY)
    assert not verify(SECRET, header, BODY.replace(b"42", b"43"), now=NOW)


def test_a_wrong_secret_does_not_verify() -> None:
    assert not verify("another-secret", sign(SECRET, NOW, BODY), BODY, now=NOW)


def test_a_signature_older_than_the_tolerance_window_is_refused_and_one_inside_it_accepted() -> None:
    header = sign(SECRET, NOW, BODY)
    assert verify(SECRET, header, BODY, now=NOW + 300, tolerance_seconds=300)
    assert not verify(SECRET, header, BODY, now=NOW + 301, tolerance_seconds=300)
    assert not verify(SECRET, header, BODY, now=NOW - 301, tolerance_seconds=300)


def test_a_changed_timestamp_does_not_verify_because_it_is_signed_too() -> None:
    header = sign(SECRET, NOW, BODY).replace(f"t={NOW}", f"t={NOW + 1}")
    assert not verify(SECRET, header, BODY, now=NOW)


@pytest.mark.parametrize("header", ["", "garbage", "t=abc,v1=00", "v1=00", f"t={NOW}"])
def test_a_malformed_header_does_not_verify(header: str) -> None:
    assert not verify(SECRET, header, BODY, now=NOW)
    assert parse(header) is None


def test_during_secret_rotation_either_of_two_signatures_verifies() -> None:
    old = sign("old-secret", NOW, BODY).split(",")[1]
    header = sign(SECRET, NOW, BODY) + "," + old
    assert verify(SECRET, header, BODY, now=NOW)
    assert verify("old-secret", header, BODY, now=NOW)


def test_back_off_doubles_from_the_base_up_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(base_seconds=1.0, cap_seconds=10.0, max_attempts=8, jitter=0.0)
    waits = [backoff_seconds(policy, failed_attempts=n, random_fraction=0.9) for n in range(1, 7)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_jitter_keeps_each_wait_between_half_and_all_of_its_ceiling() -> None:
    policy = RetryPolicy(base_seconds=2.0, cap_seconds=100.0, jitter=0.5)
    assert backoff_seconds(policy, failed_attempts=3, random_fraction=0.0) == 4.0
    assert backoff_seconds(policy, failed_attempts=3, random_fraction=0.999) == pytest.approx(7.996)


def test_a_delivery_is_dead_after_the_last_allowed_attempt_fails_and_not_before() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert not is_dead(policy, failed_attempts=2)
    assert is_dead(policy, failed_attempts=3)


def test_a_huge_attempt_count_stays_at_the_cap() -> None:
    policy = RetryPolicy(base_seconds=1.0, cap_seconds=60.0, jitter=0.0)
    assert backoff_seconds(policy, failed_attempts=10_000, random_fraction=0.0) == 60.0


def test_nonsense_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(base_seconds=0)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
