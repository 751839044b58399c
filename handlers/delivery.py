"""Delivers the outbox: claim due messages, hand each to its platform's sender, record the result.

A rate limit (429 with Retry-After), a 5xx or a timeout puts the message back with a backoff;
a message that the platform refuses for good is kept as failed and logged loudly. Nothing is
ever dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.outbox import Delivery
from storage.outbox import OutboxDelivery, QueuedMessage, Thread

log = logging.getLogger("parley.delivery")

MAX_BACKOFF = timedelta(minutes=15)


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
    """The platform refused the message for good (unknown channel, user not found...)."""


class Sender(Protocol):
    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent: ...


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
            thread = outbox.thread(message.dispute_id, message.platform, message.workspace)
            if thread is None:
                # the root has not landed yet; replies wait for it, without using up attempts
                outbox.retry_later(message.id, at=now + timedelta(seconds=2), error="waiting for the thread root", count_attempt=False)
                tally["waiting"] += 1
                continue
        try:
            sent = await sender.send(message, thread)
        except RetryLater as exc:
            wait = timedelta(seconds=exc.seconds) if exc.seconds else backoff(message.attempts)
            outbox.retry_later(message.id, at=now + wait, error=str(exc))
            log.warning("message %s (%s) not delivered yet: %s; retrying in %s", message.id, message.key, exc, wait)
            tally["retried"] += 1
            continue
        except Undeliverable as exc:
            outbox.mark_failed(message.id, error=str(exc))
            log.error("message %s (%s) cannot be delivered: %s", message.id, message.key, exc)
            tally["failed"] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - an unexpected error must not stop the other messages
            outbox.retry_later(message.id, at=now + backoff(message.attempts), error=repr(exc))
            log.exception("message %s (%s) failed unexpectedly; will retry", message.id, message.key)
            tally["retried"] += 1
            continue
        if message.delivery is Delivery.THREAD_ROOT and message.dispute_id:
            outbox.record_root(
                Thread(message.dispute_id, message.platform, message.workspace, sent.channel, sent.message_id, sent.extra or {}),
                message_id=message.id,
                now=now,
            )
        else:
            outbox.mark_sent(message.id, platform_id=sent.message_id, now=now)
        tally["sent"] += 1
    return tally
