"""Protection of the public endpoint: per-client rate limits, an anonymous response cache, introspection policy.

- Rate limits (the ``limits`` library, sliding window counter: O(1) state per client, the previous window's count
  weighted by how much of it still overlaps): with ``REDIS_URL`` set, every API process counts in the
  same Redis, so a limit holds across processes; without it each process counts in memory and, when
  ``yibao serve --workers N`` runs N of them, allows 1/N of each limit, so N processes together can never let
  a client exceed the limit (a client spread over all N gets exactly it; one pinned to a process gets less,
  the safe side). A client is its token's principal (``officer:<id>``, ``subject:<id>`` ...) or, when
  anonymous, its IP address: the connecting peer, or, only when that peer is a configured trusted proxy
  (``YIBAO_TRUSTED_PROXIES``, none by default), the address the proxy names in its header
  (``YIBAO_PROXY_HEADER``, default ``X-Forwarded-For``: the right-most entry that is not itself a trusted
  proxy). ``yibao serve`` runs uvicorn with ``proxy_headers=False`` so nothing rewrites the peer before we
  look. Each ``verifyIndividual`` in a request (each alias) counts against a much stricter limit, so the yes/no
  check cannot be used to sweep through people. Over the limit → HTTP 429, GraphQL error code
  ``RATE_LIMITED``, ``Retry-After``.
- Response cache for anonymous queries, keyed by (query, variables, operation name), with a TTL and a bounded
  size. Anything that changes a public answer is a public event on the spine: the committing request
  invalidates its own process's cache after commit, and every other process invalidates on the event's
  NOTIFY (api/listener.py), within milliseconds. Entries carry the cache epoch read when their request
  *started*, so an answer computed while a publication was committing is never served. Items whose window
  ends leave cached answers within the TTL (default 30 s); the database view itself drops them at the instant.
  Verification answers are never cached (they would keep IDs and names in memory).
- Introspection: allowed for authenticated principals (officers, subjects, federation clients, who build
  against the schema), refused for anonymous requests (``GRAPHQL_VALIDATION_FAILED``); ``__typename`` stays
  allowed. The published SDL (schema/schema.graphql) documents the public API instead.
- Query cost: the schema's depth, alias and token limits (schema/root.py) and the page-size cap apply to
  everyone.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema, parse, validate
from graphql.error import GraphQLSyntaxError
from graphql.validation import NoSchemaIntrospectionCustomRule
from limits import RateLimitItem
from limits import parse as parse_limit
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api import errors
from domain.errors import RateLimited

VERIFY_FIELD = "verifyIndividual"


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass(frozen=True)
class ProtectionSettings:
    """Limits in the ``limits`` notation ('120/minute'); cache TTL in seconds (0 turns the cache off)."""

    anonymous_limit: str = field(default_factory=lambda: _env("YIBAO_RATE_LIMIT_ANONYMOUS", "120/minute"))
    authenticated_limit: str = field(default_factory=lambda: _env("YIBAO_RATE_LIMIT_AUTHENTICATED", "600/minute"))
    verify_limit: str = field(default_factory=lambda: _env("YIBAO_RATE_LIMIT_VERIFY", "10/minute"))
    cache_ttl_seconds: float = field(default_factory=lambda: float(_env("YIBAO_PUBLIC_CACHE_TTL", "30")))
    cache_max_entries: int = field(default_factory=lambda: int(_env("YIBAO_PUBLIC_CACHE_SIZE", "2048")))
    # Shared counters for every process (``redis://host:port``); None: in memory, per process.
    storage_uri: str | None = field(default_factory=lambda: os.environ.get("REDIS_URL") or None)
    # How many API processes share the limits when they count in memory (``yibao serve --workers``).
    processes: int = field(default_factory=lambda: max(1, int(_env("YIBAO_WORKERS", "1"))))


@dataclass(frozen=True)
class Refusal:
    """A request refused by a rate limit: which limit, and in how many seconds to try again."""

    limit: str
    retry_after: int

    def response(self, language: str) -> Response:
        """HTTP 429 with RATE_LIMITED, in the request's language, and ``Retry-After``."""
        message = errors.transport_message("rate_limited", language, limit=self.limit, retry_after=self.retry_after)
        return JSONResponse({"errors": [errors.error_body(RateLimited.code, message, retryAfter=self.retry_after)]},
                            status_code=429, headers={"Retry-After": str(self.retry_after)})


