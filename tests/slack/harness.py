"""Drives the real Parley web app (app.build_web_app with the Slack front end mounted) the way Slack does.

Requests are signed with the signing secret exactly as Slack signs them (v0:timestamp:body,
HMAC-SHA256), bodies are what Slack sends (a form-encoded slash command; `payload=` JSON for
block_actions and view_submission; JSON for events), and the bot's Web API client points at a
MockSlack on 127.0.0.1. Tests are plain functions that call `run(engine, scenario)`: each
scenario is a coroutine run with asyncio.run (no pytest-asyncio needed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

import app as parley_app
from bot.directory import Directory, Identity
from bot.policy import Policy
from bot.upkeep import load_directory
from handlers import slack
from handlers.composition import compose
from handlers.delivery import deliver_due
from storage.db import session_factory
from storage.models import DisputeRow, OutboxRow
from storage.outbox import OutboxDelivery
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import CSC_WORKSPACE, LONDON, Clock, directory_for
from tests.slack.mock_slack import MockSlack, MockSocketMode

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-parley"
APP_TOKEN = "xapp-1-A0PARLEY-test"
CHANNEL = "C0PARLEY"
TEAM = CSC_WORKSPACE

# Far ahead of the real clock on purpose: the app's own timekeeper (real clock, started with the
# web app) must never find these disputes overdue or their messages due.
START = datetime(2040, 11, 5, 10, 0, tzinfo=LONDON).astimezone(timezone.utc)  # Monday, GMT


def slack_id(person_id: str) -> str:
    """The Slack user id tests/builders.py gives a person."""
    return "U0" + person_id.upper().replace(".", "").replace("_", "")


AMARA, BEN = slack_id("amara.okafor"), slack_id("ben.hughes")
DC_JONES, DS_KHAN = slack_id("dc.jones"), slack_id("ds.khan")
STRANGER = "U0STRANGER"


def with_police_on_slack(directory: Directory) -> Directory:
    """The police also in the CSC workspace (Slack Connect), beside their Teams identity."""
    people = {}
    for pid, person in directory.people.items():
        if "police" in person.agencies:
            people[pid] = dataclasses.replace(person, identities=person.identities + (Identity("slack", TEAM, slack_id(pid)),))
        else:
            people[pid] = person
    return Directory(agencies=dict(directory.agencies), people=people)


class Harness:
    def __init__(
        self, engine: Engine, policy: Policy, directory: Directory, clock: Clock, *, secret: str = SECRET, app_token: str | None = None
    ) -> None:
        self.engine = engine
        self.app_token = app_token  # set: Parley runs over Socket Mode, with `socket` as Slack's end of it
        self.socket: MockSocketMode | None = MockSocketMode() if app_token else None
        self.policy = policy
        self.directory = directory
        self.clock = clock
        self.secret = secret
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self.mock = MockSlack(team=TEAM)
        self._views = 0

    async def __aenter__(self) -> Harness:
        load_directory(self.directory, uow=SqlUnitOfWork(self.sessions))
        await self.mock.start()
        if self.socket is not None:
            self.mock.socket_url = await self.socket.start()
        site = slack.SlackSite(
            bot_token=TOKEN, signing_secret=self.secret, api_url=self.mock.api_url, channel=CHANNEL, team=TEAM, app_token=self.app_token
        )
        # Parley's own wiring (handlers.composition), with the mock's address, a fixed clock and no pacing
        wiring = compose(engine=self.engine, policy=self.policy, clock=self.clock, slack_site=site, paces=None)
        assert wiring.slack is not None
        self.front = wiring.slack
        parley = parley_app.Parley(wiring=wiring, sweep_seconds=3600)
        self.web = parley_app.build_web_app(parley)
        self.client = TestClient(TestServer(self.web, host="127.0.0.1"))
        await self.client.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()
        if self.socket is not None:
            await self.socket.stop()
        await self.mock.stop()

    # -- sending what Slack sends ----------------------------------------------------------------

    def sign(self, body: str, *, timestamp: int | None = None, secret: str | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret or self.secret).generate_signature(timestamp=ts, body=body)
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    async def post(
        self, body: str, content_type: str, *, headers: dict[str, str] | None = None, signed: bool = True, **sign: Any
    ) -> tuple[int, Any]:
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(self.sign(body, **sign))
        all_headers.update(headers or {})
        response = await self.client.post(slack.EVENTS_PATH, data=body.encode(), headers=all_headers)
        text = await response.text()
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text

    def command_fields(self, user: str, text: str = "", *, command: str = "/disagree") -> dict[str, str]:
        """A slash command as Slack sends it (form fields over HTTP; the same, as JSON, over Socket Mode)."""
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "t0csc",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0PARLEY",
            "is_enterprise_install": "false",
            "response_url": self.mock.response_url(f"cmd-{uuid.uuid4().hex[:8]}"),
            "trigger_id": f"trigger.{uuid.uuid4().hex[:12]}",
        }

    async def command(self, user: str, text: str = "", *, command: str = "/disagree", **kw: Any) -> tuple[int, Any]:
        body = urlencode(self.command_fields(user, text, command=command))
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def interaction(self, payload: dict[str, Any], **kw: Any) -> tuple[int, Any]:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def event(self, event: dict[str, Any], **kw: Any) -> tuple[int, Any]:
        body = json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM,
                "api_app_id": "A0PARLEY",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM, "user_id": "U0PARLEY", "is_bot": True}],
            }
        )
        return await self.post(body, "application/json", **kw)

    def _user(self, user: str) -> dict[str, Any]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}

    async def submit(self, user: str, view: dict[str, Any], answers: dict[str, Any], **kw: Any) -> tuple[int, Any]:
        """Submit a modal Parley opened (as recorded by the mock), filled in with `answers` by block id."""
        submitted = {**view, "state": {"values": fill(view, answers)}, "hash": "1700000000.abcdefgh"}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "t0csc"},
            "user": self._user(user),
            "api_app_id": "A0PARLEY",
            "token": "legacy-verification-token",
            "trigger_id": f"trigger.{uuid.uuid4().hex[:12]}",
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
        }
        return await self.interaction(payload, **kw)

    async def suggest(self, user: str, view: dict[str, Any], block_id: str, query: str, answers: dict[str, Any] | None = None, **kw: Any) -> tuple[int, Any]:
        """Type `query` into an external_select of a modal Parley opened (a block_suggestion); the options come back in the answer."""
        element = next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)
        payload = {
            "type": "block_suggestion",
            "user": self._user(user),
            "container": {"type": "view", "view_id": view.get("id", "V0")},
            "api_app_id": "A0PARLEY",
            "token": "legacy-verification-token",
            "action_id": element["action_id"],
            "block_id": block_id,
            "value": query,
            "team": {"id": TEAM, "domain": "t0csc"},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": {**view, "state": {"values": fill(view, answers or {})}, "hash": "1700000000.abcdefgh"},
        }
        return await self.interaction(payload, **kw)

    async def click(
        self, user: str, action_id: str, value: str, *, message: dict[str, Any] | None = None, channel: str = CHANNEL, **kw: Any
    ) -> tuple[int, Any]:
        """Click a button on a message (the root in the channel, or a DM)."""
        message = message or {}
        ts = message.get("ts", "2200000000.000001")
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "t0csc"},
            "user": self._user(user),
            "api_app_id": "A0PARLEY",
            "token": "legacy-verification-token",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "trigger_id": f"trigger.{uuid.uuid4().hex[:12]}",
            "channel": {"id": channel, "name": "parley"},
            "message": {"type": "message", "ts": ts, "text": message.get("text", ""), "blocks": message.get("blocks", [])},
            "response_url": self.mock.response_url(f"act-{uuid.uuid4().hex[:8]}"),
            "actions": [
                {"action_id": action_id, "block_id": "b", "type": "button", "value": value, "action_ts": str(time.time())}
            ],
            "is_enterprise_install": False,
        }
        return await self.interaction(payload, **kw)

    # -- waiting and looking -------------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait for every listener still working after its ack, and for the delivery pass it started."""
        await asyncio.wait_for(self.front.settle(), timeout=20)

    async def deliver(self) -> dict[str, int]:
        """A later delivery pass at the clock's time (what the periodic sweep does)."""
        return await deliver_due(OutboxDelivery(self.sessions), {"slack": self.front.sender}, now=self.clock())

    def opened_views(self) -> list[dict[str, Any]]:
        """The modals Parley opened, newest last, each with the id the mock gave it."""
        return [{**c.args["view"], "id": c.answer["view"]["id"]} for c in self.mock.calls_to("views.open")]

    async def open_intake(self, user: str) -> dict[str, Any]:
        before = len(self.opened_views())
        status, _ = await self.command(user)
        assert status == 200
        await self.settle()
        views = self.opened_views()
        assert len(views) == before + 1, "no modal was opened"
        return views[-1]

    async def raise_dispute(self, user: str = AMARA, **answers: Any) -> dict[str, Any]:
        view = await self.open_intake(user)
        status, body = await self.submit(user, view, {**default_answers(self.policy), **answers})
        assert status == 200, body
        assert body["response_action"] == "update", body
        await self.settle()
        return body

    def count(self, model: type) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(model)) or 0

    def outbox(self) -> list[OutboxRow]:
        with self.sessions() as s:
            return list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))

    def dispute_ids(self) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(DisputeRow.id).order_by(DisputeRow.opened_at)))

    def root(self) -> Any:
        roots = self.mock.posts(channel=CHANNEL, thread_ts=None)
        assert roots, "no thread root was posted"
        return roots[-1]

    def latest_root_blocks(self) -> list[dict[str, Any]]:
        updates = self.mock.calls_to("chat.update")
        return (updates[-1] if updates else self.root()).args["blocks"]


