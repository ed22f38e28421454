"""`yibao synth`: load a province-scale synthetic archive (合成数据) for load tests and benchmarks."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TextIO

from api.settings import Settings, load_settings

# More subjects than any demo or hand-made test database holds: above it, the database is probably real.
APPEND_THRESHOLD = 1000


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``synth`` subcommand to the ``yibao`` parser."""
    p = sub.add_parser("synth", help="bulk-load synthetic subjects and confirmed records across a province")
    p.add_argument("--province", default="340000", help="GB/T 2260 province code (default 340000, Anhui)")
    p.add_argument("--subjects", type=int, default=100_000)
    p.add_argument("--records", type=int, default=500_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--append", action="store_true",
                   help=f"load even though the database already holds more than {APPEND_THRESHOLD} subjects")
    p.set_defaults(func=cmd_synth)


class Progress:
    """A percentage line on stderr, rewritten in place at most a few times a second."""

    def __init__(self, *, stream: TextIO = sys.stderr, interval_s: float = 0.25) -> None:
        self.stream = stream
        self.interval_s = interval_s
        self.started = time.perf_counter()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - self._last < self.interval_s:
            return
        self._last = now
        elapsed = now - self.started
        share = done / total if total else 1.0
        eta = f", {elapsed / share - elapsed:.0f}s left" if 0 < share < 1 else ""
        self.stream.write(f"\rsynth: {share:6.1%}  {done:,}/{total:,} rows  {elapsed:.0f}s{eta}   ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def cmd_synth(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bulk load; exit 2 when it would pile synthetic data onto a non-trivial database."""
    if args.subjects < 0 or args.records < 0:
        print("synth: --subjects and --records must not be negative", file=sys.stderr)
        return 2
    if args.records and not args.subjects:
        print("synth: records need subjects: give --subjects too", file=sys.stderr)
        return 2
    from tenants import RegionLevel, region_tree

    # An unknown code raises UnknownRegion, which ``run_command`` reports like every other command's.
    if region_tree().get(args.province).level is not RegionLevel.PROVINCE:
        print(f"synth: {args.province} 不是省级行政区划代码（--province 须为省，如 340000）", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncpg

    from api.cli import _database_url
    from api.postgres import migrate
    from domain.synthetic_scale import write_province_scale

    url = await _database_url(settings)
    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        present = int(await conn.fetchval("SELECT count(*) FROM subject"))
        if present > APPEND_THRESHOLD and not args.append:
            print(f"synth: the database already holds {present:,} subjects; refusing to add synthetic data to "
                  f"it. Pass --append if that is what you want.", file=sys.stderr)
            return 2
        summary = await write_province_scale(conn, province_code=args.province, subjects=args.subjects,
                                             records=args.records, seed=args.seed, progress=Progress())
    finally:
        await conn.close()
    rate = (summary.subjects + summary.records) / summary.seconds if summary.seconds else 0.0
    print(f"synth: {summary.subjects:,} subjects and {summary.records:,} records in {summary.seconds:.1f}s "
          f"({rate:,.0f} rows/s) in province {args.province}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``synth`` alone (``python -m api.commands.synth``) until it is wired into ``yibao``."""
    parser = argparse.ArgumentParser(prog="yibao")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["synth", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args, load_settings()))


if __name__ == "__main__":
    sys.exit(main())
