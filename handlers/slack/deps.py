"""What the Slack listeners need, built once at the composition root (tests build it with a fixed clock)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.directory import Directory, Person
from bot.outbox import Notifier
from bot.policy import Policy
from handlers.interaction import Env
from handlers.slack.courier import AnswersFirst, Courier, Inflight
from messages.slack import DEFAULT_COMMAND
from storage.unit_of_work import SqlUnitOfWork

PLATFORM = "slack"
DIRECTORY_TTL = 15.0  # seconds; someone just added to the directory is recognised within this


class DirectoryCache:
    """The directory, read from the database at most every `ttl` seconds.

    Every /disagree and every click needs to know who is who; reading the whole directory each
    time would cost more than the rest of the request. The use cases still read it afresh inside
    their own transaction, so a decision is never taken on an old copy.
    """

    def __init__(self, load: Callable[[], Directory], ttl: float = DIRECTORY_TTL) -> None:
        self._load = load
        self._ttl = ttl
        self._lock = threading.Lock()
        self._value: Directory | None = None
        self._loaded_at = 0.0

    def cached(self) -> Directory | None:
        """The copy in hand if it is fresh enough, without touching the database."""
        if self._value is not None and time.monotonic() - self._loaded_at < self._ttl:
            return self._value
        return None

    def get(self) -> Directory:
        """A fresh-enough copy, reading the database if needed (call it from a worker thread)."""
        with self._lock:
            if (value := self.cached()) is not None:
                return value
            value = self._load()
            value.reindex()
            self._value, self._loaded_at = value, time.monotonic()
            return value


@dataclass
class SlackDeps:
    sessions: sessionmaker[Session]
    policy: Policy
    calendar: WorkingCalendar
    clock: Callable[[], datetime]  # read once per request, at the edge
    notifier: Notifier
    channel: str  # PARLEY_SLACK_CHANNEL
    team: str  # the workspace's team id
    # The slash command's name in this workspace: /disagree unless the admin named it otherwise
    # (build(command=...)); updated from each command request, which says the name people type.
    command: str = DEFAULT_COMMAND
    courier: Courier | None = None
    inflight: Inflight = field(default_factory=Inflight)
    answers_first: AnswersFirst = field(default_factory=AnswersFirst)
    directories: DirectoryCache = field(init=False)

    def __post_init__(self) -> None:
        self.directories = DirectoryCache(self._load_directory)

    def _load_directory(self) -> Directory:
        with self.uow() as uow:
            return uow.directory.load()

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def env(self) -> Env:
        """What the shared interaction layer needs (handlers/interaction.py)."""
        return Env(uow=self.uow, policy=self.policy, calendar=self.calendar, notifier=self.notifier, directory=self.directories.get)

    async def directory(self) -> Directory:
        """Who is who, from the cache when it is fresh (no thread, no database), else read in a worker thread."""
        return self.directories.cached() or await asyncio.to_thread(self.directories.get)

    def delivered_soon(self) -> None:
        """Something was queued: deliver it now rather than at the next sweep."""
        if self.courier is not None:
            self.courier.kick()


def team_of(body: dict[str, Any]) -> str:
    """The Slack team id of a command, interaction or event body."""
    team = body.get("team")
    return (
        body.get("team_id")
        or (team.get("id") if isinstance(team, dict) else None)
        or (body.get("user") or {}).get("team_id")
        or ""
    )


def user_of(body: dict[str, Any]) -> str:
    """The Slack user id of whoever sent it."""
    return body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user") or ""


def person_for(directory: Directory, team: str, user: str) -> Person | None:
    return directory.by_identity(PLATFORM, team, user)
