"""In-process fakes of the Slack Web API and the Bot Framework connector, for the practice workspace.

The real front ends talk to these over HTTP on 127.0.0.1 exactly as they talk to Slack and Teams.
Each fake answers as the platform does and keeps what it was asked to post, the way the platform's
own client would show it: messages by channel and thread (updates applied in place), each person's
open modals, and the conversations of the Teams channel and of each 1:1 chat.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from aiohttp import web


async def web_api_args(request: web.Request) -> dict[str, Any]:
    """A Slack Web API call's arguments as Slack reads them: the query string, then the body (JSON,
    or a form whose JSON-looking values, such as blocks and views, are decoded)."""
    args: dict[str, Any] = dict(request.query)
    raw = await request.text()
    if raw.lstrip().startswith("{"):
        args.update(json.loads(raw))
        return args
    args.update((key, _decoded(value)) for key, value in parse_qsl(raw, keep_blank_values=True))
    return args


def _decoded(value: str) -> Any:
    """A form value that looks like JSON, decoded; any other value as it is."""
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            pass
    return value


def im_channel(user: str) -> str:
    """The direct-message channel Slack answers with for a post or conversations.open to a user id."""
    return "D" + user[1:]


@dataclass
class SlackMessage:
    channel: str  # a channel id, or the user id of a direct message
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    only_for: str | None = None  # an ephemeral message: the one user who sees it
    at: str = ""  # the practice time it was posted (as Parley's clock says)


@dataclass
class FakeSlack:
    """Slack's Web API for one workspace: chat.*, views.* and response_url posts."""

    team: str
    bot_user: str = "U0PARLEY"
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    messages: list[SlackMessage] = field(default_factory=list)
    views: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # user -> open modals, top last
    triggers: dict[str, str] = field(default_factory=dict)  # trigger id -> the user who caused it
    responses: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # response_url key -> (user, channel, ts)
    home: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> their App Home view
    now: Any = None  # a callable giving the time to stamp messages with

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)

    def routes(self, prefix: str) -> list[web.RouteDef]:
        return [web.route("*", f"{prefix}/api/{{method}}", self._api), web.post(f"{prefix}/response/{{key}}", self._response_url)]

    # -- what the person's Slack shows -------------------------------------------------------------

    def thread(self, channel: str) -> list[tuple[SlackMessage, list[SlackMessage]]]:
        """The channel's messages (not ephemerals), each with its thread replies, oldest first."""
        roots = [m for m in self.messages if m.channel == channel and m.thread_ts is None and m.only_for is None]
        return [(r, [m for m in self.messages if m.channel == channel and m.thread_ts == r.ts]) for r in roots]

    def direct(self, user: str) -> list[SlackMessage]:
        return [m for m in self.messages if m.channel in (user, im_channel(user)) and m.only_for is None]

    def ephemeral(self, user: str) -> list[SlackMessage]:
        return [m for m in self.messages if m.only_for == user]

    def top_view(self, user: str) -> dict[str, Any] | None:
        stack = self.views.get(user) or []
        return stack[-1] if stack else None

    # -- people's side: what Slack does with a modal's answer ---------------------------------------

    def trigger(self, user: str) -> str:
        trigger_id = f"{next(self._ids)}.{user}.practice"
        self.triggers[trigger_id] = user
        return trigger_id

    def response_url(self, base: str, user: str, channel: str, ts: str) -> str:
        key = f"r{next(self._ids)}"
        self.responses[key] = (user, channel, ts)
        return f"{base}/response/{key}"

    def answered(self, user: str, body: Any) -> None:
        """Slack's handling of a view_submission's answer: update, push, clear, errors or close."""
        self.calls.append(("view_submission.answer", body if isinstance(body, dict) else {}))
        stack = self.views.setdefault(user, [])
        action = body.get("response_action") if isinstance(body, dict) else None
        if action == "update" and stack:
            stack[-1] = {**body["view"], "id": stack[-1]["id"]}
        elif action == "push":
            stack.append({**body["view"], "id": f"V0P{next(self._ids):05d}"})
        elif action == "errors" and stack:
            stack[-1] = {**stack[-1], "errors": body.get("errors", {})}
        elif action == "clear":
            stack.clear()
        elif stack:
            stack.pop()

    def close_view(self, user: str) -> None:
        stack = self.views.get(user) or []
        if stack:
            stack.pop()

    # -- the Web API --------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if not request.headers.get("Authorization", "").startswith("Bearer xoxb-"):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        args = await web_api_args(request)
        self.calls.append((method, args))
        return web.json_response(self.answer(method, args))

    def _stamp(self) -> str:
        return self.now().isoformat() if self.now else ""

    def _blocks(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = args.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view") or {}
        return json.loads(view) if isinstance(view, str) else dict(view)

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method.startswith("chat."):
            return self._chat(method, args)
        if method.startswith("views."):
            return self._views(method, args)
        match method:
            case "auth.test":
                return {"ok": True, "team": "Practice", "team_id": self.team, "user_id": self.bot_user, "bot_id": "B0PARLEY"}
            case "conversations.open":
                return {"ok": True, "channel": {"id": im_channel(str(args.get("users", "U0")).split(",")[0])}}
        return {"ok": True}

    def _chat(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        match method:
            case "chat.postMessage":
                ts = self._next_ts()
                thread = args.get("thread_ts") or None
                self.messages.append(SlackMessage(channel, ts, str(args.get("text", "")), self._blocks(args), thread, at=self._stamp()))
                shown = im_channel(channel) if channel.startswith(("U", "W")) else channel
                return {"ok": True, "channel": shown, "ts": ts, "message": {"text": args.get("text", ""), "ts": ts}}
            case "chat.update":
                ts = str(args.get("ts", ""))
                for m in self.messages:
                    if m.ts == ts and m.channel in (channel, "U" + channel[1:]):
                        m.text, m.blocks = str(args.get("text", m.text)), self._blocks(args) or m.blocks
                return {"ok": True, "channel": channel, "ts": ts, "text": args.get("text", "")}
            case "chat.postEphemeral":
                ts = self._next_ts()
                self.messages.append(
                    SlackMessage(channel, ts, str(args.get("text", "")), self._blocks(args), only_for=str(args.get("user")), at=self._stamp())
                )
                return {"ok": True, "message_ts": ts}
            case "chat.getPermalink":
                return {"ok": True, "channel": channel, "permalink": f"#slack-{channel}-{args.get('message_ts', '')}"}
        return {"ok": True}

    def _views(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        match method:
            case "views.open" | "views.push":
                user = self.triggers.get(str(args.get("trigger_id")), "")
                view = {**self._view(args), "id": f"V0{next(self._ids):05d}"}
                stack = self.views.setdefault(user, [])
                if method == "views.open":
                    stack.clear()
                stack.append(view)
                return {"ok": True, "view": {**view, "team_id": self.team}}
            case "views.update":
                view_id = str(args.get("view_id", ""))
                for stack in self.views.values():
                    for i, open_view in enumerate(stack):
                        if open_view["id"] == view_id:
                            stack[i] = {**self._view(args), "id": view_id}
                return {"ok": True, "view": {**self._view(args), "id": view_id}}
            case "views.publish":
                self.home[str(args.get("user_id"))] = self._view(args)
                return {"ok": True, "view": self._view(args)}
        return {"ok": True}

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    async def _response_url(self, request: web.Request) -> web.Response:
        body = json.loads(await request.text() or "{}")
        user, channel, ts = self.responses.get(request.match_info["key"], ("", "", ""))
        self.calls.append(("response_url", body))
        target = next((m for m in self.messages if m.ts == ts), None)
        if body.get("delete_original") and target is not None:
            self.messages.remove(target)
        elif body.get("replace_original") and target is not None:
            target.text, target.blocks = str(body.get("text", "")), list(body.get("blocks") or [])
        else:
            text, blocks = str(body.get("text", "")), list(body.get("blocks") or [])
            self.messages.append(SlackMessage(channel, self._next_ts(), text, blocks, only_for=user, at=self._stamp()))
        return web.Response(text="ok")


@dataclass
class TeamsActivity:
    conversation: str  # the channel, "channel;messageid=<root>" for a thread reply, or a 1:1 chat
    id: str
    body: dict[str, Any]
    at: str = ""


@dataclass
class FakeConnector:
    """The Bot Framework connector: create a 1:1 chat, send, reply, update in place."""

    activities: list[TeamsActivity] = field(default_factory=list)
    now: Any = None

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)

    def routes(self, prefix: str) -> list[web.RouteDef]:
        return [web.route("*", f"{prefix}/{{tail:.*}}", self._handle)]

    def chat(self, conversation: str) -> list[TeamsActivity]:
        return [a for a in self.activities if a.conversation == conversation]

    def channel(self, channel: str) -> list[tuple[TeamsActivity, list[TeamsActivity]]]:
        roots = self.chat(channel)
        return [(r, self.chat(f"{channel};messageid={r.id}")) for r in roots]

    def find(self, activity_id: str) -> TeamsActivity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    async def _handle(self, request: web.Request) -> web.Response:
        segments = [unquote(s) for s in request.match_info["tail"].split("/") if s]
        raw = await request.text()
        body = json.loads(raw) if raw else {}
        if segments[:2] != ["v3", "conversations"]:
            return web.json_response({"error": {"code": "NotFound", "message": "not a connector path"}}, status=404)
        if len(segments) == 2:  # create a conversation: a 1:1 chat is "a:personal-<user>", as Teams keeps one per person
            user = (body.get("members") or [{}])[0].get("id", "")
            return web.json_response({"id": f"a:personal-{user.removeprefix('29:')}"}, status=201)
        conversation = segments[2]
        activity_id = segments[4] if len(segments) > 4 else None
        if request.method == "PUT" and activity_id:
            found = self.find(activity_id)
            if found is not None:
                found.body = body
            return web.json_response({"id": activity_id})
        new_id = f"1700000000{next(self._ids):06d}"
        self.activities.append(TeamsActivity(conversation, new_id, body, at=self.now().isoformat() if self.now else ""))
        return web.json_response({"id": new_id}, status=201)
