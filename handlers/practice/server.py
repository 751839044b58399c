"""The practice workspace's web pages and JSON API, added to Parley's aiohttp app.

Every practice request must come to a local address (Host) and, when the browser says where it
comes from (Origin), from a local page; a POST must say so. Each answer carries a strict
Content-Security-Policy: the page loads only its own files and talks only to this server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from handlers.practice import clock as practice_clock
from handlers.practice.sample import who_is_who
from handlers.practice.view import state
from handlers.practice.workspace import Practice
from messages import practice as wording
from policies import PRESETS

log = logging.getLogger("parley.practice")

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/practice"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
FILES = {"practice.js": "text/javascript", "practice.css": "text/css", "vendor/adaptivecards.min.js": "text/javascript"}
HOST = web.AppKey("parley.practice.host", object)


def is_local(netloc: str) -> bool:
    """True for 127.0.0.1, localhost or [::1], with or without a port."""
    try:
        host = urlsplit(f"//{netloc}").hostname
    except ValueError:
        return False
    return host in LOCAL_HOSTS


def _refusal(request: web.Request) -> str | None:
    if not is_local(request.host or ""):
        return wording.ONLY_LOCAL_HOST
    origin = request.headers.get("Origin")
    if origin is not None and (origin == "null" or not is_local(urlsplit(origin).netloc)):
        return wording.ONLY_OWN_PAGES
    if request.method == "POST" and origin is None:
        return wording.ONLY_OWN_PAGES
    return None


def guarded(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def guard(request: web.Request) -> web.StreamResponse:
        why = _refusal(request)
        if why is not None:
            response: web.StreamResponse = web.Response(status=403, text=why)
        else:
            response = await handler(request)
        response.headers.update(HEADERS)
        return response

    return guard


class PracticeHost:
    """Holds the current practice run; a reset or a preset change starts a fresh one."""

    def __init__(self, folder: Path, policy_name: str) -> None:
        self.folder = folder
        self.policy_name = policy_name
        self.practice: Practice | None = None
        self.lock = asyncio.Lock()

    async def start(self, policy_name: str | None = None) -> Practice:
        async with self.lock:
            if self.practice is not None:
                await self.practice.stop()
                self.practice = None
            self.policy_name = policy_name or self.policy_name
            practice = Practice(folder=self.folder, policy_name=self.policy_name, real_now=datetime.now(timezone.utc))
            await practice.start()
            self.practice = practice
            return practice

    async def stop(self) -> None:
        async with self.lock:
            if self.practice is not None:
                await self.practice.stop()
                self.practice = None


def routes(host: PracticeHost) -> list[web.RouteDef]:
    """The practice pages and API, every one behind the local-only guard."""
    api = _Api(host)
    return [
        web.get("/", guarded(_page)),
        web.get(f"{PREFIX}/", guarded(_page)),
        web.get(f"{PREFIX}/static/{{name:.+}}", guarded(_static)),
        web.get(f"{PREFIX}/api/people", guarded(api.people)),
        web.get(f"{PREFIX}/api/view", guarded(api.view)),
        web.post(f"{PREFIX}/api/{{what}}", guarded(api.act)),
    ]


async def _page(_: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html; charset=utf-8"})


async def _static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in FILES:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={"Content-Type": f"{FILES[name]}; charset=utf-8"})


def _person_of(practice: Practice, value: Any) -> str:
    if not isinstance(value, str) or value not in practice.directory.people:
        raise web.HTTPBadRequest(text=wording.CHOOSE_PERSON)
    return value


class _Api:
    """The JSON API over the host's current practice run."""

    def __init__(self, host: PracticeHost) -> None:
        self.host = host

    def current(self) -> Practice:
        if self.host.practice is None:
            raise web.HTTPServiceUnavailable(text=wording.STARTING)
        return self.host.practice

    async def people(self, _: web.Request) -> web.StreamResponse:
        practice = self.current()
        return web.json_response(
            {"people": who_is_who(practice.directory), "policy": practice.policy_name, "presets": list(PRESETS), "policy_title": practice.policy.title}
        )

    async def view(self, request: web.Request) -> web.StreamResponse:
        practice = self.current()
        person = _person_of(practice, request.query.get("person"))
        return web.json_response(state(practice, person))

    async def act(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text=wording.NOT_JSON) from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text=wording.NOT_JSON)
        what = request.match_info["what"]
        if what == "reset":
            policy = body.get("policy") or self.host.policy_name
            if policy not in PRESETS:
                raise web.HTTPBadRequest(text=wording.choose_preset(PRESETS))
            await self.host.start(policy)
            return web.json_response({"ok": True, "policy": policy})
        practice = self.current()
        async with practice.lock:
            return web.json_response(await _do(practice, what, body))


def _text(body: dict[str, Any], key: str, limit: int = 20000) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > limit:
        raise web.HTTPBadRequest(text=wording.must_be_text(key))
    return value


async def _do(practice: Practice, what: str, body: dict[str, Any]) -> dict[str, Any]:
    if what == "clock":
        try:
            days = int(body.get("days") or 1)
            at = await practice.move_clock(_text(body, "move"), days)
        except (ValueError, TypeError):
            raise web.HTTPBadRequest(text=wording.DAYS_NUMBER) from None
        except practice_clock.NothingDue as exc:
            return {"ok": False, "message": str(exc)}
        return {"ok": True, "message": wording.clock_moved(f"{practice.calendar.to_local(at):%a %-d %b %Y, %H:%M}")}
    person = _person_of(practice, body.get("person"))
    platform = practice.platform_of(person)
    answers = body.get("answers") if isinstance(body.get("answers"), dict) else {}
    match (what, platform):
        case ("say", "slack"):
            said = _text(body, "text").strip()
            if not said.startswith("/"):
                return {"ok": False, "message": wording.SLACK_COMMANDS_ONLY}
            command, _, rest = said.partition(" ")
            await practice.slack_command(person, command, rest.strip())
        case ("say", "teams"):
            await practice.teams_say(person, _text(body, "text").strip())
        case ("click", "slack"):
            await practice.slack_click(person, _text(body, "action_id"), _text(body, "value"), _text(body, "channel"), _text(body, "ts"))
        case ("submit", "slack"):
            await practice.slack_submit(person, answers)
        case ("close", "slack"):
            practice.fake_slack.close_view(practice.user_of(person))
        case ("suggest", "slack"):
            return {"ok": True, "options": await practice.slack_suggest(person, _text(body, "block_id"), _text(body, "query"), answers)}
        case ("execute", "teams"):
            data = body.get("data") if isinstance(body.get("data"), dict) else {}
            await practice.teams_execute(person, _text(body, "verb"), data, _text(body, "reply_to"), _text(body, "conversation"))
        case _:
            raise web.HTTPBadRequest(text=wording.NOT_HERE)
    return {"ok": True}
