"""Every form takes effect once, for the person who sent it: replayed activities and shared cards."""

from __future__ import annotations

from sqlalchemy import Engine, select

from handlers.files import read_policy
from messages.teams import Verb
from storage.models import DisputeRow, RecordEntryRow
from tests.builders import directory_for
from tests.teams.harness import DC_JONES, DS_KHAN, Harness, actions, element, intake_answers, run, with_csc_on_teams

LSCB = read_policy("lscb")
DIRECTORY = with_csc_on_teams(directory_for(LSCB))
AMARA = "29:amaraokafor"


def _notes(h: Harness) -> int:
    with h.sessions() as s:
        return len(list(s.scalars(select(RecordEntryRow.seq).where(RecordEntryRow.kind == "note"))))


def test_a_replayed_add_note_activity_records_one_note(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        await h.deliver()
        root = h.latest_root_card()
        form = (await h.execute(DC_JONES, Verb.ADD_NOTE, actions(root)["Add note"])).card
        value = {"action": {"type": "Action.Execute", "verb": Verb.ADD_NOTE_SUBMIT, "data": {**actions(form)["Add note"], "note": "Called the duty desk."}}}
        activity = h.activity("invoke", DC_JONES, name="adaptiveCard/action", value=value, replyToId="card-1")
        first = await h.post(activity)
        again = await h.post(activity)  # the very same activity, id and all (a retry or a replay)
        assert "Your note is on the record" in element(first.card, "notice")["text"]
        assert "Your note is on the record" in element(again.card, "notice")["text"]
        assert _notes(h) == 1

        # a new activity with the same words is a new note: the key is the activity, not the text
        await h.post(h.activity("invoke", DC_JONES, name="adaptiveCard/action", value=value, replyToId="card-1"))
        assert _notes(h) == 2

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_two_people_answering_the_same_intake_card_each_raise_their_own(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        first = await h.execute(DC_JONES, Verb.INTAKE, intake_answers(reference="POL-2040-0001"), reply_to="card-7")
        second = await h.execute(DS_KHAN, Verb.INTAKE, intake_answers(reference="POL-2040-0002"), reply_to="card-7")
        assert first.status == second.status == 200
        with h.sessions() as s:
            rows = {(r.reference, r.raiser_id) for r in s.scalars(select(DisputeRow))}
        assert rows == {("POL-2040-0001", "dc.jones"), ("POL-2040-0002", "ds.khan")}
        # and the same person sending the same card twice still raises one
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers(reference="POL-2040-0001"), reply_to="card-7")
        assert len(h.dispute_ids()) == 2

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_a_form_opened_from_the_shared_channel_card_goes_to_the_person_not_the_channel(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        await h.deliver()
        root = h.latest_root_card()
        updates_before = len([c for c in h.connector.calls if c.kind == "update"])
        # the Action.Submit fallback, pressed on the channel card
        await h.submit(DC_JONES, {**actions(root)["Add note"]}, reply_to="root-1", scope="channel")
        assert len([c for c in h.connector.calls if c.kind == "update"]) == updates_before  # the channel card stays
        form = h.last_card(DC_JONES)
        assert "Add note" in actions(form)

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)
