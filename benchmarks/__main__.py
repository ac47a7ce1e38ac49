"""`uv run python -m benchmarks`: every benchmark, then the report in docs/benchmarks/."""

from benchmarks.run_all import main

main()
