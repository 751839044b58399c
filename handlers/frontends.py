"""What every chat front end is built with, and what it raises when its settings are wrong.

handlers.composition makes one `Common` and gives the same one to Slack and to Teams.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.outbox import Notifier
from bot.policy import Policy
from handlers.delivery import Sender


class ConfigError(Exception):
    """A platform is set up wrongly; the message says, in plain words, what to change. Raised before the server starts."""


@dataclass(frozen=True)
class Common:
    """The parts every front end shares: one of each for the whole of Parley."""

    sessions: sessionmaker[Session]  # the unit of work's sessions
    policy: Policy
    calendar: WorkingCalendar  # the one working-day calendar, made from the policy
    clock: Callable[[], datetime]  # read once per request, at the edge
    notifier: Notifier  # every platform's notifier: a change made on one platform reaches the others' threads and people
    senders: Mapping[str, Sender]  # every platform's sender, for the delivery pass right after a change
    deliver_at_once: bool = True  # False: only the sweep delivers (tests that deliver by hand)
