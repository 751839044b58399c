"""Escalation presets: one YAML file per published procedure (see each file's header for its source)."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

PRESETS: tuple[str, ...] = ("lscb", "northamptonshire", "bradford", "specialist-childrens-services", "hips")


def preset_path(name: str) -> Path:
    """The file of the preset called `name`; ValueError (listing the presets) if there is none."""
    if name not in PRESETS:
        raise ValueError(f"there is no preset called '{name}'; the presets are: {', '.join(PRESETS)}")
    return _HERE / f"{name}.yaml"
