"""The buttons on a dispute: who may use them, what an out-of-date click says, and the record."""

from __future__ import annotations

from sqlalchemy import Engine

from handlers.files import read_policy
from messages.slack import ActionId
from storage.models import RecordEntryRow
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.clicking import open_form
from tests.slack.harness import AMARA, CHANNEL, DC_JONES, STRANGER, Harness, button, done_text, run, slack_id

BRADFORD = read_policy("bradford")
NOT_INVOLVED = slack_id("csc.safeguarding_lead")  # in the directory, not asked at Step 1 or 2


def _version(h: Harness) -> int:
    [dispute_id] = h.dispute_ids()
    with SqlUnitOfWork(h.sessions) as uow:
        return uow.disputes.get(dispute_id).version


def test_a_click_by_someone_the_policy_does_not_allow_is_explained_privately_and_changes_nothing(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        root = h.root().args["blocks"]
        entries = h.count(RecordEntryRow)
        for action, expected in (
            (ActionId.ESCALATE, "Only the people asked to act at this stage or the person who raised it can escalate"),
            (ActionId.RESOLVE, "Only the two parties or the people asked to act at this stage can propose a resolution"),
            (ActionId.ADD_NOTE, "Only the people involved in this disagreement can add a note"),
            (ActionId.VIEW_RECORD, "Only the people involved in this disagreement or the partnership's staff can see its record"),
        ):
            status, body = await h.click(NOT_INVOLVED, action, button(root, action))
            assert (status, body) == (200, None)
            await h.settle()
            reply = h.mock.responses[-1]
            assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
            assert expected in reply["text"] and "Nothing has changed." in reply["text"]

        await h.click(STRANGER, ActionId.ESCALATE, button(root, ActionId.ESCALATE))
        await h.settle()
        assert "You're not in Parley's directory yet" in h.mock.responses[-1]["text"]

        assert h.mock.calls_to("views.open")[1:] == []  # only the intake modal ever opened
        assert _version(h) == 0 and h.count(RecordEntryRow) == entries
        assert h.mock.calls_to("chat.update") == []

    run(engine, scenario, policy=BRADFORD)


def test_a_click_on_an_out_of_date_message_says_who_did_what_and_when(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        old_root = h.root().args["blocks"]
        form = await open_form(h, AMARA, ActionId.ESCALATE, button(old_root, ActionId.ESCALATE))
        h.clock.advance(minutes=4)
        await h.submit(AMARA, form, {"reason": "No reply in five days."})
        await h.settle()
        assert _version(h) == 1

        # DC Jones still looks at the old root message (version 0)
        for action in (ActionId.RESOLVE, ActionId.ESCALATE):
            await h.click(DC_JONES, action, button(old_root, action))
            await h.settle()
            reply = h.mock.responses[-1]
            assert reply["response_type"] == "ephemeral"
            assert reply["text"] == (
                "Someone acted first: it was escalated by Amara Okafor (Mon 5 Nov 2040, 10:04), "
                "so yours was not applied. Nothing has changed."
            )
        assert _version(h) == 1

        # two people open Escalate on the same (fresh) message; the second to submit is told
        fresh = h.latest_root_blocks()
        amara_form = await open_form(h, AMARA, ActionId.ESCALATE, button(fresh, ActionId.ESCALATE))
        jones_form = await open_form(h, DC_JONES, ActionId.ESCALATE, button(fresh, ActionId.ESCALATE))
        h.clock.advance(minutes=6)
        assert done_text((await h.submit(AMARA, amara_form, {"reason": "Still stuck."}))[1])
        await h.settle()
        status, body = await h.submit(DC_JONES, jones_form, {"reason": "Me too."})
        assert body["response_action"] == "update"
        assert "Someone acted first: it was escalated by Amara Okafor (Mon 5 Nov 2040, 10:10)" in str(body["view"])
        assert _version(h) == 2

        # a note added while a form is open doesn't make the form out of date
        resolve_form = await open_form(h, AMARA, ActionId.RESOLVE, button(h.latest_root_blocks(), ActionId.RESOLVE))
        note_form = await open_form(h, DC_JONES, ActionId.ADD_NOTE, button(h.latest_root_blocks(), ActionId.ADD_NOTE))
        assert done_text((await h.submit(DC_JONES, note_form, {"note": "Incident log attached to the case."}))[1])
        await h.settle()
        assert "*DC Rhys Jones* (West Yorkshire Police) added a note:" in h.mock.posts(channel=CHANNEL, thread_ts=h.root().answer["ts"])[-1].text()
        assert done_text((await h.submit(AMARA, resolve_form, {"agreed_outcome": "Joint visit on Monday."}))[1])
        await h.settle()
        assert _version(h) == 4

    run(engine, scenario, policy=BRADFORD)


def test_at_the_last_stage_the_root_offers_close_unresolved_instead_and_escalate_is_explained(engine: Engine) -> None:
    policy = read_policy("hips")

    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        for _ in range(len(policy.stages) - 1):
            form = await open_form(h, AMARA, ActionId.ESCALATE, button(h.latest_root_blocks(), ActionId.ESCALATE))
            assert done_text((await h.submit(AMARA, form, {"reason": "Not resolved."}))[1])
            await h.settle()
        root = h.latest_root_blocks()
        actions = [e["action_id"] for b in root if b["type"] == "actions" for e in b["elements"]]
        assert actions == [ActionId.RESOLVE, ActionId.CLOSE_UNRESOLVED, ActionId.ADD_NOTE, ActionId.VIEW_RECORD, ActionId.WITHDRAW]
        # an Escalate click carrying the current version (a client showing an older layout) is explained
        await h.click(AMARA, ActionId.ESCALATE, button(root, ActionId.RESOLVE))
        await h.settle()
        assert "This is the last stage" in h.mock.responses[-1]["text"]
        assert _version(h) == len(policy.stages) - 1

    run(engine, scenario, policy=policy)
