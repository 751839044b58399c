"""Each side's thread in its own space, on Slack, when the two agencies are in different Slack workspaces.

Parley's token is for one workspace (Children's Social Care's, T0CSC). The police name a channel in
a workspace of their own (T0POL), where Parley isn't installed: their side gets no thread there,
and a police officer whose only chat identity is Slack in that workspace can't be sent a direct
message either. Each message Parley would send them is refused without calling Slack, recorded on
the dispute, and every thread (Parley's channel and CSC's own) and the raiser are told, in words
that name no id and no place the reader can't open. Driven through the real app on the mock Slack
Web API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import Engine

from bot import opening
from bot.directory import PARTNERSHIP, Directory, Identity
from handlers.files import read_policy
from handlers.holidays import calendar_for
from messages.slack import ActionId
from messages.text import NOT_IN_THEIR_SLACK_WORKSPACE
from storage.outbox import FAILED
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import directory_for
from tests.slack.harness import AMARA, BEN, CHANNEL, DC_JONES, DS_KHAN, TEAM, Harness, button, done_text, run, slack_id

LSCB = read_policy("lscb")
POLICE_WORKSPACE = "T0POL"  # the police's own Slack workspace: Parley isn't installed there
CSC_OWN = "C0CSCOWN"  # Children's Social Care's own channel, in Parley's workspace
POLICE_OWN = "C0POLICE"  # the police's own channel, in theirs
REFERENCE = "CSC-2040-0201"
INTERNAL = ("T0POL", "T0CSC", "dc.jones", "ds.khan", "amara.okafor", "ben.hughes", "U0DCJONES", "U0DSKHAN")


def two_workspaces(*, police_on_teams: bool = False) -> Directory:
    """CSC and the partnership on Slack in Parley's workspace, CSC naming its own channel there; the police on
    Slack in their own workspace (and, with `police_on_teams`, on Teams too), naming a channel in it."""
    base = directory_for(LSCB)
    people = {}
    for pid, listed in base.people.items():
        person = listed
        if "police" in listed.agencies:
            slack = (Identity("slack", POLICE_WORKSPACE, slack_id(pid)),)
            person = dataclasses.replace(listed, identities=(listed.identities if police_on_teams else ()) + slack)
        elif PARTNERSHIP in listed.agencies:
            person = dataclasses.replace(listed, identities=(Identity("slack", TEAM, slack_id(pid)),))
        people[pid] = person
    agencies = dict(base.agencies)
    agencies["csc"] = dataclasses.replace(agencies["csc"], slack_channel=f"{TEAM}/{CSC_OWN}")
    agencies["police"] = dataclasses.replace(agencies["police"], slack_channel=f"{POLICE_WORKSPACE}/{POLICE_OWN}")
    return Directory(agencies=agencies, people=people)


def _open(h: Harness) -> str:
    outcome = opening.open_dispute(
        opening.OpenDispute(
            raiser="amara.okafor",
            reference=REFERENCE,
            category=LSCB.categories[0],
            other_agency="police",
            other_person="dc.jones",
            problem="The strategy discussion was not convened.",
            outcome="A strategy discussion today.",
            idempotency_key="test:slack-spaces:1",
        ),
        uow=SqlUnitOfWork(h.sessions),
        policy=LSCB,
        calendar=calendar_for(LSCB),
        now=h.clock(),
        notifier=h.front.deps.notifier,
    )
    return outcome.dispute.id


def _root(h: Harness, channel: str):
    [root] = h.mock.posts(channel=channel, thread_ts=None)
    return root


def _lines(h: Harness, channel: str) -> list[str]:
    """What the thread under this channel's root says, one reply a string."""
    root = _root(h, channel)
    return [json.dumps(c.args.get("blocks"), ensure_ascii=False) for c in h.mock.posts(channel=channel, thread_ts=root.answer["ts"])]


def _not_reached(lines: list[str], name: str) -> list[str]:
    return [x for x in lines if f"couldn't reach *{name}* (West Yorkshire Police) on Slack ({NOT_IN_THEIR_SLACK_WORKSPACE})" in x]


def _record(h: Harness, dispute_id: str) -> list[str]:
    with SqlUnitOfWork(h.sessions) as uow:
        return [e.kind for e in uow.disputes.record(dispute_id)]


async def _use_form(h: Harness, user: str, action: ActionId, value: str, answers: dict, *, channel: str) -> None:
    before = len(h.opened_views())
    status, _ = await h.click(user, action, value, channel=channel)
    assert status == 200
    await h.settle()
    assert len(h.opened_views()) == before + 1, h.mock.responses[-1:]
    status, body = await h.submit(user, h.opened_views()[-1], answers)
    assert status == 200 and done_text(body), body
    await h.settle()


