"""Which chat platforms Parley could not reach at start-up, since when, and the check tried again.

Only a definite "this token is wrong" stops start-up. Anything else (a 5xx, a 429, a timeout, no
connection) lets Parley start and do its database work; /healthz shows the platform as unreachable
since that moment, and the check is tried again in the background until it passes. `SlackTeam`
keeps Slack work waiting while Slack's workspace is not known at all (Slack unreachable since the
very first start): see the comment above it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from bot.outbox import NotYet

log = logging.getLogger("parley.platforms")


@dataclass
class PlatformHealth:
    down: dict[str, tuple[datetime, str]] = field(default_factory=dict)  # platform -> (since, why)
    middlewares: list[Any] = field(default_factory=list)  # for the web app, while a platform's identity is not known

    def unreachable(self, platform: str, since: datetime, why: str) -> None:
        self.down.setdefault(platform, (since, why))

    def reachable(self, platform: str) -> None:
        self.down.pop(platform, None)

    def as_json(self) -> dict[str, Any]:
        return {p: {"since": since.isoformat(), "why": why} for p, (since, why) in sorted(self.down.items())}


async def check_again(
    platform: str,
    check: Callable[[], Any],
    *,
    health: PlatformHealth,
    on_ok: Callable[[Any], None],
    every: float = 10.0,
) -> None:
    """Run `check` (blocking; in a thread) every `every` seconds until it passes, then `on_ok(result)`."""
    while platform in health.down:
        await asyncio.sleep(every)
        try:
            result = await asyncio.to_thread(check)
        except Exception as exc:  # noqa: BLE001 - still unreachable (or now refused): say so, keep trying
            log.warning("%s still can't be reached: %s", platform, exc)
            continue
        health.reachable(platform)
        try:
            on_ok(result)
        except Exception:
            log.exception("could not keep what %s said", platform)
        log.info("%s can be reached again", platform)


# --- Slack's workspace, when start-up could not ask ------------------------------------------------
#
# Every Slack message is queued under the workspace (team id) the token belongs to: it keys the
# dispute's thread and says who is "on Slack here" for direct messages. A process that could not
# reach Slack at start-up uses the workspace the last successful check kept in the database. On the
# very first start there is none: until the team is known, nothing may be queued under an empty one
# (the root would land in a thread nobody finds again and the direct messages would be dropped).
# So Slack work waits: a Slack request first asks Slack itself (once, briefly), else the person is
# told, kindly, to try again, with nothing changed; a Teams request that would render Slack messages
# stops with TeamUnknown before its transaction commits, and is tried again later. The sweep still
# escalates on time: its notices (bot/notices.py) wait, and are told once the team is known. The
# moment any process reaches Slack, it keeps the workspace in the database and every other process
# takes it from there.


class TeamUnknown(NotYet):
    """No Parley process has reached Slack with this token yet, so its workspace is not known: nothing changed."""


def _until_team_known(notifier: Any, learn: Callable[[], bool]) -> None:
    """Make the Slack notifier render nothing until the team is known (TeamUnknown instead), in place: every
    holder of it (the notifier of all platforms, each front end) keeps the same object."""
    for name in dir(type(notifier)):
        if name.endswith("_for") and callable(getattr(notifier, name)):
            setattr(notifier, name, _guarded(notifier, getattr(notifier, name), learn))


def _guarded(notifier: Any, render: Callable[..., Any], learn: Callable[[], bool]) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not notifier.team and not learn():
            raise TeamUnknown("Slack's workspace is not known yet: Slack has not been reachable since Parley first started")
        return render(*args, **kwargs)

    return guarded


def hold_slack_work(parley: Any, clock: Callable[[], datetime]) -> None:
    """When no process has learnt Slack's workspace yet, keep Slack work waiting for it (see above); the web app's
    middleware for it goes in `parley.health.middlewares`."""
    front = parley.slack
    if front is None or front.workspace is not None:
        return
    from storage.gates import PlatformChecks

    team = SlackTeam(front, PlatformChecks(parley.wiring.sessions), parley.health, clock)
    parley.health.middlewares.append(team.middleware)


class SlackTeam:
    """Keeps Slack work waiting until the workspace is known (see above); `middleware` goes on the web app."""

    def __init__(self, front: Any, checks: Any, health: PlatformHealth, clock: Callable[[], datetime], *, ask_for: float = 2.0) -> None:
        self.front, self.checks, self.health, self.clock, self.ask_for = front, checks, health, clock, ask_for
        _until_team_known(front.notifier, self.learn)

    def known(self) -> bool:
        return bool(self.front.deps.team)

    def learn(self) -> bool:
        """Known, or kept in the database by another process since (then taken from there)."""
        if self.known():
            return True
        from handlers.slack import Workspace

        last = self.checks.last("slack")
        if last is None:
            return False
        detail = last.detail or {}
        self.front.checked(Workspace(last.workspace, detail.get("team", ""), detail.get("bot_user", ""), detail.get("bot_id", "")))
        log.info("Slack's workspace %s, as another Parley process found it", last.workspace)
        return True

    async def ask(self) -> bool:
        """Ask Slack now (briefly: Slack wants its answer within 3 s); keep what it says for every process."""
        if await asyncio.to_thread(self.learn):
            return True
        try:
            workspace = await asyncio.wait_for(asyncio.to_thread(self.front.recheck), self.ask_for)
        except Exception as exc:  # noqa: BLE001 - still unreachable (a timeout, a 5xx): the person is told
            log.warning("Slack still can't be reached, and its workspace is not known yet: %s", exc or type(exc).__name__)
            return False
        detail = {"team": workspace.team, "bot_user": workspace.bot_user, "bot_id": workspace.bot_id}
        await asyncio.to_thread(self.checks.remember, "slack", workspace.team_id, detail, self.clock())
        self.health.reachable("slack")
        return True

    @property
    def middleware(self) -> Any:
        from aiohttp import web
        from slack_sdk.signature import SignatureVerifier

        from handlers.slack import EVENTS_PATH
        from handlers.slack.gate import Refused, check_signature
        from messages import platforms as words
        from messages.slack.forms import message_modal

        @web.middleware
        async def team_first(request: web.Request, handler: Any) -> web.StreamResponse:
            if request.path != EVENTS_PATH or self.known():
                return await handler(request)
            raw = await request.read()  # kept by aiohttp: the handler reads the same bytes
            try:
                check_signature(raw, request.headers, SignatureVerifier(self.front.signing_secret))
            except Refused:
                return await handler(request)  # it refuses it, as always (and nobody unsigned makes Parley call Slack)
            if await self.ask():
                return await handler(request)
            form = dict(parse_qsl(raw.decode("utf-8", errors="replace")))
            if "command" in form:  # a slash command: its answer is shown to the person only
                return web.json_response({"response_type": "ephemeral", "text": words.SLACK_NOT_KNOWN_YET})
            try:
                payload = json.loads(form.get("payload") or "{}")
            except ValueError:
                return await handler(request)  # not Slack's shape: the handler says so
            if isinstance(payload, dict) and payload.get("type") == "view_submission":
                return web.json_response({"response_action": "update", "view": message_modal(words.NOTHING_CHANGED, words.SLACK_NOT_KNOWN_YET)})
            return web.Response(status=200)  # a click: Parley can't open its form without Slack; nothing happens

        return team_first
