"""Parley on Microsoft Teams: a botbuilder-core bot at POST /api/messages on Parley's aiohttp server.

Every botbuilder import lives in this package (Microsoft has archived the Bot Framework SDK in
favour of the Microsoft 365 Agents SDK; moving to it should touch this folder only).
handlers.composition builds it from a checked `TeamsSite` (handlers/teams/setup.py) with every
platform's notifier and sender, and mounts it with `TeamsFrontEnd.mount(web_app)`; `build(...)`
makes Teams on its own, as tests do, with a fixed clock and a local mock of the Bot Framework connector.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.schema import Activity
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.outbox import Notifier
from bot.policy import Policy
from handlers.courier import Courier
from handlers.delivery import OnUndeliverable, Pace, Sender, deliver_due
from handlers.frontends import Common
from handlers.refusal import Refused
from handlers.teams.adapter import BotConfig, KeysUnavailable, make_adapter
from handlers.teams.bot import ParleyBot, on_turn_error
from handlers.teams.deps import TeamsDeps
from handlers.teams.gate import ServiceUrls, check_origin, check_value, read_body
from handlers.teams.notify import TeamsNotifier
from handlers.teams.sender import DEFAULT_SERVICE_URL, TeamsSender
from handlers.teams.setup import APP_TYPES, INSECURE_SETTING, TeamsConfigError, TeamsSite, check_settings, site_from_settings
from handlers.unreachable import unreachable_reporter
from messages import http
from storage.outbox import OutboxDelivery
from storage.teams import SqlTeamsConversations

__all__ = [
    "APP_TYPES", "INSECURE_SETTING", "MESSAGES_PATH", "TeamsConfigError", "TeamsConnection", "TeamsFrontEnd", "TeamsSite",
    "build", "check_settings", "connection", "front_end", "notifier_for", "site_from_settings",
]  # fmt: skip

log = logging.getLogger("parley.teams")

MESSAGES_PATH = "/api/messages"


@dataclass
class TeamsFrontEnd:
    config: BotConfig
    adapter: Any  # CloudAdapter
    bot: ParleyBot
    sender: TeamsSender
    notifier: TeamsNotifier
    deps: TeamsDeps
    senders: Mapping[str, Sender]  # every platform's, for delivery right after a change
    courier: Courier | None = None
    service_urls: ServiceUrls = field(default_factory=ServiceUrls.microsoft)

    def describe(self) -> str:
        """One start-up line: where threads go and how Teams reaches Parley."""
        auth = f"authentication OFF ({INSECURE_SETTING})" if self.config.authentication_off else f"app {self.config.APP_ID} ({self.config.APP_TYPE})"
        where = (
            f"dispute threads go to channel {self.notifier.channel} in tenant {self.notifier.tenant}"
            if self.notifier.has_thread
            else "no PARLEY_TEAMS_CHANNEL, so Teams people get 1:1 messages only (no Teams thread)"
        )
        return f"Parley: Teams bot at POST {MESSAGES_PATH}, {auth}; {where}."

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_post(MESSAGES_PATH, self._messages)
        web_app.on_cleanup.append(self._stop)

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        """POST /api/messages: the front door (handlers/teams/gate.py), then the adapter and the bot."""
        try:
            return await self._admit(request)
        except Refused as refused:
            log.warning("Teams activity refused (%s): %s", refused.status, refused.reason)
            return web.json_response({"error": refused.answer}, status=refused.status)

    async def _admit(self, request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise Refused(415, f"Content-Type {request.headers.get('Content-Type', '(none)')[:60]!r}", http.NOT_JSON)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise Refused(413, f"a body over {request.client_max_size} bytes", http.TOO_LARGE) from None
        body = read_body(raw)
        try:
            activity = Activity().deserialize(body)
        except Exception as exc:  # noqa: BLE001 - msrest's own DeserializationError and what it lets through
            raise Refused(400, f"the activity could not be read ({type(exc).__name__})", http.UNREADABLE_ACTIVITY) from None
        try:
            authenticated = await self.adapter.bot_framework_authentication.authenticate_request(activity, request.headers.get("Authorization", ""))
        except PermissionError as exc:
            raise Refused(401, f"not authenticated: {exc}", http.NOT_AUTHENTICATED) from None
        except KeysUnavailable as exc:
            raise Refused(503, str(exc), http.CANNOT_AUTHENTICATE) from None
        check_origin(body, authenticated=not self.config.authentication_off, service_urls=self.service_urls)
        check_value(body)
        invoke = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        if invoke is not None:
            return web.json_response(data=serializer_helper(invoke.body), status=invoke.status)
        return web.Response(status=201)

    async def _stop(self, _: web.Application) -> None:
        if self.courier is not None:
            await self.courier.close()

    async def settle(self) -> None:
        """Wait for the delivery passes a request started (tests, and shutdown)."""
        if self.courier is not None:
            await self.courier.drain()


def notifier_for(site: TeamsSite, policy: Policy) -> TeamsNotifier:
    """What the Teams thread and people are told after each change."""
    return TeamsNotifier(policy, tenant=site.tenant, channel=site.channel)


@dataclass(frozen=True)
class TeamsConnection:
    """Teams' outbound half: the adapter, the stored conversation references, and the outbox's sender over them."""

    adapter: Any  # CloudAdapter
    conversations: SqlTeamsConversations
    sender: TeamsSender


def connection(
    site: TeamsSite, *, sessions: sessionmaker[Session], clock: Callable[[], datetime], on_undeliverable: OnUndeliverable | None
) -> TeamsConnection:
    """The adapter and the sender (`on_undeliverable`: a 1:1 refused for good is recorded and the raiser told)."""
    adapter = make_adapter(site.config, credentials_factory=site.credentials_factory)
    adapter.on_turn_error = on_turn_error
    conversations = SqlTeamsConversations(sessions, accepts=site.service_urls.allows)
    sender = TeamsSender(
        adapter=adapter, conversations=conversations, clock=clock, app_id=site.config.APP_ID, default_service_url=site.service_url,
        on_undeliverable=on_undeliverable,
    )  # fmt: skip
    return TeamsConnection(adapter=adapter, conversations=conversations, sender=sender)


def front_end(
    site: TeamsSite, common: Common, *, link: TeamsConnection, notifier: TeamsNotifier, paces: Mapping[str, Pace] | None = None
) -> TeamsFrontEnd:
    """The Teams front end: the bot on the connection's adapter, and delivery right after a change.

    `common.notifier` is every platform's, so a change made in Teams reaches Slack too;
    `common.senders` every platform's (the connection's among them), for the delivery pass after a change.
    """
    courier = None
    if common.deliver_at_once:
        outbox = OutboxDelivery(common.sessions)

        async def delivery_pass() -> Mapping[str, int]:
            # its own event loop in a worker thread: the outbox's database calls must not hold up requests
            return await asyncio.to_thread(asyncio.run, deliver_due(outbox, dict(common.senders), now=common.clock(), clock=common.clock, paces=paces))

        courier = Courier(delivery_pass)
    deps = TeamsDeps(
        sessions=common.sessions,
        policy=common.policy,
        calendar=common.calendar,
        clock=common.clock,
        notifier=common.notifier,
        teams_notifier=notifier,
        conversations=link.conversations,
        kick=courier.kick if courier is not None else None,
    )
    return TeamsFrontEnd(
        config=site.config, adapter=link.adapter, bot=ParleyBot(deps, link.sender), sender=link.sender, notifier=notifier, deps=deps,
        senders=common.senders, courier=courier, service_urls=site.service_urls,
    )  # fmt: skip


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
    service_urls: ServiceUrls | None = None,
    credentials_factory: Any = None,
    paces: Mapping[str, Pace] | None = None,
) -> TeamsFrontEnd:
    """Teams on its own (tests): its notifier (or `notifier`) for every change, its sender for delivery.

    Parley itself is wired by handlers.composition, with every platform's notifier and sender.
    `service_urls`: where Teams' connector may be (default: Microsoft's hosts; tests name their mock).
    `credentials_factory`: how Parley gets its outgoing token (tests: a local one; see make_adapter).
    `paces`: how fast the deliveries made right after a change may go (PACES with a real clock; None: unpaced).
    """
    site = TeamsSite(
        config=config, channel=channel, tenant=tenant, service_url=service_url, service_urls=service_urls or ServiceUrls.microsoft(),
        credentials_factory=credentials_factory,
    )  # fmt: skip
    own = notifier_for(site, policy)
    everyone = notifier or own
    link = connection(site, sessions=sessions, clock=clock, on_undeliverable=unreachable_reporter(sessions, lambda: everyone))
    common = Common(sessions, policy, calendar, clock, everyone, {"teams": link.sender}, deliver_at_once)
    return front_end(site, common, link=link, notifier=own, paces=paces)
