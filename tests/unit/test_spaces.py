"""Where each side's thread lives (bot.plan.spaces) and which one each person is linked to: decided once, in the core."""

from __future__ import annotations

import dataclasses

from bot import plan
from bot.directory import PARTNERSHIP, Directory
from tests.fakes import FakeUnitOfWork
from tests.unit.test_dispute import directory, open_one

CONFIGURED_SLACK = ("T01", "C0PARLEY")
CONFIGURED_TEAMS = ("tenant-1", "19:parley@thread.tacv2")


def _named(d: Directory, **channels: dict[str, str]) -> Directory:
    agencies = {a: dataclasses.replace(x, **channels.get(a, {})) for a, x in d.agencies.items()}
    return Directory(agencies=agencies, people=dict(d.people))


def _dispute(d: Directory):
    uow = FakeUnitOfWork(d)
    return open_one(uow).dispute


def test_agencies_that_name_no_space_follow_the_configured_channel_when_they_are_in_its_workspace() -> None:
    d = directory()
    found = plan.spaces(_dispute(d), d, "slack", CONFIGURED_SLACK)
    configured = plan.Space("T01", "C0PARLEY", "T01")
    assert found.threads == (configured,)
    assert found.of_agency == {"csc": configured, PARTNERSHIP: configured}  # health is on Teams only
    assert found.of(d, "ben", "slack", ("csc",)) == configured
    assert found.of(d, "hana", "slack") is None  # not on Slack at all


def test_each_agency_that_names_a_space_gets_its_sides_thread_there_and_its_people_are_linked_to_it() -> None:
    d = _named(
        directory(),
        csc={"slack_channel": "T01/C0CSC"},
        health={"teams_channel": "tenant-1/19:health@thread.tacv2"},
    )
    dispute = _dispute(d)
    slack = plan.spaces(dispute, d, "slack", CONFIGURED_SLACK)
    assert [s.channel for s in slack.threads] == ["C0PARLEY", "C0CSC"]
    assert slack.of(d, "ben", "slack", plan.side_agencies(dispute, "ben")) == plan.Space("T01", "C0CSC", "T01/C0CSC")
    assert slack.of(d, "pat", "slack").channel == "C0PARLEY"  # the partnership names none: the configured channel
    teams = plan.spaces(dispute, d, "teams", CONFIGURED_TEAMS)
    assert [s.channel for s in teams.threads] == ["19:parley@thread.tacv2", "19:health@thread.tacv2"]
    assert teams.of(d, "hana", "teams", plan.side_agencies(dispute, "hana")).channel == "19:health@thread.tacv2"


def test_an_agency_naming_the_configured_channel_shares_its_thread() -> None:
    d = _named(directory(), csc={"slack_channel": "T01/C0PARLEY"})
    found = plan.spaces(_dispute(d), d, "slack", CONFIGURED_SLACK)
    assert found.threads == (plan.Space("T01", "C0PARLEY", "T01"),)


def test_someone_in_another_tenant_with_no_space_of_their_own_has_no_thread_to_open() -> None:
    d = directory()
    people = dict(d.people)
    people["hana"] = dataclasses.replace(people["hana"], identities=(dataclasses.replace(people["hana"].identities[0], workspace="tenant-2"),))
    d = Directory(agencies=d.agencies, people=people)
    dispute = _dispute(d)
    teams = plan.spaces(dispute, d, "teams", CONFIGURED_TEAMS)
    assert teams.of(d, "hana", "teams", plan.side_agencies(dispute, "hana")) is None
    assert teams.of(d, "ian", "teams").channel == "19:parley@thread.tacv2"  # ian is in the configured tenant


def test_without_a_configured_channel_only_the_named_spaces_have_threads() -> None:
    d = _named(directory(), health={"teams_channel": "tenant-1/19:health@thread.tacv2"})
    found = plan.spaces(_dispute(d), d, "teams", None)
    assert [s.key for s in found.threads] == ["tenant-1/19:health@thread.tacv2"]
    assert found.of(d, "carol", "teams") is None


def test_a_space_in_a_workspace_parley_cannot_post_in_gets_no_thread_and_its_side_follows_the_configured_channel() -> None:
    d = _named(directory(), csc={"slack_channel": "T02/C0CSC"})  # CSC's own channel is in another Slack workspace
    dispute = _dispute(d)
    anywhere = plan.spaces(dispute, d, "slack", CONFIGURED_SLACK)
    assert [s.key for s in anywhere.threads] == ["T01", "T02/C0CSC"]
    installed = plan.spaces(dispute, d, "slack", CONFIGURED_SLACK, installed=frozenset({"T01"}))
    configured = plan.Space("T01", "C0PARLEY", "T01")
    assert installed.threads == (configured,)
    assert installed.of_agency["csc"] == configured  # its people are in T01: they follow Parley's channel
    assert installed.of(d, "ben", "slack", plan.side_agencies(dispute, "ben")) == configured
