"""Benchmarks: `python -m bench` (or `make bench`) prints ratios measured in one run."""
