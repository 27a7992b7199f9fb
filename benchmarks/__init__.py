"""Benchmarks: `make bench` or `python -m benchmarks [NAME ...]`. They print figures; they never fail on speed."""
