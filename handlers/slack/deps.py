"""What the Slack listeners need, built once at the composition root (tests build it with a fixed clock)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.directory import Directory, Person
from bot.outbox import Notifier
from bot.policy import Policy
from handlers.slack.courier import Courier, Inflight
from storage.repository import SqlUnitOfWork

PLATFORM = "slack"


@dataclass
class SlackDeps:
    sessions: sessionmaker[Session]
    policy: Policy
    calendar: WorkingCalendar
    clock: Callable[[], datetime]  # read once per request, at the edge
    notifier: Notifier
    channel: str  # PARLEY_SLACK_CHANNEL
    team: str  # the workspace's team id
    courier: Courier | None = None
    inflight: Inflight = field(default_factory=Inflight)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

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
