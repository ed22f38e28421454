"""The event benchmarks are not run in CI, but they must keep importing and parsing their flags."""

from __future__ import annotations


def test_the_event_benchmarks_import_and_know_their_three_parts() -> None:
    from bench import bench_events

    args = bench_events._parser().parse_args(["--only", "outbox", "--only", "replay", "--events", "10"])
    assert args.only == ["outbox", "replay"] and args.events == 10
    assert callable(bench_events.bench_outbox) and callable(bench_events.bench_webhook)
    assert callable(bench_events.bench_replay)
