"""Runs outbox delivery passes in the background, right after a change is committed (Slack and Teams).

People should see a new thread or DM at once, not at the next sweep. Passes run one at a time
per process (a kick during a pass asks for one more pass), so a reply is never sent before its
root by this process. The periodic sweep (handlers/scheduler.py) still delivers whatever this
misses: a crash between commit and kick, a rate limit, a root that failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

log = logging.getLogger("parley.courier")

RunPass = Callable[[], Awaitable[Mapping[str, int]]]


class Courier:
    def __init__(self, run_pass: RunPass, *, batch: int = 50, follow_up_seconds: float = 2.5, max_follow_ups: int = 3) -> None:
        self._run_pass = run_pass
        self._batch = batch
        self._follow_up = follow_up_seconds
        self._max_follow_ups = max_follow_ups
        self._wanted = False
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        # awaited before each pass: lets the answers Slack is waiting for go out first
        self.before_pass: Callable[[], Awaitable[None]] | None = None

    def kick(self) -> None:
        """Ask for a delivery pass soon; cheap, never blocks, safe to call often."""
        if self._closed:
            return
        self._wanted = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._passes())

    async def _passes(self) -> None:
        follow_ups = 0
        while self._wanted and not self._closed:
            self._wanted = False
            if self.before_pass is not None:
                await self.before_pass()
            try:
                tally = await self._run_pass()
            except Exception:
                log.exception("delivery pass failed; the next sweep will retry")
                return
            if sum(tally.values()) >= self._batch:
                self._wanted = True  # a full batch: there may be more due now
            elif (tally.get("waiting") or tally.get("failed")) and follow_ups < self._max_follow_ups:
                # replies waiting for a root another process is posting, or the raiser's notice about
                # someone Parley couldn't reach (queued by this pass): look again shortly
                follow_ups += 1
                self._schedule_follow_up()

    def _schedule_follow_up(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self._follow_up, self.kick)

    async def drain(self) -> None:
        """Wait until no pass is running (tests, and shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._closed = True
        await self.drain()
