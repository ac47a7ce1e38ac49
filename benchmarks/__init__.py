"""Benchmarks: not tests (not collected by pytest). `uv run python -m benchmarks` runs them all."""
