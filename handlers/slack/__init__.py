"""Parley on Slack: a slack-bolt AsyncApp mounted at POST /slack/events on Parley's aiohttp server.

Every Slack-specific line lives in this package (and messages/slack.py). app.py builds it with
`build(...)` and mounts it with `SlackFrontEnd.mount(web_app)`; tests build it the same way with
a fixed clock and a local mock of the Slack Web API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web import WebClient
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.policy import Policy
from handlers.delivery import deliver_due, unreachable_reporter
from bot.outbox import Notifier, Notifiers
from handlers.delivery import PACES, Pace, Sender
from handlers.notify import SlackNotifier
from handlers.slack import actions, files, home, intake
from handlers.slack.courier import Courier, Inflight
from handlers.slack.deps import SlackDeps
from handlers.slack.gate import Refused, check_signature, read_body
from handlers.slack.sender import SlackSender
from messages import http
from messages.slack import DEFAULT_COMMAND
from storage.outbox import OutboxDelivery

log = logging.getLogger("parley.slack")

EVENTS_PATH = "/slack/events"
SOCKET_MODE: web.AppKey[Any] = web.AppKey("parley.slack.socket_mode", object)
SOCKET_CONNECTING: web.AppKey[Any] = web.AppKey("parley.slack.socket_connecting", object)
DEFAULT_API_URL = "https://slack.com/api/"


class SlackConfigError(Exception):
    """Slack is set up wrongly; the message says what to change. Raised before the server starts."""


class SlackUnreachable(Exception):
    """Slack could not say who the token belongs to just now (a 5xx, a 429, a timeout): not the token's fault."""


# auth.test answers that mean the token itself is wrong: the only ones that stop start-up
INVALID_TOKEN = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"})


@dataclass(frozen=True)
class Workspace:
    team_id: str
    team: str
    bot_user: str
    bot_id: str = ""


class _KnownAuth(dict):  # what bolt reads from an auth.test answer, when Parley already knows it
    headers: dict[str, str] = {}


def know_who_we_are(app: AsyncApp, workspace: Workspace) -> None:
    """Give bolt the workspace Parley already checked, so no request waits on (or fails with) a lazy auth.test."""
    from slack_bolt.middleware.authorization.async_single_team_authorization import AsyncSingleTeamAuthorization

    for middleware in app._async_middleware_list:  # noqa: SLF001 - bolt offers no setter for it
        if isinstance(middleware, AsyncSingleTeamAuthorization):
            middleware.auth_test_result = _KnownAuth(
                ok=True, team_id=workspace.team_id, team=workspace.team, user_id=workspace.bot_user, bot_id=workspace.bot_id or None
            )


def check_settings(*, bot_token: str | None, signing_secret: str | None, channel: str | None, app_token: str | None) -> list[str]:
    """Every problem with the Slack settings that can be seen without the network."""
    problems = []
    if not bot_token:
        problems.append("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your app's OAuth & Permissions page.")
    elif not bot_token.startswith("xoxb-"):
        kind = {"xoxp-": "a user token", "xapp-": "an app-level token (that one goes in SLACK_APP_TOKEN)"}.get(bot_token[:5], "not a bot token")
        problems.append(f"SLACK_BOT_TOKEN is {kind}: it must be the Bot User OAuth Token, starting xoxb-.")
    if not signing_secret and not app_token:
        problems.append("SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app's Basic Information page.")
    elif signing_secret and (len(signing_secret) < 16 or not signing_secret.isalnum()):
        problems.append("SLACK_SIGNING_SECRET doesn't look like a signing secret (32 letters and digits, from Basic Information).")
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting xapp- (Basic Information > App-Level Tokens).")
    if not channel:
        problems.append("PARLEY_SLACK_CHANNEL is not set: the ID of the channel for dispute threads (e.g. C0123ABCD), with Parley invited to it.")
    return problems


