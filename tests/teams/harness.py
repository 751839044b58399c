"""Drives the real Parley web app (app.build_web_app with the Teams front end mounted) the way Teams does.

Activities are the JSON Teams posts to /api/messages (a message, a conversationUpdate on install,
an `adaptiveCard/action` invoke, a message carrying `value` for an Action.Submit), with
`serviceUrl` pointing at a MockConnector on 127.0.0.1; authentication is off (no app id), as with
the Bot Framework Emulator. Tests are plain functions calling `run(engine, scenario)`: each
scenario is a coroutine run with asyncio.run (no pytest-asyncio needed).

With `slack=True` the Slack front end is mounted too, on a MockSlack, with one notifier for both
platforms: the cross-platform dispute.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

import app as parley_app
from bot.directory import Directory, Identity
from bot.policy import Policy
from bot.upkeep import load_directory
from handlers import teams
from handlers.composition import compose
from handlers.delivery import deliver_due
from handlers.teams.adapter import BotConfig
from handlers.teams.gate import ServiceUrls
from messages.teams import Verb, cards_in
from storage.db import session_factory
from storage.models import DisputeRow, OutboxRow, RecordEntryRow
from storage.outbox import OutboxDelivery
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import LONDON, POLICE_TENANT, Clock, directory_for
from tests.teams.mock_connector import Call, MockConnector

CHANNEL = "19:parley-disputes@thread.tacv2"  # PARLEY_TEAMS_CHANNEL, in the police tenant
CSC_TENANT = "tenant-csc"
BOT = "28:parley"

# Far ahead of the real clock on purpose: the app's own timekeeper (real clock, started with the
# web app) must never find these disputes overdue or their messages due.
START = datetime(2040, 11, 5, 10, 0, tzinfo=LONDON).astimezone(timezone.utc)  # Monday, GMT


def teams_id(person_id: str) -> str:
    """The Teams user id tests/builders.py gives a person on Teams."""
    return "29:" + person_id.replace(".", "").replace("_", "").lower()


DC_JONES, DS_KHAN = teams_id("dc.jones"), teams_id("ds.khan")
AMARA, BEN = teams_id("amara.okafor"), teams_id("ben.hughes")
STRANGER = "29:stranger"
CARD = "application/vnd.microsoft.card.adaptive"  # an invoke response that is a card


def with_csc_on_teams(directory: Directory) -> Directory:
    """Children's Social Care on Teams too, in a tenant of its own: a Teams-only dispute across two tenants."""
    people = {}
    for pid, person in directory.people.items():
        if "csc" in person.agencies:
            people[pid] = dataclasses.replace(person, identities=(Identity("teams", CSC_TENANT, teams_id(pid)),))
        else:
            people[pid] = person
    return Directory(agencies=dict(directory.agencies), people=people)


@dataclasses.dataclass
class Posted:
    status: int
    body: Any

    @property
    def card(self) -> dict[str, Any]:
        """The card of an invoke response (Action.Execute)."""
        assert self.status == 200 and self.body["type"] == "application/vnd.microsoft.card.adaptive", self.body
        return self.body["value"]

    @property
    def message(self) -> str:
        """The private message of an invoke response."""
        assert self.status == 200 and self.body["type"] == "application/vnd.microsoft.activity.message", self.body
        return self.body["value"]


