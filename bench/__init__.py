"""Benchmarks of exitcheck (``python -m bench.run``); outside the test suite."""
