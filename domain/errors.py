"""Errors a client can act on: each carries a stable ``code`` that the API puts in ``extensions``."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base for every error whose message is meant for the person using the API.

    ``message`` is Chinese, the default language of the API's users; ``en`` is the same message in English,
    which ``api/errors.py`` shows to a request that asks for English (``Accept-Language: en``).
    """

    code = "BAD_REQUEST"

    def __init__(self, message: str, *, en: str | None = None, **details: Any) -> None:
        # str() carries both languages, so a log line (and a test's match) reads either.
        super().__init__(message if en is None else f"{message} [en: {en}]")
        self.message = message
        self.en = en or message
        self.details = details

    def message_in(self, language: str) -> str:
        """The message in ``language`` ("zh" or "en")."""
        return self.en if language == "en" else self.message


class InvalidInput(DomainError):
    """The input is malformed or fails a check (a wrong check character, an overlapping band ...)."""

    code = "INVALID_INPUT"


def unknown_region(region_code: str, *, field: str = "regionCode") -> InvalidInput:
    """The refusal of a region code that is malformed or not in GB/T 2260 (未知的行政区划代码), in both languages.

    ``tenants`` raises ``UnknownRegion`` with an English reason (it imports nothing of ours); every place that
    turns one into a client's error uses this, so the message is the same on every path."""
    return InvalidInput(f"未知的行政区划代码 {region_code!r}（须为 GB/T 2260 中的六位代码）。",
                        en=f"Unknown region code {region_code!r} (GB/T 2260, six digits).", field=field)


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    """The principal may not do this here (wrong role, outside its region subtree)."""

    code = "FORBIDDEN"


class Unauthenticated(DomainError):
    """A token was presented but could not be verified."""

    code = "UNAUTHENTICATED"


class Conflict(DomainError):
    """The action does not fit the current state (confirming twice, reviewing one's own entry ...)."""

    code = "CONFLICT"


class RateLimited(DomainError):
    code = "RATE_LIMITED"


class Lagged(DomainError):
    """A live subscriber fell too far behind; it resumes from its last position with the ``changes`` query."""

    code = "SUBSCRIBER_LAGGED"


class Unavailable(DomainError):
    """Something this request needs is not running here (e.g. live subscriptions without a listener)."""

    code = "SERVICE_UNAVAILABLE"
