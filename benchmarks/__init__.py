"""Benchmarks that print their figures (run with python -m benchmarks.NAME)."""
