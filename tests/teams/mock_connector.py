"""A local mock of the Bot Framework connector (the service Teams gives as `serviceUrl`).

An aiohttp server on 127.0.0.1 (a free port) that answers like the connector and records every call:
  POST /v3/conversations                                      create a conversation (a 1:1 chat)
  POST /v3/conversations/{conversationId}/activities          send to a conversation (a new post, or into a thread)
  POST /v3/conversations/{conversationId}/activities/{id}     reply to an activity
  PUT  /v3/conversations/{conversationId}/activities/{id}     update an activity (a card in place)
Conversation ids arrive URL-encoded (a thread is `19:...;messageid=...`); they are recorded decoded.
It also plays Teams' part in a bot sending a file (the FileConsentCard flow): `upload_info(name)`
is the uploadInfo Teams puts in the fileConsent/invoke, whose uploadUrl is this server
(PUT /upload/{name}); the bytes PUT there are kept in `uploads`.
`fail_next` makes the next calls answer 429 (with Retry-After) or 5xx, `drop_next` drops the
connection without an answer; `refuse_user` makes every
call that would reach that user answer 403, as Teams does when the bot was removed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from messages.teams import cards_in
from tests.local_server import serve


@dataclass
class Call:
    method: str  # POST | PUT
    path: str  # decoded
    conversation: str | None  # the conversation id, decoded (None for POST /v3/conversations)
    activity_id: str | None  # the activity in the path (reply or update), decoded
    body: dict[str, Any]
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def kind(self) -> str:
        if self.conversation is None:
            return "create"
        if self.method == "PUT":
            return "update"
        return "reply" if self.activity_id else "send"

    def cards(self) -> list[dict[str, Any]]:
        return cards_in(self.body)

    def text(self) -> str:
        """Everything Teams would render from this call, as JSON (to look for things in it)."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class Failure:
    status: int
    retry_after: int | None


