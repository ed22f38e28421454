"""回调签名: how a webhook body is signed, and how a receiver checks it (HMAC-SHA256 over "<ts>.<body>").

The header is ``X-Yibao-Signature: t=<unix seconds>,v1=<hex digest>``. The timestamp is inside the signed text,
so a captured request cannot be replayed later than the receiver's tolerance window; receivers compare digests
in constant time. The scheme is the one Stripe and others use, so off-the-shelf receivers know it.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Yibao-Signature"
IDEMPOTENCY_HEADER = "X-Yibao-Idempotency-Key"
EVENT_TYPE_HEADER = "X-Yibao-Event-Type"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def digest(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Yibao-Signature`` header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},{SCHEME}={digest(secret, timestamp, body)}"


def parse(header: str) -> tuple[int, list[str]] | None:
    """The timestamp and the v1 digests of a signature header; None if it is malformed."""
    timestamp: int | None = None
    digests: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if not value.isdigit():
                return None
            timestamp = int(value)
        elif key == SCHEME:
            digests.append(value)
    if timestamp is None or not digests:
        return None
    return timestamp, digests


def verify(secret: str, header: str, body: bytes, *, now: int,
           tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within ``tolerance_seconds`` of ``now``."""
    parsed = parse(header)
    if parsed is None:
        return False
    timestamp, digests = parsed
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = digest(secret, timestamp, body)
    # Several v1 values are allowed so that a secret can be rotated with both signatures sent for a while.
    return any(hmac.compare_digest(expected, d) for d in digests)
