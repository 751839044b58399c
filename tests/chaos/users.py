"""People using Parley during the chaos test, their requests carried as Slack and Teams carry them.

Amara (Children's Social Care, on Slack) types /disagree, fills in the modal Parley opens and sends
it; she presses Escalate, Add note or Propose resolution on a thread's root and sends the form that
opens. DC Jones (the police, on Teams) raises from the intake card and presses the same buttons on
the channel's cards. Every Slack request is signed with the signing secret (v0:timestamp:body,
HMAC-SHA256); every Teams activity carries a Bot Framework token signed by the local key server
(tests/chaos/cluster.Keys), so the replicas check both as they do in production.

The requests go through `Front`, which plays the load balancer: a replica that is down (killed)
is skipped, and a request whose answer never came is sent again, as the person would press again:
the same modal with the same values on Slack, the same card on Teams, so a move is made once.
What the person sees (the modal Parley opened, the buttons on the root) is read back from the
mocks, so only what Parley really showed can be pressed.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from messages.slack import ActionId
from messages.teams import Verb
from tests.builders import CSC_WORKSPACE, POLICE_TENANT
from tests.chaos.cluster import SECRET, SLACK_CHANNEL, TEAMS_CHANNEL, Keys, MockProcess, Node
from tests.slack.harness import fill
from tests.teams.harness import actions

AMARA_SLACK = "U0AMARAOKAFOR"  # tests/builders.py's Slack id for amara.okafor
JONES_TEAMS = "29:dcjones"  # and its Teams id for dc.jones
BOT = "28:parley"


class Front:
    """The load balancer before the serve replicas: each request to a live one, the next one if it is down."""

    def __init__(self, nodes: list[Node], rng: random.Random) -> None:
        self.nodes = [n for n in nodes if n.role == "serve"]
        self.rng = rng
        self.closed = False  # the run is over: people stop (what is under way gives up)

    def post(self, path: str, body: bytes, headers: dict[str, str], *, give_up_after: float = 15.0) -> tuple[int, Any]:
        """(status, answer) from the first replica that answers; (0, None) if none did in time."""
        deadline = time.monotonic() + give_up_after
        while time.monotonic() < deadline and not self.closed:
            live = [n for n in self.nodes if n._ready and n.process is not None and n.process.poll() is None]
            self.rng.shuffle(live)
            for node in live:
                request = urllib.request.Request(f"http://127.0.0.1:{node.port}{path}", data=body, headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=10) as r:
                        text = r.read()
                        return r.status, _json(text)
                except urllib.error.HTTPError as exc:
                    return exc.code, _json(exc.read())
                except OSError:
                    continue  # killed, or the answer never came: the next replica
            time.sleep(0.5)
        return 0, None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


def _wait_for(look: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = look()
        if found:
            return found
        time.sleep(0.3)
    return None


# what each button opens and what the person types into it (Slack: action, modal field; Teams: titles, verbs)
MOVES = {
    "escalate": (
        ActionId.ESCALATE, {"reason": "Still no reply, and the child's plan is waiting."}, "Escalate", Verb.ESCALATE, "Escalate", Verb.ESCALATE_SUBMIT
    ),
    "note": (ActionId.ADD_NOTE, {"note": "Spoke to the duty manager this morning."}, "Add note", Verb.ADD_NOTE, "Add note", Verb.ADD_NOTE_SUBMIT),
    "propose": (ActionId.RESOLVE, {"agreed_outcome": "A strategy discussion on Tuesday."}, "Resolve", Verb.RESOLVE, "Propose", Verb.RESOLVE_SUBMIT),
}


class SlackUser:
    """Amara, on Slack."""

    def __init__(self, front: Front, slack: MockProcess) -> None:
        self.front, self.slack = front, slack
        self.intake: dict[str, Any] | None = None  # a modal she has open (Slack may fail to open the next one)

    def _send(self, body: str, *, retries: int = 3) -> tuple[int, Any]:
        for _ in range(retries):
            ts = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
            }
            status, answer = self.front.post("/slack/events", body.encode(), headers)
            if status:
                return status, answer
        return 0, None

    def _user(self) -> dict[str, Any]:
        return {"id": AMARA_SLACK, "username": "amara", "name": "amara", "team_id": CSC_WORKSPACE}

    def _interaction(self, payload: dict[str, Any]) -> tuple[int, Any]:
        return self._send(urlencode({"payload": json.dumps(payload)}))

    def _opened(self, trigger: str) -> dict[str, Any] | None:
        return _wait_for(lambda: self.slack.look("view", trigger=trigger), 8.0)

    def _submit(self, view: dict[str, Any], answers: dict[str, Any]) -> str:
        payload = {
            "type": "view_submission",
            "team": {"id": CSC_WORKSPACE, "domain": "t0csc"},
            "user": self._user(),
            "api_app_id": "A0PARLEY",
            "trigger_id": f"trigger.{uuid.uuid4().hex[:12]}",
            "view": {**view, "state": {"values": fill(view, answers)}, "hash": "1700000000.abcdefgh"},
            "response_urls": [],
            "is_enterprise_install": False,
        }
        status, body = self._interaction(payload)
        if status != 200 or not isinstance(body, dict):
            return "no answer"
        title = ((body.get("view") or {}).get("title") or {}).get("text", "")
        if body.get("response_action") == "errors":
            return "errors"
        return {"Nothing changed": "refused"}.get(title, "answered")

    def open_dispute(self, n: int) -> str:
        """/disagree, then the modal sent back filled in; 'done' when Parley said the dispute was raised."""
        trigger = f"trigger.{uuid.uuid4().hex[:12]}"
        fields = {
            "team_id": CSC_WORKSPACE, "team_domain": "t0csc", "channel_id": "C0GENERAL", "channel_name": "general",
            "user_id": AMARA_SLACK, "user_name": "amara", "command": "/disagree", "text": "", "api_app_id": "A0PARLEY",
            "is_enterprise_install": "false", "response_url": f"{self.slack.url}/response/cmd-{n}", "trigger_id": trigger,
        }
        status, _ = self._send(urlencode(fields))
        view = self._opened(trigger) if status == 200 else None
        if view is not None:
            self.intake = view
        elif self.intake is None:
            return "no form"
        answers = {
            "reference": f"CSC-2026-{n:04d}", "category": "0", "other_agency": "police", "other_in_directory": "dc.jones",
            "problem": "The referral was closed with no further action.", "cause": "Different reading of the threshold.",
            "outcome": "A strategy discussion this week.", "discussed": "yes", "immediate_risk": "no",
        }
        # an answer lost (a replica killed mid-request) is sent again, as she would press Submit again
        for _ in range(3):
            outcome = self._submit(view or self.intake, answers)
            if outcome != "no answer":
                return outcome
        return "no answer"

    def press(self, dispute_id: str, move: str) -> str:
        """A button on the thread's root, then its form sent."""
        send = self.form(dispute_id, move)
        return send() if callable(send) else send

    def form(self, dispute_id: str, move: str, note: str = "") -> Callable[[], str] | str:
        """Press the button on the root; the form Parley opened, ready to send (or why there is none)."""
        action, answers, *_ = MOVES[move]
        root = self.slack.look("buttons", dispute=dispute_id)
        value = (root or {}).get("buttons", {}).get(str(action))
        if value is None:
            return "no button"
        trigger = f"trigger.{uuid.uuid4().hex[:12]}"
        payload = {
            "type": "block_actions",
            "team": {"id": CSC_WORKSPACE, "domain": "t0csc"},
            "user": self._user(),
            "api_app_id": "A0PARLEY",
            "container": {"type": "message", "message_ts": root["ts"], "channel_id": SLACK_CHANNEL, "is_ephemeral": False},
            "trigger_id": trigger,
            "channel": {"id": SLACK_CHANNEL, "name": "parley"},
            "message": {"type": "message", "ts": root["ts"], "text": ""},
            "response_url": f"{self.slack.url}/response/act-{uuid.uuid4().hex[:8]}",
            "actions": [{"action_id": str(action), "block_id": "b", "type": "button", "value": value, "action_ts": str(time.time())}],
            "is_enterprise_install": False,
        }
        status, _ = self._interaction(payload)
        view = self._opened(trigger) if status == 200 else None
        if view is None:
            return "no form"
        typed = {k: f"{v} ({note})" if note else v for k, v in answers.items()}

        def send() -> str:
            for _ in range(3):
                outcome = self._submit(view, typed)
                if outcome != "no answer":
                    return outcome
            return "no answer"

        return send


