"""A local mock of the Slack Web API, after bolt-python's tests/mock_web_api_server.

An aiohttp server on 127.0.0.1 (a free port) that answers like Slack and records every call:
the method from the path, the token from the Authorization header, and the arguments (read as the
practice workspace's fake Slack reads them: handlers.practice.fakes.web_api_args). It also takes the posts Parley makes to response_url
(at /response/<anything>). `fail_next` makes the next calls answer 429 (with Retry-After) or 5xx;
`slow_next` does the work and then answers late (or, past the client's timeout, never in time);
`outage` closes every connection unanswered until it is lifted; `rate_limit` answers 429 to any
second post to a channel within a second, as Slack does. Posted messages are kept per channel, with
their metadata, and `conversations.history` / `conversations.replies` answer from them.

`MockSocketMode` (tests/slack/mock_socket.py) is Slack's Socket Mode end, whose ws:// URL the mock
Web API hands out from `apps.connections.open` (called with the app-level token, xapp-).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from handlers.practice.fakes import im_channel, web_api_args
from tests.local_server import serve
from tests.slack.mock_socket import MockSocketMode  # noqa: F401 - the harness imports it from here

TEAM = "T0CSC"
BOT_USER = "U0PARLEY"


@dataclass
class Call:
    method: str  # e.g. "chat.postMessage"
    token: str | None
    args: dict[str, Any]
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.perf_counter)  # when it arrived (benchmarks time the modal)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.answer.get("ok"))

    def text(self) -> str:
        """Every string Slack would render from this call, joined (for looking for things in it)."""
        return json.dumps(self.args, ensure_ascii=False)


@dataclass
class Failure:
    status: int
    retry_after: int | None
    method: str | None
    error: str


@dataclass
class Upload:
    """A file Parley uploaded: asked for (getUploadURLExternal), sent (POST to the upload URL), shared (complete)."""

    file_id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str = ""
    channel: str = ""  # where completeUploadExternal shared it ("" until then)


def shared_files(mock: MockSlack, channel: str | None = None) -> list[Upload]:
    """Uploads that were completed and shared (in `channel`, if given)."""
    return [u for u in mock.uploads.values() if u.channel and u.content is not None and channel in (None, u.channel)]


class MockSlack:
    def __init__(self, *, team: str = TEAM, bot_user: str = BOT_USER, valid_tokens: tuple[str, ...] = ("xoxb-",)) -> None:
        self.team = team
        self.socket_url = ""  # what apps.connections.open answers (a MockSocketMode's ws:// URL)
        self.bot_user = bot_user
        self.valid_tokens = valid_tokens
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # bodies posted to response_url
        self.uploads: dict[str, Upload] = {}  # files Parley uploaded, by file id (files_upload_v2's three steps)
        self.failures: list[Failure] = []
        self.unknown_channels: set[str] = set()
        self.slow: list[tuple[float, str | None]] = []  # (seconds, method): answer these calls late
        self.outage = False  # True: every connection is closed without an answer
        self.rate_limit = False  # True: a second post to a channel within a second gets 429
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> posted messages, oldest first
        # (kind, probability, seconds): every call may meet "500", "429" (Retry-After `seconds`),
        # "slow" (done, answered after `seconds`) or "hang" (done, never answered in time)
        self.chaos: tuple[str, float, float] | None = None
        self.random = random.Random(7)
        self.answers_lost = 0  # calls carried out whose answer never came back in time
        self._last_post: dict[str, float] = {}
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- control --------------------------------------------------------------------------------

    def fail_next(
        self, n: int = 1, *, status: int = 429, retry_after: int | None = 30, method: str | None = None, error: str | None = None
    ) -> None:
        """The next n calls (of `method`) fail: 429 with Retry-After, a 5xx, or (status 200) Slack's ok=false `error`."""
        error = error or ("ratelimited" if status == 429 else "internal_error")
        self.failures += [Failure(status, retry_after if status == 429 else None, method, error)] * n

    def slow_next(self, n: int = 1, *, seconds: float = 3.0, method: str | None = None) -> None:
        """The next n calls (of `method`) are carried out, and answered only after `seconds`."""
        self.slow += [(seconds, method)] * n

    def stored(self, key: str) -> list[dict[str, Any]]:
        """Every posted message carrying this outbox key in its metadata."""
        return [
            m for ms in self.messages.values() for m in ms
            if ((m.get("metadata") or {}).get("event_payload") or {}).get("outbox_key") == key
        ]

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def posts(self, *, channel: str | None = None, thread_ts: str | bool | None = False) -> list[Call]:
        """Successful chat.postMessage calls, filtered by channel and thread (None: not in a thread)."""
        out = []
        for c in self.calls_to("chat.postMessage"):
            if channel is not None and c.args.get("channel") != channel:
                continue
            if thread_ts is not False and c.args.get("thread_ts") != thread_ts:
                continue
            out.append(c)
        return out

    def everything(self) -> Iterator[str]:
        """The text of every call and response_url post, for checks that must hold everywhere."""
        for c in self.calls:
            yield c.text()
        for r in self.responses:
            yield json.dumps(r, ensure_ascii=False)

    # -- the server -----------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        return app

    async def start(self) -> str:
        self._runner, port = await serve(self.app())
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str = "1") -> str:
        return f"{self.url}/response/{key}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        args = await web_api_args(request)
        call = Call(method, token, args)
        self.calls.append(call)
        if self.outage:
            call.status = 0
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        slow = next((f for f in self.slow if f[1] in (None, method)), None)
        if slow is not None:
            self.slow.remove(slow)
        if self.chaos is not None and self.random.random() < self.chaos[1]:
            kind, _, seconds = self.chaos
            if kind == "500":
                call.status, call.answer = 500, {"ok": False, "error": "internal_error"}
                return web.json_response(call.answer, status=500)
            if kind == "429":
                call.status, call.answer = 429, {"ok": False, "error": "ratelimited"}
                return web.json_response(call.answer, status=429, headers={"Retry-After": str(int(seconds) or 1)})
            slow = (seconds if kind == "slow" else 60.0, method)
            if kind == "hang":
                self.answers_lost += 1
        refused = self._rate_limited(call) or self._failing(call)
        if refused is not None:
            return refused
        call.answer = self._authorised(method, token, args)
        if slow is not None:
            await asyncio.sleep(slow[0])  # the work is done: only the answer is late
        return web.json_response(call.answer)

    def _rate_limited(self, call: Call) -> web.Response | None:
        """429 for a second post to a channel within a second, while `rate_limit` is on."""
        if not self.rate_limit or call.method != "chat.postMessage":
            return None
        channel = str(call.args.get("channel", ""))
        at = time.monotonic()
        if at - self._last_post.get(channel, -10.0) < 1.0:
            call.status = 429
            call.answer = {"ok": False, "error": "ratelimited"}
            return web.json_response(call.answer, status=429, headers={"Retry-After": "1"})
        self._last_post[channel] = at
        return None

    def _failing(self, call: Call) -> web.Response | None:
        """The answer of the next failure `fail_next` set up for this method, if any is left."""
        failure = next((f for f in self.failures if f.method in (None, call.method)), None)
        if failure is None:
            return None
        self.failures.remove(failure)
        call.status = failure.status
        call.answer = {"ok": False, "error": failure.error}
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
        return web.json_response(call.answer, status=failure.status, headers=headers)

    def _authorised(self, method: str, token: str | None, args: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            # the one method Slack wants the app-level token for, and refuses the bot token on
            ok = bool(token and token.startswith("xapp-") and self.socket_url)
            return {"ok": True, "url": self.socket_url} if ok else {"ok": False, "error": "invalid_auth"}
        if not token or not token.startswith(self.valid_tokens):
            return {"ok": False, "error": "invalid_auth"}
        return self._answer(method, args)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel in self.unknown_channels:
            return {"ok": False, "error": "channel_not_found"}
        if method in ("conversations.history", "conversations.replies"):
            return self._history(method, channel, args)
        if method.startswith("files."):
            return self._files(method, args)
        if method.startswith("views."):  # open, update, push, publish: the view as shown, with an id
            view = args.get("view") or {}
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {"id": f"V0VIEW{next(self._views):04d}", "team_id": self.team, **view}}
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "url": "https://t0csc.slack.com/",
                    "team": "Children's Social Care",
                    "user": "parley",
                    "team_id": self.team,
                    "user_id": self.bot_user,
                    "bot_id": "B0PARLEY",
                }
            case "chat.postMessage":
                if channel.startswith(("U", "W")):
                    channel = im_channel(channel)  # a DM: Slack answers with the IM channel
                ts = f"{time.time():.0f}.{next(self._ts):06d}"
                stored = {"ts": ts, "text": args.get("text", ""), "thread_ts": args.get("thread_ts"), "metadata": args.get("metadata")}
                self.messages.setdefault(channel, []).append(stored)
                return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text", ""), "ts": ts}}
            case "chat.update":
                return {"ok": True, "channel": channel, "ts": args.get("ts"), "text": args.get("text", "")}
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": f"2200000000.{next(self._ts):06d}"}
            case "chat.getPermalink":
                ts = str(args.get("message_ts", "")).replace(".", "")
                return {"ok": True, "channel": channel, "permalink": f"https://t0csc.slack.com/archives/{channel}/p{ts}"}
            case "conversations.open":
                return {"ok": True, "channel": {"id": im_channel(str(args.get("users", "U0")).split(",")[0])}}
        return {"ok": True}

    def _history(self, method: str, channel: str, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.history (the channel's roots) or .replies (a thread), newest first, from what was posted."""
        oldest = float(args.get("oldest") or 0)
        limit = int(args.get("limit") or 100)
        metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        if method == "conversations.history":
            found = [m for m in self.messages.get(channel, []) if not m["thread_ts"]]
        else:
            root = str(args.get("ts", ""))
            found = [m for m in self.messages.get(channel, []) if m["ts"] == root or m["thread_ts"] == root]
        found = [m for m in found if float(m["ts"]) > oldest][::-1][:limit]
        return {
            "ok": True,
            "messages": [{k: v for k, v in m.items() if v is not None and (metadata or k != "metadata")} for m in found],
            "has_more": False,
        }

    def _files(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """files_upload_v2's first and last steps: ask for an upload URL, then share what was sent to it."""
        if method == "files.getUploadURLExternal":
            file_id = f"F0FILE{next(self._views):04d}"
            self.uploads[file_id] = Upload(file_id, str(args.get("filename", "")), int(args.get("length", 0) or 0))
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method != "files.completeUploadExternal":
            return {"ok": True}
        files = args.get("files") or []
        if isinstance(files, str):  # sent in the query string, as JSON
            files = json.loads(files)
        done = []
        for item in files:
            upload = self.uploads.get(item.get("id", ""))
            if upload is None or upload.content is None:
                return {"ok": False, "error": "file_upload_not_completed"}
            upload.title, upload.channel = item.get("title") or "", str(args.get("channel_id", ""))
            done.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
        return {"ok": True, "files": done}

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        upload.content = await request.read()
        return web.Response(text="OK - " + str(len(upload.content)))

    async def _response_url(self, request: web.Request) -> web.Response:
        self.responses.append(json.loads(await request.text() or "{}"))
        return web.Response(text="ok")


class MockSlackInThread:
    """The mock on its own event loop in a thread, for code that calls Slack synchronously (start-up checks)."""

    def __init__(self, mock: MockSlack | None = None) -> None:
        self.mock = mock or MockSlack()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> MockSlack:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.mock.start(), self._loop).result(timeout=10)
        return self.mock

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.mock.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
