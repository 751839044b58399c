"""Parley on Microsoft Teams: a botbuilder-core bot at POST /api/messages on Parley's aiohttp server.

Every botbuilder import lives in this package (Microsoft has archived the Bot Framework SDK in
favour of the Microsoft 365 Agents SDK; moving to it should touch this folder only). app.py builds
it with `from_settings(...)` and mounts it with `TeamsFrontEnd.mount(web_app)`; tests build it the
same way with `build(...)`, a fixed clock and a local mock of the Bot Framework connector.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.outbox import Notifier
from bot.policy import Policy
from handlers.courier import Courier
from handlers.delivery import Sender, deliver_due, unreachable_reporter
from handlers.teams.adapter import BotConfig, make_adapter
from handlers.teams.bot import ParleyBot, on_turn_error
from handlers.teams.deps import TeamsDeps
from handlers.teams.notify import TeamsNotifier
from handlers.teams.sender import DEFAULT_SERVICE_URL, TeamsSender
from storage.outbox import OutboxDelivery
from storage.teams import SqlTeamsConversations

log = logging.getLogger("parley.teams")

MESSAGES_PATH = "/api/messages"
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


class TeamsConfigError(Exception):
    """Teams is set up wrongly; the message says what to change. Raised before the server starts."""


def check_settings(
    *, app_id: str | None, app_password: str | None, app_type: str, app_tenant_id: str | None, channel: str | None, thread_tenant: str | None
) -> list[str]:
    """Every problem with the Teams settings that can be seen without the network."""
    problems = []
    kind = next((t for t in APP_TYPES if t.lower() == (app_type or "").lower()), None)
    if kind is None:
        problems.append(f"MICROSOFT_APP_TYPE is '{app_type}': it must be MultiTenant, SingleTenant or UserAssignedMSI (as in the Azure Bot resource).")
    if app_id:
        if kind != "UserAssignedMSI" and not app_password:
            problems.append("MICROSOFT_APP_PASSWORD is not set: create a client secret for the app registration and copy its value.")
        if kind in ("SingleTenant", "UserAssignedMSI") and not app_tenant_id:
            problems.append(f"MICROSOFT_APP_TENANT_ID is not set: a {kind} bot needs the tenant id of its app registration.")
    elif app_password:
        problems.append("MICROSOFT_APP_PASSWORD is set but MICROSOFT_APP_ID is not: set the app registration's Application (client) ID too.")
    if channel and not thread_tenant:
        problems.append(
            "PARLEY_TEAMS_CHANNEL is set but Parley doesn't know its tenant: set PARLEY_TEAMS_TENANT_ID "
            "(or MICROSOFT_APP_TENANT_ID) to the tenant id of the team that holds the channel."
        )
    if channel and not channel.startswith("19:"):
        problems.append(
            f"PARLEY_TEAMS_CHANNEL is '{channel}': it must be the channel's conversation id, starting 19: "
            "(in Teams: the channel's ... menu > Get link to channel; the id is the part after /channel/, URL-decoded)."
        )
    return problems


@dataclass
class TeamsFrontEnd:
    config: BotConfig
    adapter: Any  # CloudAdapter
    bot: ParleyBot
    sender: TeamsSender
    notifier: TeamsNotifier
    deps: TeamsDeps
    senders: MutableMapping[str, Sender] = field(default_factory=dict)  # every platform's, for delivery right after a change
    courier: Courier | None = None

    def describe(self) -> str:
        """One start-up line: where threads go and how Teams reaches Parley."""
        auth = "authentication OFF (no MICROSOFT_APP_ID)" if self.config.authentication_off else f"app {self.config.APP_ID} ({self.config.APP_TYPE})"
        where = (
            f"dispute threads go to channel {self.notifier.channel} in tenant {self.notifier.tenant}"
            if self.notifier.has_thread
            else "no PARLEY_TEAMS_CHANNEL, so Teams people get 1:1 messages only (no Teams thread)"
        )
        return f"Parley: Teams bot at POST {MESSAGES_PATH}, {auth}; {where}."

    def use_notifier(self, notifier: Notifier) -> None:
        """Every platform's notifier (bot.outbox.Notifiers), so a change made in Teams reaches Slack's threads too."""
        self.deps.notifier = notifier

    def mount(self, web_app: web.Application) -> None:
        async def messages(request: web.Request) -> web.StreamResponse:
            if "application/json" not in request.headers.get("Content-Type", ""):
                return web.json_response({"error": "Parley expects a Bot Framework activity as JSON."}, status=415)
            response = await self.adapter.process(request, self.bot)
            return response if response is not None else web.Response(status=201)

        web_app.router.add_post(MESSAGES_PATH, messages)
        web_app.on_cleanup.append(self._stop)

    async def _stop(self, _: web.Application) -> None:
        if self.courier is not None:
            await self.courier.close()

    async def settle(self) -> None:
        """Wait for the delivery passes a request started (tests, and shutdown)."""
        if self.courier is not None:
            await self.courier.drain()


def build(
    *,
    config: BotConfig,
    channel: str | None,
    tenant: str | None,
    sessions: sessionmaker[Session],
    policy: Policy,
    calendar: WorkingCalendar,
    clock: Callable[[], datetime],
    service_url: str = DEFAULT_SERVICE_URL,
    notifier: Notifier | None = None,
    deliver_at_once: bool = True,
) -> TeamsFrontEnd:
    """The Teams front end, wired: adapter, bot, notifier, sender and delivery."""
    adapter = make_adapter(config)
    adapter.on_turn_error = on_turn_error
    conversations = SqlTeamsConversations(sessions)
    teams_notifier = TeamsNotifier(policy, tenant=tenant, channel=channel)
    sender = TeamsSender(adapter=adapter, conversations=conversations, clock=clock, app_id=config.APP_ID, default_service_url=service_url)
    deps = TeamsDeps(
        sessions=sessions,
        policy=policy,
        calendar=calendar,
        clock=clock,
        notifier=notifier or teams_notifier,
        teams_notifier=teams_notifier,
        conversations=conversations,
    )
    # A 1:1 refused for good is recorded and the raiser told (on their own platform, so every
    # platform's notifier: read when it happens, as use_notifier may replace it after this).
    sender.on_undeliverable = unreachable_reporter(sessions, lambda: deps.notifier)
    front = TeamsFrontEnd(config=config, adapter=adapter, bot=ParleyBot(deps, sender), sender=sender, notifier=teams_notifier, deps=deps)
    front.senders["teams"] = sender
    if deliver_at_once:
        outbox = OutboxDelivery(sessions)

        async def delivery_pass() -> Mapping[str, int]:
            # its own event loop in a worker thread: the outbox's database calls must not hold up requests
            return await asyncio.to_thread(asyncio.run, deliver_due(outbox, dict(front.senders), now=clock()))

        front.courier = Courier(delivery_pass)
        deps.kick = front.courier.kick
    return front


def from_settings(
    *,
    app_id: str | None,
    app_password: str | None,
    app_type: str,
    app_tenant_id: str | None,
    channel: str | None,
    thread_tenant: str | None,
    service_url: str,
    sessions: sessionmaker[Session],
    policy: Policy,
    calendar: WorkingCalendar,
    clock: Callable[[], datetime],
) -> TeamsFrontEnd:
    """Check the settings and build the front end; TeamsConfigError lists, in plain words, everything to fix."""
    tenant = thread_tenant or app_tenant_id
    problems = check_settings(
        app_id=app_id, app_password=app_password, app_type=app_type, app_tenant_id=app_tenant_id, channel=channel, thread_tenant=tenant
    )
    if problems:
        raise TeamsConfigError("Teams is not set up right:\n" + "\n".join(f"  - {p}" for p in problems))
    kind = next(t for t in APP_TYPES if t.lower() == app_type.lower())
    config = BotConfig(APP_ID=app_id or "", APP_PASSWORD=app_password or "", APP_TYPE=kind if app_id else "MultiTenant", APP_TENANTID=app_tenant_id or "")
    return build(
        config=config,
        channel=channel,
        tenant=tenant,
        sessions=sessions,
        policy=policy,
        calendar=calendar,
        clock=clock,
        service_url=service_url,
    )
