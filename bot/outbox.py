"""Outgoing chat messages, as the core sees them.

Every message Parley sends is first written to an outbox in the same transaction as the change
that causes it (the timekeeper's changes are saved with a notice that is turned into messages in
the transaction just after: bot/notices.py), then delivered after commit by a sender that retries
until the platform accepts it. So a crash, an outage or a rate limit can delay a message but never
lose it. The same `key` is queued once; how often it is delivered depends on the platform
(handlers/delivery.py): once on Slack, at least once on Teams.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from bot.directory import Directory
from bot.dispute import Dispute
from bot.events import Event, PersonUnreachable


class NotYet(Exception):
    """The messages cannot be built yet (a platform Parley has not reached since it first started):
    nothing is wrong with them, so whatever needs them waits and tries again, with nothing lost."""


class Delivery(enum.Enum):
    THREAD_ROOT = "thread root"  # the dispute's root message in a channel; its id is kept for replies and updates
    THREAD_REPLY = "thread reply"  # a reply under the dispute's root message in that space
    ROOT_UPDATE = "root update"  # replace the root message's content in place
    DIRECT = "direct"  # a direct message to one person


@dataclass(frozen=True)
class OutgoingMessage:
    key: str  # unique: the same key is queued once (and, on Slack, posted once)
    platform: str  # "slack" | "teams"
    workspace: str  # Slack team id or Microsoft tenant id
    delivery: Delivery
    target: str  # channel or conversation id; the user id for DIRECT
    payload: dict[str, Any]  # the platform's own message body, built in messages/
    dispute_id: str | None = None
    fallback_text: str = ""  # plain text for notifications and logs; never a child's name


class Notifier(Protocol):
    """Turns what happened to a dispute into the messages each person and thread should get.

    Built at the composition root with the policy and deployment settings it needs.
    """

    def messages_for(self, dispute: Dispute, events: Sequence[Event], directory: Directory) -> list[OutgoingMessage]: ...

    def reminders_for(self, dispute: Dispute, nudge: str, directory: Directory) -> list[OutgoingMessage]:
        """A reminder (DMs to the people asked to act, a line in each thread) for one due nudge.

        `nudge` is the nudge's kind: "half way", "morning of due day", "at deadline", or
        "overdue N" for the Nth daily reminder after a missed timescale.
        """
        ...

    def digest_for(
        self, person_id: str, disputes: Sequence[Dispute], directory: Directory, day: str, *, total: int | None = None
    ) -> list[OutgoingMessage]:
        """One morning message listing the disputes waiting on this person, most urgent first.

        `total`: how many wait on them in all, when `disputes` are only the soonest due (the
        message says how many more); None means these are all."""
        ...

    def unreachable_for(
        self, dispute: Dispute, event: PersonUnreachable, directory: Directory, tag: str
    ) -> list[OutgoingMessage]:
        """Parley couldn't reach someone: a line in each thread, and a direct message to the raiser on their own
        platform (never when the raiser is the one who couldn't be reached). `tag` names the failed message,
        so each failure is told once.
        """
        ...


class NoNotifier:
    """Sends nothing: used where no chat platform is configured, and in core tests."""

    def messages_for(self, dispute: Dispute, events: Sequence[Event], directory: Directory) -> list[OutgoingMessage]:
        return []

    def reminders_for(self, dispute: Dispute, nudge: str, directory: Directory) -> list[OutgoingMessage]:
        return []

    def digest_for(
        self, person_id: str, disputes: Sequence[Dispute], directory: Directory, day: str, *, total: int | None = None
    ) -> list[OutgoingMessage]:
        return []

    def unreachable_for(
        self, dispute: Dispute, event: PersonUnreachable, directory: Directory, tag: str
    ) -> list[OutgoingMessage]:
        return []


class Notifiers:
    """Several platforms' notifiers as one: each adds the messages for its own people and threads.

    `around` is opened around each call to all the parts (production's, messages.text.shared_views: the
    parts then build each dispute's view once between them)."""

    def __init__(self, *parts: Notifier, around: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        self.parts = parts
        self.around = around

    def messages_for(self, dispute: Dispute, events: Sequence[Event], directory: Directory) -> list[OutgoingMessage]:
        with self.around():
            return [m for p in self.parts for m in p.messages_for(dispute, events, directory)]

    def reminders_for(self, dispute: Dispute, nudge: str, directory: Directory) -> list[OutgoingMessage]:
        with self.around():
            return [m for p in self.parts for m in p.reminders_for(dispute, nudge, directory)]

    def digest_for(
        self, person_id: str, disputes: Sequence[Dispute], directory: Directory, day: str, *, total: int | None = None
    ) -> list[OutgoingMessage]:
        with self.around():
            return [m for p in self.parts for m in p.digest_for(person_id, disputes, directory, day, total=total)]

    def unreachable_for(
        self, dispute: Dispute, event: PersonUnreachable, directory: Directory, tag: str
    ) -> list[OutgoingMessage]:
        with self.around():
            return [m for p in self.parts for m in p.unreachable_for(dispute, event, directory, tag)]

    def learning_for(self, dispute: Dispute, event: Event, directory: Directory) -> list[OutgoingMessage]:
        """A learning answer's summary, from each platform's notifier that sends one."""
        return [m for p in self.parts if hasattr(p, "learning_for") for m in p.learning_for(dispute, event, directory)]
