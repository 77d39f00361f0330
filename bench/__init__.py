"""Benchmarks that print measured figures; run from the checkout's root as `python -m bench.NAME`
(bench/README.md holds the tables, each with its command and commit)."""
