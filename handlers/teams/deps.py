"""What the Teams handlers need, built once at the composition root (tests build it with a fixed clock)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.directory import Directory, Person
from bot.outbox import Notifier
from bot.policy import Policy
from handlers.interaction import Env
from handlers.teams.notify import TeamsNotifier
from storage.teams import SqlTeamsConversations
from storage.unit_of_work import SqlUnitOfWork

PLATFORM = "teams"


@dataclass(frozen=True)
class Caller:
    """Who sent an activity, as Teams names them."""

    tenant: str
    user_id: str  # the Teams user id (29:...)
    aad_object_id: str = ""  # their Microsoft Entra object id, when Teams gives it

    @property
    def shown_id(self) -> str:
        """The id to give an administrator who adds them to the directory."""
        return self.aad_object_id or self.user_id


def person_for(directory: Directory, caller: Caller) -> Person | None:
    """The directory's person for a Teams caller: by Entra object id first, then by Teams user id (both are accepted)."""
    for user in (caller.aad_object_id, caller.user_id):
        if user:
            person = directory.by_identity(PLATFORM, caller.tenant, user)
            if person is not None:
                return person
    return None


@dataclass
class TeamsDeps:
    sessions: sessionmaker[Session]
    policy: Policy
    calendar: WorkingCalendar
    clock: Callable[[], datetime]  # read once per activity, at the edge
    notifier: Notifier  # every platform's notifier (bot.outbox.Notifiers), so a change here reaches Slack too
    teams_notifier: TeamsNotifier
    conversations: SqlTeamsConversations
    kick: Callable[[], None] | None = None  # deliver the outbox now rather than at the next sweep

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def directory(self) -> Directory:
        with self.uow() as uow:
            return uow.directory.load()

    def env(self) -> Env:
        """What the shared interaction layer needs (handlers/interaction.py)."""
        return Env(uow=self.uow, policy=self.policy, calendar=self.calendar, notifier=self.notifier, directory=self.directory)

    def delivered_soon(self) -> None:
        if self.kick is not None:
            self.kick()
