"""Withdraw (the raiser, at any time) and Close unresolved (the people asked to act at the last stage) on Teams.

Each through real `adaptiveCard/action` invokes (and an Action.Submit fallback) posted to /api/messages;
checked on what reached the mock connector and on the database.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine

from bot.directory import Directory, Identity
from bot.dispute import Status
from handlers.files import read_policy
from messages.teams import Verb
from storage.models import OutboxRow, RecordEntryRow
from tests.builders import POLICE_TENANT, directory_for
from tests.teams.harness import DC_JONES, DS_KHAN, Harness, actions, element, intake_answers, run, teams_id, texts, with_csc_on_teams

LSCB = read_policy("lscb")
AMARA = teams_id("amara.okafor")
BOARD_MANAGER = teams_id("partnership.board_manager")


def _with_partnership_on_teams(directory: Directory) -> Directory:
    """The partnership's Board Manager on Teams in the police tenant, where Parley's channel is."""
    person = directory.people["partnership.board_manager"]
    moved = dataclasses.replace(person, identities=(Identity("teams", POLICE_TENANT, BOARD_MANAGER),))
    return Directory(agencies=dict(directory.agencies), people={**directory.people, person.id: moved})


DIRECTORY = _with_partnership_on_teams(with_csc_on_teams(directory_for(LSCB)))


async def _raise(h: Harness) -> tuple[str, dict]:
    await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
    [dispute_id] = h.dispute_ids()
    await h.deliver()
    return dispute_id, h.latest_root_card()


def _state(h: Harness, dispute_id: str) -> tuple[int, int, int]:
    return h.dispute(dispute_id).version, h.count(RecordEntryRow), h.count(OutboxRow)


def _titles(card: dict) -> list[str]:
    return [a["title"] for a in card.get("actions", [])]


def test_the_raiser_withdraws_with_a_reason_and_the_thread_and_card_say_so(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        assert _titles(root) == ["Resolve", "Escalate", "Add note", "View record", "Withdraw"]
        withdraw = actions(root)["Withdraw"]
        assert withdraw == {"dispute_id": dispute_id, "version": 0, "stage": 1, "verb": Verb.WITHDRAW}
        before = _state(h, dispute_id)

        # the other party may not withdraw it: told privately, no form, nothing changes
        refused = await h.execute(AMARA, Verb.WITHDRAW, withdraw)
        assert refused.message == "Only the person who raised it can withdraw it: DC Rhys Jones. Nothing has changed."
        # nor may they by submitting a hand-made form: the core's own rules refuse it
        forged = await h.execute(AMARA, Verb.WITHDRAW_SUBMIT, {**withdraw, "seq": 2, "reason": "Not mine to withdraw."})
        assert forged.message == "Only the person who raised it can withdraw it: DC Rhys Jones. Nothing has changed."
        assert _state(h, dispute_id) == before

        form = (await h.execute(DC_JONES, Verb.WITHDRAW, withdraw)).card
        assert "Everything so far stays on the record." in texts(form)
        assert element(form, "reason")["isRequired"] is True
        assert _titles(form) == ["Withdraw it", "Cancel"]

        # a reason is needed: shown beside the field, nothing changes
        again = (await h.execute(DC_JONES, Verb.WITHDRAW_SUBMIT, {**actions(form)["Withdraw it"], "reason": "   "})).card
        assert element(again, "error.reason")["text"] == "Please fill this in."
        assert _state(h, dispute_id) == before and h.dispute(dispute_id).status is Status.OPEN

        h.clock.advance(minutes=7)
        done = (await h.execute(DC_JONES, Verb.WITHDRAW_SUBMIT, {**actions(form)["Withdraw it"], "reason": "Sorted out by phone with Amara."})).card
        assert element(done, "notice")["text"].startswith("You withdrew it. Both agencies are told")
        assert _titles(done) == ["View record"]

        dispute = h.dispute(dispute_id)
        assert dispute.status is Status.WITHDRAWN and dispute.closed_at == h.clock()
        assert h.record_kinds(dispute_id)[-1] == "withdrawn"

        await h.deliver()
        line = h.thread()[-1]
        assert line.body["summary"] == "DC Rhys Jones (West Yorkshire Police) withdrew this disagreement"
        assert "**DC Rhys Jones** (West Yorkshire Police) withdrew this disagreement." in texts(line.cards()[0])
        assert "Sorted out by phone with Amara." in texts(line.cards()[0])
        final = h.latest_root_card()
        assert _titles(final) == ["View record"] and "Status: Withdrawn" in texts(final)

        # the old card's buttons now say who did what, and when; nothing changes
        before = _state(h, dispute_id)
        stale = (await h.execute(DC_JONES, Verb.RESOLVE, actions(root)["Resolve"])).card
        assert element(stale, "stale")["text"] == (
            "Someone acted first: it was withdrawn by DC Rhys Jones (Mon 5 Nov 2040, 10:07), "
            "so yours was not applied. Nothing has changed."
        )
        stale = (await h.execute(DC_JONES, Verb.WITHDRAW, withdraw)).card
        assert element(stale, "stale")["text"] == (
            "Someone acted first: it was withdrawn by DC Rhys Jones (Mon 5 Nov 2040, 10:07), "
            "so yours was not applied. Nothing has changed."
        )
        assert _state(h, dispute_id) == before

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_a_withdraw_click_on_an_out_of_date_card_says_who_did_what_and_when(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, old_root = await _raise(h)
        h.clock.advance(minutes=2)
        form = (await h.execute(AMARA, Verb.ESCALATE, actions(old_root)["Escalate"])).card
        await h.execute(AMARA, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "No reply today."})
        before = _state(h, dispute_id)

        stale = (await h.execute(DC_JONES, Verb.WITHDRAW, actions(old_root)["Withdraw"])).card
        assert element(stale, "stale")["text"] == (
            "Someone acted first: it was escalated by Amara Okafor (Mon 5 Nov 2040, 10:02), "
            "so yours was not applied. Nothing has changed."
        )
        assert actions(stale)["Withdraw"]["version"] == h.dispute(dispute_id).version  # the card as it is now
        assert _state(h, dispute_id) == before and h.dispute(dispute_id).status is Status.OPEN

        # a withdraw form opened before someone else's move is refused on submit, the same way
        form = (await h.execute(DC_JONES, Verb.WITHDRAW, actions(stale)["Withdraw"])).card
        resolve = (await h.execute(DS_KHAN, Verb.RESOLVE, actions(stale)["Resolve"])).card
        h.clock.advance(minutes=3)
        await h.execute(DS_KHAN, Verb.RESOLVE_SUBMIT, {**actions(resolve)["Propose"], "agreed_outcome": "A joint visit."})
        before = _state(h, dispute_id)
        late = (await h.execute(DC_JONES, Verb.WITHDRAW_SUBMIT, {**actions(form)["Withdraw it"], "reason": "Raised in error."})).card
        assert element(late, "stale")["text"] == (
            "Someone acted first: a resolution was proposed by DS Sana Khan (Mon 5 Nov 2040, 10:05), "
            "so yours was not applied. Nothing has changed."
        )
        assert _state(h, dispute_id) == before and h.dispute(dispute_id).status is Status.AWAITING_CONFIRMATION

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_withdrawing_while_a_resolution_awaits_confirmation_makes_the_confirm_request_out_of_date(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, root = await _raise(h)
        form = (await h.execute(DC_JONES, Verb.RESOLVE, actions(root)["Resolve"])).card
        await h.execute(DC_JONES, Verb.RESOLVE_SUBMIT, {**actions(form)["Propose"], "agreed_outcome": "Joint visit on Monday."})
        await h.deliver()
        assert h.dispute(dispute_id).status is Status.AWAITING_CONFIRMATION
        ask = h.connector.direct_to(AMARA)[-1].cards()[0]
        waiting = h.latest_root_card()
        assert _titles(waiting) == ["Add note", "View record", "Withdraw"]

        # a client without Universal Actions sends the Action.Submit fallback: the form replaces the card
        h.clock.advance(minutes=3)
        await h.submit(DC_JONES, actions(waiting)["Withdraw"], reply_to="root-card")
        shown = h.connector.ok_calls("update")[-1]
        assert shown.activity_id == "root-card" and "Withdraw it" in actions(shown.cards()[0])
        await h.submit(DC_JONES, {**actions(shown.cards()[0])["Withdraw it"], "reason": "Raised in error."}, reply_to="root-card")
        dispute = h.dispute(dispute_id)
        assert dispute.status is Status.WITHDRAWN and dispute.proposal is None
        assert "You withdrew it" in texts(h.connector.ok_calls("update")[-1].cards()[0])

        before = _state(h, dispute_id)
        stale = (await h.execute(AMARA, Verb.CONFIRM, {**actions(ask)["Confirm"], "statement": "Agreed."})).card
        assert element(stale, "stale")["text"] == (
            "Someone acted first: it was withdrawn by DC Rhys Jones (Mon 5 Nov 2040, 10:03), "
            "so yours was not applied. Nothing has changed."
        )
        assert _state(h, dispute_id) == before
        assert h.record_kinds(dispute_id).count("resolution confirmed") == 1  # only the proposer's own side

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


async def _to_last_stage(h: Harness, dispute_id: str) -> dict:
    for _ in range(len(LSCB.stages) - 1):
        root = h.latest_root_card()
        form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(root)["Escalate"])).card
        await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "Still not resolved."})
        await h.deliver()
    assert h.dispute(dispute_id).stage_index == LSCB.last_index
    return h.latest_root_card()


def test_at_the_last_stage_the_board_manager_closes_it_as_unresolved_and_no_one_else_can(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        dispute_id, first = await _raise(h)
        assert "Close unresolved" not in actions(first)
        # before the last stage, a (hand-made) Close unresolved click is explained, and nothing changes
        before = _state(h, dispute_id)
        early = await h.execute(DC_JONES, Verb.CLOSE_UNRESOLVED, {**actions(first)["Escalate"], "verb": Verb.CLOSE_UNRESOLVED})
        assert early.message == "Only the last stage can close a disagreement as unresolved; escalate it instead. Nothing has changed."
        assert _state(h, dispute_id) == before

        root = await _to_last_stage(h, dispute_id)
        assert _titles(root) == ["Resolve", "Close unresolved", "Add note", "View record", "Withdraw"]
        close = actions(root)["Close unresolved"]
        assert close["verb"] == Verb.CLOSE_UNRESOLVED and close["version"] == h.dispute(dispute_id).version
        # the Board Manager, asked to act now, got the same buttons in their 1:1
        [asked] = h.connector.direct_to(BOARD_MANAGER)
        assert "Close unresolved" in actions(asked.cards()[0])
        # an Escalate click from an older layout is explained: there is no one further
        last = await h.execute(DC_JONES, Verb.ESCALATE, {**close, "verb": Verb.ESCALATE})
        assert last.message.startswith("This is the last stage: there is no one further to escalate to.")

        # the raiser and the other party are not the ones asked at this stage
        before = _state(h, dispute_id)
        for user in (DC_JONES, AMARA):
            refused = await h.execute(user, Verb.CLOSE_UNRESOLVED, close)
            assert refused.message == (
                "Only the people asked to act at this last stage can close it as unresolved: Partnership board manager. Nothing has changed."
            )
        forged = await h.execute(AMARA, Verb.CLOSE_UNRESOLVED_SUBMIT, {**close, "reason": "Let me close it."})
        assert "can close it as unresolved: Partnership board manager. Nothing has changed." in forged.message
        assert _state(h, dispute_id) == before

        form = (await h.execute(BOARD_MANAGER, Verb.CLOSE_UNRESOLVED, close)).card
        assert "the decision stands unchanged" in texts(form)
        assert _titles(form) == ["Close it", "Cancel"]
        again = (await h.execute(BOARD_MANAGER, Verb.CLOSE_UNRESOLVED_SUBMIT, {**actions(form)["Close it"], "reason": "r" * 1001})).card
        assert element(again, "error.reason")["text"] == "Please keep this under 1000 characters (it has 1001)."
        assert element(again, "reason")["value"] == "r" * 1001  # what was typed is kept
        assert _state(h, dispute_id) == before

        h.clock.advance(minutes=30)
        reason = "Both agencies' positions are recorded; the decision stands."
        done = (await h.execute(BOARD_MANAGER, Verb.CLOSE_UNRESOLVED_SUBMIT, {**actions(form)["Close it"], "reason": reason})).card
        assert element(done, "notice")["text"].startswith("You closed it as unresolved.")

        dispute = h.dispute(dispute_id)
        assert dispute.status is Status.CLOSED_UNRESOLVED and dispute.closed_at == h.clock()
        assert h.record_kinds(dispute_id)[-1] == "closed: decision unchanged, disagreement remains"
        await h.deliver()
        line = h.thread()[-1]
        assert line.body["summary"] == "Partnership board manager (Partnership Business Unit) closed this as unresolved"
        assert "**Partnership board manager** (Partnership Business Unit) closed this as unresolved" in texts(line.cards()[0])
        assert reason in texts(line.cards()[0])
        final = h.latest_root_card()
        assert _titles(final) == ["View record"] and "Closed: disagreement remains" in texts(final)

        # the old card: who did what, and when
        before = _state(h, dispute_id)
        stale = (await h.execute(DC_JONES, Verb.WITHDRAW, actions(root)["Withdraw"])).card
        assert element(stale, "stale")["text"] == (
            "Someone acted first: it was closed as unresolved by Partnership board manager (Mon 5 Nov 2040, 10:30), "
            "so yours was not applied. Nothing has changed."
        )
        assert _state(h, dispute_id) == before

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)