class Harness:
    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        directory: Directory,
        clock: Clock,
        *,
        slack: bool = False,
        app_id: str = "",
        password: str = "",
        openid_metadata_url: str | None = None,
        credentials_factory: Any = None,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.directory = directory
        self.clock = clock
        self.with_slack = slack
        self.app_id = app_id
        self.password = password
        self.openid_metadata_url = openid_metadata_url  # tests/security: a local OpenID metadata and key server
        self.credentials_factory = credentials_factory
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self.connector = MockConnector()
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Harness:
        load_directory(self.directory, uow=SqlUnitOfWork(self.sessions))
        await self.connector.start()
        metadata = {"OPENID_METADATA_URL": self.openid_metadata_url} if self.openid_metadata_url else {}
        site = teams.TeamsSite(
            # without an app id, these tests opt in to running with Teams authentication off, by name
            config=BotConfig(APP_ID=self.app_id, APP_PASSWORD=self.password, INSECURE_NO_AUTH=not self.app_id, **metadata),
            channel=CHANNEL,
            tenant=POLICE_TENANT,
            service_url=self.connector.url,
            service_urls=ServiceUrls.of([self.connector.url]),  # the mock connector is the only service URL accepted
            credentials_factory=self.credentials_factory,
        )
        self.slack_front = None
        slack_site = await self._with_slack() if self.with_slack else None
        # Parley's own wiring (handlers.composition): one notifier and every sender for both platforms
        wiring = compose(
            engine=self.engine, policy=self.policy, clock=self.clock, teams_site=site, slack_site=slack_site, paces=None, deliver_at_once=False
        )
        assert wiring.teams is not None
        self.front = wiring.teams
        self.slack_front = wiring.slack
        parley = parley_app.Parley(wiring=wiring, sweep_seconds=3600)
        self.web = parley_app.build_web_app(parley)
        self.client = TestClient(TestServer(self.web, host="127.0.0.1"))
        await self.client.start_server()
        return self

    async def _with_slack(self) -> Any:
        from handlers import slack
        from tests.slack import harness as slack_harness
        from tests.slack.mock_slack import MockSlack

        self.slack = MockSlack(team=slack_harness.TEAM)
        await self.slack.start()
        return slack.SlackSite(
            bot_token=slack_harness.TOKEN,
            signing_secret=slack_harness.SECRET,
            api_url=self.slack.api_url,
            channel=slack_harness.CHANNEL,
            team=slack_harness.TEAM,
        )

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()
        await self.connector.stop()
        if self.with_slack:
            await self.slack.stop()

    # -- what Teams sends ------------------------------------------------------------------------

    def activity(
        self, kind: str, user: str, *, scope: str = "personal", conversation: str | None = None, tenant: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        tenant = tenant or (CSC_TENANT if user in (AMARA, BEN) or user.startswith("29:csc") else POLICE_TENANT)
        if conversation is None:
            conversation = f"a:personal-{user.removeprefix('29:')}" if scope == "personal" else CHANNEL
        account = {"conversationType": scope, "tenantId": tenant, "id": conversation}
        if scope == "channel":
            account["isGroup"] = True
        data: dict[str, Any] = {"tenant": {"id": tenant}}
        if scope == "channel":
            data.update({"teamsTeamId": "19:team@thread.tacv2", "teamsChannelId": CHANNEL.split(";")[0], "channel": {"id": CHANNEL}})
        return {
            "type": kind,
            "id": f"f:{next(self._ids)}",
            "timestamp": self.clock().isoformat(),
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": {"id": user, "name": user, "aadObjectId": f"aad-{user.removeprefix('29:')}"},
            "conversation": account,
            "recipient": {"id": BOT, "name": "Parley"},
            "locale": "en-GB",
            "channelData": data,
            **fields,
        }

    async def post(self, activity: dict[str, Any], *, headers: dict[str, str] | None = None) -> Posted:
        response = await self.client.post(
            teams.MESSAGES_PATH, data=json.dumps(activity).encode(), headers={"Content-Type": "application/json", **(headers or {})}
        )
        text = await response.text()
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text
        return Posted(response.status, body)

    async def say(self, user: str, text: str, *, scope: str = "personal", mention: bool = False, **kw: Any) -> Posted:
        fields: dict[str, Any] = {"text": text, "textFormat": "plain"}
        if mention:
            fields["text"] = f"<at>Parley</at> {text}"
            fields["entities"] = [{"type": "mention", "text": "<at>Parley</at>", "mentioned": {"id": BOT, "name": "Parley"}}]
        return await self.post(self.activity("message", user, scope=scope, **fields, **kw))

    async def execute(self, user: str, verb: Verb | str, data: dict[str, Any] | None = None, *, reply_to: str = "card-1", **kw: Any) -> Posted:
        """An Action.Execute: the adaptiveCard/action invoke Teams sends; inputs are merged into data."""
        verb = str(verb)
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": {**(data or {}), "verb": verb}}, "trigger": "manual"}
        return await self.post(self.activity("invoke", user, name="adaptiveCard/action", value=value, replyToId=reply_to, **kw))

    async def submit(self, user: str, value: dict[str, Any], *, reply_to: str | None = "card-1", **kw: Any) -> Posted:
        """An Action.Submit: a message carrying the button's data and the inputs in `value`."""
        fields: dict[str, Any] = {"value": value}
        if reply_to:
            fields["replyToId"] = reply_to
        return await self.post(self.activity("message", user, **fields, **kw))

    async def install(self, user: str, *, scope: str = "personal") -> Posted:
        """Teams' conversationUpdate when Parley is added (for a person, or to a team)."""
        return await self.post(self.activity("conversationUpdate", user, scope=scope, membersAdded=[{"id": BOT}]))

    # -- delivery, and looking at what happened --------------------------------------------------

    async def deliver(self) -> dict[str, int]:
        """A delivery pass at the clock's time (what the periodic sweep does)."""
        senders: dict[str, Any] = {"teams": self.front.sender}
        if self.slack_front is not None:
            senders["slack"] = self.slack_front.sender
        return await deliver_due(OutboxDelivery(self.sessions), senders, now=self.clock())

    def replies(self, user: str) -> list[Call]:
        """What Parley answered in this user's 1:1 chat within their turns (POST .../activities/{id})."""
        conversation = f"a:personal-{user.removeprefix('29:')}"
        return [c for c in self.connector.ok_calls() if c.conversation == conversation]

    def last_card(self, user: str) -> dict[str, Any]:
        calls = self.replies(user)
        assert calls, f"nothing was said to {user}"
        [card] = cards_in(calls[-1].body)
        return card

    def count(self, model: type) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(model)) or 0

    def outbox(self) -> list[OutboxRow]:
        with self.sessions() as s:
            return list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))

    def dispute_ids(self) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(DisputeRow.id).order_by(DisputeRow.opened_at)))

    def record_kinds(self, dispute_id: str) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(RecordEntryRow.kind).where(RecordEntryRow.dispute_id == dispute_id).order_by(RecordEntryRow.seq)))

    def dispute(self, dispute_id: str) -> Any:
        with SqlUnitOfWork(self.sessions) as uow:
            return uow.disputes.get(dispute_id)

    def root(self) -> Call:
        roots = [c for c in self.connector.sent_to(CHANNEL) if c.kind == "send"]
        assert roots, "no thread root was posted"
        return roots[-1]

    def thread(self) -> list[Call]:
        root = self.root()
        return self.connector.sent_to(f"{CHANNEL};messageid={root.answer['id']}")

    def latest_root_card(self) -> dict[str, Any]:
        root = self.root()
        updates = self.connector.updates_of(CHANNEL, root.answer["id"])
        [card] = (updates[-1] if updates else root).cards()
        return card


