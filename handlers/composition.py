"""Parley wired once: the one calendar, notifier and set of senders that everything shares.

`compose(...)` is used by `app.py serve`, `app.py worker`, the practice workspace and the tests'
harnesses alike. It builds, in this order and each once:

1. the unit of work's session factory on the engine, and one working-day calendar from the policy;
2. each platform's notifier, then `Notifiers` of them all (what a change anywhere tells everyone);
3. each platform's sender, with the hook that reports a person a message could not reach;
4. each platform's front end, given every platform's notifier and every sender, so a change made
   on Slack reaches Teams (and the other way) at once, not only at the next sweep.

Nothing is replaced after it is built. Which platforms there are is given as checked sites
(handlers/slack/setup.py, handlers/teams/setup.py); the environment is read only by app.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.outbox import Notifier, Notifiers
from bot.policy import Policy
from handlers import slack
from handlers.delivery import PACES, Pace, Sender
from handlers.frontends import Common
from handlers.holidays import calendar_for
from handlers.scheduler import SWEEP_BUDGET, Timekeeper
from handlers.unreachable import unreachable_reporter
from messages.text import shared_views
from storage.db import session_factory
from storage.unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:
    from handlers.teams import TeamsFrontEnd, TeamsSite


@dataclass(frozen=True)
class Wiring:
    """Everything a running Parley is made of, built once by `compose`."""

    engine: Engine
    sessions: sessionmaker[Session]
    policy: Policy
    calendar: WorkingCalendar
    clock: Callable[[], datetime]
    notifier: Notifier  # every platform's (bot.outbox.Notifiers)
    senders: Mapping[str, Sender]  # every platform's, by name
    slack: slack.SlackFrontEnd | None
    teams: TeamsFrontEnd | None
    paces: Mapping[str, Pace] | None

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def timekeeper(self) -> Timekeeper:
        """The sweep: deadlines, reminders, digests and delivery, with the same calendar, notifier and senders."""
        return Timekeeper(
            sessions=self.sessions,
            policy=self.policy,
            calendar=self.calendar,
            clock=self.clock,
            notifier=self.notifier,
            senders=self.senders,
            paces=self.paces,
            budget=SWEEP_BUDGET,
        )

    def mount(self, web_app: web.Application) -> None:
        """The chat front ends' routes (and start-up and clean-up steps) on the web app."""
        if self.slack is not None:
            self.slack.mount(web_app)
        if self.teams is not None:
            self.teams.mount(web_app)

    async def settle(self) -> None:
        """Wait for the listeners still running and the delivery they started (tests, the practice)."""
        if self.slack is not None:
            await self.slack.settle()
        if self.teams is not None:
            await self.teams.settle()


def compose(
    *,
    engine: Engine,
    policy: Policy,
    clock: Callable[[], datetime],
    slack_site: slack.SlackSite | None = None,
    teams_site: TeamsSite | None = None,
    calendar: WorkingCalendar | None = None,
    paces: Mapping[str, Pace] | None = PACES,
    deliver_at_once: bool = True,
) -> Wiring:
    """Build Parley on `engine`, with a front end for each site given.

    `calendar`: the working-day calendar, when the caller already made it from the policy (the
    practice needs it to start its clock); otherwise it is made here. `paces`: how fast each platform
    may be sent to (None: no pacing, for a clock that jumps). `deliver_at_once`: whether a change
    is delivered right after it is made, or only by the sweep (tests that deliver by hand).
    """
    sessions = session_factory(engine)
    calendar = calendar or calendar_for(policy)
    slack_notifier = slack.notifier_for(slack_site, policy) if slack_site is not None else None
    teams_notifier = None
    if teams_site is not None:
        from handlers import teams  # botbuilder is imported only when Teams is used

        teams_notifier = teams.notifier_for(teams_site, policy)
    notifier = Notifiers(*(n for n in (slack_notifier, teams_notifier) if n is not None), around=shared_views)
    report = unreachable_reporter(sessions, lambda: notifier)

    senders: dict[str, Sender] = {}
    slack_sender = teams_link = None
    if slack_site is not None:
        slack_sender = senders["slack"] = slack.sender_for(slack_site, sessions=sessions, on_undeliverable=report)
    if teams_site is not None:
        teams_link = teams.connection(teams_site, sessions=sessions, clock=clock, on_undeliverable=report)
        senders["teams"] = teams_link.sender

    common = Common(sessions, policy, calendar, clock, notifier, senders, deliver_at_once)
    slack_front = teams_front = None
    if slack_site is not None and slack_sender is not None and slack_notifier is not None:
        slack_front = slack.front_end(slack_site, common, sender=slack_sender, notifier=slack_notifier, paces=paces)
    if teams_site is not None and teams_link is not None and teams_notifier is not None:
        teams_front = teams.front_end(teams_site, common, link=teams_link, notifier=teams_notifier, paces=paces)
    return Wiring(
        engine=engine, sessions=sessions, policy=policy, calendar=calendar, clock=clock, notifier=notifier, senders=senders,
        slack=slack_front, teams=teams_front, paces=paces,
    )  # fmt: skip
