"""Which chat platforms Parley could not reach at start-up, since when, and the check tried again.

Only a definite "this token is wrong" stops start-up. Anything else (a 5xx, a 429, a timeout, no
connection) lets Parley start and do its database work; /healthz shows the platform as unreachable
since that moment, and the check is tried again in the background until it passes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

log = logging.getLogger("parley.platforms")


@dataclass
class PlatformHealth:
    down: dict[str, tuple[datetime, str]] = field(default_factory=dict)  # platform -> (since, why)

    def unreachable(self, platform: str, since: datetime, why: str) -> None:
        self.down.setdefault(platform, (since, why))

    def reachable(self, platform: str) -> None:
        self.down.pop(platform, None)

    def as_json(self) -> dict[str, Any]:
        return {p: {"since": since.isoformat(), "why": why} for p, (since, why) in sorted(self.down.items())}


async def check_again(
    platform: str,
    check: Callable[[], Any],
    *,
    health: PlatformHealth,
    on_ok: Callable[[Any], None],
    every: float = 10.0,
) -> None:
    """Run `check` (blocking; in a thread) every `every` seconds until it passes, then `on_ok(result)`."""
    while platform in health.down:
        await asyncio.sleep(every)
        try:
            result = await asyncio.to_thread(check)
        except Exception as exc:  # noqa: BLE001 - still unreachable (or now refused): say so, keep trying
            log.warning("%s still can't be reached: %s", platform, exc)
            continue
        health.reachable(platform)
        try:
            on_ok(result)
        except Exception:  # noqa: BLE001 - remembering it is a nicety; Parley runs on
            log.exception("could not keep what %s said", platform)
        log.info("%s can be reached again", platform)
