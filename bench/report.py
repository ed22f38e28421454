"""How every benchmark reports: the median and the spread (min–max) over rounds, and its command-line entry.

One place, so that every bench prints its rounds the same way (the guide asks for median and spread, never a best
round) and exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from collections.abc import Awaitable, Callable
from pathlib import Path


def spread(values: list[float], unit: str = "", *, scale: float = 1.0, digits: int = 3) -> str:
    """``median X (min A, max B, n=N)`` of ``values`` times ``scale``, each followed by ``unit``."""
    v = [x * scale for x in values]
    return (f"median {statistics.median(v):.{digits}f}{unit} (min {min(v):.{digits}f}, max {max(v):.{digits}f}, "
            f"n={len(v)})")


def rounds(label: str, seconds: list[float]) -> str:
    """``label: median (min–max), and every round`` for timings in seconds."""
    return f"{label}: {spread(seconds, 's', digits=2)}; rounds: {', '.join(f'{s:.2f}' for s in seconds)}"


def entry(parser: Callable[[], argparse.ArgumentParser],
          run: Callable[[argparse.Namespace], Awaitable[bool]]) -> Callable[[list[str] | None], int]:
    """A ``main(argv)`` that parses, turns ``--pgdata`` into a path, runs, and exits 1 when a target is missed."""

    def main(argv: list[str] | None = None) -> int:
        args = parser().parse_args(argv)
        if getattr(args, "pgdata", None) is not None:
            args.pgdata = Path(args.pgdata)
        return 0 if asyncio.run(run(args)) else 1

    return main

