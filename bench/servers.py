"""The servers a read benchmark compares, each its own process on 127.0.0.1, started and stopped by us.

- the project: ``yibao serve`` itself (``python -m api.cli serve``), configured by its environment variables;
- the floor: ``python -m bench.floor_server`` (bare Starlette + asyncpg, minimal SQL);
- PostGraphile 5 (npm ``postgraphile``), installed into a scratch folder with the Node.js it needs (npm ``node@22``:
  PostGraphile 5 requires Node 22, Debian 12 ships 20), pointed at the same database as the public role, so it
  reads the same ``public_item`` view and ``yibao_public_page`` function.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
POSTGRAPHILE_VERSION = "^5"
NODE_VERSION = "22"

GRAPHILE_CONFIG = """import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

// The anonymous public's role: PostGraphile reads exactly what the project's public reads.
export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({
    connectionString: process.env.YIBAO_BENCH_PG_URL,
    schemas: ["public"],
    pgSettings: () => ({ role: "yibao_public" }),
  })],
  grafserv: { port: Number(process.env.YIBAO_BENCH_PORT), host: "127.0.0.1", graphiql: false },
  grafast: { explain: false },
};
"""


def ensure_postgraphile(folder: Path) -> tuple[Path, Path]:
    """Install PostGraphile 5 and Node 22 with npm into ``folder`` (once); return (node, PostGraphile's CLI)."""
    folder.mkdir(parents=True, exist_ok=True)
    node = folder / "node_modules" / ".bin" / "node"
    cli = folder / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
    if not (node.exists() and cli.exists()):
        if not (folder / "package.json").exists():
            (folder / "package.json").write_text('{"private": true, "type": "module"}\n')
        print(f"installing postgraphile@{POSTGRAPHILE_VERSION} and node@{NODE_VERSION} into {folder} (npm) ...",
              flush=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", f"postgraphile@{POSTGRAPHILE_VERSION}",
                        f"node@{NODE_VERSION}"], cwd=folder, check=True, stdout=subprocess.DEVNULL, timeout=900)
    (folder / "graphile.config.mjs").write_text(GRAPHILE_CONFIG)
    return node, cli


class Process:
    """A server process we started (in its own process group, so its children stop with it)."""

    def __init__(self, name: str, cmd: list[str], *, env: Mapping[str, str], cwd: Path, log: Path) -> None:
        self.name = name
        self.log = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(cmd, env=dict(env), cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, probe: str, *, timeout_s: float = 90.0, post: dict[str, object] | None = None) -> None:
        """Poll ``probe`` until it answers 200 (GET, or POST ``post``); raise with the log's tail if it dies."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                r = httpx.post(probe, json=post, timeout=2) if post is not None else httpx.get(probe, timeout=2)
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        tail = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{self.name} did not start (see {self.log}):\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._log.close()


@contextlib.contextmanager
def running(processes: list[Process]) -> Iterator[list[Process]]:
    """Stop every process on the way out, whatever happened."""
    try:
        yield processes
    finally:
        for p in processes:
            p.stop()


def project(name: str, *, database_url: str, port: int, logs: Path, extra_env: Mapping[str, str]) -> Process:
    """``yibao serve`` on ``port``, the way an operator runs it (uvicorn, one process)."""
    env = dict(os.environ, DATABASE_URL=database_url, **extra_env)
    return Process(name, [sys.executable, "-m", "api.cli", "serve", "--host", LOOPBACK, "--port", str(port)],
                   env=env, cwd=PROJECT_DIR, log=logs / f"{name}.log")


def floor(*, database_url: str, port: int, logs: Path, officer_prefix: str, pool_size: int) -> Process:
    return Process("floor", [sys.executable, "-m", "bench.floor_server", "--database-url", database_url,
                             "--port", str(port), "--officer-prefix", officer_prefix, "--pool-size", str(pool_size)],
                   env=os.environ, cwd=PROJECT_DIR, log=logs / "floor.log")


def postgraphile(folder: Path, *, database_url: str, port: int, logs: Path) -> Process:
    node, cli = ensure_postgraphile(folder)
    env = dict(os.environ, NODE_ENV="production", YIBAO_BENCH_PG_URL=node_url(database_url),
               YIBAO_BENCH_PORT=str(port))
    return Process("postgraphile", [str(node), str(cli)], env=env, cwd=folder, log=logs / "postgraphile.log")


def node_url(url: str) -> str:
    """node-postgres wants a host in the URL even for a Unix socket given as ``?host=/dir``."""
    return url.replace("@/", "@localhost/", 1).replace(":@", "@", 1)
