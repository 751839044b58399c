"""Each side's thread in its own space: an agency that names a channel gets its side's thread there.

Both front ends on their local mocks (Slack Web API, Teams connector), one notifier for both.
Children's Social Care is on Slack (or on Teams in a tenant of its own), the police on Teams in the
tenant of Parley's configured channel (and, in the last test, on Slack in a workspace of their own
too, where Parley isn't installed). What each person and each thread receives is read from the
mocks' records of the calls that reached them.
"""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import Engine

from bot import moves, opening
from bot.directory import Directory
from handlers.files import read_policy
from handlers.holidays import calendar_for
from messages.teams import Verb
from messages.text import NO_THREAD, THREAD_IN_AGENCY_CHANNEL
from storage.models import ThreadRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import POLICE_TENANT, directory_for
from tests.slack import harness as slack_harness
from tests.slack.test_agency_spaces import CSC_OWN, POLICE_OWN, POLICE_WORKSPACE, two_workspaces
from tests.teams.harness import AMARA, BEN, CHANNEL, CSC_TENANT, DS_KHAN, Harness, actions, run, teams_id, texts, with_csc_on_teams

LSCB = read_policy("lscb")
CSC_SLACK = "C0CSCOWN"  # Children's Social Care's own Slack channel, in its workspace
CSC_TEAMS = "19:csc-own@thread.tacv2"  # ... and its own Teams channel, in its tenant
POLICE_TEAMS = "19:police-own@thread.tacv2"


def _with_spaces(directory: Directory, **channels: dict[str, str]) -> Directory:
    agencies = dict(directory.agencies)
    for agency, named in channels.items():
        agencies[agency] = dataclasses.replace(agencies[agency], **named)
    return Directory(agencies=agencies, people=dict(directory.people))


def _open(h: Harness) -> str:
    outcome = opening.open_dispute(
        opening.OpenDispute(
            raiser="amara.okafor",
            reference="CSC-2040-0201",
            category=LSCB.categories[0],
            other_agency="police",
            other_person="dc.jones",
            problem="The strategy discussion was not convened.",
            outcome="A strategy discussion today.",
            immediate_risk=True,
            idempotency_key="test:spaces:1",
        ),
        uow=SqlUnitOfWork(h.sessions),
        policy=LSCB,
        calendar=calendar_for(LSCB),
        now=h.clock(),
        notifier=h.front.deps.notifier,
    )
    return outcome.dispute.id


def _threads(h: Harness, dispute_id: str) -> set[tuple[str, str, str]]:
    with h.sessions() as session:
        return {(r.platform, r.workspace, r.channel) for r in session.query(ThreadRow).filter_by(dispute_id=dispute_id)}


def test_two_agencies_with_their_own_channels_each_get_their_sides_thread_on_slack_and_teams(engine: Engine) -> None:
    directory = _with_spaces(
        directory_for(LSCB),
        csc={"slack_channel": f"{slack_harness.TEAM}/{CSC_SLACK}"},
        police={"teams_channel": f"{POLICE_TENANT}/{POLICE_TEAMS}"},
    )

    async def scenario(h: Harness) -> None:
        dispute_id = _open(h)
        await h.deliver()
        # a root in each side's own channel, beside Parley's configured ones
        for channel in (CSC_SLACK, slack_harness.CHANNEL):
            [root] = h.slack.posts(channel=channel, thread_ts=None)
            assert root.args["text"].startswith("Professional disagreement CSC-2040-0201")
        police_roots = [c for c in h.connector.sent_to(POLICE_TEAMS) if c.kind == "send"]
        assert len(police_roots) == 1 and "Professional disagreement · CSC-2040-0201" in texts(police_roots[0].cards()[0])
        assert _threads(h, dispute_id) >= {
            ("slack", f"{slack_harness.TEAM}/{CSC_SLACK}", CSC_SLACK),
            ("teams", f"{POLICE_TENANT}/{POLICE_TEAMS}", POLICE_TEAMS),
        }
        # Ben (CSC, Slack) is linked to his side's thread; DS Khan (police, Teams) is pointed at his agency's channel
        [ben_dm] = h.slack.posts(channel=slack_harness.BEN)
        csc_root = h.slack.posts(channel=CSC_SLACK, thread_ts=None)[0]
        assert f"archives/{CSC_SLACK}/p{csc_root.answer['ts'].replace('.', '')}" in json.dumps(ben_dm.args["blocks"])
        [khan_dm] = h.connector.direct_to(DS_KHAN)
        assert THREAD_IN_AGENCY_CHANNEL in texts(khan_dm.cards()[0])

        # DS Khan escalates on Teams: the line reaches every thread, each under its own root
        form = (await h.execute(DS_KHAN, Verb.ESCALATE, actions(khan_dm.cards()[0])["Escalate"])).card
        await h.execute(DS_KHAN, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "No strategy discussion by noon."})
        await h.deliver()
        csc_lines = json.dumps([c.args for c in h.slack.posts(channel=CSC_SLACK, thread_ts=csc_root.answer["ts"])])
        assert "escalated this from" in csc_lines
        police_replies = h.connector.sent_to(f"{POLICE_TEAMS};messageid={police_roots[0].answer['id']}")
        assert any("escalated this" in texts(c.cards()[0]) for c in police_replies if c.cards())
        assert h.connector.updates_of(POLICE_TEAMS, police_roots[0].answer["id"]), "the side's root card is updated too"

    run(engine, scenario, policy=LSCB, directory=directory, slack=True)


