"""Delivers the outbox: claim due messages, hand each to its platform's sender, record the result.

A rate limit (429 with Retry-After), a 5xx or a timeout puts the message back with a backoff;
a message that the platform refuses for good, or that keeps failing for hours (MAX_ATTEMPTS), is
kept as failed, logged loudly and listed by `app.py outbox failed`. A reply whose thread root was
refused is kept as failed beside it. Nothing is ever dropped.

A direct message about a dispute that is refused for good means someone wasn't reached. When the
platform's sender carries an `on_undeliverable` hook (see `unreachable_reporter`), the hook keeps
the message as failed, records it and tells the raiser, in one transaction; if it fails, the
message is retried later rather than failed unreported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot import services
from bot.outbox import Delivery, Notifier
from storage.outbox import OutboxDelivery, QueuedMessage, Thread, thread_space
from storage.repository import SqlUnitOfWork

log = logging.getLogger("parley.delivery")

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
    """The platform is busy or down: try again later (after `seconds` if it said so)."""

    def __init__(self, reason: str, seconds: float | None = None) -> None:
        super().__init__(reason)
        self.seconds = seconds


class Undeliverable(Exception):
    """The platform refused the message for good (unknown channel, user not found...).

    `why` says it in plain words, for the record and the people told about it."""

    def __init__(self, reason: str, why: str = "the platform refused the message") -> None:
        super().__init__(reason)
        self.why = why


# (the failed message, why, now): keeps it failed and reports it, in one transaction
OnUndeliverable = Callable[[QueuedMessage, Undeliverable, datetime], None]


class Sender(Protocol):
    """Delivers one platform's messages. It may also carry `on_undeliverable: OnUndeliverable | None`."""

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent: ...


def unreachable_reporter(sessions: sessionmaker[Session], notifier: Callable[[], Notifier]) -> OnUndeliverable:
    """The hook that reports a person a direct message couldn't reach (bot.services.report_unreachable).

    `notifier` is read at each failure: the front ends get every platform's notifier after they are built.
    """

    def report(message: QueuedMessage, failure: Undeliverable, now: datetime) -> None:
        assert message.dispute_id is not None
        services.report_unreachable(
            services.ReportUnreachable(
                message_id=message.id,
                dispute_id=message.dispute_id,
                platform=message.platform,
                workspace=message.workspace,
                user_id=message.target,
                reason=failure.why,
                error=str(failure),
                tag=f"m{message.id}",
            ),
            uow=SqlUnitOfWork(sessions),
            now=now,
            notifier=notifier(),
        )

    return report


def _kept_failing(message: QueuedMessage, exc: Exception) -> Undeliverable:
    return Undeliverable(
        f"gave up after {message.attempts} attempts: {exc!r}",
        why="the platform did not accept the message for several hours",
    )


def _give_up(
    outbox: OutboxDelivery, sender: Sender, message: QueuedMessage, exc: Undeliverable, now: datetime, tally: dict[str, int]
) -> None:
    """Keep the message as failed, and report a direct message about a dispute as someone not reached."""
    report: OnUndeliverable | None = getattr(sender, "on_undeliverable", None)
    if report is not None and message.delivery is Delivery.DIRECT and message.dispute_id:
        try:
            report(message, exc, now)
        except Exception:  # noqa: BLE001 - unreported is not an option: send it again later, and report then
            outbox.retry_later(message.id, at=now + backoff(message.attempts), error=f"{exc} (reporting it failed; will retry)")
            log.exception("message %s (%s) cannot be delivered, and reporting it failed; will retry", message.id, message.key)
            tally["retried"] += 1
            return
    else:
        outbox.mark_failed(message.id, error=str(exc))
    log.error("message %s (%s) cannot be delivered: %s", message.id, message.key, exc)
    tally["failed"] += 1


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... up to 15 minutes."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


async def deliver_due(
    outbox: OutboxDelivery, senders: Mapping[str, Sender], *, now: datetime, limit: int = 50
) -> dict[str, int]:
    """One pass over the due messages; returns how many were sent, retried and failed."""
    tally = {"sent": 0, "retried": 0, "failed": 0, "waiting": 0}
    for message in outbox.claim_due(now, limit=limit):
        sender = senders.get(message.platform)
        if sender is None:
            # the platform is not configured (yet): keep it queued, check again later
            outbox.retry_later(message.id, at=now + MAX_BACKOFF, error=f"{message.platform} is not configured", count_attempt=False)
            tally["waiting"] += 1
            continue
        thread = None
        if message.delivery in (Delivery.THREAD_REPLY, Delivery.ROOT_UPDATE) and message.dispute_id:
            thread = outbox.thread(message.dispute_id, message.platform, thread_space(message))
            if thread is None and outbox.root_pending(message.dispute_id, message.platform, message.workspace):
                # the root has not landed yet; replies wait for it, without using up attempts
                outbox.retry_later(message.id, at=now + timedelta(seconds=2), error="waiting for the thread root", count_attempt=False)
                tally["waiting"] += 1
                continue
            if thread is None:
                # the root was refused for good: keep the reply as failed beside it, to send again with it
                _give_up(outbox, sender, message, Undeliverable("the thread's first message could not be posted"), now, tally)
                continue
        try:
            sent = await sender.send(message, thread)
        except RetryLater as exc:
            if message.attempts >= MAX_ATTEMPTS:
                _give_up(outbox, sender, message, _kept_failing(message, exc), now, tally)
                continue
            wait = timedelta(seconds=exc.seconds) if exc.seconds else backoff(message.attempts)
            outbox.retry_later(message.id, at=now + wait, error=str(exc))
            log.warning("message %s (%s) not delivered yet: %s; retrying in %s", message.id, message.key, exc, wait)
            tally["retried"] += 1
            continue
        except Undeliverable as exc:
            _give_up(outbox, sender, message, exc, now, tally)
            continue
        except Exception as exc:  # noqa: BLE001 - an unexpected error must not stop the other messages
            if message.attempts >= MAX_ATTEMPTS:
                _give_up(outbox, sender, message, _kept_failing(message, exc), now, tally)
                continue
            outbox.retry_later(message.id, at=now + backoff(message.attempts), error=repr(exc))
            log.exception("message %s (%s) failed unexpectedly; will retry", message.id, message.key)
            tally["retried"] += 1
            continue
        if message.delivery is Delivery.THREAD_ROOT and message.dispute_id:
            outbox.record_root(
                Thread(message.dispute_id, message.platform, thread_space(message), sent.channel, sent.message_id, sent.extra or {}),
                message_id=message.id,
                now=now,
            )
        else:
            outbox.mark_sent(message.id, platform_id=sent.message_id, now=now)
        tally["sent"] += 1
    return tally
