"""Benchmarks for pmbot: run them with `python -m bench.<name>` (see bench/README.md)."""
