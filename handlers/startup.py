"""A running Parley: the web app with /healthz and the chat front ends, the timekeeper, and the
background checks of a platform that could not be reached at start-up.

app.py boots it (settings, database, policy, `handlers.composition.compose`) and then serves it
(`build_web_app`, `practice`) or runs only the timekeeper (`work`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from bot.outbox import Notifier
from bot.policy import Policy
from handlers import slack
from handlers.composition import Wiring
from handlers.delivery import Sender
from handlers.platforms import PlatformHealth, check_again
from handlers.scheduler import Timekeeper
from policies import PRESETS
from storage.gates import PlatformChecks
from storage.notices import notice_counts
from storage.outbox import OutboxDelivery
from storage.unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:
    from handlers.teams import TeamsFrontEnd

SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)
RECHECKS = web.AppKey("rechecks", list)


@dataclass
class Parley:
    wiring: Wiring
    sweep_seconds: float = 30.0  # how often the timekeeper looks for due work
    health: PlatformHealth = field(default_factory=PlatformHealth)
    rechecks: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)  # started with the event loop

    # the wiring's parts, by the names the commands and tests use
    @property
    def engine(self) -> Engine:
        return self.wiring.engine

    @property
    def policy(self) -> Policy:
        return self.wiring.policy

    @property
    def notifier(self) -> Notifier:
        return self.wiring.notifier

    @property
    def senders(self) -> Mapping[str, Sender]:
        return self.wiring.senders

    @property
    def slack(self) -> slack.SlackFrontEnd | None:
        return self.wiring.slack

    @property
    def teams(self) -> TeamsFrontEnd | None:
        return self.wiring.teams

    def uow(self) -> SqlUnitOfWork:
        return self.wiring.uow()

    def timekeeper(self) -> Timekeeper:
        return self.wiring.timekeeper()

    def start_rechecks(self) -> list[asyncio.Task[None]]:
        return [asyncio.get_running_loop().create_task(check()) for check in self.rechecks]


def settle_memory() -> None:
    """Once start-up has loaded everything, keep its objects out of the garbage collector's full passes.

    A process holds a few hundred thousand long-lived objects after start-up (the libraries, the
    policy, the directory); a full collection walks them all, and a Monday's sweep, which keeps
    thousands of new objects alive for a moment, set off full collections costing about 120 ms
    each (bench/sweep.py counted). Frozen, they are never walked again; everything made later is
    collected as before. (The gc module's documentation suggests this for long-running servers.)"""
    gc.collect()
    gc.freeze()


class RequestLog(AbstractAccessLogger):
    """A line for each request that failed (4xx, 5xx) or took over a second: method, path, status, time
    taken (no address or query string). Requests answered well and in time go unlogged: every change
    they make is in the dispute's record, and under a burst a line per request (aiohttp's default parses
    a twelve-field format for each) was a few per cent of each form submission's CPU."""

    SLOW = 1.0  # seconds

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if response.status >= 400 or time >= self.SLOW:
            self.logger.info("%s %s %s %.1f ms", request.method, request.path, response.status, time * 1000)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def watch_slack(parley: Parley, *, every: float, now: Callable[[], datetime]) -> None:
    """Remember the workspace Slack confirmed; when Slack could not be reached, ask again in the background."""
    front = parley.slack
    if front is None:
        return
    checks = PlatformChecks(parley.wiring.sessions)

    def remember(workspace: slack.Workspace) -> None:
        detail = {"team": workspace.team, "bot_user": workspace.bot_user, "bot_id": workspace.bot_id}
        checks.remember("slack", workspace.team_id, detail, now())

    if front.unreachable:
        parley.health.unreachable("slack", now(), front.unreachable)
        parley.rechecks.append(lambda: check_again("slack", front.recheck, health=parley.health, on_ok=remember, every=every))
    elif front.workspace is not None:
        remember(front.workspace)


def last_slack_workspace(parley_checks: PlatformChecks) -> slack.Workspace | None:
    """The workspace the last successful start-up check found (used when Slack can't answer now)."""
    last = parley_checks.last("slack")
    if last is None:
        return None
    return slack.Workspace(last.workspace, last.detail.get("team", ""), last.detail.get("bot_user", ""), last.detail.get("bot_id", ""))


def build_web_app(parley: Parley) -> web.Application:
    """The HTTP app: /healthz, the chat front ends' routes, and the timekeeper started and stopped with it."""
    app = web.Application(client_max_size=1024 * 1024)
    outbox = OutboxDelivery(parley.wiring.sessions)

    async def healthz(_: web.Request) -> web.Response:
        counts = await asyncio.to_thread(outbox.counts)
        untold = await asyncio.to_thread(notice_counts, parley.wiring.sessions)
        teams = parley.teams
        return web.json_response(
            {
                "status": "ok",
                "policy": parley.policy.name,
                "platforms": sorted(parley.senders),
                "unreachable": parley.health.as_json(),
                "outbox": {"pending": counts.get("pending", 0), "failed": counts.get("failed", 0)},
                "notices": untold,  # changes whose messages are still to be built (bot/notices.py)
                **({"teams": {"authentication": not teams.config.authentication_off}} if teams is not None else {}),
            }
        )

    app.router.add_get("/healthz", healthz)
    parley.wiring.mount(app)

    async def start_timekeeper(app: web.Application) -> None:
        app[SCHEDULER] = parley.timekeeper().start(parley.sweep_seconds)
        app[RECHECKS] = parley.start_rechecks()

    async def stop_timekeeper(app: web.Application) -> None:
        app[SCHEDULER].shutdown(wait=False)
        for task in app[RECHECKS]:
            task.cancel()

    app.on_startup.append(start_timekeeper)
    app.on_cleanup.append(stop_timekeeper)
    return app


def practice(
    parley: Parley, web_app: web.Application, *, mode: str, chat_credentials: bool, folder: str, database_url: str, host: str, port: int
) -> str | None:
    """Add the practice workspace when wanted (handlers/practice); the address to listen on, or None if it can't start."""
    from handlers import practice

    try:
        if not practice.wanted(mode, chat_credentials=chat_credentials):
            return host
        checked = practice.check_folder(folder, database_url)
    except practice.PracticeConfigError as exc:
        print(f"Parley can't start: {exc}", file=sys.stderr)
        return None
    practice.mount(web_app, folder=checked, policy_name=parley.policy.name if parley.policy.name in PRESETS else "bradford")
    print(f"Practice workspace: http://127.0.0.1:{port}/  (made-up people; PARLEY_PRACTICE=off turns it off)")
    return "127.0.0.1"  # the practice workspace is never reachable from another machine, whatever HOST says


def work(parley: Parley) -> None:
    """Run the timekeeper (and the background checks) until interrupted, without serving HTTP."""

    async def run() -> None:
        scheduler = parley.timekeeper().start(parley.sweep_seconds)
        rechecks = parley.start_rechecks()
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
            for task in rechecks:
                task.cancel()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
