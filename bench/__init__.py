"""Benchmarks (bench/README.md): a package, so that `python -m bench.<name>`, the tests and mypy agree on names."""
