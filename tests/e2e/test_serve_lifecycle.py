"""`yibao serve` as a real process: it stops its embedded PostgreSQL on SIGTERM and SIGINT, restarts it when it
dies, answers 503 while it is down, and loses no write it acknowledged."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from api.identity import mint_token
from domain.access import OfficerRole, PrincipalKind
from domain.synthetic import make_uscc
from tests.support.net import free_port

SECRET = "serve-test-secret-0123456789abcdef0123456789"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pgdata() -> Iterator[Path]:
    """One data directory for this module's servers (initialised and migrated by the first)."""
    base = Path(tempfile.mkdtemp(prefix="yibao-serve-"))
    yield base / "pgdata"
    shutil.rmtree(base, ignore_errors=True)


def _postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait(predicate, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class Served:
    """A running `yibao serve` with its embedded PostgreSQL in ``pgdata``."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self.port = free_port()
        env = {**os.environ, "YIBAO_PGDATA": str(pgdata), "YIBAO_JWT_SECRET": SECRET, "YIBAO_CHECK_OFFICERS": "0",
               "YIBAO_RATE_LIMIT_AUTHENTICATED": "100000/minute",
               "PYTHONUNBUFFERED": "1"}
        env.pop("DATABASE_URL", None)
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server process)
        self.process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(self.port)],
                                        cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            _wait(lambda: self.process.poll() is None and _ready(self.port), 180, "the server to be ready")
        except AssertionError:
            self.stop(signal.SIGKILL)
            raise AssertionError(self.output()) from None
        self.postmaster = _postmaster_pid(pgdata)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self, sig: int) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_serve_with_a_signal_stops_its_embedded_postgres(pgdata: Path, sig: int) -> None:
    served = Served(pgdata)
    assert served.postmaster is not None and _alive(served.postmaster)
    served.stop(sig)
    _wait(lambda: not _alive(served.postmaster), 30, "PostgreSQL to stop")  # type: ignore[arg-type]


def test_a_killed_postgres_loses_no_acknowledged_write_and_the_api_answers_503_until_it_is_back(
        pgdata: Path) -> None:
    served = Served(pgdata)
    try:
        acknowledged, outage = asyncio.run(_write_through_a_crash(served))
        assert acknowledged, served.output()
        # While it is down: 503 (a write may already succeed once the supervisor has restarted it, before /readyz
        # is polled), never a 500 or an error in a 200.
        assert 503 in outage and set(outage) <= {503, "ok"}, (set(outage), served.output())
        missing = asyncio.run(_missing(served, acknowledged))
        assert missing == [], f"{len(missing)} acknowledged writes lost"
    finally:
        served.stop(signal.SIGTERM)
    _wait(lambda: not _alive(_postmaster_pid(pgdata) or 0), 30, "PostgreSQL to stop")


async def _write_through_a_crash(served: Served) -> tuple[list[str], list[int | str]]:
    token = mint_token(secret=SECRET, issuer="yibao-credit", kind=PrincipalKind.OFFICER, id="340102-officer",
                       region_code="340102", role=OfficerRole.OFFICER, ttl_seconds=3600)
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(99)
    acknowledged: list[str] = []
    outage: list[int | str] = []
    state = {"down": False, "stop": False}

    async def writer(http: httpx.AsyncClient) -> None:
        while not state["stop"]:
            code = make_uscc(rng, "340102", kind="91")
            was_down = state["down"]
            try:
                r = await http.post(served.url, headers=headers, json={"query": (
                    'mutation { createSubject(input: { subjectClass: RETAIL_PHARMACY, code: "' + code
                    + '", name: "耐久测试大药房", regionCode: "340102" }) { id } }')})
            except httpx.HTTPError:
                continue
            if r.headers.get("content-type") != "application/json":
                outage.append(f"{r.status_code} {r.text[:100]}")  # never: every answer is JSON
                continue
            body = r.json()
            if r.status_code == 200 and "errors" not in body:
                acknowledged.append(code)
            if was_down and state["down"]:
                ok = r.status_code == 200 and "errors" not in body
                outage.append("ok" if ok else r.status_code if r.status_code != 200 else str(body["errors"]))
            await asyncio.sleep(0.01)

    async with httpx.AsyncClient(timeout=30) as http:
        writers = [asyncio.create_task(writer(http)) for _ in range(4)]
        await asyncio.sleep(2)
        assert served.postmaster is not None
        os.kill(served.postmaster, signal.SIGKILL)
        state["down"] = True
        await asyncio.sleep(0.5)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            ready = await http.get(served.url.replace("/graphql", "/readyz"))
            if ready.status_code == 200:
                break
            await asyncio.sleep(0.3)
        state["down"] = False
        assert ready.status_code == 200, "the supervisor did not bring PostgreSQL back"
        await asyncio.sleep(1)  # writes succeed again
        state["stop"] = True
        await asyncio.gather(*writers)
    return acknowledged, outage


async def _missing(served: Served, codes: list[str]) -> list[str]:
    info = (served.pgdata / "postmaster.pid").read_text().splitlines()
    conn = await asyncpg.connect(f"postgresql://postgres@/yibao?host={info[4]}&port={info[3]}")
    try:
        found = {r["code"] for r in await conn.fetch("SELECT code FROM subject WHERE code = ANY($1)", codes)}
    finally:
        await conn.close()
    return [c for c in codes if c not in found]
