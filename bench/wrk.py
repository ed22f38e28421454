"""An external load generator: wrk (Debian package ``wrk``) with a small Lua script for POST bodies.

Why wrk and not a Python client: a load generator in the benchmark's own interpreter spends about 2 ms of CPU per
request on the same two cores as the servers and saturates before they do (issue 12). wrk is C, event-driven, and
costs a few microseconds per request, so what it reports is the server's limit. The Lua script cycles through a
file of JSON bodies (one per line, a different code per request for lookups) and prints a one-line JSON summary.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"

# setup() numbers the threads so that each starts at a different body; done() reports in JSON (µs).
LUA = r"""
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local bodies = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  i = (id or 0) * 7919
end

function request()
  i = i + 1
  return wrk.format("POST", nil, nil, bodies[(i % #bodies) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non2xx": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run: throughput, median and 99th percentile latency, and every kind of failure."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers plus socket errors and timeouts

    def __str__(self) -> str:
        return (f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms"
                + (f", {self.errors} errors" if self.errors else ""))


def ensure_wrk() -> str:
    """The wrk binary; installed with apt-get when missing and we are root, else a clear error."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is not installed: run `sudo apt-get install -y wrk` (Debian/Ubuntu) and retry.")
    print("installing wrk (apt-get install -y wrk) ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, check=False,
                      stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("apt-get installed wrk but it is not on PATH")
    return found


class Bodies:
    """A file of request bodies for the Lua script, one JSON document per line; removed on ``close``."""

    def __init__(self, documents: list[dict[str, object]]) -> None:
        fd, name = tempfile.mkstemp(prefix="yibao-wrk-", suffix=".jsonl")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for d in documents:
                f.write(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.path = Path(name)

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


def run_wrk(url: str, bodies: Bodies, *, threads: int, connections: int, duration_s: float,
            headers: dict[str, str] | None = None, timeout_s: float = 10.0) -> WrkResult:
    """Drive ``url`` (loopback only) with wrk for ``duration_s`` seconds and return its summary."""
    if not url.startswith((f"http://{LOOPBACK}:", "http://localhost:")):
        raise ValueError(f"wrk only targets loopback servers here, not {url}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    try:
        cmd = [ensure_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration_s))}s",
               "--timeout", f"{round(timeout_s)}s", "-s", script.name, "-H", "Content-Type: application/json"]
        for k, v in (headers or {}).items():
            cmd += ["-H", f"{k}: {v}"]
        cmd += [url, "--", str(bodies.path)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + timeout_s + 30, check=False)
    finally:
        os.unlink(script.name)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary (exit {out.returncode}): {out.stderr.strip() or out.stdout[-500:]}")
    s = json.loads(line[len("WRK_JSON "):])
    seconds = s["duration_us"] / 1e6
    errors = s["non2xx"] + s["connect"] + s["read"] + s["write"] + s["timeout"]
    return WrkResult(requests=s["requests"], seconds=seconds, rps=s["requests"] / seconds if seconds else 0.0,
                     p50_ms=s["p50_us"] / 1000, p99_ms=s["p99_us"] / 1000, errors=errors)
