"""`yibao evaluate`: the long evaluation jobs from the command line, with a progress bar.

``yibao evaluate cycle --region 500237 --year 2025 --ruleset cq-wushan-outpatient-pharmacy`` runs a region's
cycle set-based; ``yibao evaluate plan --region 500237 --year 2026 --inspectors a,b,c [--seed N]`` draws and
stores a random inspection plan (双随机). Both run as the operator: the whole country, attributed to ``--actor``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import date
from typing import Any, TextIO

from api.settings import Settings, load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``evaluate`` subcommand (``cycle`` and ``plan``) to the ``yibao`` parser."""
    p = sub.add_parser("evaluate", help="run a region's evaluation cycle or draw an inspection plan")
    jobs = p.add_subparsers(dest="job", required=True)
    c = jobs.add_parser("cycle", help="evaluate every subject of a region under an active rule set")
    c.add_argument("--region", required=True, help="GB/T 2260 code of the region")
    c.add_argument("--year", type=int, required=True,
                   help="the cycle (calendar year) evaluated: a finished year within the rule set's effective dates")
    c.add_argument("--ruleset", required=True, help="the rule set's code")
    c.add_argument("--version", type=int, default=None, help="default: the active version (never a draft)")
    c.add_argument("--actor", default="operator", help="who the results are attributed to")
    c.set_defaults(func=cmd_evaluate)
    pl = jobs.add_parser("plan", help="draw and store a random inspection plan")
    pl.add_argument("--region", required=True)
    pl.add_argument("--year", type=int, required=True, help="the year the inspections happen")
    pl.add_argument("--inspectors", required=True, help="comma-separated inspector ids")
    pl.add_argument("--team-size", type=int, default=2)
    pl.add_argument("--seed", type=int, default=None, help="re-draw a published plan")
    pl.add_argument("--actor", default="operator")
    pl.set_defaults(func=cmd_evaluate)


class Progress:
    """A step bar on stderr, rewritten in place."""

    def __init__(self, label: str, *, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"\r{self.label}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {elapsed:.1f}s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class _Operator:
    """The operator at the command line may run any region's jobs (as ``DbScope.system`` does for data)."""

    def allows(self, sub: str, obj: str, act: str, rel: str) -> bool:
        return True


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    """Run the job (refused input, such as an unknown region, exits 2 through ``run_command``)."""
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli import _database_url
    from api.postgres import migrate
    from domain import evaluation
    from domain.access import Access, OfficerRole, Principal, PrincipalKind
    from domain.db import Database
    from domain.db_scope import DbScope

    url = await _database_url(settings)
    await migrate(url)
    principal = Principal(kind=PrincipalKind.OFFICER, id=args.actor, region_code=args.region,
                          role=OfficerRole.OFFICER, name=args.actor)
    access = Access(principal=principal, authorizer=_Operator())
    db = await Database.connect(url, min_size=1, max_size=1)
    try:
        async with db.session(DbScope.system(actor=principal.actor)) as s:
            if args.job == "cycle":
                version = await cycle_ruleset_version(session=s, access=access, code=args.ruleset,
                                                      version=args.version, year=args.year, today=date.today())
                run = await evaluation.run_cycle(session=s, access=access, region_code=args.region,
                                                 cycle_year=args.year, ruleset_code=args.ruleset,
                                                 ruleset_version=version, today=date.today(),
                                                 progress=Progress(f"cycle {args.year} {args.region}"))
                grades = ", ".join(f"{g or 'excluded'}: {n:,}" for g, n in sorted(
                    run.distribution.items(), key=lambda x: str(x[0] or "~")))
                print(f"evaluate: {run.evaluated:,} subjects of {run.region_code} under {run.ruleset_code} "
                      f"v{run.ruleset_version} ({grades})")
            else:
                progress = Progress(f"plan {args.year} {args.region}")
                progress(0, 1)
                plan = await evaluation.draw_inspection_plan(
                    session=s, access=access, region_code=args.region, year=args.year,
                    inspectors=[i.strip() for i in args.inspectors.split(",") if i.strip()],
                    team_size=args.team_size, seed=args.seed)
                progress(1, 1)
                print(f"evaluate: plan {plan.id} drew {len(plan.assignments):,} subjects with seed {plan.seed}")
    finally:
        await db.close()
    return 0


async def cycle_ruleset_version(*, session: Any, access: Any, code: str, version: int | None, year: int,
                                today: date) -> int:
    """The rule set version a cycle runs on (the active one unless ``version`` is given), after checking that
    ``year`` is a finished year within that version's effective dates."""
    from domain import evaluation
    from domain.errors import NotFound
    from domain.rules.cycle_year import check_cycle_year

    if version is None:
        # The newest version may be a draft under discussion; a cycle always runs on the one in force.
        version = await session.fetchval(
            "SELECT version FROM ruleset WHERE code = $1 AND status = 'active' ORDER BY version DESC LIMIT 1", code)
        if version is None:
            raise NotFound(f"规则集{code}没有已生效（active）的版本。", field="ruleset")
    stored = await evaluation.get_ruleset(session=session, access=access, code=code, version=version)
    check_cycle_year(year, today=today, effective_from=stored.ruleset.effective_from,
                     effective_to=stored.ruleset.effective_to, ruleset=f"{code} v{version}")
    return int(version)


def main(argv: list[str] | None = None) -> int:
    """Run ``evaluate`` alone (``python -m api.commands.evaluate``) until it is wired into ``yibao``."""
    from api.commands.refusals import run_command

    parser = argparse.ArgumentParser(prog="yibao")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["evaluate", *(sys.argv[1:] if argv is None else argv)])
    return run_command(args, load_settings())


if __name__ == "__main__":
    sys.exit(main())