class SweepingMemoryStorage(MemoryStorage):
    """``limits``' in-memory storage without its expiry thread.

    ``MemoryStorage`` starts a ``threading.Timer`` 10 ms after every hit to drop expired counters: under load a new
    thread about every 10 ms, which competes with the event loop for the GIL (~8 % of a public lookup's samples,
    bench/README.md). Reads already ignore expired counters; here the sweep runs inline, at most once a second,
    on the request path instead. Overrides the one private hook ``MemoryStorage`` calls before each count;
    tests/unit/test_rate_limit_storage.py fails if an upgrade of ``limits`` brings the thread back."""

    SWEEP_INTERVAL_S = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._next_sweep = time.monotonic() + self.SWEEP_INTERVAL_S

    def _MemoryStorage__schedule_expiry(self) -> None:  # the name MemoryStorage calls
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_INTERVAL_S
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class RateLimits:
    """Sliding-window limits per client, with a stricter one for individual verification."""

    def __init__(self, settings: ProtectionSettings) -> None:
        storage: Storage = (storage_from_string(settings.storage_uri) if settings.storage_uri
                            else SweepingMemoryStorage())
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        # Counting in memory with N processes: each allows 1/N (rounded down, at least 1), see the module doc.
        share = 1 if settings.storage_uri else settings.processes
        self._anonymous: RateLimitItem = _share(parse_limit(settings.anonymous_limit), share)
        self._authenticated: RateLimitItem = _share(parse_limit(settings.authenticated_limit), share)
        self._verify: RateLimitItem = _share(parse_limit(settings.verify_limit), share)

    def check(self, *, client: str, anonymous: bool, query: str) -> Refusal | None:
        """Count one request by ``client``; a ``Refusal`` when it is over a limit."""
        limits = [(self._anonymous if anonymous else self._authenticated, "request", 1)]
        checks = query.count(VERIFY_FIELD)
        if checks:
            # Counting the name has no false negatives: each alias spells the field again, and a fragment spread
            # twice at the root merges into one field. Each check counts, not each request.
            limits.append((self._verify, "verify", checks))
        for item, scope, cost in limits:
            if cost > item.amount or not self._limiter.hit(item, scope, client, cost=cost):
                reset, _ = self._limiter.get_window_stats(item, scope, client)
                return Refusal(limit=str(item), retry_after=max(1, math.ceil(reset - time.time())))
        return None


def _share(item: RateLimitItem, processes: int) -> RateLimitItem:
    if processes <= 1:
        return item
    return type(item)(max(1, item.amount // processes), item.multiples, item.namespace)


class ResponseCache:
    """Answers to anonymous queries, by (query, variables, operation name), until the TTL or invalidation."""

    def __init__(self, settings: ProtectionSettings) -> None:
        self.ttl = settings.cache_ttl_seconds
        self.max_entries = settings.cache_max_entries
        self.epoch = 0
        self._entries: OrderedDict[str | bytes, tuple[int, float, bytes]] = OrderedDict()

    @staticmethod
    def key(query: str, variables: dict[str, Any] | None, operation_name: Any, *,
            raw: bytes | None = None) -> str | bytes | None:
        """The cache key of a request, or None when it must not be cached: a POST's body as sent (so a repeat is
        found before its JSON is even read), else the query, variables and operation name."""
        if VERIFY_FIELD in query:
            return None
        if raw is not None:
            return raw
        try:
            return json.dumps([query, variables or {}, operation_name], sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError):
            return None

    def get(self, key: str | bytes) -> bytes | None:
        found = self._entries.get(key)
        if found is None:
            return None
        epoch, expires, body = found
        if epoch != self.epoch or expires <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return body

    def put(self, key: str | bytes, body: bytes, *, epoch: int) -> None:
        """Store ``body`` computed by a request that started at ``epoch`` (dropped if invalidated since)."""
        if self.ttl <= 0 or epoch != self.epoch:
            return
        self._entries[key] = (epoch, time.monotonic() + self.ttl, body)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def invalidate(self) -> None:
        """Forget every answer (something was published or withdrawn)."""
        self.epoch += 1
        self._entries.clear()


class IntrospectionPolicy:
    """Refuses ``__schema`` and ``__type`` to anonymous requests; the verdict per query text is cached."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self._schema = schema
        self.anonymous_error = functools.lru_cache(maxsize=1024)(self._anonymous_error)

    def _anonymous_error(self, query: str) -> str | None:
        if "__schema" not in query and "__type" not in query:
            return None
        try:
            document = parse(query)
        except GraphQLSyntaxError:
            return None  # the schema's own parse reports it
        errors = validate(self._schema, document, [NoSchemaIntrospectionCustomRule])
        if not errors:
            return None
        return "Introspection is only available to signed-in clients; the public schema is published as SDL."


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """Who the anonymous client is: the peer, unless the peer is a proxy we were told to trust."""

    def __init__(self, networks: str = "", header: str = "X-Forwarded-For") -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(n.strip(), strict=False) for n in networks.split(",") if n.strip())
        self.header = header.lower()

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in n for n in self.networks)

    def client_address(self, request: Request) -> str:
        """The client's address for rate limits; a proxy header counts only from a trusted peer."""
        peer = request.client.host if request.client else "unknown"
        if not self.networks or not self._trusted(peer):
            return peer
        forwarded = [a.strip() for a in ",".join(request.headers.getlist(self.header)).split(",") if a.strip()]
        # The right-most entry not added by one of our proxies is the one the outermost trusted proxy saw.
        for address in reversed(forwarded):
            if not self._trusted(address):
                return address
        return forwarded[0] if forwarded else peer


@dataclass
class Protection:
    """What the endpoint applies before and after executing a request."""

    settings: ProtectionSettings
    limits: RateLimits
    cache: ResponseCache
    introspection: IntrospectionPolicy
    proxies: TrustedProxies

    @classmethod
    def create(cls, schema: GraphQLSchema, settings: ProtectionSettings | None = None, *, trusted_proxies: str = "",
               proxy_header: str = "X-Forwarded-For") -> Protection:
        s = settings or ProtectionSettings()
        return cls(settings=s, limits=RateLimits(s), cache=ResponseCache(s), introspection=IntrospectionPolicy(schema),
                   proxies=TrustedProxies(trusted_proxies, proxy_header))