def intake_answers(**changes: Any) -> dict[str, Any]:
    """A filled-in intake card, as Teams merges the inputs into the action's data."""
    answers = {
        "reference": "POL-2040-0193",
        "category": "0",
        "other_person": "amara.okafor",
        "problem": "The strategy discussion was not convened.",
        "cause": "Different reading of the threshold document.",
        "outcome": "A strategy discussion this week.",
        "discussed": "yes",
        "immediate_risk": "no",
    }
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def actions(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's buttons by title, with the data each carries (its verb inside)."""
    out: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                out[node["title"]] = node["data"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return out


def texts(card: dict[str, Any]) -> str:
    """Every TextBlock and fact of a card, joined (to look for words)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                out.append(node["text"])
            if node.get("type") == "FactSet":
                out.extend(f"{f['title']}: {f['value']}" for f in node["facts"])
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return "\n".join(out)


def element(card: dict[str, Any], element_id: str) -> dict[str, Any] | None:
    """The card element with this id (an input, or an error beside one)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("id") == element_id:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found[0] if found else None


def run(
    engine: Engine,
    scenario: Callable[[Harness], Awaitable[None]],
    *,
    policy: Policy,
    directory: Directory | None = None,
    clock: Clock | None = None,
    slack: bool = False,
    **kw: Any,
) -> None:
    """Run one scenario against a fresh harness on this database."""

    async def main() -> None:
        async with Harness(engine, policy, directory or directory_for(policy), clock or Clock(START), slack=slack, **kw) as h:
            await scenario(h)

    asyncio.run(main())
