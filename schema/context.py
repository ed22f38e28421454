"""The per-request context every resolver sees: the principal's access, a lazily opened transaction, loaders."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from strawberry.dataloader import DataLoader

from domain.access import Access, PrincipalKind
from domain.consumers import CONSUMERS, waits_for_positions
from domain.db import Database
from domain.errors import InvalidInput
from domain.session import Session

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
CHINA = ZoneInfo("Asia/Shanghai")


class Context:
    """What a request carries through its resolvers. The API creates it and calls ``finish``."""

    def __init__(
        self, *, db: Database, access: Access, max_page_size: int = 100, now: Callable[[], datetime] | None = None,
        banks: Mapping[str, str] | None = None,
    ) -> None:
        self.db = db
        self.access = access
        self.banks: Mapping[str, str] = banks or {}  # configured bank clients (医保e贷, issue 9): id -> name
        self.max_page_size = max_page_size
        # Live subscriptions: the process's hub (api/subscriptions.py), set by the API when it listens.
        self.subscribe: Callable[..., AsyncIterator[Any]] | None = None
        self.connection_params: dict[str, Any] | None = None  # a WebSocket's connection_init payload
        self._now = now or (lambda: datetime.now(tz=CHINA))
        self._session: Session | None = None
        self.committed_position: int | None = None  # the newest event position this request committed
        self.public_changed = False  # whether what it committed changes a public answer
        self.committed_types: set[Any] | None = None  # the event types it committed (None: unknown)
        self._opening = asyncio.Lock()  # sibling root fields may ask for the session at the same time
        self._loaders: dict[str, DataLoader[Any, Any]] = {}

    @property
    def principal(self):  # type: ignore[no-untyped-def]
        return self.access.principal

    def now(self) -> datetime:
        return self._now()

    def today(self) -> date:
        """Today on the bureaus' calendar (Beijing time), which dates in the archive are written in."""
        return self._now().astimezone(CHINA).date()

    async def session(self) -> Session:
        """The request's transaction, opened on first use with the principal's row-level scope."""
        if self._session is None:
            async with self._opening:
                if self._session is None:
                    # The anonymous public only reads: no transaction, one round trip per statement (db.begin).
                    public = self.access.principal.kind is PrincipalKind.PUBLIC
                    self._session = await self.db.begin(self.access.db_scope(), autocommit=public)
        return self._session

    async def finish(self, *, commit: bool) -> None:
        """Commit the request's work, or roll all of it back when anything failed."""
        if self._session is not None:
            session, self._session = self._session, None
            # Positions only when a consumer must run before the caller hears back (api/app.py drains them).
            session.wait_for_positions = waits_for_positions(CONSUMERS, session.event_types)
            await self.db.end(session, commit=commit)
            if commit:
                self.committed_position = session.last_position
                self.public_changed = session.public_changed
                self.committed_types = session.event_types

    def loader(
        self,
        name: str,
        load: Callable[[Session, list[K]], Awaitable[dict[K, V]]],
        default: Callable[[], V] | None = None,
    ) -> DataLoader[K, V]:
        """A request-scoped DataLoader batching ``load`` over all keys asked for in one tick."""
        if name not in self._loaders:

            async def batch(keys: list[K]) -> list[V]:
                found = await load(await self.session(), keys)
                return [found[k] if k in found else (default() if default else None) for k in keys]  # type: ignore[misc]

            self._loaders[name] = DataLoader(load_fn=batch)
        return self._loaders[name]


def parse_uuid(value: str, *, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{field} 须为本接口返回的 id。",
            en=f"{field} must be an id this API handed out.", field=field) from exc
