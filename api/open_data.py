"""Open-data downloads (开放数据, issue 13): ``GET /open-data/{region}.csv|.jsonl`` and the take-downs since a
snapshot, ``GET /open-data/{region}/takedowns.jsonl?since=<cursor>``. No token: the data are public, read
under the public role from the public views only (domain/open_data.py). Streamed: constant memory at any size.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from api import errors
from domain.errors import DomainError
from domain.open_data import SCHEMA_VERSION, ExportFormat, export_public, export_takedowns, parse_since

log = logging.getLogger("yibao.open_data")

_MEDIA = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.JSONL: "application/x-ndjson; charset=utf-8"}


def _refusal(exc: DomainError) -> Response:
    log.info("open data refused: %s", exc.message)
    return JSONResponse({"errors": [errors.error_body(exc.code, exc.message, **exc.details)]}, status_code=400)


def _headers(cursor: int, name: str) -> dict[str, Any]:
    # The cursor is the public feed's position at the snapshot: ask takedowns.jsonl?since=<it> later.
    return {"X-Open-Data-Schema": str(SCHEMA_VERSION), "X-Open-Data-Cursor": str(cursor),
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


async def download_csv(request: Request) -> Response:
    """Everything currently public in a region subtree, as CSV with the documented header."""
    return await _download(request, ExportFormat.CSV)


async def download_jsonl(request: Request) -> Response:
    """Everything currently public in a region subtree, as JSON Lines."""
    return await _download(request, ExportFormat.JSONL)


async def _download(request: Request, fmt: ExportFormat) -> Response:
    region = request.path_params["region"]
    try:
        cursor, stream = await export_public(db=request.app.state.db, region_code=region, fmt=fmt)
    except DomainError as exc:
        return _refusal(exc)
    return StreamingResponse(stream, media_type=_MEDIA[fmt], headers=_headers(cursor, f"{region}.{fmt}"))


async def takedowns(request: Request) -> Response:
    """The items of a region subtree taken down (withdrawn or expired) after a snapshot's cursor."""
    region = request.path_params["region"]
    try:
        since = parse_since(request.query_params.get("since"))
        cursor, stream = await export_takedowns(db=request.app.state.db, region_code=region, since=since)
    except DomainError as exc:
        return _refusal(exc)
    return StreamingResponse(stream, media_type=_MEDIA[ExportFormat.JSONL],
                             headers=_headers(cursor, f"{region}-takedowns.jsonl"))


ROUTES = [
    Route("/open-data/{region:str}/takedowns.jsonl", takedowns, methods=["GET"]),
    Route("/open-data/{region:str}.csv", download_csv, methods=["GET"]),
    Route("/open-data/{region:str}.jsonl", download_jsonl, methods=["GET"]),
]
