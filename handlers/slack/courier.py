"""Runs outbox delivery passes in the background, right after a change is committed.

People should see a new thread or DM at once, not at the next sweep. Passes run one at a time
per process (a kick during a pass asks for one more pass), so a reply is never sent before its
root by this process. The periodic sweep (handlers/scheduler.py) still delivers whatever this
misses: a crash between commit and kick, a rate limit, a root that failed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping

log = logging.getLogger("parley.slack.courier")

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
            except Exception:  # noqa: BLE001 - the sweep will deliver it; never crash the web server
                log.exception("delivery pass failed; the next sweep will retry")
                return
            if sum(tally.values()) >= self._batch:
                self._wanted = True  # a full batch: there may be more due now
            elif tally.get("waiting") and follow_ups < self._max_follow_ups:
                # replies waiting for a root that another process is posting: look again shortly
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


class Inflight:
    """Counts listeners still running after their ack, so shutdown (and tests) can wait for them."""

    def __init__(self) -> None:
        self._count = 0
        self._idle: asyncio.Event | None = None

    def _event(self) -> asyncio.Event:
        if self._idle is None:
            self._idle = asyncio.Event()
            self._idle.set()
        return self._idle

    def track(self, func: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(func)
        async def listener(**kwargs: object) -> None:
            self._count += 1
            self._event().clear()
            try:
                await func(**kwargs)
            finally:
                self._count -= 1
                if self._count == 0:
                    self._event().set()

        return listener

    async def idle(self) -> None:
        await self._event().wait()


class AnswersFirst:
    """Lets a listener's work after its ack() wait until Slack has its answers to every request in hand.

    Slack gives each request 3 seconds for its HTTP answer; the slower work a listener does after
    ack() (views.open, the database) can wait a moment. Under a burst of requests, doing that work
    in between the answers would hold every later answer back, so it waits until no request is
    still waiting for its answer, and never longer than `max_wait` (a steady stream can't starve it;
    views.open has its own 3 seconds from the trigger).
    """

    def __init__(self, max_wait: float = 0.5) -> None:
        self.max_wait = max_wait
        self._waiting = 0
        self._none: asyncio.Event | None = None

    def _event(self) -> asyncio.Event:
        if self._none is None:
            self._none = asyncio.Event()
            self._none.set()
        return self._none

    def received(self) -> None:
        self._waiting += 1
        self._event().clear()

    def answered(self) -> None:
        self._waiting = max(self._waiting - 1, 0)
        if self._waiting == 0:
            self._event().set()

    async def wait(self) -> None:
        if self._waiting == 0:
            return
        try:
            await asyncio.wait_for(self._event().wait(), self.max_wait)
        except asyncio.TimeoutError:
            pass
