"""Parley on Slack: a slack-bolt AsyncApp mounted at POST /slack/events on Parley's aiohttp server.

Every Slack-specific line lives in this package (and messages/slack/). handlers.composition builds
it from a checked `SlackSite` (handlers/slack/setup.py) with every platform's notifier and sender,
and mounts it with `SlackFrontEnd.mount(web_app)`; `build(...)` makes Slack on its own, as tests
do, with a fixed clock and a local mock of the Slack Web API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.outbox import Notifier, Notifiers
from bot.policy import Policy
from handlers.delivery import OnUndeliverable, Pace, Sender, deliver_due
from handlers.frontends import Common
from handlers.notify import SlackNotifier
from handlers.quiet import without_line
from handlers.refusal import Refused
from handlers.slack import actions, files, home, intake
from handlers.slack.courier import AnswersFirst, Courier, Inflight
from handlers.slack.deps import SlackDeps
from handlers.slack.gate import check_signature, read_body
from handlers.slack.sender import SlackSender
from handlers.slack.setup import (
    DEFAULT_API_URL,
    INVALID_TOKEN,
    SlackConfigError,
    SlackSite,
    SlackUnreachable,
    Workspace,
    check_app_token,
    check_settings,
    connect,
    know_who_we_are,
    site_from_settings,
)
from handlers.unreachable import unreachable_reporter
from messages import http
from messages.slack import DEFAULT_COMMAND
from storage.outbox import OutboxDelivery

__all__ = [
    "DEFAULT_API_URL", "EVENTS_PATH", "INVALID_TOKEN", "SlackConfigError", "SlackFrontEnd", "SlackSite", "SlackUnreachable",
    "Workspace", "build", "check_app_token", "check_settings", "connect", "front_end", "know_who_we_are", "notifier_for",
    "sender_for", "site_from_settings",
]  # fmt: skip

log = logging.getLogger("parley.slack")

EVENTS_PATH = "/slack/events"
SOCKET_MODE: web.AppKey[Any] = web.AppKey("parley.slack.socket_mode", object)
SOCKET_CONNECTING: web.AppKey[Any] = web.AppKey("parley.slack.socket_connecting", object)


@dataclass
class SlackFrontEnd:
    app: AsyncApp
    client: AsyncWebClient
    sender: SlackSender
    notifier: SlackNotifier
    deps: SlackDeps
    site: SlackSite
    # Every platform's sender, for the delivery pass right after a change: a change made in Slack
    # also queues Teams messages, and a pass without the Teams sender would set those aside.
    senders: Mapping[str, Sender]
    workspace: Workspace | None = None
    unreachable: str | None = None  # why the last check could not reach Slack (None: it did)

    @property
    def app_token(self) -> str | None:
        return self.site.app_token

    @property
    def signing_secret(self) -> str:  # POST /slack/events is checked against it before bolt reads the body
        return self.site.signing_secret

    def recheck(self) -> Workspace:
        """The start-up check again (SlackUnreachable if Slack still can't answer)."""
        return self.checked(connect(self.site.bot_token, self.site.api_url))

    def checked(self, workspace: Workspace) -> Workspace:
        """Slack answered the check: remember who we are (a team first learnt now goes into the notifier)."""
        self.workspace, self.unreachable = workspace, None
        if not self.deps.team:
            self.deps.team = self.notifier.team = self.sender.team = workspace.team_id
        know_who_we_are(self.app, workspace)
        return workspace

    def describe(self) -> str:
        """One start-up line: which workspace, which channel, how Slack reaches Parley."""
        where = f"workspace {self.workspace.team} ({self.workspace.team_id})" if self.workspace else f"team {self.deps.team}"
        how = "over Socket Mode" if self.app_token else f"at POST {EVENTS_PATH} (interactivity, slash command and events)"
        if self.unreachable:
            return (
                f"Parley: Slack can't be reached just now ({self.unreachable}); starting anyway with {where}, "
                f"and checking again in the background. Dispute threads go to channel {self.deps.channel}."
            )
        return f"Parley: connected to Slack {where}; dispute threads go to channel {self.deps.channel}; Slack reaches Parley {how}."

    def mount(self, web_app: web.Application) -> None:
        """POST /slack/events on the web app, or, when an app-level token is set, a Socket Mode connection instead.

        In Socket Mode there is no /slack/events at all: Socket Mode needs no signing secret, and
        a request checked against an empty one would let anyone in.
        """
        web_app.on_startup.append(self._open_session)
        if self.app_token:
            web_app.on_startup.append(self._start_socket_mode)
        else:
            web_app.router.add_post(EVENTS_PATH, self._slack_events)
        web_app.on_cleanup.append(self._stop)

    async def _slack_events(self, request: web.Request) -> web.Response:
        """POST /slack/events: the front door (handlers/slack/gate.py), then bolt."""
        gate = self.deps.answers_first
        gate.received()
        try:
            try:
                raw = await request.read()
            except web.HTTPRequestEntityTooLarge:
                raise Refused(413, f"a body over {request.client_max_size} bytes", http.TOO_LARGE) from None
            check_signature(raw, request.headers, SignatureVerifier(self.signing_secret))
            body = read_body(raw, request.content_type)
            if intake.is_submission(body):  # the busiest request under load: answered without bolt's dispatch
                return await intake.answer_submission(self.deps, body)
            # parsed once: bolt takes a dict only in "socket_mode", which changes nothing but skip the signature check above
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=request.headers, mode="socket_mode")  # type: ignore[arg-type]
            response = await self.app.async_dispatch(bolt_request)
        except Refused as refused:
            log.warning("Slack request refused (%s): %s", refused.status, refused.reason)
            return web.Response(status=refused.status, text=refused.answer)
        except Exception:
            log.exception("Slack sent a request Parley could not read")
            return web.Response(status=400, text=http.UNREADABLE_REQUEST)
        finally:
            gate.answered()
        return await to_aiohttp_response(response)

    async def _open_session(self, web_app: web.Application) -> None:
        # One keep-alive session on the server's loop for the listeners' calls (views.open, ...).
        # The outbox sender has a client of its own: it also runs on the sweep's and the courier's loops.
        self.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))

    async def _start_socket_mode(self, web_app: web.Application) -> None:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        # apps.connections.open goes through our client, so SLACK_API_URL (a proxy, GovSlack) applies
        handler = AsyncSocketModeHandler(self.app, self.app_token, web_client=self.client)
        web_app[SOCKET_MODE] = handler

        async def connect() -> None:
            # In the background: a Slack that is slow to answer must not hold up /healthz, Teams or
            # the timekeeper. The client keeps retrying, and reconnects whenever Slack drops the link.
            await handler.connect_async()
            log.info("Parley: connected to Slack over Socket Mode")

        web_app[SOCKET_CONNECTING] = asyncio.get_running_loop().create_task(connect())

    async def _stop(self, web_app: web.Application) -> None:
        connecting = web_app.get(SOCKET_CONNECTING)
        if connecting is not None and not connecting.done():
            connecting.cancel()
        handler = web_app.get(SOCKET_MODE)
        if handler is not None:
            await handler.close_async()
        try:
            await asyncio.wait_for(self.deps.inflight.idle(), timeout=10)
        except TimeoutError:
            log.warning("some Slack listeners were still running at shutdown; the sweep will deliver what they queued")
        if self.deps.courier is not None:
            await self.deps.courier.close()
        if self.client.session is not None:
            await self.client.session.close()

    async def settle(self) -> None:
        """Wait for every listener still running after its ack, then for delivery (tests)."""
        await self.deps.inflight.idle()
        if self.deps.courier is not None:
            await self.deps.courier.drain()


