"""Delivers the outbox: claim due messages, hand each to its platform's sender, record the result.

Each claim carries a fencing token. Before each send the claim's lease is renewed and its
ownership checked; a message is marked sent only while the token still holds, and a claim is
never bigger than can be sent within one lease. A send whose outcome is unknown (a timeout, a
dropped connection, a 5xx, or a process that died mid-send) is "in doubt": before sending it
again, a sender that can look (Slack: `find_sent`, the outbox key in the message metadata) looks
for it in the conversation and marks it sent if it is there. Teams has no such look-up, so there
a message in doubt is sent again: at least once, and twice only when an answer was lost.

A 429 pauses the whole workspace (Slack) or tenant (Teams) until its Retry-After, for every
process (storage.gates); failures in a row without a definite answer (an outage) pause it for
1, 2, 4 ... 30 seconds, so one message probes while the rest wait without using up attempts.
With PACES, sends are paced, for every process alike, inside the platforms' published limits:
posts per channel or conversation (Slack: one a second; Teams: one every half second, inside its
7 a second and 60 in 30 seconds), Slack's updates in place per workspace (chat.update, Tier 3),
and Teams' requests per tenant. Retry times are counted from the platform's answer.

A pass can send to several conversations at once (`lanes`; the timekeeper's passes use LANES,
four: see handlers/pacing.py), each conversation's messages in order, one at a time; an
update in place that a newer update of the same root supersedes is settled without a call.

A rate limit (429 with Retry-After), a 5xx or a timeout puts the message back with a backoff;
a message that the platform refuses for good, or that keeps failing for hours (MAX_ATTEMPTS), is
kept as failed, logged loudly and listed by `app.py outbox failed`. A reply whose thread root was
refused is kept as failed beside it. Nothing is ever dropped.

A direct message about a dispute that is refused for good means someone wasn't reached. When the
platform's sender carries an `on_undeliverable` hook (handlers/unreachable.py), the hook keeps
the message as failed, records it and tells the raiser, in one transaction; if it fails, the
message is retried later rather than failed unreported.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot.outbox import Delivery
from handlers.pacing import (
    ANSWERED,
    LANES as LANES,  # re-exported: the timekeeper, the benches
    PACES as PACES,  # re-exported: the front ends, app.py, the benches
    Pace,
    paces_of,
)
from storage.gates import DeliveryGates
from storage.lanes import Gate, Lane, lane_of
from storage.outbox import OutboxDelivery, QueuedMessage, Thread, thread_space

log = logging.getLogger("parley.delivery")
T = TypeVar("T")

# Every database step of a delivery pass (claiming, pacing, settling) runs on this one thread, never on
# the event loop: a step that waits (SQLite's one writer, a busy PostgreSQL) then holds up no web request
# and no other lane's send. One thread keeps the steps in order, and the set of lanes being sent to is
# only ever touched by it.
_STEPS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parley-delivery")


class Tally(dict[str, int]):
    """What a pass did, counted from the loop and from the steps' thread alike."""

    KINDS = ("sent", "retried", "failed", "waiting", "found", "lost claim", "paused", "superseded")

    def __init__(self) -> None:
        super().__init__(dict.fromkeys(self.KINDS, 0))
        self._lock = threading.Lock()

    def add(self, kind: str) -> None:
        with self._lock:
            self[kind] += 1


