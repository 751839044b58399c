"""Mock Slack and a mock Teams connector that enforce the platforms' published rate limits (bench.monday).

Each call is counted in sliding windows; a call over any limit is answered 429 with Retry-After
(whole seconds, rounded up, as the platforms send it) and is not carried out.

Slack (https://api.slack.com/apis/rate-limits, per app per workspace):
  chat.postMessage  1 per second per channel (a DM is its own channel). Slack tolerates "short
                    bursts" with no guarantee; this mock allows none. Slack also keeps a
                    workspace-wide limit it does not publish: not modelled.
  chat.update, conversations.history, conversations.replies, conversations.open: Tier 3, 50 a minute.
  chat.getPermalink: modelled as Tier 3 too (an assumption: its tier is not in the overview).
  every other method: Tier 4, 100 a minute.
Teams (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit):
  per bot per conversation ("thread"): 7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour; a reply in
  a channel thread counts against the channel (the stricter reading); an update too.
  per app per tenant: 50 requests a second (every call, creating a 1:1 chat included).
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from handlers.practice.fakes import web_api_args
from tests.slack.mock_slack import Call as SlackCall, MockSlack
from tests.teams.mock_connector import MockConnector

Windows = Sequence[tuple[int, float]]  # (at most this many, in this many seconds)

SLACK_POST: Windows = ((1, 1.0),)
TIER_3: Windows = ((50, 60.0),)
TIER_4: Windows = ((100, 60.0),)
SLACK_TIERS = {
    "chat.update": TIER_3,
    "conversations.history": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.open": TIER_3,
    "chat.getPermalink": TIER_3,
}
TEAMS_CONVERSATION: Windows = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TEAMS_TENANT: Windows = ((50, 1.0),)


class Limiter:
    """Sliding windows of call times, per key."""

    def __init__(self) -> None:
        self._seen: dict[tuple[Any, float], deque[float]] = {}
        self.limited: Counter[str] = Counter()  # calls answered 429, by what limited them

    def admit(self, checks: Sequence[tuple[Any, Windows]], now: float) -> float | None:
        """None if the call is within every window of every key (it is counted); else the seconds to wait."""
        wait = 0.0
        for key, windows in checks:
            for limit, seconds in windows:
                seen = self._seen.setdefault((key, seconds), deque())
                while seen and seen[0] <= now - seconds:
                    seen.popleft()
                if len(seen) >= limit:
                    wait = max(wait, seen[0] + seconds - now)
                    self.limited[f"{key[0]} {limit}/{seconds:g}s"] += 1
        if wait > 0:
            return wait
        for key, windows in checks:
            for _, seconds in windows:
                self._seen[(key, seconds)].append(now)
        return None


class LimitedSlack(MockSlack):
    """MockSlack that answers 429 past Slack's published limits."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limiter = Limiter()
        self.admitted: list[tuple[float, str]] = []  # (time.monotonic(), what) of each call let through

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await web_api_args(request)
        checks: list[tuple[Any, Windows]] = [((method, "workspace"), SLACK_TIERS.get(method, TIER_4))]
        if method == "chat.postMessage":
            channel = str(args.get("channel", ""))
            channel = "D" + channel[1:] if channel.startswith(("U", "W")) else channel
            checks = [((method, channel), SLACK_POST)]
        wait = self.limiter.admit(checks, time.monotonic())
        if wait is None:
            self.admitted.append((time.monotonic(), _slack_kind(method, args)))
            return await super()._api(request)
        call = SlackCall(method, None, args, status=429, answer={"ok": False, "error": "ratelimited"})
        self.calls.append(call)
        return web.json_response(call.answer, status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))})


def _slack_kind(method: str, args: dict[str, Any]) -> str:
    if method == "chat.postMessage":
        if str(args.get("channel", "")).startswith(("U", "W", "D")):
            return "slack direct"
        return "slack thread reply" if args.get("thread_ts") else "slack thread root"
    return "slack root update" if method == "chat.update" else f"slack {method}"


class LimitedConnector(MockConnector):
    """MockConnector that answers 429 past Teams' published limits."""

    def __init__(self) -> None:
        super().__init__()
        self.limiter = Limiter()
        self.refused: list[tuple[str, str]] = []  # (method, path) answered 429
        self.admitted: list[tuple[float, str]] = []  # (time.monotonic(), what) of each call let through

    async def _handle(self, request: web.Request) -> web.Response:
        segments = [unquote(s) for s in request.rel_url.raw_path.split("/") if s]
        checks: list[tuple[Any, Windows]] = [(("tenant", "app"), TEAMS_TENANT)]
        if segments[:2] == ["v3", "conversations"] and len(segments) >= 4:
            checks.append((("conversation", segments[2].split(";")[0]), TEAMS_CONVERSATION))
        wait = self.limiter.admit(checks, time.monotonic())
        if wait is None:
            self.admitted.append((time.monotonic(), _teams_kind(request.method, segments)))
            return await super()._handle(request)
        self.refused.append((request.method, "/".join(segments)))
        answer = {"error": {"code": "Throttled", "message": "too many requests"}}
        return web.json_response(answer, status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))})


def _teams_kind(method: str, segments: list[str]) -> str:
    if len(segments) < 4 or segments[2].startswith("a:"):
        return "teams direct"  # creating a 1:1 chat, or sending in one
    if method == "PUT":
        return "teams root update"
    return "teams thread reply" if ";messageid=" in segments[2] else "teams thread root"
