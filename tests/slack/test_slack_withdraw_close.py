"""Withdraw (the raiser, at any time) and Close unresolved (the people asked to act at the last stage).

Each through signed clicks and form submissions; checked on what reached the mock Web API and the database.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine

from bot.directory import Directory, Identity
from bot.dispute import Status
from handlers.files import read_policy
from messages.slack import ActionId, ViewId
from storage.models import RecordEntryRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import directory_for
from tests.slack.clicking import open_form
from tests.slack.harness import AMARA, CHANNEL, DC_JONES, TEAM, Harness, button, done_text, run, slack_id, with_police_on_slack

BRADFORD = read_policy("bradford")
LSCB = read_policy("lscb")
BOARD_MANAGER = slack_id("partnership.board_manager")


def _dispute(h: Harness):
    [dispute_id] = h.dispute_ids()
    with SqlUnitOfWork(h.sessions) as uow:
        return uow.disputes.get(dispute_id), [e.kind for e in uow.disputes.record(dispute_id)]


def _thread(h: Harness) -> list:
    return h.mock.posts(channel=CHANNEL, thread_ts=h.root().answer["ts"])


def _root_actions(h: Harness) -> list[str]:
    return [e["action_id"] for b in h.latest_root_blocks() if b["type"] == "actions" for e in b["elements"]]


def test_the_raiser_withdraws_with_a_reason_and_both_agencies_see_it(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        root = h.root().args["blocks"]
        assert ActionId.WITHDRAW in _root_actions(h)

        # someone else may not withdraw it: told privately, no form, nothing changes
        await h.click(DC_JONES, ActionId.WITHDRAW, button(root, ActionId.WITHDRAW))
        await h.settle()
        reply = h.mock.responses[-1]
        assert reply["response_type"] == "ephemeral"
        assert reply["text"] == "Only the person who raised it can withdraw it: Amara Okafor. Nothing has changed."
        assert len(h.opened_views()) == 1 and _dispute(h)[0].version == 0

        form = await open_form(h, AMARA, ActionId.WITHDRAW, button(root, ActionId.WITHDRAW))
        assert form["callback_id"] == ViewId.WITHDRAW
        assert "Everything so far stays on the record" in str(form["blocks"])

        # a reason is needed: shown on the field, nothing changes
        entries = h.count(RecordEntryRow)
        status, body = await h.submit(AMARA, form, {"reason": "  "})
        assert body == {"response_action": "errors", "errors": {"reason": "Please fill this in."}}
        assert h.count(RecordEntryRow) == entries and _dispute(h)[0].status is Status.OPEN

        h.clock.advance(minutes=7)
        status, body = await h.submit(AMARA, form, {"reason": "Sorted out by phone with DC Jones."})
        assert status == 200 and done_text(body).startswith("You withdrew it.")
        await h.settle()

        dispute, kinds = _dispute(h)
        assert dispute.status is Status.WITHDRAWN and dispute.closed_at == h.clock()
        assert kinds[-1] == "withdrawn"
        line = _thread(h)[-1]
        assert line.args["text"] == "Amara Okafor (Children's Social Care) withdrew this disagreement"
        assert "*Amara Okafor* (Children's Social Care) withdrew this disagreement." in line.text()
        assert "Sorted out by phone with DC Jones." in line.text()
        [update] = h.mock.calls_to("chat.update")
        assert update.args["ts"] == h.root().answer["ts"] and "Withdrawn" in update.text()
        assert _root_actions(h) == [ActionId.VIEW_RECORD]

        # the old root's buttons now say what happened
        await h.click(AMARA, ActionId.RESOLVE, button(root, ActionId.RESOLVE))
        await h.settle()
        assert h.mock.responses[-1]["text"] == (
            "Someone acted first: it was withdrawn by Amara Okafor (Mon 5 Nov 2040, 10:07), "
            "so yours was not applied. Nothing has changed."
        )

    run(engine, scenario, policy=BRADFORD)


def test_withdrawing_while_a_resolution_awaits_confirmation_makes_the_confirm_request_out_of_date(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        form = await open_form(h, AMARA, ActionId.RESOLVE, button(h.root().args["blocks"], ActionId.RESOLVE))
        assert done_text((await h.submit(AMARA, form, {"agreed_outcome": "Joint visit on Monday."}))[1])
        await h.settle()
        assert _dispute(h)[0].status is Status.AWAITING_CONFIRMATION
        assert _root_actions(h) == [ActionId.ADD_NOTE, ActionId.VIEW_RECORD, ActionId.WITHDRAW]
        ask = h.mock.posts(channel=DC_JONES)[-1]

        h.clock.advance(minutes=3)
        form = await open_form(h, AMARA, ActionId.WITHDRAW, button(h.latest_root_blocks(), ActionId.WITHDRAW))
        assert done_text((await h.submit(AMARA, form, {"reason": "Raised in error."}))[1])
        await h.settle()
        assert _dispute(h)[0].status is Status.WITHDRAWN and _dispute(h)[0].proposal is None

        await h.click(DC_JONES, ActionId.CONFIRM, button(ask.args["blocks"], ActionId.CONFIRM), channel="D0DCJONES")
        await h.settle()
        assert h.mock.responses[-1]["text"] == (
            "Someone acted first: it was withdrawn by Amara Okafor (Mon 5 Nov 2040, 10:03), "
            "so yours was not applied. Nothing has changed."
        )
        assert _dispute(h)[1].count("resolution confirmed") == 1  # only the proposer's own

    run(engine, scenario, policy=BRADFORD)


def _partnership_on_slack(directory: Directory) -> Directory:
    """The partnership's Board Manager in the CSC workspace too, as the business unit often is."""
    person = directory.people["partnership.board_manager"]
    people = {**directory.people, person.id: dataclasses.replace(person, identities=(Identity("slack", TEAM, BOARD_MANAGER),))}
    return Directory(agencies=dict(directory.agencies), people=people)