def connect(bot_token: str, api_url: str = DEFAULT_API_URL, *, timeout: int = 10) -> Workspace:
    """Ask Slack who the token belongs to (auth.test).

    SlackConfigError, in plain words, only when Slack says the token is wrong; SlackUnreachable
    when Slack can't answer just now (a 5xx, a 429, a timeout, no connection)."""
    client = WebClient(token=bot_token, base_url=api_url, timeout=timeout)
    sdk_log = logging.getLogger("slack_sdk.web.base_client")
    sdk_log.disabled = True  # its own error line would only repeat ours
    try:
        r = client.auth_test()
    except SlackApiError as exc:
        response = exc.response
        code = (response.get("error") if response is not None else None) or "error"
        status = getattr(response, "status_code", 0) or 0
        if status == 200 and code in INVALID_TOKEN:
            raise SlackConfigError(
                f"Slack refused SLACK_BOT_TOKEN ({code}). Check the token on your app's OAuth & Permissions page; "
                "if you reinstalled the app, copy the new one."
            ) from None
        raise SlackUnreachable(f"Slack did not answer the start-up check (auth.test: HTTP {status}, {code})") from None
    except Exception as exc:  # noqa: BLE001 - any network failure: Slack is unreachable, not misconfigured
        raise SlackUnreachable(f"Slack can't be reached at {api_url} ({type(exc).__name__}: {exc})") from None
    finally:
        sdk_log.disabled = False
    return Workspace(team_id=r["team_id"], team=r.get("team", ""), bot_user=r.get("user_id", ""), bot_id=r.get("bot_id", "") or "")


def check_app_token(app_token: str, api_url: str = DEFAULT_API_URL, *, timeout: int = 10) -> None:
    """Ask Slack for a Socket Mode link with the app-level token; SlackConfigError, in plain words, if it refuses.

    The link itself is not used (the Socket Mode client asks for its own when the server starts):
    this only stops a wrong token at start-up, where the administrator is looking, instead of a
    connection that retries for ever in the log.
    """
    client = WebClient(base_url=api_url, timeout=timeout)
    sdk_log = logging.getLogger("slack_sdk.web.base_client")
    sdk_log.disabled = True
    try:
        client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        code = (exc.response.get("error") if exc.response is not None else None) or "error"
        status = getattr(exc.response, "status_code", 0) or 0
        if status != 200 or code not in INVALID_TOKEN:
            raise SlackUnreachable(f"Slack could not check SLACK_APP_TOKEN just now (HTTP {status}, {code})") from None
        raise SlackConfigError(
            f"Slack refused SLACK_APP_TOKEN ({code}). Generate an app-level token with the connections:write scope "
            "under Basic Information > App-Level Tokens, and check that Socket Mode is turned on for the app."
        ) from None
    except Exception as exc:  # noqa: BLE001 - any network failure: unreachable, not misconfigured
        raise SlackUnreachable(f"Slack can't be reached at {api_url} ({type(exc).__name__}: {exc})") from None
    finally:
        sdk_log.disabled = False


def from_settings(
    *,
    bot_token: str | None,
    signing_secret: str | None,
    app_token: str | None,
    api_url: str,
    channel: str | None,
    sessions: sessionmaker[Session],
    policy: Policy,
    calendar: WorkingCalendar,
    clock: Callable[[], datetime],
    command: str = DEFAULT_COMMAND,
    known: Workspace | None = None,
) -> SlackFrontEnd:
    """Check the settings, ask Slack who we are (auth.test; apps.connections.open in Socket Mode), and build the front end.

    SlackConfigError lists, in plain words, everything an administrator must fix. When Slack can't
    answer just now, the front end is built anyway with the `known` workspace (the last check's),
    `unreachable` says why, and `recheck()` asks again.
    """
    problems = check_settings(bot_token=bot_token, signing_secret=signing_secret, channel=channel, app_token=app_token)
    if problems:
        raise SlackConfigError("Slack is not set up right:\n" + "\n".join(f"  - {p}" for p in problems))
    assert bot_token and channel
    unreachable = None
    try:
        workspace: Workspace | None = connect(bot_token, api_url)
        if app_token:
            check_app_token(app_token, api_url)
    except SlackUnreachable as exc:
        workspace, unreachable = known, str(exc)
    front = build(
        bot_token=bot_token,
        signing_secret=signing_secret or "",
        api_url=api_url,
        channel=channel,
        team=workspace.team_id if workspace else "",
        sessions=sessions,
        policy=policy,
        calendar=calendar,
        clock=clock,
        app_token=app_token,
        command=command,
        paces=PACES,
    )
    front.workspace = workspace
    front.unreachable = unreachable
    front.recheck = lambda: front.checked(connect(bot_token, api_url))
    if workspace is not None:
        know_who_we_are(front.app, workspace)
    return front


