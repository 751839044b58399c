"""The intake form's search of Parley's directory, for the other professional when they aren't on Slack.

Slack asks Parley for the options as the person types (a signed `block_suggestion`); the answer is
the options. Then the form is submitted with the person chosen.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml
from sqlalchemy import Engine

from bot.directory import Directory, Membership, Person
from handlers.files import read_policy
from messages.slack import Field
from storage.models import DisputeRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import directory_for
from tests.slack.harness import AMARA, CHANNEL, DC_JONES, STRANGER, Harness, default_answers, run

LSCB = read_policy("lscb")
SEARCH = Field.OTHER_IN_DIRECTORY
NOT_ON_SLACK = {"other_person": None}  # the police are on Teams here (directory_for): Slack's picker can't show them


def _options(body: dict) -> list[tuple[str, str]]:
    return [(o["text"]["text"], o["value"]) for o in body["options"]]


def _many_joneses(directory: Directory) -> Directory:
    """25 more police officers called Jones, and one whose name has "jo" inside a word."""
    people = dict(directory.people)
    people["ana.mahjo"] = Person("ana.mahjo", "Ana Mahjoub", "ana.mahjo@police.example.gov.uk", (Membership("police"),))
    for n in range(25):
        pid = f"pc.jones{n:02d}"
        people[pid] = Person(pid, f"PC Jo Jones {n:02d}", f"{pid}@police.example.gov.uk", (Membership("police"),))
    return Directory(agencies=dict(directory.agencies), people=people)


def test_searching_the_directory_offers_names_and_agencies_within_the_chosen_agency(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)

        status, body = await h.suggest(AMARA, view, SEARCH, "rhys", {"other_agency": "police"})
        assert status == 200
        assert _options(body) == [("DC Rhys Jones · West Yorkshire Police", "dc.jones")]
        # names and agency only: no email, role, Slack or Teams id, nothing about any case
        assert [set(o) for o in body["options"]] == [{"text", "value"}]
        assert "@" not in str(body) and "29:" not in str(body)

        # within the chosen agency only: CSC's Amara and Ben are not offered for the police
        status, body = await h.suggest(AMARA, view, SEARCH, "ben", {"other_agency": "police"})
        assert body == {"options": []}
        status, body = await h.suggest(AMARA, view, SEARCH, "ben", {"other_agency": "csc"})
        assert _options(body) == [("Ben Hughes · Children's Social Care", "ben.hughes")]

        # no agency chosen yet: every agency, but never the person searching, nor the partnership
        status, body = await h.suggest(AMARA, view, SEARCH, "a")
        assert body == {"options": []}  # one letter is not enough
        status, body = await h.suggest(AMARA, view, SEARCH, "amara")
        assert body == {"options": []}
        status, body = await h.suggest(AMARA, view, SEARCH, "board")
        assert body == {"options": []}

        # names starting with what was typed come first, then the rest, at most 20
        status, body = await h.suggest(AMARA, view, SEARCH, "jo", {"other_agency": "police"})
        found = _options(body)
        assert len(found) == 20
        assert found[:2] == [("DC Rhys Jones · West Yorkshire Police", "dc.jones"), ("PC Jo Jones 00 · West Yorkshire Police", "pc.jones00")]
        assert all(text.endswith(" · West Yorkshire Police") for text, _ in found)
        assert "ana.mahjo" not in [v for _, v in found]  # 26 names start with "jo": she comes after them
        status, body = await h.suggest(AMARA, view, SEARCH, "mahj", {"other_agency": "police"})
        assert _options(body) == [("Ana Mahjoub · West Yorkshire Police", "ana.mahjo")]

        # someone Parley doesn't know can't read the directory through the search
        status, body = await h.suggest(STRANGER, view, SEARCH, "jones", {"other_agency": "police"})
        assert (status, body) == (200, {"options": []})
        assert h.count(DisputeRow) == 0 and h.mock.calls_to("chat.postMessage") == []

    run(engine, scenario, policy=LSCB, directory=_many_joneses(directory_for(LSCB)))


def test_a_forged_search_request_gets_401_and_no_names(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)
        status, body = await h.suggest(AMARA, view, SEARCH, "jones", secret="0" * 32)
        assert status == 401 and "Jones" not in str(body)

    run(engine, scenario, policy=LSCB, directory=directory_for(LSCB))


def test_the_person_found_in_the_directory_becomes_the_other_party(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)
        answers = {**default_answers(LSCB), **NOT_ON_SLACK}

        # the person must be in the agency chosen: shown on the agency, nothing is created
        status, body = await h.submit(AMARA, view, {**answers, "other_agency": "csc", SEARCH: "dc.jones"})
        assert body == {
            "response_action": "errors",
            "errors": {Field.OTHER_AGENCY: "DC Rhys Jones is not listed in Children's Social Care."},
        }
        # chosen on Slack and in the directory both: which one?
        status, body = await h.submit(AMARA, view, {**answers, "other_person": DC_JONES, SEARCH: "dc.jones"})
        assert list(body["errors"]) == [SEARCH] and "in one place only" in body["errors"][SEARCH]
        # someone no longer in the directory (or a forged value)
        status, body = await h.submit(AMARA, view, {**answers, "other_agency": "police", SEARCH: "pc.left"})
        assert body["errors"] == {SEARCH: "That person is no longer in Parley's directory. Please search again."}
        # themselves
        status, body = await h.submit(AMARA, view, {**answers, SEARCH: "amara.okafor"})
        assert body["errors"] == {SEARCH: "The other party must be someone else."}
        assert h.count(DisputeRow) == 0

        # no role needed when they were found by name; the agency is theirs when none is chosen
        status, body = await h.submit(AMARA, view, {**answers, SEARCH: "dc.jones"})
        assert body["response_action"] == "update", body
        await h.settle()
        [dispute_id] = h.dispute_ids()
        with SqlUnitOfWork(h.sessions) as uow:
            dispute = uow.disputes.get(dispute_id)
        assert (dispute.other.person_id, dispute.other.agency) == ("dc.jones", "police")
        assert "dc.jones" in dispute.involved
        root = h.root().text()
        assert "DC Rhys Jones (West Yorkshire Police)" in root
        # on Teams: named in the thread, never mentioned or messaged on Slack
        assert "<@" + DC_JONES + ">" not in str([c.text() for c in h.mock.calls])
        assert {c.args["channel"] for c in h.mock.calls_to("chat.postMessage")} == {CHANNEL}

    run(engine, scenario, policy=LSCB, directory=directory_for(LSCB))


def test_the_manifest_sends_the_searchs_option_requests_to_slack_events() -> None:
    manifest = yaml.safe_load((Path(__file__).parents[2] / "slack" / "manifest.yml").read_text())
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["message_menu_options_url"] == interactivity["request_url"] == "https://YOUR-HOST/slack/events"


def test_a_person_in_two_agencies_is_offered_in_each_that_matches() -> None:
    directory = directory_for(LSCB)
    ben = directory.people["ben.hughes"]
    both = dataclasses.replace(ben, memberships=ben.memberships + (Membership("police"),))
    directory = Directory(agencies=dict(directory.agencies), people={**directory.people, "ben.hughes": both})
    [(found, agencies)] = directory.find("hughes", exclude="amara.okafor")
    assert found.id == "ben.hughes" and agencies == ("csc", "police")
    [(found, agencies)] = directory.find("HUGHES ben", agency="police")
    assert found.id == "ben.hughes" and agencies == ("police",)
