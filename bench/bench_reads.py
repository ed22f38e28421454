"""Benchmark: the read paths under an external load generator, against a minimal floor and PostGraphile 5 (issue 12).

Every server is its own process on 127.0.0.1 and wrk (C, Debian package, installed here when missing) drives it,
so nothing of the load generator runs in a server's interpreter. In ONE run, in interleaved rounds (round 1:
A, B, C for every request; round 2: A, B, C again ...), it measures req/s, p50 and p99 of:

- the project: ``yibao serve`` (cache off; a second one with the anonymous cache on for cached hits);
- the floor: ``bench.floor_server``, bare Starlette + asyncpg doing the minimal SQL for the same JSON (checked);
- PostGraphile 5 on the same database as the public role: ``allPublicItems`` on the same ``public_item`` view
  for the lookup, ``yibaoPublicPage`` (the same function) for the page. ``--no-postgraphile`` skips it.

Requests: anonymous ``publicInstitution(code:)`` (a different code each request, cache off); anonymous
``publicGrades(regionCode: <city>, first: 50)`` (cache off); a province officer's ``subjects(first: 50)`` with
``records(first: 3)``; one anonymous lookup repeated, a cached hit, against an in-memory floor. It prints the
median and spread over rounds and the issue's targets beside them (pass/fail); no test asserts them.

Run: ``.venv/bin/python -m bench.bench_reads`` (200k subjects / 1M records: loading ~1 min, the run ~8 min);
``--subjects 1000000 --records 5000000`` for the larger province. ``--save run.json`` keeps the figures and
``--baseline run.json`` prints each latency's growth against a saved run (target: < 1.5x from 200k to 1M).
DATABASE_URL uses an existing database; otherwise an embedded PostgreSQL under /tmp (``--keep``/``--pgdata``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import servers
from bench.data import database, fill_published
from bench.wrk import Bodies, WrkResult, ensure_wrk, run_wrk

LOOKUP = """query Lookup($code: String!) { publicInstitution(code: $code) {
    name unifiedSocialCreditCode subjectClass region { code name } } }"""
PAGE = """query Grades($region: ID!) { publicGrades(regionCode: $region, first: 50) { edges { node {
    grade cycleYear publishedAt publicUntil region { code name }
    institution { name unifiedSocialCreditCode subjectClass } } } } }"""
OFFICER = """query Bureau { subjects(first: 50) { edges { node { code name
    records(first: 3) { kind current { title amount } } } } } }"""
PGL_LOOKUP = """query Lookup($code: String!) { allPublicItems(condition: {publicKey: $code},
    orderBy: PUBLISHED_AT_DESC, first: 1) { nodes { publicPayload } } }"""
PGL_PAGE = """query Grades($prefix: String!) { yibaoPublicPage(pRegion: $prefix, pItemType: "result", pLimit: 51,
    first: 50) { nodes { id regionCode publisherRegion publishedAt publicUntil publicPayload } } }"""

SECRET = "bench-secret-0123456789abcdef0123456789"
ISSUER = "yibao-bench"
UNLIMITED = "1000000000/minute"
TITLES = {
    "lookup": "anonymous publicInstitution(code:), cache off",
    "page": "anonymous publicGrades(first: 50), cache off",
    "officer": "officer subjects(first: 50) with records(first: 3)",
    "cached": "anonymous lookup, cached hit",
}


@dataclass(frozen=True)
class Target:
    """The issue's targets for one request: throughput against the floor and the peer, and a p50 bound."""

    vs_floor: float | None = None
    vs_peer: float | None = None
    p50_ms: float | None = None


TARGETS = {"lookup": Target(vs_floor=0.8, vs_peer=1.2), "page": Target(vs_floor=0.5, p50_ms=15.0),
           "officer": Target(vs_floor=0.5), "cached": Target(vs_floor=0.8)}
MAX_GROWTH = 1.5  # latency from 200k to 1M subjects


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bench_reads", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--subjects", type=int, default=200_000, help="subjects to load into an empty database")
    p.add_argument("--records", type=int, default=1_000_000, help="records to load into an empty database")
    p.add_argument("--province", default="340000", help="the province loaded (its officer reads the page)")
    p.add_argument("--city", default="340100", help="the city whose page of published grades is read")
    p.add_argument("--published-share", type=float, default=0.8,
                   help="share of institutions whose current result is published")
    p.add_argument("--only", default="lookup,page,officer,cached", help="comma-separated requests to measure")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median and spread over them)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--connections", type=int, default=16, help="wrk connections")
    p.add_argument("--pool-size", type=int, default=10, help="database connections per server")
    p.add_argument("--port-base", type=int, default=8120, help="servers listen on base+1 .. base+4")
    p.add_argument("--no-postgraphile", action="store_true", help="skip PostGraphile")
    p.add_argument("--postgraphile-dir", type=Path,
                   default=Path(tempfile.gettempdir()) / "yibao-bench-postgraphile",
                   help="scratch folder for PostGraphile and its Node.js (npm)")
    p.add_argument("--save", type=Path, help="write the figures to this JSON file")
    p.add_argument("--baseline", type=Path, help="a saved run (smaller province) to compare latencies with")
    p.add_argument("--profile", type=Path, default=None,
                   help="record the project with py-spy during its runs (pip install py-spy); raw stacks to DIR")
    p.add_argument("--keep", action="store_true", help="keep the embedded pgdata (for quicker re-runs)")
    p.add_argument("--pgdata", type=Path, default=None, help="embedded pgdata folder (default: a new /tmp one)")
    return p