async def _step(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one step on the steps' thread, in this pass's context (as asyncio.to_thread would)."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_STEPS, call)

MAX_BACKOFF = timedelta(minutes=15)
# Backoff 5 s, 10 s ... then every 15 minutes: 30 attempts is about six hours of trying before a
# message is kept as failed, listed for admins, and (a direct message) reported as someone not reached.
MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class Sent:
    message_id: str  # Slack ts or Teams activity id
    channel: str  # where it landed (for a root: the channel or conversation of the thread)
    extra: dict | None = None


class RetryLater(Exception):
    """The platform is busy or down: try again later (after `seconds` if it said so).

    `in_doubt`: the platform may have taken the message anyway (no answer, or a 5xx after sending)."""

    def __init__(self, reason: str, seconds: float | None = None, *, in_doubt: bool = False, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.in_doubt = in_doubt
        self.rate_limited = rate_limited or seconds is not None


class Undeliverable(Exception):
    """The platform refused the message for good (unknown channel, user not found...).

    `why` says it in plain words, for the record and the people told about it."""

    def __init__(self, reason: str, why: str = "the platform refused the message") -> None:
        super().__init__(reason)
        self.why = why


# (the failed message, why, now): keeps it failed and reports it, in one transaction
OnUndeliverable = Callable[[QueuedMessage, Undeliverable, datetime], None]


class Sender(Protocol):
    """Delivers one platform's messages. It may also carry `on_undeliverable: OnUndeliverable | None`,
    and `find_sent(message, thread)`, which looks for a message in doubt where it would have landed."""

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent: ...


# A claim's lease: how long a process killed mid-claim holds its messages back (with a 60 s lease, one
# message in the chaos test's short run sat claimed and unsent for at least 45 s of its drain). It covers
# one message even if its look-up and its send each take their whole timeout, and is renewed at each send.
LEASE = timedelta(seconds=30)
SEND_TIMEOUT = 12.0  # seconds; the clients give up at 10
# never claim more than can be sent within one lease, even if every send takes its whole timeout
# (and a look-up for a message in doubt before it): one message with a 30 s lease
CLAIM = max(1, int(LEASE.total_seconds() // (2 * SEND_TIMEOUT)))


def _kept_failing(message: QueuedMessage, exc: Exception) -> Undeliverable:
    return Undeliverable(
        f"gave up after {message.attempts} attempts: {exc!r}",
        why="the platform did not accept the message for several hours",
    )


def _give_up(
    outbox: OutboxDelivery, sender: Sender, message: QueuedMessage, exc: Undeliverable, now: datetime, tally: Tally
) -> None:
    """Keep the message as failed, and report a direct message about a dispute as someone not reached."""
    report: OnUndeliverable | None = getattr(sender, "on_undeliverable", None)
    if report is not None and message.delivery is Delivery.DIRECT and message.dispute_id:
        if not outbox.holds(message):
            tally.add("lost claim")
            return
        try:
            report(message, exc, now)
        except Exception:
            outbox.retry_later(message, at=now + backoff(message.attempts), error=f"{exc} (reporting it failed; will retry)")
            log.exception("message %s (%s) cannot be delivered, and reporting it failed; will retry", message.id, message.key)
            tally.add("retried")
            return
    elif not outbox.mark_failed(message, error=str(exc)):
        tally.add("lost claim")
        return
    log.error("message %s (%s) cannot be delivered: %s", message.id, message.key, exc)
    tally.add("failed")


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... up to 15 minutes."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


async def deliver_due(
    outbox: OutboxDelivery,
    senders: Mapping[str, Sender],
    *,
    now: datetime,
    limit: int = 50,
    clock: Callable[[], datetime] | None = None,
    gates: DeliveryGates | None = None,
    budget: timedelta = timedelta(seconds=45),
    paces: Mapping[str, Pace] | None = None,
    lanes: int = 1,
    quiet: Callable[[], Awaitable[None]] | None = None,
) -> dict[str, int]:
    """Deliver what is due, until nothing due is left, `limit` messages were tried, or `budget` has
    passed. Returns how many were sent, retried, failed...

    Up to `lanes` lanes (storage.lanes: one conversation's posts, or its updates in place) are sent
    to at once (the timekeeper's passes: LANES); each lane's messages go one at a time, oldest first, in claims of at most CLAIM.
    `clock` is read after each answer (retry times count from it); without one, `now` is used throughout.
    `paces` (PACES in production, with a real clock) spaces sends per channel and workspace; a 429
    pauses the workspace for every process either way. `quiet`, awaited before each message's work,
    lets requests waiting for their answers in the same process go first (the courier's passes).
    """
    read = clock or (lambda: now)
    gates = gates or DeliveryGates(outbox.sessions)
    tally = Tally()
    started = read()
    busy: set[Lane] = set()
    tried = 0

    def claim() -> tuple[Lane, list[QueuedMessage]] | None:
        nonlocal tried
        claimed = outbox.claim_lane(read(), limit=min(CLAIM, limit - tried), lease=LEASE, busy=busy)
        if not claimed:
            return None
        lane = lane_of(claimed[0])
        busy.add(lane)  # in the same step as the claim, so the next claim leaves this lane out
        tried += len(claimed)
        return lane, claimed

    async def worker() -> None:
        while tried < limit and read() - started < budget:
            taken = await _step(claim)
            if taken is None:
                return  # nothing due outside the lanes being sent to now
            lane, claimed = taken
            try:
                for i, message in enumerate(claimed):
                    if quiet is not None:
                        await quiet()
                    await _deliver_one(outbox, gates, senders, message, claimed[i:], read, tally, paces or {}, quiet)
            finally:
                await _step(busy.discard, lane)  # on the steps' thread, where the next claim reads the set

    await asyncio.gather(*(worker() for _ in range(max(1, lanes))))
    return dict(tally)


async def _deliver_one(
    outbox: OutboxDelivery,
    gates: DeliveryGates,
    senders: Mapping[str, Sender],
    message: QueuedMessage,
    rest: list[QueuedMessage],
    read: Callable[[], datetime],
    tally: Tally,
    paces: Mapping[str, Pace],
    quiet: Callable[[], Awaitable[None]] | None = None,
) -> None:
    now = read()
    sender = senders.get(message.platform)
    if sender is None:
        # the platform is not configured (yet): keep it queued, check again later
        await _step(outbox.retry_later, message, at=now + MAX_BACKOFF, error=f"{message.platform} is not configured", count_attempt=False)
        tally.add("waiting")
        return
    ready, thread = await _step(_ready, outbox, sender, message, now, tally)
    if not ready:
        return
    pace = paces.get(message.platform)
    paced = paces_of(message, thread, pace)
    slot = await _step(
        gates.reserve,
        message.platform,
        pause=f"workspace:{message.workspace}",
        paces=paced,
        now=now,
        max_wait=pace.max_wait if pace else timedelta(0),
    )
    if not slot.taken:
        # the workspace is paused (a 429) or the channel is busy: back then, without using up an attempt
        await _step(outbox.retry_later, message, at=slot.at, error="waiting for the platform's rate limit", count_attempt=False, in_doubt=message.in_doubt)
        tally.add("paused")
        return
    await _until(slot.at, read, quiet)
    began = False  # until the send begins, an earlier attempt's doubt stands
    try:
        sent = None
        find = getattr(sender, "find_sent", None)
        if message.in_doubt and find is not None:
            sent = await asyncio.wait_for(find(message, thread), SEND_TIMEOUT)
            if sent is not None:
                tally.add("found")
                log.info("message %s (%s) had reached %s already; marked sent", message.id, message.key, message.platform)
        if sent is None:
            if not await _step(outbox.begin_send, message, still_claimed=rest, now=read(), lease=LEASE, paced=paced):
                tally.add("lost claim")  # our lease ran out and another sender took it: theirs now
                return
            began = True
            sent = await asyncio.wait_for(sender.send(message, thread), SEND_TIMEOUT)
    except Undeliverable as exc:
        await _step(_give_up, outbox, sender, message, exc, read(), tally)
        return
    except Exception as exc:  # noqa: BLE001 - a platform's trouble, or an unexpected error: retried; never stops the others
        await _step(_not_yet, outbox, gates, sender, message, exc, began=began, answered=read(), tally=tally)
        return
    gates_after = [Gate(g.scope, g.interval - ANSWERED) for g in paced if not g.burst]
    await _step(_settle, outbox, gates, message, sent, slot.failures, read(), tally, gates_after)


async def _until(at: datetime, read: Callable[[], datetime], quiet: Callable[[], Awaitable[None]] | None) -> None:
    """Sleep until the platform's pace lets the message go, then let the process's waiting requests go first."""
    delay = (at - read()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)
    if quiet is not None:
        await quiet()


def _ready(
    outbox: OutboxDelivery, sender: Sender, message: QueuedMessage, now: datetime, tally: Tally
) -> tuple[bool, Thread | None]:
    """Can it go now, and into which thread? A reply waits for its root; an update a newer one supersedes is done."""
    if message.delivery not in (Delivery.THREAD_REPLY, Delivery.ROOT_UPDATE) or not message.dispute_id:
        return True, None
    thread = outbox.thread(message.dispute_id, message.platform, thread_space(message))
    if thread is None and outbox.root_pending(message.dispute_id, message.platform, message.workspace):
        # the root has not landed yet; replies wait for it, without using up attempts
        outbox.retry_later(message, at=now + timedelta(seconds=2), error="waiting for the thread root", count_attempt=False, in_doubt=message.in_doubt)
        tally.add("waiting")
        return False, None
    if thread is None:
        # the root may have landed between the two reads (its thread and its sent mark are one transaction)
        thread = outbox.thread(message.dispute_id, message.platform, thread_space(message))
    if thread is None:
        # the root was refused for good: keep the reply as failed beside it, to send again with it
        _give_up(outbox, sender, message, Undeliverable("the thread's first message could not be posted"), now, tally)
        return False, None
    newer = outbox.superseded(message)
    if newer is not None:  # a newer update of the same root is queued or sent: this one adds nothing
        tally.add("superseded" if outbox.mark_superseded(message, by=newer, now=now) else "lost claim")
        return False, None
    return True, thread


def _not_yet(
    outbox: OutboxDelivery,
    gates: DeliveryGates,
    sender: Sender,
    message: QueuedMessage,
    exc: Exception,
    *,
    began: bool,
    answered: datetime,
    tally: Tally,
) -> None:
    """The platform did not take it (busy, down, no answer, or an unexpected error): pause if it said so, retry later."""
    unexpected = not isinstance(exc, (RetryLater, TimeoutError))
    if isinstance(exc, TimeoutError):
        exc = RetryLater(f"no answer from {message.platform} within {SEND_TIMEOUT:g} s", in_doubt=True)
    scope = f"workspace:{message.workspace}"
    if isinstance(exc, RetryLater) and exc.rate_limited:
        gates.pause(message.platform, scope, until=answered + timedelta(seconds=exc.seconds or 30), reason=str(exc))
    elif began:
        gates.trouble(message.platform, scope, now=answered, reason=repr(exc) if unexpected else str(exc))
    if message.attempts >= MAX_ATTEMPTS:
        _give_up(outbox, sender, message, _kept_failing(message, exc), answered, tally)
        return
    if isinstance(exc, RetryLater):
        wait = timedelta(seconds=exc.seconds) if exc.seconds else backoff(message.attempts)
        outbox.retry_later(message, at=answered + wait, error=str(exc), in_doubt=exc.in_doubt or (message.in_doubt and not began))
        log.warning("message %s (%s) not delivered yet: %s; retrying in %s", message.id, message.key, exc, wait)
    else:
        outbox.retry_later(message, at=answered + backoff(message.attempts), error=repr(exc), in_doubt=began or message.in_doubt)
        log.error("message %s (%s) failed unexpectedly; will retry", message.id, message.key, exc_info=exc)
    tally.add("retried")


def _settle(
    outbox: OutboxDelivery,
    gates: DeliveryGates,
    message: QueuedMessage,
    sent: Sent,
    failures: int,
    answered: datetime,
    tally: Tally,
    paced: list[Gate],
) -> None:
    """It went through: the failures in a row are over; keep where a root landed; mark it sent if the claim still holds."""
    if failures:
        gates.fine(message.platform, f"workspace:{message.workspace}")
    if message.delivery is Delivery.THREAD_ROOT and message.dispute_id:
        done = outbox.record_root(
            Thread(message.dispute_id, message.platform, thread_space(message), sent.channel, sent.message_id, sent.extra or {}),
            message=message,
            now=answered,
            paced=paced,
        )
    else:
        done = outbox.mark_sent(message, platform_id=sent.message_id, now=answered, paced=paced)
    if done:
        tally.add("sent")
    else:
        # sent, but our claim had been taken over: the new holder finds it in doubt and looks first
        tally.add("lost claim")
        log.warning("message %s (%s) was sent after its claim was taken over", message.id, message.key)
