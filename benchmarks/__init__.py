"""Benchmarks: each prints its ratio and figures on its last line (docs/performance.md)."""