@dataclass
class SlackFrontEnd:
    app: AsyncApp
    client: AsyncWebClient
    sender: SlackSender
    notifier: SlackNotifier
    deps: SlackDeps
    app_token: str | None = None
    workspace: Workspace | None = None
    # Every platform's sender, for the delivery pass right after a change: a change made in Slack
    # also queues Teams messages, and a pass without the Teams sender would set those aside.
    senders: MutableMapping[str, Sender] = field(default_factory=dict)
    signing_secret: str = ""  # POST /slack/events is checked against it before bolt reads the body
    unreachable: str | None = None  # why the start-up check could not reach Slack (None: it did)
    recheck: Callable[[], Workspace] | None = None  # the start-up check again (SlackUnreachable if still not)

    def checked(self, workspace: Workspace) -> Workspace:
        """Slack answered the check: remember who we are (a team first learnt now goes into the notifier)."""
        self.workspace, self.unreachable = workspace, None
        if not self.deps.team:
            self.deps.team = self.notifier.team = workspace.team_id
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
            # parsed once: bolt takes a dict only in "socket_mode", which changes nothing but skip the signature check above
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=request.headers, mode="socket_mode")  # type: ignore[arg-type]
            response = await self.app.async_dispatch(bolt_request)
        except Refused as refused:
            log.warning("Slack request refused (%s): %s", refused.status, refused.reason)
            return web.Response(status=refused.status, text=refused.answer)
        except Exception:  # noqa: BLE001 - a signed, readable request bolt still fails on: a bug, so the traceback
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
        except asyncio.TimeoutError:
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


@contextmanager
def _quiet_token_warning() -> Iterator[None]:
    # bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client we pass wins;
    # it does, on purpose: it carries the same token and SLACK_API_URL.
    logger = logging.getLogger("slack_bolt.AsyncApp")
    quiet = logging.Filter()
    quiet.filter = lambda record: "token` will be unused" not in record.getMessage()  # type: ignore[method-assign]
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


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
    """The Slack front end, wired: bolt app, Web API client, notifier, sender and delivery."""
    client = AsyncWebClient(token=bot_token, base_url=api_url, timeout=10)
    sender_client = AsyncWebClient(token=bot_token, base_url=api_url, timeout=10)
    with _quiet_token_warning():
        app = AsyncApp(
            name="parley",
            signing_secret=signing_secret,
            client=client,
            request_verification_enabled=True,
            process_before_response=False,
            raise_error_for_unhandled_request=False,
        )
    outbox = OutboxDelivery(sessions)
    slack_notifier = SlackNotifier(policy, team=team, channel=channel)
    sender = SlackSender(sender_client, threads=outbox.thread)

    senders: dict[str, Sender] = {"slack": sender}

    async def one_pass() -> Any:
        # one keep-alive session for the pass's messages, on the pass's own loop
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            client_for_pass = AsyncWebClient(token=bot_token, base_url=api_url, timeout=10, session=http)
            senders = {**front.senders, "slack": sender.with_client(client_for_pass)}
            return await deliver_due(outbox, senders, now=clock(), clock=clock, paces=paces)

    async def delivery_pass() -> Any:
        # Its own event loop in a worker thread: the outbox's database calls must not hold up requests.
        return await asyncio.to_thread(asyncio.run, one_pass())

    deps = SlackDeps(
        sessions=sessions,
        policy=policy,
        calendar=calendar,
        clock=clock,
        # every platform's messages for a change made here (app.py puts the Teams notifier in too)
        notifier=notifier or Notifiers(slack_notifier),
        channel=channel,
        team=team,
        command=command,
        courier=Courier(delivery_pass) if deliver_at_once else None,
        inflight=Inflight(),
    )
    if deps.courier is not None:
        deps.courier.before_pass = deps.answers_first.wait
    # a direct message Slack refuses for good: recorded in the dispute, and the raiser told
    sender.on_undeliverable = unreachable_reporter(sessions, lambda: deps.notifier)
    intake.register(app, deps)
    actions.register(app, deps)
    files.register(app, deps)
    home.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.exception("Slack listener failed (%s)", body.get("type") or body.get("command"), exc_info=error)

    front = SlackFrontEnd(
        app=app, client=client, sender=sender, notifier=slack_notifier, deps=deps, app_token=app_token, senders=senders,
        signing_secret=signing_secret,
    )
    return front
