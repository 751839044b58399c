"""The learning loop on Teams: after both sides confirm, each confirmer gets one learning card in their 1:1.

Real Bot Framework activities in, checked on what reached the mock connector and the database.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine

from bot.directory import Directory, Identity
from bot.dispute import Status
from bot.policy import LearningRouting
from handlers.files import read_policy
from messages.teams import Verb
from storage.board_rows import LearningAnswerRow
from tests.builders import POLICE_TENANT, directory_for
from tests.teams.harness import BEN, DC_JONES, DS_KHAN, Harness, actions, element, intake_answers, run, teams_id, texts, with_csc_on_teams
from tests.teams.test_card_schemas import card_problems

LEARN_CHANNEL = "19:learning@thread.tacv2"
LSCB = dataclasses.replace(
    read_policy("lscb"), learning=LearningRouting(teams_channel=LEARN_CHANNEL, procedure_owner="board_manager")
)
BOARD_MANAGER = teams_id("partnership.board_manager")
REFERENCE = "POL-2040-0193"


def _board_manager_on_teams(directory: Directory) -> Directory:
    person = directory.people["partnership.board_manager"]
    people = {**directory.people, person.id: dataclasses.replace(person, identities=(Identity("teams", POLICE_TENANT, BOARD_MANAGER),))}
    return Directory(agencies=dict(directory.agencies), people=people)


def _learning_cards(h: Harness, user: str) -> list[dict]:
    found = [c.cards()[0] for c in h.connector.direct_to(user)]
    return [card for card in found if any(d["verb"] == Verb.LEARNING_SUBMIT for d in actions(card).values())]


async def _form_then_submit(h: Harness, user: str, button: dict, submit: Verb, inputs: dict) -> dict:
    form = (await h.execute(user, Verb(button["verb"]), button)).card
    data = actions(form)[next(t for t, d in actions(form).items() if d["verb"] == submit)]
    return (await h.execute(user, submit, {**data, **inputs})).card


def test_each_confirmer_on_teams_is_asked_once_and_the_summary_carries_no_case(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.say(DC_JONES, "disagree")
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        [dispute_id] = h.dispute_ids()
        await h.deliver()
        await _form_then_submit(h, DC_JONES, actions(h.latest_root_card())["Escalate"], Verb.ESCALATE_SUBMIT, {"reason": "No reply."})
        await h.deliver()
        [khan_dm] = h.connector.direct_to(DS_KHAN)
        await _form_then_submit(
            h, DS_KHAN, actions(khan_dm.cards()[0])["Resolve"] | {"version": h.dispute(dispute_id).version},
            Verb.RESOLVE_SUBMIT, {"agreed_outcome": "Strategy discussion on Tuesday."},
        )  # fmt: skip
        await h.deliver()
        confirm = h.connector.direct_to(BEN)[-1].cards()[0]
        await h.execute(BEN, Verb.CONFIRM, {**actions(confirm)["Confirm"], "statement": "Agreed for CSC."})
        assert h.dispute(dispute_id).status is Status.RESOLVED
        await h.deliver()

        # the two who confirmed (DS Khan by proposing, Ben in writing) each get one learning card
        assert len(_learning_cards(h, DS_KHAN)) == 1 and len(_learning_cards(h, BEN)) == 1
        assert _learning_cards(h, DC_JONES) == [] and _learning_cards(h, BOARD_MANAGER) == []
        [card] = _learning_cards(h, BEN)
        assert card_problems(card) == []  # valid Adaptive Cards 1.5, as Teams renders them
        assert REFERENCE in texts(card) and element(card, "debrief")["label"] == "Would a debrief help?"

        send = actions(card)["Send"]
        answers = {"learning_points": "Ben Hughes: call the police before closing POL-2040-0193.", "debrief": "yes", "unclear": "yes",
                   "themes": "Information sharing,Timeliness of response"}  # fmt: skip
        done = (await h.execute(BEN, Verb.LEARNING_SUBMIT, {**send, **answers}, id="f:learning-ben")).card
        assert "your learning points are on the record" in texts(done)
        assert h.count(LearningAnswerRow) == 1 and h.record_kinds(dispute_id)[-1] == "learning points given"
        await h.deliver()

        # the summary is posted in the learning channel: themes and answers, no case, names, agencies or text
        [post] = h.connector.sent_to(LEARN_CHANNEL)
        assert card_problems(post.cards()[0]) == []
        text = post.text()
        assert "Information sharing; Timeliness of response" in text and "A debrief would help: Yes" in text
        for secret in (REFERENCE, "Ben", "Hughes", "Khan", "police", "Police", "Social Care", "closing"):
            assert secret not in text, secret
        # the board manager (the learning role and the procedure's owner) hears it in their 1:1
        owner = [c.text() for c in h.connector.direct_to(BOARD_MANAGER)]
        assert len(owner) == 2 and sum("found the procedure unclear" in t for t in owner) == 1
        assert all(REFERENCE not in t for t in owner)

        # a replay of the same activity changes nothing; a second answer is refused kindly
        again = (await h.execute(BEN, Verb.LEARNING_SUBMIT, {**send, **answers}, id="f:learning-ben")).card
        assert "your learning points are on the record" in texts(again)
        other = await h.execute(BEN, Verb.LEARNING_SUBMIT, {**send, "learning_points": "One more thing."})
        assert "already given your learning points" in str(other.body)
        await h.deliver()
        assert h.count(LearningAnswerRow) == 1 and h.record_kinds(dispute_id).count("learning points given") == 1
        assert len(h.connector.sent_to(LEARN_CHANNEL)) == 1

        # an unknown theme is shown on its field and nothing is kept
        [khan_card] = _learning_cards(h, DS_KHAN)
        wrong = (await h.execute(DS_KHAN, Verb.LEARNING_SUBMIT, {**actions(khan_card)["Send"], "themes": "Paperwork"})).card
        assert "Please choose from the listed themes" in texts(wrong) and h.count(LearningAnswerRow) == 1

    directory = _board_manager_on_teams(with_csc_on_teams(directory_for(LSCB)))
    run(engine, scenario, policy=LSCB, directory=directory)
