"""One practice run: its own SQLite file, the real Slack and Teams front ends on in-process fakes, the practice clock.

People act through the front ends' real entry points: a Slack slash command, click or modal
submission is a payload signed with the practice signing secret and posted to the real Bolt app's
POST /slack/events; a Teams message or Action.Execute is an activity posted to the real bot's
POST /api/messages. Both run on a small internal aiohttp server on 127.0.0.1, beside the fakes
they post to. The real timekeeper sweeps on the practice clock.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.directory import Directory
from bot.upkeep import load_directory
from handlers import slack, teams
from handlers.composition import compose
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers.practice import clock as practice_clock
from handlers.practice.fakes import FakeConnector, FakeSlack
from handlers.practice.sample import SLACK_TEAM, TEAMS_TENANT, sample_directory, user_id
from handlers.quiet import without_line
from handlers.teams.adapter import BotConfig
from handlers.teams.gate import ServiceUrls
from messages import practice as wording
from storage.db import make_engine, upgrade

log = logging.getLogger("parley.practice")

SECRET = "practice0signing0secret0not0real"
TOKEN = "xoxb-practice-not-a-real-token"
SLACK_CHANNEL = "C0PRACTICE"
TEAMS_CHANNEL = "19:practice-disputes@thread.tacv2"
BOT = "28:parley-practice"
SWEEP_SECONDS = 5.0


class Practice:
    def __init__(self, *, folder: Path, policy_name: str, real_now: datetime) -> None:
        self.folder = folder
        self.policy_name = policy_name
        self.policy = read_policy(policy_name)
        self.calendar = calendar_for(self.policy)
        self.clock = practice_clock.PracticeClock(practice_clock.start_time(self.calendar, real_now))
        self.directory: Directory = sample_directory(self.policy)
        self.fake_slack = FakeSlack(team=SLACK_TEAM, now=self.clock)
        self.fake_teams = FakeConnector(now=self.clock)
        self.notices: dict[str, list[tuple[str, str]]] = {}  # person -> (practice time, what Parley said privately)
        self.card_overrides: dict[tuple[str, str], dict[str, Any]] = {}  # (person, activity id) -> the card their click got back
        self.said: list[tuple[str, str, str, str, int]] = []  # (conversation, person, practice time, text, position) typed in Teams
        self.lock = asyncio.Lock()
        self._ids = 0

    @property
    def db_path(self) -> Path:
        return self.folder / "practice.sqlite3"

    # -- start and stop ------------------------------------------------------------------------------

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):  # a fresh practice every time
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        self.engine = make_engine(f"sqlite:///{self.db_path}")
        await asyncio.to_thread(upgrade, self.engine)

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        slack_site = slack.SlackSite(
            bot_token=TOKEN, signing_secret=SECRET, api_url=f"{self.base}/fake-slack/api/", channel=SLACK_CHANNEL, team=SLACK_TEAM
        )
        teams_site = teams.TeamsSite(
            # no app id, so nothing to authenticate with: said by name, as Teams' gate requires
            config=BotConfig(INSECURE_NO_AUTH=True), channel=TEAMS_CHANNEL, tenant=TEAMS_TENANT, service_url=f"{self.base}/fake-teams/",
            service_urls=ServiceUrls.of([f"{self.base}/fake-teams/"]),  # the fake connector is the only one
        )  # fmt: skip
        # Parley's own wiring, as app.py serves it, on the practice clock (no pacing: the clock jumps)
        with without_line("parley.teams", "authentication is OFF"):  # the practice bot is reachable only on 127.0.0.1, from this process
            self.wiring = compose(
                engine=self.engine, policy=self.policy, clock=self.clock, calendar=self.calendar, slack_site=slack_site, teams_site=teams_site,
                paces=None,
            )  # fmt: skip
        assert self.wiring.slack is not None and self.wiring.teams is not None
        self.slack_front, self.teams_front = self.wiring.slack, self.wiring.teams
        self.sessions = self.wiring.sessions
        self.timekeeper = self.wiring.timekeeper()
        await asyncio.to_thread(load_directory, self.directory, uow=self.wiring.uow())
        internal = web.Application()
        internal.add_routes(self.fake_slack.routes("/fake-slack") + self.fake_teams.routes("/fake-teams"))
        self.wiring.mount(internal)
        self.runner = web.AppRunner(internal, access_log=None)
        await self.runner.setup()
        await web.SockSite(self.runner, sock).start()
        self.http = aiohttp.ClientSession(self.base)
        for person in self.directory.people.values():  # each Teams person has added Parley (their 1:1 chat)
            if person.identities[0].platform == "teams":
                await self._post_activity(self._activity("conversationUpdate", person.id, membersAdded=[{"id": BOT}]))
        await self.settle()
        self._sweeping = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        self._sweeping.cancel()
        await asyncio.gather(self._sweeping, return_exceptions=True)
        await self.http.close()
        await self.runner.cleanup()
        self.engine.dispose()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            await self.sweep()

    async def sweep(self) -> None:
        try:
            await self.timekeeper.sweep()
        except Exception:  # the next sweep tries again, as the real timekeeper does
            log.exception("practice sweep failed")

    async def settle(self) -> None:
        """Wait for the front ends' listeners and the delivery they started."""
        await asyncio.wait_for(self.wiring.settle(), timeout=40)

    # -- who is who -----------------------------------------------------------------------------------

    def platform_of(self, person_id: str) -> str:
        return self.directory.people[person_id].identities[0].platform

    def user_of(self, person_id: str) -> str:
        return user_id(self.platform_of(person_id), person_id)

    def note(self, person_id: str, text: str) -> None:
        self.notices.setdefault(person_id, []).append((self.clock().isoformat(), text))

    # -- the clock ------------------------------------------------------------------------------------

    async def move_clock(self, move: str, days: int = 1) -> datetime:
        at = await asyncio.to_thread(
            practice_clock.target, move, sessions=self.sessions, calendar=self.calendar, now=self.clock(), days=days
        )
        self.clock.move_to(at)
        await self.sweep()  # what the timekeeper finds due at the new time, at once
        await self.settle()
        return self.clock()

    # -- Slack: what the Slack client sends ------------------------------------------------------------

    async def _slack_post(self, fields: dict[str, str]) -> tuple[int, Any]:
        body = urlencode(fields)
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
        }
        return await self._post(slack.EVENTS_PATH, data=body.encode(), headers=headers)

    def _slack_user(self, person_id: str) -> dict[str, str]:
        user = self.user_of(person_id)
        return {"id": user, "username": person_id, "name": person_id, "team_id": SLACK_TEAM}

    async def slack_command(self, person_id: str, command: str, text: str = "") -> None:
        user = self.user_of(person_id)
        status, body = await self._slack_post(
            {
                "team_id": SLACK_TEAM, "team_domain": "practice", "channel_id": "C0GENERAL", "channel_name": "general",
                "user_id": user, "user_name": person_id, "command": command, "text": text, "api_app_id": "A0PARLEY",
                "response_url": self.fake_slack.response_url(f"{self.base}/fake-slack", user, "C0GENERAL", ""),
                "trigger_id": self.fake_slack.trigger(user),
            }
        )  # fmt: skip
        if isinstance(body, dict) and body.get("text"):
            self.note(person_id, str(body["text"]))
        elif status != 200:
            self.note(person_id, wording.platform_failed("Slack", f"run {command}", status))

    async def slack_click(self, person_id: str, action_id: str, value: str, channel: str, ts: str) -> None:
        user = self.user_of(person_id)
        message = next((m for m in self.fake_slack.messages if m.ts == ts), None)
        payload = {
            "type": "block_actions",
            "team": {"id": SLACK_TEAM, "domain": "practice"},
            "user": self._slack_user(person_id),
            "api_app_id": "A0PARLEY",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "trigger_id": self.fake_slack.trigger(user),
            "channel": {"id": channel, "name": "parley-practice"},
            "message": {"type": "message", "ts": ts, "text": message.text if message else "", "blocks": message.blocks if message else []},
            "response_url": self.fake_slack.response_url(f"{self.base}/fake-slack", user, channel, ts),
            "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value, "action_ts": str(time.time())}],
        }
        await self._slack_post({"payload": json.dumps(payload)})

    def _view_payload(self, kind: str, person_id: str, view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": kind,
            "team": {"id": SLACK_TEAM, "domain": "practice"},
            "user": self._slack_user(person_id),
            "api_app_id": "A0PARLEY",
            "view": {**view, "state": {"values": state_values(view, answers)}, "hash": "1700000000.practice"},
        }

    async def slack_submit(self, person_id: str, answers: dict[str, Any]) -> None:
        user = self.user_of(person_id)
        view = self.fake_slack.top_view(user)
        if view is None:
            self.note(person_id, wording.FORM_GONE)
            return
        payload = {**self._view_payload("view_submission", person_id, view, answers), "trigger_id": self.fake_slack.trigger(user)}
        status, body = await self._slack_post({"payload": json.dumps(payload)})
        if status == 200:
            self.fake_slack.answered(user, body)

    async def slack_suggest(self, person_id: str, block_id: str, query: str, answers: dict[str, Any]) -> list[dict[str, str]]:
        view = self.fake_slack.top_view(self.user_of(person_id))
        if view is None:
            return []
        element = next((b["element"] for b in view.get("blocks", []) if b.get("block_id") == block_id), None)
        if element is None:
            return []
        payload = {
            **self._view_payload("block_suggestion", person_id, view, answers),
            "action_id": element["action_id"], "block_id": block_id, "value": query,
            "container": {"type": "view", "view_id": view["id"]},
        }  # fmt: skip
        status, body = await self._slack_post({"payload": json.dumps(payload)})
        options = body.get("options", []) if status == 200 and isinstance(body, dict) else []
        return [{"value": o["value"], "text": o["text"]["text"]} for o in options]

    # -- Teams: what the Teams client sends -------------------------------------------------------------

    def _activity(self, kind: str, person_id: str, *, conversation: str | None = None, **fields: Any) -> dict[str, Any]:
        user = self.user_of(person_id)
        conversation = conversation or f"a:personal-{user.removeprefix('29:')}"
        in_channel = conversation.startswith(TEAMS_CHANNEL)
        account: dict[str, Any] = {"conversationType": "channel" if in_channel else "personal", "tenantId": TEAMS_TENANT, "id": conversation}
        data: dict[str, Any] = {"tenant": {"id": TEAMS_TENANT}}
        if in_channel:
            account["isGroup"] = True
            data.update({"teamsTeamId": "19:practice-team@thread.tacv2", "teamsChannelId": TEAMS_CHANNEL, "channel": {"id": TEAMS_CHANNEL}})
        self._ids += 1
        return {
            "type": kind, "id": f"practice:{self._ids}", "timestamp": self.clock().isoformat(), "serviceUrl": f"{self.base}/fake-teams/",
            "channelId": "msteams", "from": {"id": user, "name": self.directory.people[person_id].name, "aadObjectId": f"aad-{person_id}"},
            "conversation": account, "recipient": {"id": BOT, "name": "Parley"}, "locale": "en-GB", "channelData": data, **fields,
        }  # fmt: skip

    async def _post_activity(self, activity: dict[str, Any]) -> tuple[int, Any]:
        return await self._post(teams.MESSAGES_PATH, json=activity)

    async def _post(self, path: str, **request: Any) -> tuple[int, Any]:
        """Post to a front end's own endpoint; its status and answer (JSON when it is), once what it started has settled."""
        async with self.http.post(path, **request) as response:
            text = await response.text()
            status = response.status
        await self.settle()
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    async def teams_say(self, person_id: str, text: str) -> None:
        activity = self._activity("message", person_id, text=text, textFormat="plain")
        self.said.append((activity["conversation"]["id"], person_id, self.clock().isoformat(), text, len(self.fake_teams.activities)))
        await self._post_activity(activity)

    async def teams_execute(self, person_id: str, verb: str, data: dict[str, Any], reply_to: str, conversation: str) -> None:
        own = f"a:personal-{self.user_of(person_id).removeprefix('29:')}"
        if conversation != own and not conversation.startswith(TEAMS_CHANNEL):
            conversation = own  # a person acts only in their own chat or in the channel
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": {**data, "verb": verb}}, "trigger": "manual"}
        activity = self._activity("invoke", person_id, conversation=conversation, name="adaptiveCard/action", value=value, replyToId=reply_to)
        status, body = await self._post_activity(activity)
        if status != 200 or not isinstance(body, dict):
            self.note(person_id, wording.platform_failed("Teams", "do that", status))
        elif body.get("type") == "application/vnd.microsoft.card.adaptive":
            self.card_overrides[(person_id, reply_to)] = body["value"]  # the card refreshes for the person who clicked
        elif body.get("value"):
            self.note(person_id, str(body["value"]))


def state_values(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` as Slack builds it from a modal's inputs and what the person entered, by block id.

    A select's answer is its option value (or {"value", "text"} for an option Parley offered by search)."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element, answer = block["element"], answers.get(block["block_id"])
        kind = element["type"]
        if isinstance(answer, str):
            answer = answer.strip() or None
        if kind == "plain_text_input":
            state: dict[str, Any] = {"type": kind, "value": answer}
        elif kind == "users_select":
            state = {"type": kind, "selected_user": answer}
        elif kind in ("static_select", "radio_buttons", "external_select"):
            option = None
            if isinstance(answer, dict) and answer.get("value"):
                option = {"text": {"type": "plain_text", "text": str(answer.get("text") or answer["value"])}, "value": str(answer["value"])}
            elif answer is not None:
                option = next((o for o in element.get("options", []) if o["value"] == answer), None)
            state = {"type": kind, "selected_option": option}
        else:
            state = {"type": kind}
        values[block["block_id"]] = {element["action_id"]: state}
    return values
