"""The benchmarks are not run in CI, but they must still import and explain themselves (``--help``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from api.settings import PROJECT_DIR


@pytest.mark.parametrize("module", ["bench.bench_reads", "bench.bench_cycle", "bench.floor_server",
                                    "bench.bench_subscriptions", "bench.bench_events", "bench.bench_hostile",
                                    "bench.bench_integrity", "bench.bench_publish_cycle", "bench.bench_open_data"])
def test_each_benchmark_script_imports_and_prints_its_help(module: str) -> None:
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=PROJECT_DIR, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_the_wrk_script_reports_a_summary_line_the_driver_parses() -> None:
    from bench.wrk import LUA

    assert "WRK_JSON" in LUA and "latency:percentile(99)" in LUA
