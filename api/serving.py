"""The application of one of several API processes (``yibao serve --workers N``).

uvicorn imports this factory in each worker process; the parent has migrated the database (and started the
embedded PostgreSQL if it runs one) and passed its URL in ``YIBAO_SERVE_URL``.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

from api.app import create_app
from api.settings import load_settings
from api.worker import run_beside
from domain.db import Database


def worker_app() -> Starlette:
    """The app of one worker process, with its own pool and its own listener on the event spine."""
    settings = load_settings()
    url = os.environ["YIBAO_SERVE_URL"]

    async def connect() -> Database:
        return await Database.connect(url, max_size=settings.pool_size, replica_url=settings.database_replica_url)

    app = create_app(settings=settings, database_factory=connect)
    if os.environ.get("YIBAO_RUN_WORKER", "0") == "1":
        run_beside(app)  # every process runs one; the queue spreads the jobs among them
    return app