class MockConnector:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.refused_users: set[str] = set()
        self.drops = 0
        # (kind, probability, seconds), as tests/slack/mock_slack.py: "500", "429", "slow", "hang"
        self.chaos: tuple[str, float, float] | None = None
        self.outage = False
        self.random = random.Random(11)
        self.answers_lost = 0  # activities carried out whose answer never came back in time
        self._ids = itertools.count(1)
        self._conversations: dict[str, str] = {}  # conversation id -> the user it is with
        self.uploads: dict[str, bytes] = {}  # file name -> the bytes PUT to its uploadUrl
        self.refuse_uploads = False  # answer the PUT with 500, as OneDrive does when it fails
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- control --------------------------------------------------------------------------------

    def fail_next(self, n: int = 1, *, status: int = 429, retry_after: int | None = 30) -> None:
        self.failures += [Failure(status, retry_after if status == 429 else None)] * n

    def drop_next(self, n: int = 1) -> None:
        """Close the next connections without an answer, as a connector that is down or unreachable does."""
        self.drops += n

    def refuse_user(self, user_id: str) -> None:
        self.refused_users.add(user_id)

    def ok_calls(self, kind: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.ok and (kind is None or c.kind == kind)]

    def sent_to(self, conversation: str) -> list[Call]:
        """Successful posts to this conversation (sends and replies)."""
        return [c for c in self.ok_calls() if c.kind in ("send", "reply") and c.conversation == conversation]

    def updates_of(self, conversation: str, activity_id: str) -> list[Call]:
        return [c for c in self.ok_calls("update") if c.conversation == conversation and c.activity_id == activity_id]

    def direct_to(self, user_id: str) -> list[Call]:
        """Successful posts into the 1:1 chat with this user (proactive sends; not replies within their turns)."""
        return [c for c in self.sent_to(f"a:personal-{user_id.removeprefix('29:')}") if c.kind == "send"]

    def upload_info(self, name: str) -> dict[str, Any]:
        """What Teams sends in a fileConsent/invoke when the person chose Allow (its OneDrive upload session)."""
        file_type = name.rsplit(".", 1)[-1]
        return {
            "name": name,
            "uploadUrl": f"{self.url}upload/{name}",
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/Documents/Applications/Parley/{name}",
            "uniqueId": f"1150D938-8870-4044-9F2C-5BBDEBA70C{len(self.uploads):02d}",
            "fileType": file_type,
        }

    def everything(self) -> list[str]:
        return [c.text() for c in self.calls]

    # -- the server -----------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def start(self) -> str:
        self._runner, port = await serve(self.app())
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        segments = [unquote(s) for s in request.rel_url.raw_path.split("/") if s]
        if request.method == "PUT" and segments[:1] == ["upload"] and len(segments) == 2:
            if self.refuse_uploads:
                return web.json_response({"error": {"code": "generalException"}}, status=500)
            self.uploads[segments[1]] = await request.read()
            return web.json_response({"id": segments[1], "name": segments[1], "size": len(self.uploads[segments[1]])}, status=201)
        raw = await request.text()
        body = json.loads(raw) if raw else {}
        conversation = activity_id = None
        if segments[:2] != ["v3", "conversations"]:
            return web.json_response({"error": {"code": "NotFound", "message": "not a connector path"}}, status=404)
        if len(segments) >= 4 and segments[3] == "activities":
            conversation = segments[2]
            activity_id = segments[4] if len(segments) > 4 else None
        elif len(segments) != 2:
            return web.json_response({"error": {"code": "NotFound", "message": "not a connector path"}}, status=404)
        call = Call(request.method, "/" + "/".join(segments), conversation, activity_id, body)
        self.calls.append(call)
        late = 0.0
        if self.outage:
            call.status = 0
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        if self.chaos is not None and self.random.random() < self.chaos[1]:
            kind, _, seconds = self.chaos
            if kind in ("500", "429"):
                call.status = int(kind)
                call.answer = {"error": {"code": "Throttled" if kind == "429" else "ServiceError", "message": "try again later"}}
                headers = {"Retry-After": str(int(seconds) or 1)} if kind == "429" else {}
                return web.json_response(call.answer, status=call.status, headers=headers)
            late = seconds if kind == "slow" else 60.0
            if kind == "hang":
                self.answers_lost += 1
        refused = self._scripted(call, request)
        if refused is not None:
            return refused
        call.answer = self._answer(call)
        call.status = 201 if call.kind in ("send", "reply", "create") else 200
        if late:
            await asyncio.sleep(late)  # carried out; only the answer is late
        return web.json_response(call.answer, status=call.status)

    def _scripted(self, call: Call, request: web.Request) -> web.Response | None:
        """What the test set up for this call: a dropped connection, a failure, or a user who refuses the bot."""
        if self.drops:
            self.drops -= 1
            call.status = 0
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        if self.failures:
            failure = self.failures.pop(0)
            call.status = failure.status
            call.answer = {"error": {"code": "Throttled" if failure.status == 429 else "ServiceError", "message": "try again later"}}
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return web.json_response(call.answer, status=failure.status, headers=headers)
        if self._user_of(call) in self.refused_users:
            call.status = 403
            call.answer = {"error": {"code": "BotNotInConversationRoster", "message": "The bot is not part of the conversation roster."}}
            return web.json_response(call.answer, status=403)
        return None

    def _user_of(self, call: Call) -> str | None:
        if call.kind == "create":
            members = call.body.get("members") or [{}]
            return members[0].get("id")
        conversation = call.conversation or ""
        return self._conversations.get(conversation) or (
            "29:" + conversation.removeprefix("a:personal-") if conversation.startswith("a:personal-") else None
        )

    def _answer(self, call: Call) -> dict[str, Any]:
        n = next(self._ids)
        match call.kind:
            case "create":
                user = (call.body.get("members") or [{}])[0].get("id", "")
                # Teams has one 1:1 chat per user and bot: the same id their own messages come from
                conversation = f"a:personal-{user.removeprefix('29:')}"
                self._conversations[conversation] = user
                return {"id": conversation}
            case "update":
                return {"id": call.activity_id}
        return {"id": f"1700000000{n:06d}"}
