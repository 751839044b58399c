"""What the Slack front end needs around its listeners: answers first, and listeners still running.

The courier that delivers right after a change is shared with Teams: handlers/courier.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable, Iterator

from handlers.courier import Courier  # noqa: F401 - the Slack front end's courier


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
            with self.running():
                await func(**kwargs)

        return listener

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Counted as a listener while the block runs (work answered outside bolt, too)."""
        self._count += 1
        self._event().clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._event().set()

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
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event().wait(), self.max_wait)

    async def wait_from_another_thread(self) -> None:
        """wait(), from a worker thread's own event loop (the courier's delivery pass, before each
        message): the count is read every few milliseconds, since the event belongs to the server's loop."""
        deadline = time.monotonic() + self.max_wait
        while self._waiting and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
