"""Benchmarks (not part of the test suite). Run with `wenming bench SCENARIO`; see bench/runner.py."""
