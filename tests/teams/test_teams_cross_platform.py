"""One dispute, two platforms: Children's Social Care on Slack, the police on Teams, one record.

Both front ends are mounted on the one web app, with one notifier for both (bot.outbox.Notifiers),
each on a local mock of its platform. Each person is reached on their own platform; each side has
a thread in its own space; every event is mirrored to both threads.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot import moves
from bot.dispute import Status
from handlers import slack
from handlers.files import read_policy
from messages import slack as slack_blocks
from messages.teams import Verb
from messages.text import dispute_view
from storage.outbox import SENT
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import open_raised
from tests.slack import harness as slack_harness
from tests.slack.harness import fill
from tests.teams.harness import CHANNEL, DC_JONES, DS_KHAN, Harness, actions, run, texts

LSCB = read_policy("lscb")
SLACK_CHANNEL = slack_harness.CHANNEL
AMARA_ON_SLACK = slack_harness.AMARA
POLICE_REP = "29:policelscbrepresentative"


async def _slack_submit(h: Harness, user: str, view: dict[str, Any], answers: dict[str, Any]) -> tuple[int, str]:
    """A signed view_submission, exactly as Slack posts it to /slack/events."""
    submitted = {**view, "id": f"V0{uuid.uuid4().hex[:8].upper()}", "state": {"values": fill(view, answers)}, "hash": "1.a"}
    payload = {
        "type": "view_submission",
        "team": {"id": slack_harness.TEAM, "domain": "t0csc"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": slack_harness.TEAM},
        "api_app_id": "A0PARLEY",
        "token": "legacy-verification-token",
        "trigger_id": "trigger.1",
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
    }
    body = urlencode({"payload": json.dumps(payload)})
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(slack_harness.SECRET).generate_signature(timestamp=ts, body=body),
    }
    response = await h.client.post(slack.EVENTS_PATH, data=body.encode(), headers=headers)
    text = await response.text()
    assert h.slack_front is not None
    await h.slack_front.settle()
    return response.status, text


def _slack_thread(h: Harness) -> list[str]:
    roots = h.slack.posts(channel=SLACK_CHANNEL, thread_ts=None)
    assert len(roots) == 1, "one Slack thread per dispute"
    return [c.args.get("text", "") for c in h.slack.posts(channel=SLACK_CHANNEL, thread_ts=roots[0].answer["ts"])]


def _slack_text(h: Harness) -> str:
    roots = h.slack.posts(channel=SLACK_CHANNEL, thread_ts=None)
    return json.dumps([c.args for c in h.slack.posts(channel=SLACK_CHANNEL, thread_ts=roots[0].answer["ts"])], ensure_ascii=False)


def _raised(h: Harness, **changes: Any) -> moves.Outcome:
    """Amara raises it through the use case (as the front ends' intake does), at the harness's time, with its notifier."""
    return open_raised(LSCB, uow=SqlUnitOfWork(h.sessions), now=h.clock(), notifier=h.front.deps.notifier, **changes)


def test_raised_on_slack_escalated_by_the_police_manager_on_teams_and_confirmed_by_the_other_party_on_teams(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        # Amara (CSC, Slack) raises it about DC Jones (police, Teams only). A child is at immediate risk,
        # so it starts with the line managers: Ben Hughes on Slack, DS Khan on Teams.
        # Slack's modal can pick only people on Slack, so this is the use case its intake calls, with DC Jones named.
        outcome = _raised(
            h,
            reference="CSC-2040-0193",
            outcome="A strategy discussion today.",
            immediate_risk=True,
            idempotency_key="slack:T0CSC:view:V0TEST",
        )
        dispute_id = outcome.dispute.id
        await h.deliver()

        # each side has its own thread, in its own space
        assert h.slack.posts(channel=SLACK_CHANNEL, thread_ts=None)[0].args["text"].startswith("Professional disagreement CSC-2040-0193")
        assert "Professional disagreement · CSC-2040-0193" in texts(h.root().cards()[0])
        # each person asked to act is reached on their own platform
        assert h.slack.posts(channel=slack_harness.BEN), "Ben Hughes gets a Slack DM"
        [khan_dm] = h.connector.direct_to(DS_KHAN)
        assert "You're asked to act as a line manager" in texts(khan_dm.cards()[0])
        assert not h.slack.posts(channel="U0DSKHAN") and not h.connector.direct_to("29:benhughes")

        # DS Khan, the police line manager, escalates on Teams from his 1:1
        form = (await h.execute(DS_KHAN, Verb.ESCALATE, actions(khan_dm.cards()[0])["Escalate"])).card
        await h.execute(DS_KHAN, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "No strategy discussion by noon."})
        await h.deliver()
        assert h.dispute(dispute_id).stage_index == 2
        assert "*DS Sana Khan* (West Yorkshire Police) escalated this from *Line managers discuss* to *Each agency's LSCB representative*" in _slack_text(h)
        assert "**DS Sana Khan** (West Yorkshire Police) escalated this" in texts(h.thread()[-1].cards()[0])
        [rep_dm] = h.connector.direct_to(POLICE_REP)
        assert "as an LSCB representative" in texts(rep_dm.cards()[0])

        # Amara proposes a resolution on Slack, in the modal Slack's Resolve button opens
        with SqlUnitOfWork(h.sessions) as uow:
            dispute = uow.disputes.get(dispute_id)
            seq = uow.disputes.last_entry(dispute_id).seq
            directory = uow.directory.load()
        view = slack_blocks.resolve_modal(dispute_view(dispute, directory, LSCB), {"version": dispute.version, "seq": seq})
        status, body = await _slack_submit(h, AMARA_ON_SLACK, view, {"agreed_outcome": "Strategy discussion at 3pm today."})
        assert status == 200 and "You proposed a resolution." in body, body
        assert h.dispute(dispute_id).status is Status.AWAITING_CONFIRMATION
        await h.deliver()

        # the other party, DC Jones, is asked on Teams and confirms there
        ask = h.connector.direct_to(DC_JONES)[-1].cards()[0]
        assert "Amara Okafor proposed a resolution for case CSC-2040-0193" in texts(ask)
        done = (await h.execute(DC_JONES, Verb.CONFIRM, {**actions(ask)["Confirm"], "statement": "Agreed for the police."})).card
        assert "Both sides have now confirmed: it is resolved." in texts(done)
        await h.deliver()

        # one record; both threads show each step, with who did it
        assert h.dispute(dispute_id).status is Status.RESOLVED
        assert h.record_kinds(dispute_id) == [
            "opened", "stage started", "escalated", "stage started",
            "resolution proposed", "resolution confirmed", "resolution confirmed", "resolved",
        ]  # fmt: skip
        slack_lines = _slack_thread(h)
        teams_lines = [c.body["summary"] for c in h.thread()]
        assert len(slack_lines) == len(teams_lines) == 7  # an escalation and the stage it starts are one line
        # the two threads read alike: each line names who did it and for which agency
        escalated = "DS Sana Khan (West Yorkshire Police) escalated this to Each agency's LSCB representative, due by "
        assert [line for line in slack_lines if line.startswith(escalated)] == [line for line in teams_lines if line.startswith(escalated)] != []
        confirmed = "DC Rhys Jones (West Yorkshire Police) confirmed the agreed outcome"
        assert slack_lines[-2] == teams_lines[-2] == confirmed
        assert "Agreed for the police." in _slack_text(h)
        assert "**Amara Okafor** (Children's Social Care) proposed a resolution." in texts(h.thread()[-4].cards()[0])
        assert h.slack.calls_to("chat.update")[-1].args["text"].startswith("Professional disagreement CSC-2040-0193: resolved")
        assert "Status: Resolved" in texts(h.latest_root_card())
        assert {r.status for r in h.outbox()} == {SENT}

    run(engine, scenario, policy=LSCB, slack=True)


def test_raised_for_real_on_slack_naming_the_police_by_agency_and_role_reaches_the_police_on_teams(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = slack_blocks.intake_modal(
            categories=LSCB.categories,
            agencies=[("police", "West Yorkshire Police"), ("csc", "Children's Social Care")],
            my_agencies=[("csc", "Children's Social Care")],
            procedure=LSCB.title,
        )
        answers = {
            "reference": "CSC-2040-0200",
            "category": "1",
            "other_agency": "police",
            "other_description": "duty sergeant",
            "problem": "The child was not seen.",
            "outcome": "A joint visit.",
            "discussed": "no",
            "immediate_risk": "no",
        }
        status, body = await _slack_submit(h, AMARA_ON_SLACK, view, answers)
        assert status == 200 and json.loads(body)["response_action"] == "update"
        [dispute_id] = h.dispute_ids()
        await h.deliver()

        # the Teams thread has the dispute too, and the police representative (asked in place of an unnamed practitioner) a Teams 1:1
        assert "Professional disagreement · CSC-2040-0200" in texts(h.root().cards()[0])
        assert "**Amara Okafor** (Children's Social Care) raised a disagreement with duty sergeant, West Yorkshire Police" in texts(h.thread()[0].cards()[0])
        [rep_dm] = h.connector.direct_to(POLICE_REP)
        assert "CSC-2040-0200" in texts(rep_dm.cards()[0])
        assert h.slack.posts(channel=SLACK_CHANNEL, thread_ts=None)
        assert h.record_kinds(dispute_id) == ["opened", "stage started"]
        assert h.root().conversation == CHANNEL

    run(engine, scenario, policy=LSCB, slack=True)


def test_a_raiser_on_slack_is_told_on_slack_when_parley_cannot_reach_the_police_on_teams(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        h.connector.refuse_user(DC_JONES)  # Parley isn't installed for him in Teams
        outcome = _raised(
            h,
            reference="CSC-2040-0300",
            problem="The child was not seen.",
            outcome="A joint visit.",
        )
        dispute_id = outcome.dispute.id
        await h.deliver()
        await h.deliver()

        assert h.record_kinds(dispute_id) == ["opened", "stage started", "person unreachable"]
        [dm] = h.slack.posts(channel=AMARA_ON_SLACK)
        assert dm.args["text"] == (
            "Parley couldn't reach DC Rhys Jones (West Yorkshire Police) on Teams about case CSC-2040-0300. "
            "Please contact them another way."
        )
        assert "*Parley* couldn't reach *DC Rhys Jones* (West Yorkshire Police) on Teams" in _slack_text(h)
        assert h.thread()[-1].body["summary"] == "Parley couldn't reach DC Rhys Jones on Teams"
        assert not h.connector.direct_to(DC_JONES)
        assert sorted(r.status for r in h.outbox() if r.status != SENT) == ["failed"]

    run(engine, scenario, policy=LSCB, slack=True)