def test_an_agency_in_another_slack_workspace_gets_no_thread_and_each_message_it_misses_is_told_in_every_thread(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id = _open(h)
        await h.deliver()
        await h.deliver()  # the couldn't-reach lines and the raiser's notice, queued by the refusal

        # a thread in Parley's channel and in CSC's own; nothing in the police's channel, nor a DM to their workspace
        for channel in (CHANNEL, CSC_OWN):
            assert _root(h, channel).args["text"].startswith(f"Professional disagreement {REFERENCE}")
        assert not [c for c in h.mock.calls if c.args.get("channel") in (POLICE_OWN, DC_JONES, DS_KHAN)]
        # DC Jones's DM was refused without calling Slack, kept as failed, and recorded
        [failed] = [r for r in h.outbox() if r.status == FAILED]
        assert failed.target == DC_JONES and failed.workspace == POLICE_WORKSPACE and "T0POL" in failed.last_error
        assert _record(h, dispute_id) == ["opened", "stage started", "person unreachable"]
        # both threads say so, under their own roots, and so does a DM to Amara, who raised it
        for channel in (CHANNEL, CSC_OWN):
            [line] = _not_reached(_lines(h, channel), "DC Rhys Jones")
            assert f"Please make sure they know about case *{REFERENCE}* another way." in line
        [notice] = h.mock.posts(channel=AMARA)
        told = f"Parley couldn't reach DC Rhys Jones (West Yorkshire Police) on Slack about case {REFERENCE}. Please contact them another way."
        assert notice.args["text"] == told

        # Amara escalates from her side's thread: Ben is linked to it; DS Khan can't be reached, and every thread says so
        csc_root = _root(h, CSC_OWN)
        await _use_form(h, AMARA, ActionId.ESCALATE, button(csc_root.args["blocks"], ActionId.ESCALATE), {"reason": "No reply today."}, channel=CSC_OWN)
        await h.deliver()
        [ben_dm] = h.mock.posts(channel=BEN)
        assert "You're asked to act as a line manager" in ben_dm.text()
        assert f"archives/{CSC_OWN}/p{csc_root.answer['ts'].replace('.', '')}" in ben_dm.text()
        for channel in (CHANNEL, CSC_OWN):
            lines = _lines(h, channel)
            assert any("escalated this from" in x for x in lines)
            assert len(_not_reached(lines, "DS Sana Khan")) == 1
        assert len(h.mock.posts(channel=AMARA)) == 2
        assert _record(h, dispute_id)[-3:] == ["escalated", "stage started", "person unreachable"]

        # Ben proposes a resolution: both police officers are asked to confirm, can't be, and both threads say so
        await _use_form(
            h, BEN, ActionId.RESOLVE, button(h.latest_root_blocks(), ActionId.RESOLVE), {"agreed_outcome": "A strategy discussion at 3pm."}, channel=CHANNEL
        )  # fmt: skip
        await h.deliver()
        for channel in (CHANNEL, CSC_OWN):
            lines = _lines(h, channel)
            assert len(_not_reached(lines, "DC Rhys Jones")) == 2 and len(_not_reached(lines, "DS Sana Khan")) == 2
        assert [c.args["channel"] for c in h.mock.calls_to("chat.update")] == [CHANNEL, CSC_OWN] * 2  # each root, after each change
        assert not [c for c in h.mock.calls if c.args.get("channel") in (POLICE_OWN, DC_JONES, DS_KHAN)]

        # nothing anyone reads carries an internal id
        for said in h.mock.everything():
            shown = json.loads(said).get("blocks") if said.startswith("{") else None
            for word in INTERNAL:
                assert word not in json.dumps(shown or ""), (word, said[:300])

    run(engine, scenario, policy=LSCB, directory=two_workspaces())


def test_someone_on_slack_in_another_workspace_who_is_on_teams_too_is_left_to_teams_and_not_reported(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id = _open(h)
        await h.deliver()
        await h.deliver()
        assert _record(h, dispute_id) == ["opened", "stage started"]
        assert not [r for r in h.outbox() if r.status == FAILED]
        assert not [r for r in h.outbox() if r.platform == "slack" and r.workspace == POLICE_WORKSPACE]
        for channel in (CHANNEL, CSC_OWN):
            assert not [x for x in _lines(h, channel) if "couldn't reach" in x]
        assert h.mock.posts(channel=AMARA) == []  # nothing to tell the raiser

    run(engine, scenario, policy=LSCB, directory=two_workspaces(police_on_teams=True))
