"""Benchmarks: the app against a bare floor measured in the same run (see bench/README.md)."""
