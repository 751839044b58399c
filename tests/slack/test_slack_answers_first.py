"""The courier's delivery pass, on its own loop in a worker thread, lets the requests the server is
still answering go first before each message (handlers/slack/courier.py AnswersFirst)."""

from __future__ import annotations

import asyncio
import threading
import time

from handlers.slack.courier import AnswersFirst


def _waited(gate: AnswersFirst) -> float:
    """How long wait_from_another_thread took, run in a thread of its own with its own loop."""
    took: list[float] = []

    def run() -> None:
        start = time.monotonic()
        asyncio.run(gate.wait_from_another_thread())
        took.append(time.monotonic() - start)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.1)
    gate.answered()
    thread.join(5)
    return took[0]


def test_with_no_request_waiting_a_pass_goes_on_at_once() -> None:
    gate = AnswersFirst()
    start = time.monotonic()
    asyncio.run(gate.wait_from_another_thread())
    assert time.monotonic() - start < 0.05


def test_a_pass_waits_until_the_last_request_is_answered() -> None:
    gate = AnswersFirst(max_wait=5)
    gate.received()
    assert 0.08 <= _waited(gate) < 1.0


def test_a_pass_never_waits_longer_than_max_wait() -> None:
    gate = AnswersFirst(max_wait=0.05)
    gate.received()
    gate.received()  # the second is never answered here
    start = time.monotonic()
    asyncio.run(gate.wait_from_another_thread())
    assert 0.04 <= time.monotonic() - start < 0.5
