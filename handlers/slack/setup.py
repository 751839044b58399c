"""Slack's settings, checked: what is wrong in plain words, and who the token belongs to.

`site_from_settings(...)` checks the settings without the network, asks Slack who the token
belongs to (auth.test; apps.connections.open in Socket Mode) and returns a `SlackSite`, from which
handlers.composition builds the front end. Nothing here keeps state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from handlers.frontends import ConfigError
from messages.slack import DEFAULT_COMMAND

DEFAULT_API_URL = "https://slack.com/api/"


class SlackConfigError(ConfigError):
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
    headers: ClassVar[dict[str, str]] = {}


def know_who_we_are(app: AsyncApp, workspace: Workspace) -> None:
    """Give bolt the workspace Parley already checked, so no request waits on (or fails with) a lazy auth.test."""
    from slack_bolt.middleware.authorization.async_single_team_authorization import AsyncSingleTeamAuthorization

    for middleware in app._async_middleware_list:
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


@dataclass(frozen=True)
class SlackSite:
    """Everything the Slack front end is built from: checked settings and what the start-up check found."""

    bot_token: str
    signing_secret: str
    api_url: str
    channel: str  # PARLEY_SLACK_CHANNEL
    team: str  # the workspace's team id ("" until Slack has said it)
    app_token: str | None = None  # set: Socket Mode instead of POST /slack/events
    command: str = DEFAULT_COMMAND
    workspace: Workspace | None = None  # who the token belongs to, when known
    unreachable: str | None = None  # why the start-up check could not reach Slack (None: it did)


def site_from_settings(
    *,
    bot_token: str | None,
    signing_secret: str | None,
    app_token: str | None,
    api_url: str,
    channel: str | None,
    command: str = DEFAULT_COMMAND,
    known: Workspace | None = None,
) -> SlackSite:
    """Check the settings and ask Slack who we are.

    SlackConfigError lists, in plain words, everything an administrator must fix. When Slack can't
    answer just now, the site carries the `known` workspace (the last check's) and `unreachable`
    says why; the front end's `recheck()` asks again.
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
    return SlackSite(
        bot_token=bot_token,
        signing_secret=signing_secret or "",
        api_url=api_url,
        channel=channel,
        team=workspace.team_id if workspace else "",
        app_token=app_token,
        command=command,
        workspace=workspace,
        unreachable=unreachable,
    )