class TeamsUser:
    """DC Jones, on Teams."""

    def __init__(self, front: Front, teams: MockProcess, keys: Keys) -> None:
        self.front, self.teams, self.keys = front, teams, keys
        self.service_url = f"{teams.url}/"

    def _activity(self, verb: Verb, data: dict[str, Any], reply_to: str) -> dict[str, Any]:
        conversation = f"a:personal-{JONES_TEAMS.removeprefix('29:')}"
        value = {"action": {"type": "Action.Execute", "verb": str(verb), "data": {**data, "verb": str(verb)}}, "trigger": "manual"}
        return {
            "type": "invoke", "name": "adaptiveCard/action", "value": value, "replyToId": reply_to,
            "id": f"f:{uuid.uuid4().hex[:16]}", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "serviceUrl": self.service_url, "channelId": "msteams",
            "from": {"id": JONES_TEAMS, "name": "DC Rhys Jones", "aadObjectId": "aad-dcjones"},
            "conversation": {"conversationType": "personal", "tenantId": POLICE_TENANT, "id": conversation},
            "recipient": {"id": BOT, "name": "Parley"}, "locale": "en-GB", "channelData": {"tenant": {"id": POLICE_TENANT}},
        }

    def _execute(self, activity: dict[str, Any]) -> tuple[int, Any]:
        """One activity, sent again (the same activity) while no replica answers."""
        for _ in range(3):
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.keys.token(self.service_url)}"}
            status, body = self.front.post("/api/messages", json.dumps(activity).encode(), headers)
            if status:
                return status, body
        return 0, None

    @staticmethod
    def _card(status: int, body: Any) -> dict[str, Any] | None:
        if status == 200 and isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive":
            return body["value"]
        return None

    def open_dispute(self, n: int) -> str:
        answers = {
            "reference": f"POL-2026-{n:04d}", "category": "0", "other_person": "amara.okafor",
            "problem": "The strategy discussion was not convened.", "cause": "Different reading of the threshold.",
            "outcome": "A strategy discussion this week.", "discussed": "yes", "immediate_risk": "no",
        }
        status, body = self._execute(self._activity(Verb.INTAKE, answers, reply_to=f"intake-card-{n}"))
        return "done" if self._card(status, body) is not None else "no answer"

    def press(self, dispute_id: str, move: str) -> str:
        send = self.form(dispute_id, move)
        return send() if callable(send) else send

    def form(self, dispute_id: str, move: str, note: str = "") -> Callable[[], str] | str:
        """Press the button on the channel's card; the form card Parley answered with, ready to send (or why there is none)."""
        _, answers, title, verb, submit_title, submit_verb = MOVES[move]
        root = self.teams.look("buttons", dispute=dispute_id, conversation=TEAMS_CHANNEL)
        data = (root or {}).get("buttons", {}).get(title)
        if data is None:
            return "no button"
        form = self._card(*self._execute(self._activity(verb, data, reply_to=str(root["activity"]))))
        if form is None:
            return "no form"
        submit = actions(form).get(submit_title)
        if submit is None:
            return "refused"  # the card says why (someone acted first, not theirs to press)
        typed = {k: f"{v} ({note})" if note else v for k, v in answers.items()}
        activity = self._activity(submit_verb, {**submit, **typed}, reply_to=str(root["activity"]))

        def send() -> str:
            return "answered" if self._card(*self._execute(activity)) is not None else "no answer"

        return send