def button(blocks: list[dict[str, Any]], action_id: str) -> str:
    """The value of the button with this action id in these blocks."""
    for block in blocks:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("action_id") == action_id:
                return element["value"]
    raise AssertionError(f"no {action_id} button in {json.dumps(blocks)[:500]}")


def default_answers(policy: Policy) -> dict[str, Any]:
    return {
        "reference": "CSC-2040-0193",
        "category": "0",
        "other_person": DC_JONES,
        "problem": "The referral was closed with no further action.",
        "cause": "Different reading of the threshold document.",
        "outcome": "A strategy discussion this week.",
        "discussed": "yes",
        "immediate_risk": "no",
    }


def fill(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` as Slack builds it from the modal's inputs and what the person chose."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action = element["type"], element["action_id"]
        answer = answers.get(block["block_id"])
        match kind:
            case "plain_text_input":
                state: dict[str, Any] = {"type": kind, "value": answer}
            case "users_select":
                state = {"type": kind, "selected_user": answer}
            case "external_select":  # its options came from Parley; Slack sends back the one chosen
                option = {"text": {"type": "plain_text", "text": str(answer)}, "value": answer} if answer else None
                state = {"type": kind, "selected_option": option}
            case "static_select" | "radio_buttons":
                option = next((o for o in element.get("options", []) if o["value"] == answer), None)
                if option is None and answer is not None:
                    option = {"text": {"type": "plain_text", "text": str(answer)}, "value": answer}
                state = {"type": kind, "selected_option": option}
            case "multi_static_select":
                chosen = [o for o in element.get("options", []) if o["value"] in (answer or [])]
                state = {"type": kind, "selected_options": chosen}
            case _:
                state = {"type": kind}
        values[block["block_id"]] = {action: state}
    return values


def run(
    engine: Engine,
    scenario: Callable[[Harness], Awaitable[None]],
    *,
    policy: Policy,
    directory: Directory | None = None,
    clock: Clock | None = None,
    app_token: str | None = None,
    secret: str = SECRET,
) -> None:
    """Run one scenario against a fresh harness on this database (over Socket Mode when given an app token)."""

    async def main() -> None:
        directory_ = directory or with_police_on_slack(directory_for(policy))
        async with Harness(engine, policy, directory_, clock or Clock(START), app_token=app_token, secret=secret) as h:
            await scenario(h)

    asyncio.run(main())


def done_text(body: Any) -> str:
    """What the modal Parley showed after a form made its move says ('' if it wasn't that modal)."""
    if not isinstance(body, dict) or body.get("response_action") != "update":
        return ""
    view = body["view"]
    if view.get("title", {}).get("text") != "Done":
        return ""
    return " ".join(b["text"]["text"] for b in view["blocks"] if b.get("type") == "section")
