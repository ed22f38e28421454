"""`yibao officer deactivate|reactivate ID`: switch an officer's account off or on again.

A deactivated officer's tokens stop working within the API's officer cache time (``YIBAO_OFFICER_CACHE_SECONDS``,
30 s by default), without waiting for them to expire.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from api.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``officer`` subcommand (``deactivate`` and ``reactivate``) to the ``yibao`` parser."""
    p = sub.add_parser("officer", help="deactivate or reactivate an officer's account")
    actions = p.add_subparsers(dest="action", required=True)
    for name, text in (("deactivate", "stop the officer's tokens from working"),
                       ("reactivate", "let the officer sign in again")):
        a = actions.add_parser(name, help=text)
        a.add_argument("officer_id")
        a.set_defaults(func=cmd_officer)


async def set_active(url: str, *, officer_id: str, active: bool) -> bool:
    """Set the officer's ``active`` flag; False when there is no such officer."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        done = await conn.execute("UPDATE officer SET active = $2 WHERE id = $1", officer_id, active)
    finally:
        await conn.close()
    return done != "UPDATE 0"


def cmd_officer(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli import _database_url

    active = args.action == "reactivate"

    async def run() -> bool:
        return await set_active(await _database_url(settings), officer_id=args.officer_id, active=active)

    if not asyncio.run(run()):
        print(f"officer: 没有工作人员 {args.officer_id!r}（见 officer 表）", file=sys.stderr)
        return 2
    print(f"officer {args.officer_id} {'reactivated' if active else 'deactivated'}"
          + ("" if active else "; their tokens stop working within the API's officer cache time (30 s by default)"))
    return 0