@dataclass
class Side:
    """One server's part in one request's comparison."""

    url: str
    bodies: Bodies
    headers: dict[str, str]
    rounds: list[WrkResult]
    pid: int | None = None  # the server process (profiled with --profile)


def machine() -> str:
    """CPU model and count, memory, OS, Python: the line printed with every run."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines()
                          if x.startswith("MemTotal")).split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        memory = "? RAM"
    return (f"{os.cpu_count()} CPUs ({model}), {memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def _token(province: str) -> str:
    from api.identity import mint_token
    from domain.access import OfficerRole, PrincipalKind
    from tenants import region_tree

    bureau = region_tree().get(province)
    return mint_token(secret=SECRET, issuer=ISSUER, kind=PrincipalKind.OFFICER, id=f"{province}-officer",
                      region_code=province, role=OfficerRole.OFFICER, name=f"{bureau.name}录入员",
                      department=f"{bureau.name}医疗保障局", ttl_seconds=3600)


def _same(a: Any, b: Any, name: str) -> bool:
    if a != b:
        print(f"{name}: project and floor DIFFER", file=sys.stderr)
        print("  project:", json.dumps(a, ensure_ascii=False)[:500], file=sys.stderr)
        print("  floor:  ", json.dumps(b, ensure_ascii=False)[:500], file=sys.stderr)
    return bool(a == b and isinstance(a, dict) and a.get("data") and "errors" not in a)


def _fmt(results: list[WrkResult]) -> str:
    rps = [r.rps for r in results]
    return (f"{statistics.median(rps):,.0f} req/s ({min(rps):,.0f}–{max(rps):,.0f}), "
            f"p50 {statistics.median(r.p50_ms for r in results):.1f} ms, "
            f"p99 {statistics.median(r.p99_ms for r in results):.1f} ms")


def _ratio(a: list[WrkResult], b: list[WrkResult]) -> tuple[float, float, float]:
    """Throughput a/b per round (same round, same noise): median, min, max."""
    ratios = [x.rps / y.rps if y.rps else 0.0 for x, y in zip(a, b, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def _verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def report(sides: dict[str, dict[str, Side]]) -> list[str]:
    """The table of the run, the targets beside the figures (pass/fail); returns the lines printed."""
    lines = ["| request | this project | minimal floor | PostGraphile 5 | project ÷ floor | project ÷ PostGraphile |",
             "|---|---|---|---|---|---|"]
    verdicts = []
    for name, by in sides.items():
        proj, flo, peer = by["project"].rounds, by["floor"].rounds, by.get("postgraphile")
        target = TARGETS[name]
        vs_floor = _ratio(proj, flo)
        cells = [TITLES[name], _fmt(proj), _fmt(flo), _fmt(peer.rounds) if peer else "—",
                 f"{vs_floor[0]:.2f}× ({vs_floor[1]:.2f}–{vs_floor[2]:.2f})"]
        if target.vs_floor is not None:
            verdicts.append(f"{name}: ≥ {target.vs_floor}× the floor: {vs_floor[0]:.2f}× "
                            f"{_verdict(vs_floor[0] >= target.vs_floor)}")
        if peer:
            vs_peer = _ratio(proj, peer.rounds)
            cells.append(f"{vs_peer[0]:.2f}× ({vs_peer[1]:.2f}–{vs_peer[2]:.2f})")
            if target.vs_peer is not None:
                verdicts.append(f"{name}: ≥ {target.vs_peer}× PostGraphile: {vs_peer[0]:.2f}× "
                                f"{_verdict(vs_peer[0] >= target.vs_peer)}")
        else:
            cells.append("—")
        if target.p50_ms is not None:
            p50 = statistics.median(r.p50_ms for r in proj)
            verdicts.append(f"{name}: p50 ≤ {target.p50_ms:.0f} ms: {p50:.1f} ms {_verdict(p50 <= target.p50_ms)}")
        errors = sum(r.errors for s in by.values() for r in s.rounds)
        if errors:
            verdicts.append(f"{name}: {errors} failed requests during the run: FAIL")
        lines.append("| " + " | ".join(cells) + " |")
    out = [*lines, "", "targets (issue 12; reported, never asserted in tests):", *("  " + v for v in verdicts)]
    print("\n".join(out))
    return out


def compare(saved: dict[str, Any], baseline_path: Path) -> None:
    """Each p50's growth against a saved run of a smaller province (target: < 1.5x from 200k to 1M)."""
    base = json.loads(baseline_path.read_text())
    print(f"\nlatency growth from {base['subjects']:,} to {saved['subjects']:,} subjects "
          f"(p50, project; target < {MAX_GROWTH}x):")
    for name, by in saved["results"].items():
        before = base["results"].get(name, {}).get("project")
        if not before:
            continue
        now = statistics.median(r["p50_ms"] for r in by["project"])
        then = statistics.median(r["p50_ms"] for r in before)
        growth = now / then if then else float("inf")
        print(f"  {name}: {then:.1f} ms -> {now:.1f} ms = {growth:.2f}x {_verdict(growth < MAX_GROWTH)}")


