"""Configuration, read once from the environment. Every variable is documented in the README."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# A fixed development key, so that `yibao token` and `yibao serve` agree out of the box. Production
# deployments must set YIBAO_JWT_SECRET; `serve` warns when it runs on this one.
DEV_JWT_SECRET = "yibao-dev-secret-change-me-0123456789abcdef"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class Settings:
    database_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_URL") or None)
    # A streaming replica of DATABASE_URL: anonymous public reads go there (docs/DEPLOYMENT.md).
    database_replica_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_REPLICA_URL") or None)
    pgdata: Path = field(default_factory=lambda: Path(os.environ.get("YIBAO_PGDATA", str(PROJECT_DIR / ".pgdata"))))
    database_name: str = field(default_factory=lambda: os.environ.get("YIBAO_DATABASE", "yibao"))
    jwt_secret: str = field(default_factory=lambda: os.environ.get("YIBAO_JWT_SECRET", DEV_JWT_SECRET))
    jwt_issuer: str = field(default_factory=lambda: os.environ.get("YIBAO_JWT_ISSUER", "yibao-credit"))
    max_query_depth: int = field(default_factory=lambda: _int("YIBAO_MAX_QUERY_DEPTH", 10))
    max_aliases: int = field(default_factory=lambda: _int("YIBAO_MAX_ALIASES", 15))
    max_tokens: int = field(default_factory=lambda: _int("YIBAO_MAX_TOKENS", 2000))
    max_query_cost: int = field(default_factory=lambda: _int("YIBAO_MAX_QUERY_COST", 5000))
    max_body_bytes: int = field(default_factory=lambda: _int("YIBAO_MAX_BODY_BYTES", 64 * 1024))
    max_page_size: int = field(default_factory=lambda: _int("YIBAO_MAX_PAGE_SIZE", 100))
    pool_size: int = field(default_factory=lambda: _int("YIBAO_POOL_SIZE", 10))
    # Hardening (issue 11); every one is documented in the README's hardening section.
    max_response_bytes: int = field(default_factory=lambda: _int("YIBAO_MAX_RESPONSE_BYTES", 4 * 1024 * 1024))
    request_deadline_ms: int = field(default_factory=lambda: _int("YIBAO_REQUEST_DEADLINE_MS", 15_000))
    statement_timeout_ms: int = field(default_factory=lambda: _int("YIBAO_STATEMENT_TIMEOUT_MS", 10_000))
    lock_timeout_ms: int = field(default_factory=lambda: _int("YIBAO_LOCK_TIMEOUT_MS", 3_000))
    jwt_max_lifetime_s: int = field(default_factory=lambda: _int("YIBAO_JWT_MAX_LIFETIME", 12 * 3600))
    # Whether an officer's token is checked against the officer table (exists, active, same bureau and role).
    check_officers: bool = field(default_factory=lambda: os.environ.get("YIBAO_CHECK_OFFICERS", "1") != "0")
    officer_cache_s: float = field(default_factory=lambda: float(_int("YIBAO_OFFICER_CACHE_SECONDS", 30)))
    # Peers (addresses or networks, comma-separated) whose proxy header names the client; none by default.
    trusted_proxies: str = field(default_factory=lambda: os.environ.get("YIBAO_TRUSTED_PROXIES", ""))
    proxy_header: str = field(default_factory=lambda: os.environ.get("YIBAO_PROXY_HEADER", "X-Forwarded-For"))
    retry_after_s: int = field(default_factory=lambda: _int("YIBAO_RETRY_AFTER_SECONDS", 5))
    # Bulk import (issue 13): the largest file `yibao import` reads, and the largest upload the API accepts.
    import_max_bytes: int = field(default_factory=lambda: _int("YIBAO_IMPORT_MAX_BYTES", 2 * 1024**3))
    upload_max_bytes: int = field(default_factory=lambda: _int("YIBAO_UPLOAD_MAX_BYTES", 10 * 1024**2))


def load_settings() -> Settings:
    return Settings()
