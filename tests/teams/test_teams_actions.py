"""Buttons on a dispute: who may use them, cards that are out of date, and the two-party confirmation.

Every refusal is private (an invoke message only the clicker sees) and changes nothing; a click on
an out-of-date card gets a card saying who did what, and when.
"""

from __future__ import annotations

from sqlalchemy import Engine

from bot.dispute import Status
from handlers.files import read_policy
from messages.teams import Verb
from storage.models import OutboxRow, RecordEntryRow
from tests.builders import directory_for
from tests.teams.harness import BEN, DC_JONES, DS_KHAN, STRANGER, Harness, actions, element, intake_answers, run, texts, with_csc_on_teams

LSCB = read_policy("lscb")
AMARA = "29:amaraokafor"
POLICE_REP = "29:policelscbrepresentative"
DIRECTORY = with_csc_on_teams(directory_for(LSCB))


async def _raise(h: Harness) -> tuple[str, dict]:
    await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
    [dispute_id] = h.dispute_ids()
    await h.deliver()
    return dispute_id, h.latest_root_card()


def _unchanged(h: Harness, dispute_id: str, version: int, entries: int, queued: int) -> None:
    assert h.dispute(dispute_id).version == version
    assert h.count(RecordEntryRow) == entries
    assert h.count(OutboxRow) == queued


def test_someone_not_asked_to_act_is_told_privately_and_nothing_changes(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        before = (h.dispute(dispute_id).version, h.count(RecordEntryRow), h.count(OutboxRow))

        refused = await h.execute(POLICE_REP, Verb.ESCALATE, actions(root)["Escalate"])
        assert refused.message == (
            "Only the people asked to act at this stage or the person who raised it can escalate: DC Rhys Jones or Amara Okafor. Nothing has changed."
        )
        refused = await h.execute(POLICE_REP, Verb.RESOLVE, actions(root)["Resolve"])
        assert "Only the two parties or the people asked to act at this stage can propose a resolution" in refused.message
        refused = await h.execute(POLICE_REP, Verb.VIEW_RECORD, actions(root)["View record"])
        assert "Only the people involved in this disagreement or the partnership's staff can see its record" in refused.message
        # even a hand-made submission of the form is refused by the core's own rules
        forged = {**actions(root)["Escalate"], "seq": 2, "reason": "Because I say so."}
        refused = await h.execute(POLICE_REP, Verb.ESCALATE_SUBMIT, forged)
        assert "Nothing has changed." in refused.message
        refused = await h.execute(STRANGER, Verb.ESCALATE, actions(root)["Escalate"])
        assert "You're not in Parley's directory yet" in refused.message
        _unchanged(h, dispute_id, *before)

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_a_click_on_an_out_of_date_card_says_who_did_what_and_when(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, old_root = await _raise(h)
        form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(old_root)["Escalate"])).card
        await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "No reply today."})
        before = (h.dispute(dispute_id).version, h.count(RecordEntryRow), h.count(OutboxRow))

        stale = (await h.execute(AMARA, Verb.RESOLVE, actions(old_root)["Resolve"])).card
        assert element(stale, "stale")["text"] == (
            "Someone acted first: it was escalated by DC Rhys Jones (Mon 5 Nov 2040, 10:00), "
            "so yours was not applied. Nothing has changed."
        )
        assert "Line managers discuss" in texts(stale)  # the card as it is now, with the buttons that work now
        assert actions(stale)["Resolve"]["version"] == h.dispute(dispute_id).version
        _unchanged(h, dispute_id, *before)

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_two_people_submitting_the_same_move_at_once_only_the_first_wins(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        # both open the escalate form on the same card
        jones_form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(root)["Escalate"])).card
        amara_form = (await h.execute(AMARA, Verb.ESCALATE, actions(root)["Escalate"])).card
        h.clock.advance(minutes=4)
        await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(jones_form)["Escalate"], "reason": "First."})
        before = (h.dispute(dispute_id).version, h.count(RecordEntryRow), h.count(OutboxRow))

        second = (await h.execute(AMARA, Verb.ESCALATE_SUBMIT, {**actions(amara_form)["Escalate"], "reason": "Second."})).card
        assert element(second, "stale")["text"] == (
            "Someone acted first: it was escalated by DC Rhys Jones (Mon 5 Nov 2040, 10:04), "
            "so yours was not applied. Nothing has changed."
        )
        _unchanged(h, dispute_id, *before)
        assert h.record_kinds(dispute_id).count("escalated") == 1

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_a_note_added_while_a_form_is_open_does_not_refuse_it(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(root)["Escalate"])).card
        note = (await h.execute(AMARA, Verb.ADD_NOTE, actions(root)["Add note"])).card
        await h.execute(AMARA, Verb.ADD_NOTE_SUBMIT, {**actions(note)["Add note"], "note": "Just a note."})
        done = (await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "Still no reply."})).card
        assert "You escalated it" in element(done, "notice")["text"]
        assert h.dispute(dispute_id).stage_index == 1

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_form_errors_appear_beside_the_field_and_change_nothing(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        before = (h.dispute(dispute_id).version, h.count(RecordEntryRow), h.count(OutboxRow))
        form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(root)["Escalate"])).card
        again = (await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "  "})).card
        assert element(again, "error.reason")["text"] == "Please fill this in."
        note = (await h.execute(DC_JONES, Verb.ADD_NOTE, actions(root)["Add note"])).card
        again = (await h.execute(DC_JONES, Verb.ADD_NOTE_SUBMIT, {**actions(note)["Add note"], "note": "n" * 3000})).card
        assert element(again, "error.note")["text"] == "Please keep this under 2900 characters (it has 3000)."
        assert element(again, "note")["value"] == "n" * 3000  # what was typed is kept
        resolve = (await h.execute(DC_JONES, Verb.RESOLVE, actions(root)["Resolve"])).card
        again = (await h.execute(DC_JONES, Verb.RESOLVE_SUBMIT, {**actions(resolve)["Propose"], "learning_points": "Some."})).card
        assert element(again, "error.agreed_outcome")["text"] == "Please fill this in."
        _unchanged(h, dispute_id, *before)

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


