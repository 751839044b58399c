"""Benchmarks: `python -m bench.<name>`; each one is bounded, uses loopback databases only and stops by itself."""