def notifier_for(site: SlackSite, policy: Policy) -> SlackNotifier:
    """What Slack's threads and people are told after each change."""
    return SlackNotifier(policy, team=site.team, channel=site.channel)


def sender_for(site: SlackSite, *, sessions: sessionmaker[Session], on_undeliverable: OnUndeliverable | None) -> SlackSender:
    """The outbox's sender for Slack, with a client of its own (it runs on the sweep's and the courier's loops too).

    `on_undeliverable`: a direct message Slack refuses for good is recorded in the dispute and the raiser told."""
    sender = SlackSender(AsyncWebClient(token=site.bot_token, base_url=site.api_url, timeout=10), threads=OutboxDelivery(sessions).thread, team=site.team)
    sender.on_undeliverable = on_undeliverable
    return sender


def front_end(
    site: SlackSite, common: Common, *, sender: SlackSender, notifier: SlackNotifier, paces: Mapping[str, Pace] | None = None
) -> SlackFrontEnd:
    """The Slack front end: bolt app, its listeners and delivery right after a change.

    `common.notifier` is every platform's, so a change made in Slack reaches Teams too;
    `common.senders` every platform's (this `sender` among them), for the delivery pass after a change.
    """
    client = AsyncWebClient(token=site.bot_token, base_url=site.api_url, timeout=10)
    # bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client we pass wins;
    # it does, on purpose: it carries the same token and SLACK_API_URL.
    with without_line("slack_bolt.AsyncApp", "token` will be unused"):
        app = AsyncApp(
            name="parley",
            signing_secret=site.signing_secret,
            client=client,
            request_verification_enabled=True,
            process_before_response=False,
            raise_error_for_unhandled_request=False,
        )
    outbox = OutboxDelivery(common.sessions)

    async def one_pass() -> Any:
        # one keep-alive session for the pass's messages, on the pass's own loop
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            client_for_pass = AsyncWebClient(token=site.bot_token, base_url=site.api_url, timeout=10, session=http)
            senders = {**common.senders, "slack": sender.with_client(client_for_pass)}
            # before each message, the requests answered first (a pass may wake from Slack's pace mid-burst)
            return await deliver_due(outbox, senders, now=common.clock(), clock=common.clock, paces=paces, quiet=answers_first.wait_from_another_thread)

    async def delivery_pass() -> Any:
        # Its own event loop in a worker thread: the outbox's database calls must not hold up requests.
        return await asyncio.to_thread(asyncio.run, one_pass())

    answers_first = AnswersFirst()
    deps = SlackDeps(
        sessions=common.sessions,
        policy=common.policy,
        calendar=common.calendar,
        clock=common.clock,
        notifier=common.notifier,
        channel=site.channel,
        team=site.team,
        command=site.command,
        courier=Courier(delivery_pass) if common.deliver_at_once else None,
        inflight=Inflight(),
        answers_first=answers_first,
    )
    if deps.courier is not None:
        deps.courier.before_pass = deps.answers_first.wait
    intake.register(app, deps)
    actions.register(app, deps)
    files.register(app, deps)
    home.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.exception("Slack listener failed (%s)", body.get("type") or body.get("command"), exc_info=error)

    front = SlackFrontEnd(
        app=app, client=client, sender=sender, notifier=notifier, deps=deps, site=site, senders=common.senders,
        workspace=site.workspace, unreachable=site.unreachable,
    )  # fmt: skip
    if site.workspace is not None:
        know_who_we_are(app, site.workspace)
    return front


def build(
    *,
    bot_token: str,
    signing_secret: str,
    api_url: str,
    channel: str,
    team: str,
    sessions: sessionmaker[Session],
    policy: Policy,
    calendar: WorkingCalendar,
    clock: Callable[[], datetime],
    app_token: str | None = None,
    notifier: Notifier | None = None,
    deliver_at_once: bool = True,
    command: str = DEFAULT_COMMAND,
    paces: Mapping[str, Pace] | None = None,
) -> SlackFrontEnd:
    """Slack on its own (tests): its notifier (or `notifier`) for every change, its sender for delivery.

    Parley itself is wired by handlers.composition, with every platform's notifier and sender."""
    site = SlackSite(
        bot_token=bot_token, signing_secret=signing_secret, api_url=api_url, channel=channel, team=team, app_token=app_token, command=command
    )
    own = notifier_for(site, policy)
    everyone = notifier or Notifiers(own)
    sender = sender_for(site, sessions=sessions, on_undeliverable=unreachable_reporter(sessions, lambda: everyone))
    common = Common(sessions, policy, calendar, clock, everyone, {"slack": sender}, deliver_at_once)
    return front_end(site, common, sender=sender, notifier=own, paces=paces)
