"""The outbox's claims carry a fencing token: a sender whose lease ran out changes nothing, and a
slow platform with several senders at once still gets each message once."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.outbox import Delivery, OutgoingMessage
from handlers.delivery import CLAIM, LEASE, SEND_TIMEOUT, Sent, deliver_due
from storage.db import session_factory
from storage.models import OutboxRow
from storage.outbox import SENT, OutboxDelivery, QueuedMessage, Thread
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import another_engine

T0 = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)


def _queue(engine, n: int, *, now: datetime = T0, prefix: str = "m") -> None:
    with SqlUnitOfWork(session_factory(engine)) as uow:
        uow.outbox.add(
            [
                OutgoingMessage(f"{prefix}{i}", "slack", "T1", Delivery.DIRECT, f"U{i % 7}", {"text": f"hello {i}"})
                for i in range(n)
            ],
            now,
        )
        uow.commit()


def _rows(engine) -> list[OutboxRow]:
    with session_factory(engine)() as s:
        return list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_a_claim_taken_over_after_its_lease_ran_out_can_neither_send_nor_mark_sent(engine) -> None:
    _queue(engine, 1)
    outbox = OutboxDelivery(session_factory(engine))
    [first] = outbox.claim_due(T0, lease=timedelta(seconds=60))
    later = T0 + timedelta(seconds=61)
    [second] = outbox.claim_due(later, lease=timedelta(seconds=60))
    assert first.token != second.token

    assert outbox.begin_send(first, now=later, lease=LEASE) is False  # re-checked before the send: not ours
    assert outbox.mark_sent(first, platform_id="late", now=later) is False
    assert outbox.retry_later(first, at=later, error="x") is False
    assert outbox.mark_failed(first, error="x") is False
    assert outbox.begin_send(second, now=later, lease=LEASE) is True
    assert outbox.mark_sent(second, platform_id="ts-2", now=later) is True
    [row] = _rows(engine)
    assert (row.status, row.message_id, row.sending_at) == (SENT, "ts-2", None)


def test_a_message_handed_to_the_platform_and_never_settled_is_in_doubt_when_claimed_again(engine) -> None:
    _queue(engine, 1)
    outbox = OutboxDelivery(session_factory(engine))
    [first] = outbox.claim_due(T0)
    assert not first.in_doubt
    assert outbox.begin_send(first, now=T0, lease=LEASE)
    # ...and the process died before the answer
    [again] = outbox.claim_due(T0 + LEASE + timedelta(seconds=1))
    assert again.in_doubt and again.sending_since == T0


def test_a_claim_is_never_bigger_than_can_be_sent_inside_its_lease(engine) -> None:
    _queue(engine, 20)
    outbox = OutboxDelivery(session_factory(engine))
    assert LEASE.total_seconds() >= CLAIM * 2 * SEND_TIMEOUT

    class Counting:
        def __init__(self) -> None:
            self.claims: list[int] = []
            self.real = outbox.claim_lane

        def __call__(self, now, *, limit=50, lease=LEASE, busy=()):
            got = self.real(now, limit=limit, lease=lease, busy=busy)
            self.claims.append(len(got))
            return got

    counting = Counting()
    outbox.claim_lane = counting  # type: ignore[method-assign]

    class Quick:
        async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
            return Sent(f"ts-{message.id}", message.target)

    tally = asyncio.run(deliver_due(outbox, {"slack": Quick()}, now=T0))
    assert tally["sent"] == 20
    assert max(counting.claims) <= CLAIM


class SharedClock:
    """Time moving fast: every send takes `per_send` of it, as a Slack answering slowly would."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.now

    def advance(self, delta: timedelta) -> None:
        with self.lock:
            self.now += delta


class SlowPlatform:
    def __init__(self, clock: SharedClock, per_send: timedelta) -> None:
        self.clock = clock
        self.per_send = per_send
        self.keys: list[str] = []
        self.lock = threading.Lock()

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        await asyncio.sleep(0.005)
        self.clock.advance(self.per_send)
        with self.lock:
            self.keys.append(message.key)
        return Sent(f"ts-{message.key}", message.target)

    async def find_sent(self, message: QueuedMessage, thread: Thread | None) -> Sent | None:
        # As Slack's sender does (by the outbox key in the message metadata): a message whose send
        # outlived its claim, while the other senders moved the shared clock on, is found, not sent again.
        with self.lock:
            return Sent(f"ts-{message.key}", message.target) if message.key in self.keys else None


def test_three_senders_at_once_on_a_slow_platform_send_each_message_exactly_once(engine) -> None:
    # each send takes 5 s of (shared) time: an unrenewed 60 s lease runs out after a dozen sends
    n = 30
    _queue(engine, n)
    clock = SharedClock(T0)
    platform = SlowPlatform(clock, timedelta(seconds=5))
    engines = [engine] + [another_engine(engine) for _ in range(2)] if engine.dialect.name == "postgresql" else [engine] * 3
    errors: list[BaseException] = []

    def run(e) -> None:
        try:
            outbox = OutboxDelivery(session_factory(e))
            for _ in range(20):
                asyncio.run(deliver_due(outbox, {"slack": platform}, now=clock(), clock=clock))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    duplicates = {k: c for k, c in Counter(platform.keys).items() if c > 1}
    assert duplicates == {}
    assert sorted(platform.keys) == sorted(f"m{i}" for i in range(n))
    assert {r.status for r in _rows(engine)} == {SENT}
