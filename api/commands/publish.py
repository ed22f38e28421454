"""`yibao publish`: publish a region's whole cycle of institution results at once (001 art.22), with a progress bar.

``yibao publish --region 340100 --year 2025 [--window-months 6]`` previews, then publishes in one transaction
(a failure publishes nothing) as the operator, attributed to ``--actor``. The bar is rich's (maintained, and
already how the ecosystem draws terminal progress), on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date

from api.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``publish`` subcommand to the ``yibao`` parser."""
    p = sub.add_parser("publish", help="publish every institution's result of a finished cycle in a region")
    p.add_argument("--region", required=True, help="GB/T 2260 code of a city (or a county of it)")
    p.add_argument("--year", type=int, required=True, help="the finished cycle (calendar year)")
    p.add_argument("--window-months", type=int, default=None, help="disclosure period, 6 to 12 (default 12)")
    p.add_argument("--actor", default="operator", help="who the publications are attributed to")
    p.set_defaults(func=cmd_publish)


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    """Run the publication (refused input exits 2 through ``run_command``)."""
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from api.cli import _database_url
    from api.commands.evaluate import _Operator
    from api.postgres import migrate
    from domain import cycle_publication
    from domain.access import Access, OfficerRole, Principal, PrincipalKind
    from domain.db import Database
    from domain.db_scope import DbScope
    from domain.rules.disclosure import beijing_iso
    from tenants import region_tree

    url = await _database_url(settings)
    await migrate(url)
    tree = region_tree()
    try:
        # the operator acts as the bureau that publishes for the region (a county's city)
        bureau = tree.publishing_node(args.region).code if tree.find(args.region) else args.region
    except ValueError:
        bureau = args.region
    principal = Principal(kind=PrincipalKind.OFFICER, id=args.actor, region_code=bureau, role=OfficerRole.OFFICER,
                          name=args.actor)
    access = Access(principal=principal, authorizer=_Operator())
    console = Console(stderr=True)
    db = await Database.connect(url, min_size=1, max_size=1)
    try:
        async with db.session(DbScope.system(actor=principal.actor)) as s:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                          TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=console) as bar:
                task = bar.add_task(f"publish {args.region} {args.year}", total=4)
                run = await cycle_publication.publish_cycle(
                    session=s, access=access, region_code=args.region, cycle_year=args.year,
                    window_months=args.window_months, today=date.today(),
                    progress=lambda done, total: bar.update(task, completed=done, total=total))
    finally:
        await db.close()
    grades = ", ".join(f"{g}: {n:,}" for g, n in sorted(run.by_grade.items()))
    until = beijing_iso(run.public_until) if run.public_until else "-"
    print(f"publish: {run.published:,} results of {run.region_code} cycle {run.cycle_year} published"
          f" ({grades or 'none'}); {run.already_live:,} already public; public until {until}")
    return 0