async def _register_officer(url: str, province: str) -> None:
    """The benchmark's officer, known to the officer table as every token's officer must be (api/identity.py)."""
    from tenants import region_tree

    bureau = region_tree().get(province)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("""INSERT INTO officer (id, name, region_code, role, department) VALUES ($1, $2, $3, $4, $5)
                              ON CONFLICT (id) DO NOTHING""", f"{province}-officer", f"{bureau.name}录入员", province,
                           "officer", f"{bureau.name}医疗保障局")
    finally:
        await conn.close()


async def _codes(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT public_key FROM publication WHERE item_type = 'result' "
                                "AND status = 'published' ORDER BY public_key")
    finally:
        await conn.close()
    codes = [r["public_key"] for r in rows]
    random.Random(4).shuffle(codes)
    return codes


def _profile(side: Side, args: argparse.Namespace, label: str) -> subprocess.Popen[bytes] | None:
    """py-spy recording ``side``'s server for the coming wrk run (``--profile``): where its time goes."""
    if args.profile is None or side.pid is None:
        return None
    args.profile.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen([str(spy), "record", "-p", str(side.pid), "-r", "200", "-f", "raw",
                             "-d", str(int(args.duration)), "-o", str(args.profile / f"{label}.txt")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _measure(sides: dict[str, dict[str, Side]], args: argparse.Namespace) -> None:
    """Interleaved rounds: every request on every server once per round, in the same order."""
    for k in range(1, args.rounds + 1):
        for name, by in sides.items():
            for who, side in by.items():
                spy = _profile(side, args, f"{name}-{who}-{k}")
                result = run_wrk(side.url, side.bodies, threads=args.threads, connections=args.connections,
                                 duration_s=args.duration, headers=side.headers)
                if spy is not None:
                    spy.wait()
                side.rounds.append(result)
                print(f"round {k}/{args.rounds} {name:8s} {who:13s} {result}", flush=True)


def run(args: argparse.Namespace) -> int:
    """Fill, start the servers, check their answers, drive them in interleaved rounds, print the table.
    Exit status 0 when the project and the floor gave the same answers (the targets are only reported)."""
    ensure_wrk()
    wanted = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = set(wanted) - set(TITLES)
    if unknown:
        raise SystemExit(f"unknown requests {sorted(unknown)}; choose from {sorted(TITLES)}")
    started = time.perf_counter()
    print(f"machine: {machine()}")

    async def prepare(url: str) -> list[str]:
        await fill_published(url, args)
        await _register_officer(url, args.province)
        return await _codes(url)

    async def hold_database() -> bool:
        async with database(args) as url:
            codes = await prepare(url)
            return await asyncio.to_thread(_serve_and_measure, url, codes, wanted, args)

    same = asyncio.run(hold_database())
    print(f"total {time.perf_counter() - started:.0f}s")
    return 0 if same else 1


def _serve_and_measure(url: str, codes: list[str], wanted: list[str], args: argparse.Namespace) -> bool:
    from tenants import region_tree

    logs = Path(tempfile.mkdtemp(prefix="yibao-bench-logs-"))
    base = args.port_base
    common = {"YIBAO_JWT_SECRET": SECRET, "YIBAO_JWT_ISSUER": ISSUER, "YIBAO_RATE_LIMIT_ANONYMOUS": UNLIMITED,
              "YIBAO_RATE_LIMIT_AUTHENTICATED": UNLIMITED, "YIBAO_POOL_SIZE": str(args.pool_size)}
    procs = [servers.project("project", database_url=url, port=base + 1, logs=logs,
                             extra_env={**common, "YIBAO_PUBLIC_CACHE_TTL": "0"}),
             servers.project("project-cached", database_url=url, port=base + 2, logs=logs,
                             extra_env={**common, "YIBAO_PUBLIC_CACHE_TTL": "3600"}),
             servers.floor(database_url=url, port=base + 3, logs=logs,
                           officer_prefix=region_tree().subtree_prefix(args.province), pool_size=args.pool_size)]
    peer = not args.no_postgraphile and ({"lookup", "page"} & set(wanted))
    if peer:
        procs.append(servers.postgraphile(args.postgraphile_dir, database_url=url, port=base + 4, logs=logs))
    with servers.running(procs):
        h = f"http://{servers.LOOPBACK}"
        procs[0].wait_ready(f"{h}:{base + 1}/healthz")
        procs[1].wait_ready(f"{h}:{base + 2}/healthz")
        procs[2].wait_ready(f"{h}:{base + 3}/healthz")
        if peer:
            procs[3].wait_ready(f"{h}:{base + 4}/graphql", post={"query": "{ __typename }"})
        print(f"servers up (logs in {logs})")
        officer_headers = {"Authorization": f"Bearer {_token(args.province)}"}
        lookups = [{"query": LOOKUP, "variables": {"code": c}} for c in codes[:20_000]]
        page = {"query": PAGE, "variables": {"region": args.city}}
        prefix = region_tree().subtree_prefix(args.city)
        plan: dict[str, dict[str, tuple[str, list[dict[str, Any]], dict[str, str]]]] = {
            "lookup": {"project": (f"{h}:{base + 1}/graphql", lookups, {}),
                       "floor": (f"{h}:{base + 3}/lookup", lookups, {}),
                       "postgraphile": (f"{h}:{base + 4}/graphql",
                                        [{"query": PGL_LOOKUP, "variables": d["variables"]} for d in lookups], {})},
            "page": {"project": (f"{h}:{base + 1}/graphql", [page], {}),
                     "floor": (f"{h}:{base + 3}/page", [page], {}),
                     "postgraphile": (f"{h}:{base + 4}/graphql",
                                      [{"query": PGL_PAGE, "variables": {"prefix": prefix}}], {})},
            "officer": {"project": (f"{h}:{base + 1}/graphql", [{"query": OFFICER}], officer_headers),
                        "floor": (f"{h}:{base + 3}/officer", [{"query": OFFICER}], officer_headers)},
            "cached": {"project": (f"{h}:{base + 2}/graphql", lookups[:1], {}),
                       "floor": (f"{h}:{base + 3}/cached", lookups[:1], {})},
        }
        sides: dict[str, dict[str, Side]] = {}
        ok = True
        with httpx.Client(timeout=30) as http:
            for name in wanted:
                by = {who: v for who, v in plan[name].items() if who != "postgraphile" or peer}
                answers: dict[str, Any] = {}
                for who, (u, docs, headers) in by.items():
                    for _ in range(3):  # warm: prepared statements, caches, the peer's plan cache
                        answers[who] = http.post(u, json=docs[0], headers=headers).json()
                ok = _same(answers["project"], answers["floor"], name) and ok
                if "postgraphile" in answers:
                    good = "errors" not in answers["postgraphile"] and answers["postgraphile"].get("data")
                    if not good:
                        print(f"{name}: PostGraphile answered {str(answers['postgraphile'])[:400]}", file=sys.stderr)
                        ok = False
                pids = {"project": procs[1 if name == "cached" else 0].proc.pid}
                sides[name] = {who: Side(url=u, bodies=Bodies(docs), headers=headers, rounds=[], pid=pids.get(who))
                               for who, (u, docs, headers) in by.items()}
        print(f"same JSON from project and floor: {'yes' if ok else 'NO (see above)'}")
        try:
            _measure(sides, args)
        finally:
            for by in sides.values():
                for side in by.values():
                    side.bodies.close()
    print(f"\n{args.subjects:,} subjects / {args.records:,} records; wrk -t{args.threads} -c{args.connections} "
          f"-d{args.duration:.0f}s, {args.rounds} interleaved rounds; median (min–max) over rounds")
    print(f"machine: {machine()}\n")
    report(sides)
    saved = {"subjects": args.subjects, "records": args.records, "machine": machine(),
             "results": {n: {w: [asdict(r) for r in s.rounds] for w, s in by.items()} for n, by in sides.items()}}
    if args.save:
        args.save.write_text(json.dumps(saved, indent=1))
        print(f"\nfigures saved to {args.save}")
    if args.baseline:
        compare(saved, args.baseline)
    return ok


def main(argv: list[str] | None = None) -> int:
    return run(_parser().parse_args(argv))

if __name__ == "__main__":
    sys.exit(main())
