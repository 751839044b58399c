"""Each side's thread in its own space: an agency that names a channel gets its side's thread there.

Both front ends on their local mocks (Slack Web API, Teams connector), one notifier for both.
Children's Social Care is on Slack (or on Teams in a tenant of its own), the police on Teams in the
tenant of Parley's configured channel.
"""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import Engine

from bot import opening
from bot.directory import Directory
from handlers.files import read_policy
from handlers.holidays import calendar_for
from messages.teams import Verb
from messages.text import NO_THREAD, THREAD_IN_AGENCY_CHANNEL
from storage.models import ThreadRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import POLICE_TENANT, directory_for
from tests.slack import harness as slack_harness
from tests.teams.harness import BEN, CHANNEL, CSC_TENANT, DS_KHAN, Harness, actions, run, texts, with_csc_on_teams

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