def test_at_the_last_stage_the_board_manager_closes_it_as_unresolved_and_no_one_else_can(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        assert ActionId.CLOSE_UNRESOLVED not in _root_actions(h)

        # before the last stage, a Close unresolved click is explained (the button isn't offered there)
        await h.click(AMARA, ActionId.CLOSE_UNRESOLVED, button(h.root().args["blocks"], ActionId.ESCALATE))
        await h.settle()
        assert h.mock.responses[-1]["text"] == (
            "Only the last stage can close a disagreement as unresolved; escalate it instead. Nothing has changed."
        )

        for _ in range(len(LSCB.stages) - 1):
            form = await open_form(h, AMARA, ActionId.ESCALATE, button(h.latest_root_blocks(), ActionId.ESCALATE))
            assert done_text((await h.submit(AMARA, form, {"reason": "Still not resolved."}))[1])
            await h.settle()
        assert _dispute(h)[0].stage_index == len(LSCB.stages) - 1
        assert _root_actions(h) == [
            ActionId.RESOLVE, ActionId.CLOSE_UNRESOLVED, ActionId.ADD_NOTE, ActionId.VIEW_RECORD, ActionId.WITHDRAW
        ]  # fmt: skip
        value = button(h.latest_root_blocks(), ActionId.CLOSE_UNRESOLVED)

        # the raiser and the other party are not the ones asked at this stage
        for user in (AMARA, DC_JONES):
            await h.click(user, ActionId.CLOSE_UNRESOLVED, value)
            await h.settle()
            assert h.mock.responses[-1]["text"] == (
                "Only the people asked to act at this last stage can close it as unresolved: Partnership board manager. Nothing has changed."
            )
        views_before = len(h.opened_views())
        version = _dispute(h)[0].version

        form = await open_form(h, BOARD_MANAGER, ActionId.CLOSE_UNRESOLVED, value)
        assert len(h.opened_views()) == views_before + 1
        assert form["callback_id"] == ViewId.CLOSE_UNRESOLVED
        assert "the decision stands unchanged" in str(form["blocks"])
        too_long = "r" * 1001
        status, body = await h.submit(BOARD_MANAGER, form, {"reason": too_long})
        assert body["response_action"] == "errors" and "under 1000 characters" in body["errors"]["reason"]
        assert _dispute(h)[0].version == version

        status, body = await h.submit(BOARD_MANAGER, form, {"reason": "Both agencies' positions are recorded; the decision stands."})
        assert status == 200 and done_text(body).startswith("You closed it as unresolved.")
        await h.settle()

        dispute, kinds = _dispute(h)
        assert dispute.status is Status.CLOSED_UNRESOLVED and kinds[-1] == "closed: decision unchanged, disagreement remains"
        line = _thread(h)[-1]
        assert "*Partnership board manager* (Partnership Business Unit) closed this as unresolved" in line.text()
        assert "the decision stands." in line.text()
        assert _root_actions(h) == [ActionId.VIEW_RECORD]
        assert "Closed: disagreement remains" in h.mock.calls_to("chat.update")[-1].text()

    directory = _partnership_on_slack(with_police_on_slack(directory_for(LSCB)))
    run(engine, scenario, policy=LSCB, directory=directory)