def test_someone_in_another_tenant_with_no_space_gets_the_case_summary_in_their_direct_message(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id = _open(h)
        await h.deliver()
        # Ben (CSC, on Teams in the CSC tenant) can't open the police tenant's channel, and CSC names none
        [ben_dm] = h.connector.direct_to(BEN)
        said = texts(ben_dm.cards()[0])
        assert NO_THREAD in said and "Category" in said and "Other party" in said
        assert "Parley's channel" not in said
        assert not [c for c in h.connector.calls if (c.conversation or "").startswith("19:") and not (c.conversation or "").startswith(CHANNEL)]
        # the police, in the configured channel's tenant, keep the thread there
        [khan_dm] = h.connector.direct_to(DS_KHAN)
        assert "The whole thread is in Parley's channel" in texts(khan_dm.cards()[0])
        assert {(p, w) for p, w, _ in _threads(h, dispute_id)} == {("teams", POLICE_TENANT)}

    run(engine, scenario, policy=LSCB, directory=with_csc_on_teams(directory_for(LSCB)))


def test_an_agency_in_another_tenant_that_names_its_channel_gets_its_thread_in_its_own_tenant(engine: Engine) -> None:
    directory = _with_spaces(with_csc_on_teams(directory_for(LSCB)), csc={"teams_channel": f"{CSC_TENANT}/{CSC_TEAMS}"})

    async def scenario(h: Harness) -> None:
        dispute_id = _open(h)
        await h.deliver()
        [root] = [c for c in h.connector.sent_to(CSC_TEAMS) if c.kind == "send"]
        assert "Professional disagreement · CSC-2040-0201" in texts(root.cards()[0])
        assert ("teams", f"{CSC_TENANT}/{CSC_TEAMS}", CSC_TEAMS) in _threads(h, dispute_id)
        [ben_dm] = h.connector.direct_to(BEN)
        assert THREAD_IN_AGENCY_CHANNEL in texts(ben_dm.cards()[0]) and NO_THREAD not in texts(ben_dm.cards()[0])

    run(engine, scenario, policy=LSCB, directory=directory)


def _replies(h: Harness, channel: str) -> list[str]:
    """The words of each reply in the thread under this Teams channel's root."""
    [root] = [c for c in h.connector.sent_to(channel) if c.kind == "send"]
    return [texts(c.cards()[0]) for c in h.connector.sent_to(f"{channel};messageid={root.answer['id']}") if c.cards()]


def test_someone_teams_cannot_reach_is_told_of_in_every_sides_thread_and_to_the_raiser(engine: Engine) -> None:
    # CSC (Amara, Ben) on Teams in its own tenant with its own channel; the police in the configured tenant
    directory = _with_spaces(with_csc_on_teams(directory_for(LSCB)), csc={"teams_channel": f"{CSC_TENANT}/{CSC_TEAMS}"})

    async def scenario(h: Harness) -> None:
        h.connector.refuse_user(DS_KHAN)  # Parley isn't installed for him: Teams refuses the 1:1 (a child at risk: the line managers are asked)
        dispute_id = _open(h)
        await h.deliver()
        await h.deliver()
        assert h.record_kinds(dispute_id) == ["opened", "stage started", "person unreachable"]
        line = "**Parley** couldn't reach **DS Sana Khan** (West Yorkshire Police) on Teams (Parley isn't installed for them in Teams, or was removed)."
        # in the police's thread (the configured channel) and in CSC's own, where Amara and Ben follow it
        for channel in (CHANNEL, CSC_TEAMS):
            assert [x for x in _replies(h, channel) if line in x and "another way" in x], channel
        [notice] = h.connector.direct_to(AMARA)
        told = "Parley couldn't reach DS Sana Khan (West Yorkshire Police) on Teams about case CSC-2040-0201. Please contact them another way."
        assert notice.body["summary"] == told

    run(engine, scenario, policy=LSCB, directory=directory)


def test_across_workspaces_and_tenants_from_raising_to_resolved_each_person_hears_where_they_can_open_it(engine: Engine) -> None:
    # CSC and the partnership on Slack in Parley's workspace (CSC with its own channel there); the police on Teams, with
    # their own channel in their tenant, and on Slack in a workspace of their own whose channel Parley can't post in
    directory = _with_spaces(two_workspaces(police_on_teams=True), police={"teams_channel": f"{POLICE_TENANT}/{POLICE_TEAMS}"})
    slack_threads, teams_threads = (slack_harness.CHANNEL, CSC_OWN), (CHANNEL, POLICE_TEAMS)

    def slack_lines(h: Harness, channel: str) -> list[str]:
        [root] = h.slack.posts(channel=channel, thread_ts=None)
        return [json.dumps(c.args.get("blocks"), ensure_ascii=False) for c in h.slack.posts(channel=channel, thread_ts=root.answer["ts"])]

    async def scenario(h: Harness) -> None:
        dispute_id = _open(h)
        await h.deliver()
        # two Slack threads (Parley's channel, CSC's own) and two Teams threads (Parley's channel, the police's own)
        for channel in slack_threads:
            assert len(h.slack.posts(channel=channel, thread_ts=None)) == 1
        for channel in teams_threads:
            assert len([c for c in h.connector.sent_to(channel) if c.kind == "send"]) == 1
        # a child at risk: the line managers are asked. DS Khan (police, Teams) is pointed at his agency's channel,
        # Ben (CSC, Slack) is linked to his side's thread
        [khan_dm] = h.connector.direct_to(DS_KHAN)
        assert THREAD_IN_AGENCY_CHANNEL in texts(khan_dm.cards()[0]) and "You're asked to act as a line manager" in texts(khan_dm.cards()[0])
        [ben_dm] = h.slack.posts(channel=slack_harness.BEN)
        csc_root = h.slack.posts(channel=CSC_OWN, thread_ts=None)[0]
        assert f"archives/{CSC_OWN}/p{csc_root.answer['ts'].replace('.', '')}" in json.dumps(ben_dm.args["blocks"])

        moves.escalate(
            moves.Escalate(dispute_id, "amara.okafor", reason="No reply today."),
            uow=SqlUnitOfWork(h.sessions), policy=LSCB, calendar=calendar_for(LSCB), now=h.clock(), notifier=h.front.deps.notifier,
        )  # fmt: skip
        await h.deliver()
        # the LSCB representatives are asked next, each pointed at (or linked to) their own side's thread
        [rep_dm] = h.slack.posts(channel=slack_harness.slack_id("csc.lscb_representative"))
        assert f"archives/{CSC_OWN}/p{csc_root.answer['ts'].replace('.', '')}" in json.dumps(rep_dm.args["blocks"])
        [police_rep_dm] = h.connector.direct_to(teams_id("police.lscb_representative"))
        assert THREAD_IN_AGENCY_CHANNEL in texts(police_rep_dm.cards()[0])

        moves.propose_resolution(
            moves.ProposeResolution(dispute_id, "csc.lscb_representative", agreed_outcome="A strategy discussion at 3pm."),
            uow=SqlUnitOfWork(h.sessions), now=h.clock(), notifier=h.front.deps.notifier,
        )  # fmt: skip
        await h.deliver()
        # the police's representative confirms on Teams, from the request in their 1:1, in their own words
        police_rep = teams_id("police.lscb_representative")
        ask = h.connector.direct_to(police_rep)[-1].cards()[0]
        assert "proposed a resolution for case CSC-2040-0201" in texts(ask)
        done = (await h.execute(police_rep, Verb.CONFIRM, {**actions(ask)["Confirm"], "statement": "Agreed for the police: 3pm."})).card
        assert "Confirmed" in texts(done)
        await h.deliver()
        assert h.record_kinds(dispute_id)[-3:] == ["resolution confirmed", "resolution confirmed", "resolved"]

        # every thread, on both platforms, tells the whole story under its own root
        for channel in slack_threads:
            lines = slack_lines(h, channel)
            assert any("escalated this from" in x for x in lines) and any("proposed a resolution" in x for x in lines)
            assert "*Resolved* when *West Yorkshire Police lscb representative* (West Yorkshire Police) confirmed" in lines[-1]
        for channel in teams_threads:
            replies = _replies(h, channel)
            assert any("escalated this" in x for x in replies) and any("proposed a resolution" in x for x in replies)
            assert "**Resolved** when **West Yorkshire Police lscb representative** (West Yorkshire Police) confirmed" in replies[-1]
        # nobody was missed, nothing went where Parley can't post, and nobody was pointed at a channel they can't open
        assert "person unreachable" not in h.record_kinds(dispute_id)
        assert not [c for c in h.slack.calls if c.args.get("channel") in (POLICE_OWN, slack_harness.DC_JONES, slack_harness.DS_KHAN)]
        assert not [r for r in h.outbox() if r.workspace == POLICE_WORKSPACE]
        everything = " ".join(h.connector.everything()) + " ".join(h.slack.everything())
        assert "The whole thread is in Parley's channel" not in everything  # each side has a thread of its own it can open
        assert NO_THREAD not in everything
        # the learning prompt reaches the two who confirmed, each on their own platform
        assert "Give learning points" in h.slack.posts(channel=slack_harness.slack_id("csc.lscb_representative"))[-1].text()
        assert "Learning points" in texts(h.connector.direct_to(police_rep)[-1].cards()[0])

    run(engine, scenario, policy=LSCB, directory=directory, slack=True)
