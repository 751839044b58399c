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
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.schema import Activity
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.outbox import Notifier
from bot.policy import Policy
from handlers.courier import Courier
from handlers.delivery import PACES, Pace, Sender, deliver_due, unreachable_reporter
from handlers.teams.adapter import PUBLIC_OPENID_METADATA_URL, BotConfig, KeysUnavailable, make_adapter
from handlers.teams.bot import ParleyBot, on_turn_error
from handlers.teams.deps import TeamsDeps
from handlers.teams.gate import Refused, ServiceUrls, check_origin, check_value, read_body
from handlers.teams.notify import TeamsNotifier
from handlers.teams.sender import DEFAULT_SERVICE_URL, TeamsSender
from messages import http
from storage.outbox import OutboxDelivery
from storage.teams import SqlTeamsConversations

log = logging.getLogger("parley.teams")

MESSAGES_PATH = "/api/messages"
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


class TeamsConfigError(Exception):
    """Teams is set up wrongly; the message says what to change. Raised before the server starts."""


INSECURE_SETTING = "PARLEY_TEAMS_INSECURE_NO_AUTH"


def check_settings(
    *,
    app_id: str | None,
    app_password: str | None,
    app_type: str,
    app_tenant_id: str | None,
    channel: str | None,
    thread_tenant: str | None,
    insecure_no_auth: bool = False,
    service_hosts: str | None = None,
    service_url: str | None = None,
) -> list[str]:
    """Every problem with the Teams settings that can be seen without the network."""
    problems = []
    if not app_id and not app_password and not insecure_no_auth:
        problems.append(
            "MICROSOFT_APP_ID is not set: Parley needs the Azure Bot's app id (and MICROSOFT_APP_PASSWORD) to check that each "
            f"activity really comes from Teams. Only for local testing with the Emulator or a mock connector, set {INSECURE_SETTING}=true "
            "to run with Teams authentication off."
        )
    if insecure_no_auth and app_id:
        problems.append(f"{INSECURE_SETTING} is set, and so is MICROSOFT_APP_ID: remove {INSECURE_SETTING} so that Teams activities are authenticated.")
    try:
        allowed = ServiceUrls.parse(service_hosts)
    except ValueError as exc:
        problems.append(f"PARLEY_TEAMS_SERVICE_HOSTS is wrong: {exc}. Leave it unset for Microsoft's Teams service hosts.")
    else:
        if service_url and not allowed.allows(service_url):
            problems.append(f"PARLEY_TEAMS_SERVICE_URL is '{service_url}', which is not on the Teams service hosts Parley accepts ({allowed}).")
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

    def use_notifier(self, notifier: Notifier) -> None:
        """Every platform's notifier (bot.outbox.Notifiers), so a change made in Teams reaches Slack's threads too."""
        self.deps.notifier = notifier

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
    """The Teams front end, wired: adapter, bot, notifier, sender and delivery.

    `service_urls`: where Teams' connector may be (default: Microsoft's hosts; tests name their mock).
    `credentials_factory`: how Parley gets its outgoing token (tests: a local one; see make_adapter).
    `paces`: how fast the deliveries made right after a change may go (PACES with a real clock; None: unpaced).
    """
    service_urls = service_urls or ServiceUrls.microsoft()
    adapter = make_adapter(config, credentials_factory=credentials_factory)
    adapter.on_turn_error = on_turn_error
    conversations = SqlTeamsConversations(sessions, accepts=service_urls.allows)
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
    front = TeamsFrontEnd(
        config=config, adapter=adapter, bot=ParleyBot(deps, sender), sender=sender, notifier=teams_notifier, deps=deps, service_urls=service_urls
    )
    front.senders["teams"] = sender
    if deliver_at_once:
        outbox = OutboxDelivery(sessions)

        async def delivery_pass() -> Mapping[str, int]:
            # its own event loop in a worker thread: the outbox's database calls must not hold up requests
            return await asyncio.to_thread(asyncio.run, deliver_due(outbox, dict(front.senders), now=clock(), clock=clock, paces=paces))

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
    insecure_no_auth: bool = False,
    service_hosts: str | None = None,
    openid_metadata_url: str | None = None,
) -> TeamsFrontEnd:
    """Check the settings and build the front end; TeamsConfigError lists, in plain words, everything to fix."""
    tenant = thread_tenant or app_tenant_id
    problems = check_settings(
        app_id=app_id,
        app_password=app_password,
        app_type=app_type,
        app_tenant_id=app_tenant_id,
        channel=channel,
        thread_tenant=tenant,
        insecure_no_auth=insecure_no_auth,
        service_hosts=service_hosts,
        service_url=service_url,
    )
    if problems:
        raise TeamsConfigError("Teams is not set up right:\n" + "\n".join(f"  - {p}" for p in problems))
    kind = next(t for t in APP_TYPES if t.lower() == app_type.lower())
    config = BotConfig(
        APP_ID=app_id or "",
        APP_PASSWORD=app_password or "",
        APP_TYPE=kind if app_id else "MultiTenant",
        APP_TENANTID=app_tenant_id or "",
        INSECURE_NO_AUTH=insecure_no_auth and not app_id,
        OPENID_METADATA_URL=openid_metadata_url or PUBLIC_OPENID_METADATA_URL,
    )
    return build(
        service_urls=ServiceUrls.parse(service_hosts),
        config=config,
        channel=channel,
        tenant=tenant,
        sessions=sessions,
        policy=policy,
        calendar=calendar,
        clock=clock,
        service_url=service_url,
        paces=PACES,  # immediate deliveries are paced like the timekeeper's (a real clock)
    )
