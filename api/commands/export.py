"""`yibao export`: everything currently public in a region subtree as CSV or JSON Lines (开放数据, issue 13).

``yibao export --region 340100 --format csv [--out FILE]`` streams from PostgreSQL's COPY through the public
views (the same redaction as the API) to the file or stdout in constant memory; the snapshot's feed cursor goes
to stderr, for ``GET /open-data/{region}/takedowns.jsonl?since=<cursor>`` later. Columns: docs/OPEN_DATA.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import BinaryIO

from api.commands.refusals import output_file
from api.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``export`` subcommand to the ``yibao`` parser."""
    p = sub.add_parser("export", help="export the public items of a region subtree (open data)")
    p.add_argument("--region", required=True, help="GB/T 2260 code: a province, city or county")
    p.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    p.add_argument("--out", type=output_file, default=None, help="file to write (default: stdout)")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Run the export (refused input exits 2 through ``run_command``)."""
    if args.out:
        with open(args.out, "wb") as f:
            return asyncio.run(_run(args, settings, f, show_progress=True))
    return asyncio.run(_run(args, settings, sys.stdout.buffer, show_progress=False))


async def export_to(*, url: str, region: str, fmt: str, out: BinaryIO, show_progress: bool = True) -> tuple[int, int]:
    """Write the export to ``out``; (the snapshot's feed cursor, bytes written)."""
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

    from domain.db import Database
    from domain.open_data import ExportFormat, export_public

    db = await Database.connect(url, min_size=1, max_size=1)
    written = 0
    try:
        cursor, stream = await export_public(db=db, region_code=region, fmt=ExportFormat(fmt))
        with Progress(TextColumn("[bold]export {task.description}"), DownloadColumn(), TransferSpeedColumn(),
                      TimeElapsedColumn(), console=Console(stderr=True), disable=not show_progress) as bar:
            task = bar.add_task(f"{region}.{fmt}", total=None)
            async for chunk in stream:
                out.write(chunk)
                written += len(chunk)
                bar.update(task, completed=written)
    finally:
        await db.close()
    return cursor, written


async def _run(args: argparse.Namespace, settings: Settings, out: BinaryIO, *, show_progress: bool) -> int:
    from api.cli import _database_url
    from api.postgres import migrate

    url = await _database_url(settings)
    await migrate(url)
    cursor, written = await export_to(url=url, region=args.region, fmt=args.format, out=out,
                                      show_progress=show_progress)
    print(f"export: {written:,} bytes; feed cursor {cursor} (takedowns.jsonl?since={cursor} lists what leaves "
          "the public after this snapshot)", file=sys.stderr)
    return 0
