"""Every benchmark in bench/ still imports: they are not run by `make test` (they print figures, and
take minutes), so a name moved elsewhere would otherwise go unnoticed until someone ran one."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__"))
def test_the_benchmark_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    if name not in ("driver", "instrumented", "limits", "monday_shape", "sweep_data", "bare_bolt", "__main__"):
        assert callable(getattr(module, "main", None)), f"bench.{name} has no main()"
