"""Summarise a py-spy raw profile (``py-spy record -f raw``): inclusive share per frame, top self frames.

    .venv/bin/python -m bench.profile_summary /tmp/prof/lookup-project-1.txt [--top 40] [--match strawberry]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def summarise(path: Path, *, top: int, match: str | None) -> None:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            inclusive[f] += n
    print(f"{total} samples in {path.name}")
    print("\n-- inclusive --")
    shown = 0
    for frame, n in inclusive.most_common():
        if match and match not in frame:
            continue
        print(f"{100 * n / total:5.1f}%  {frame[:150]}")
        shown += 1
        if shown >= top:
            break
    print("\n-- self --")
    for frame, n in own.most_common(top):
        print(f"{100 * n / total:5.1f}%  {frame[:150]}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path", type=Path)
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--match", default=None)
    a = p.parse_args()
    summarise(a.path, top=a.top, match=a.match)