async def _propose(h: Harness, dispute_id: str, root: dict) -> dict:
    form = (await h.execute(DC_JONES, Verb.RESOLVE, actions(root)["Resolve"])).card
    await h.execute(DC_JONES, Verb.RESOLVE_SUBMIT, {**actions(form)["Propose"], "agreed_outcome": "Strategy discussion on Tuesday."})
    await h.deliver()
    return h.connector.direct_to(AMARA)[-1].cards()[0]


def test_not_agreed_needs_a_reason_and_opens_it_again_at_the_same_stage(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        ask = await _propose(h, dispute_id, root)
        not_agreed = actions(ask)["Not agreed"]
        assert set(not_agreed) == {"dispute_id", "proposal", "verb"}

        again = (await h.execute(AMARA, Verb.NOT_AGREED, not_agreed)).card
        assert element(again, "error.reason")["text"] == "Please fill this in."
        assert h.dispute(dispute_id).status is Status.AWAITING_CONFIRMATION

        done = (await h.execute(AMARA, Verb.NOT_AGREED, {**not_agreed, "reason": "Tuesday is too late."})).card
        assert "is not agreed" in texts(done)
        dispute = h.dispute(dispute_id)
        assert dispute.status is Status.OPEN and dispute.stage_index == 0 and dispute.proposal is None
        await h.deliver()
        assert h.thread()[-1].body["summary"] == "Amara Okafor (Children's Social Care) did not agree the proposed resolution"

        # the old request can't be used any more: the proposal it answers has gone
        stale = (await h.execute(AMARA, Verb.CONFIRM, {**actions(ask)["Confirm"], "statement": "Agreed."})).card
        assert element(stale, "stale")["text"].startswith("Someone acted first: the proposed resolution was not agreed by Amara Okafor")
        assert h.dispute(dispute_id).status is Status.OPEN

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_only_the_other_side_can_confirm_and_a_note_leaves_the_request_valid(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        ask = await _propose(h, dispute_id, root)
        refused = await h.execute(DC_JONES, Verb.CONFIRM, {**actions(ask)["Confirm"], "statement": "Agreed."})
        assert refused.message == "Only the people still to confirm it can confirm the resolution: Amara Okafor. Nothing has changed."
        refused = await h.execute(DS_KHAN, Verb.CONFIRM, {**actions(ask)["Confirm"], "statement": "Agreed."})
        assert "Only the people still to confirm it" in refused.message

        note = (await h.execute(DC_JONES, Verb.ADD_NOTE, actions(h.latest_root_card())["Add note"])).card
        await h.execute(DC_JONES, Verb.ADD_NOTE_SUBMIT, {**actions(note)["Add note"], "note": "Tuesday 2pm."})
        unsaid = (await h.execute(AMARA, Verb.CONFIRM, actions(ask)["Confirm"])).card
        assert element(unsaid, "error.statement")["text"] == "Please fill this in."  # in their own words, or not at all
        done = (await h.execute(AMARA, Verb.CONFIRM, {**actions(ask)["Confirm"], "statement": "Agreed for CSC."})).card
        assert "Both sides have now confirmed: it is resolved." in texts(done)
        assert h.dispute(dispute_id).status is Status.RESOLVED
        assert h.record_kinds(dispute_id)[-2:] == ["resolution confirmed", "resolved"]

        # a second click on Confirm, and on any old button, changes nothing
        again = (await h.execute(AMARA, Verb.CONFIRM, {**actions(ask)["Confirm"], "statement": "Agreed for CSC."})).card
        assert element(again, "stale") is not None
        refused = await h.execute(BEN, Verb.ESCALATE, actions(root)["Escalate"])
        assert refused.status == 200 and h.dispute(dispute_id).status is Status.RESOLVED

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_action_submit_buttons_work_like_universal_actions(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        # a client without Action.Execute sends the fallback: a message carrying the button's data
        await h.submit(DC_JONES, actions(root)["Escalate"], reply_to="root-card")
        form = h.connector.ok_calls("update")[-1]
        assert form.activity_id == "root-card" and "Escalate" in actions(form.cards()[0])
        await h.submit(DC_JONES, {**actions(form.cards()[0])["Escalate"], "reason": "No reply."}, reply_to="root-card")
        assert h.dispute(dispute_id).stage_index == 1

        # a refusal is said privately: here, in the person's 1:1 chat
        await h.deliver()
        await h.submit(POLICE_REP, actions(h.latest_root_card())["Escalate"], reply_to="root-card")
        [told] = h.replies(POLICE_REP)
        assert "Nothing has changed." in told.body["text"]

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_someone_not_involved_is_not_shown_the_dispute_even_on_an_out_of_date_card(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, old_root = await _raise(h)
        form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(old_root)["Escalate"])).card
        await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "No reply today."})
        refused = await h.execute(POLICE_REP, Verb.ESCALATE, actions(old_root)["Escalate"])
        assert refused.message == "Only the people involved in this disagreement can use its buttons. Nothing has changed."

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_after_not_agreed_an_earlier_escalate_button_works_on_the_first_press(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        earlier_escalate = actions(root)["Escalate"]  # shown before anything was proposed
        resolve = (await h.execute(DC_JONES, Verb.RESOLVE, actions(root)["Resolve"])).card
        await h.execute(DC_JONES, Verb.RESOLVE_SUBMIT, {**actions(resolve)["Propose"], "agreed_outcome": "Meet on Tuesday."})
        await h.deliver()
        ask = h.connector.direct_to(AMARA)[-1].cards()[0]
        await h.execute(AMARA, Verb.NOT_AGREED, {**actions(ask)["Not agreed"], "reason": "Tuesday is too late."})
        assert h.dispute(dispute_id).status is Status.OPEN  # open again at the same stage

        form = (await h.execute(DC_JONES, Verb.ESCALATE, earlier_escalate)).card
        assert "Escalate" in actions(form) and element(form, "stale") is None  # the form, not "someone acted first"
        done = (await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "Still no plan."})).card
        assert "You escalated it" in element(done, "notice")["text"]
        assert h.dispute(dispute_id).stage_index == 1

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)
