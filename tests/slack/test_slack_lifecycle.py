"""A disagreement from /disagree to a resolution both sides confirm, through the real app, for two presets.

Everything goes in as Slack sends it (signed) and is checked where it lands: the calls that
reached the mock Slack Web API, and the database.
"""

from __future__ import annotations

from sqlalchemy import Engine

from bot.dispute import Status
from handlers.files import read_policy
from messages.slack import ActionId, ViewId
from storage.outbox import SENT
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.harness import AMARA, BEN, CHANNEL, DC_JONES, DS_KHAN, TOKEN, Harness, button, done_text, run


def _thread(h: Harness) -> list:
    return h.mock.posts(channel=CHANNEL, thread_ts=h.root().answer["ts"])


def _dms(h: Harness, user: str) -> list:
    return h.mock.posts(channel=user)


async def _use_form(h: Harness, user: str, action: ActionId, value: str, answers: dict, *, channel: str = CHANNEL) -> None:
    """Click a button that opens a form, fill it in and submit it; the form must close (plain ack)."""
    before = len(h.opened_views())
    status, _ = await h.click(user, action, value, channel=channel)
    assert status == 200
    await h.settle()
    views = h.opened_views()
    assert len(views) == before + 1, h.mock.responses[-1:]
    status, body = await h.submit(user, views[-1], answers)
    assert status == 200 and done_text(body), body
    await h.settle()


def _record_kinds(h: Harness, dispute_id: str) -> list[str]:
    with SqlUnitOfWork(h.sessions) as uow:
        return [e.kind for e in uow.disputes.record(dispute_id)]


def _status(h: Harness, dispute_id: str) -> Status:
    with SqlUnitOfWork(h.sessions) as uow:
        return uow.disputes.get(dispute_id).status


def test_bradford_from_disagree_to_both_sides_confirming(engine: Engine) -> None:
    policy = read_policy("bradford")

    async def scenario(h: Harness) -> None:
        confirmation = await h.raise_dispute(AMARA)
        [dispute_id] = h.dispute_ids()

        # one root in the channel, with the case at a glance and its buttons; the thread records the events
        root = h.root()
        assert root.token == TOKEN
        assert root.args["channel"] == CHANNEL and "thread_ts" not in root.args
        assert "CSC-2040-0193" in root.args["text"]
        assert "by Mon 12 Nov 2040, 10:00" in root.text()  # 5 working days, UK time
        for action in (ActionId.RESOLVE, ActionId.ESCALATE, ActionId.ADD_NOTE, ActionId.VIEW_RECORD):
            assert button(root.args["blocks"], action) == f"{dispute_id}:0:s1"
        thread = _thread(h)
        assert [c.args["text"].split(" ")[-1] for c in thread][:1] == ["(CSC-2040-0193)"]
        assert "Step 1 - Concerned professional clarifies their thinking" in thread[1].text()
        assert f"<@{AMARA}>" in thread[1].text()
        assert "Raised: case CSC-2040-0193" in str(confirmation["view"])

        # Amara escalates: Step 2 asks both practitioners; DC Jones is mentioned and sent a DM with a link
        await _use_form(h, AMARA, ActionId.ESCALATE, button(root.args["blocks"], ActionId.ESCALATE), {"reason": "No reply in five days."})
        thread = _thread(h)
        # one message in the thread: the escalation and the step it moves to
        assert len(thread) == 3 and thread[2].args["thread_ts"] == root.answer["ts"]
        assert "*Amara Okafor* (Children's Social Care) escalated this from *Step 1" in thread[2].text() and "No reply in five days." in thread[2].text()
        assert "Step 2 - Speak to the person who made the original decision" in thread[2].text()
        assert f"<@{DC_JONES}>" in thread[2].text() and f"<@{AMARA}>" in thread[2].text()
        assert thread[2].args["text"].endswith("escalated this to Step 2 - Speak to the person who made the original decision, due by Mon 12 Nov 2040, 10:00")
        [dm] = _dms(h, DC_JONES)
        assert "You're asked to act as a practitioner" in dm.text()
        assert f"https://t0csc.slack.com/archives/{CHANNEL}/p{h.root().answer['ts'].replace('.', '')}" in dm.text()
        assert _dms(h, AMARA) == []  # she did it herself
        [update] = h.mock.calls_to("chat.update")
        assert update.args["ts"] == h.root().answer["ts"] and update.args["channel"] == CHANNEL
        assert "Step 2 - Speak to the person" in update.text() and "Stage 2 of 6" not in update.text()  # the procedure's own step names
        assert button(update.args["blocks"], ActionId.RESOLVE) == f"{dispute_id}:1:s2"

        # Amara proposes a resolution; the police side is asked to confirm it in writing
        await _use_form(
            h,
            AMARA,
            ActionId.RESOLVE,
            button(h.latest_root_blocks(), ActionId.RESOLVE),
            {
                "agreed_outcome": "A strategy discussion on Thursday.",
                "outstanding_issues": "Police to share the incident log.",
                "learning_points": "Threshold guidance is unclear on neglect.",
            },
        )
        assert _status(h, dispute_id) is Status.AWAITING_CONFIRMATION
        ask = _dms(h, DC_JONES)[-1]
        assert "proposed a resolution for case CSC-2040-0193" in ask.text()
        assert "A strategy discussion on Thursday." in ask.text()
        assert "Waiting for written confirmation from West Yorkshire Police" in str(h.latest_root_blocks())

        # DC Jones confirms in his own words: resolved, the DM's buttons are replaced, the root says so
        await _use_form(
            h, DC_JONES, ActionId.CONFIRM, button(ask.args["blocks"], ActionId.CONFIRM),
            {"statement": "Agreed for the police: strategy discussion on Thursday."}, channel="D0DCJONES",
        )  # fmt: skip
        assert h.mock.responses[-1]["replace_original"] is True
        assert "You confirmed the agreed outcome for case CSC-2040-0193" in h.mock.responses[-1]["text"]
        assert "it is resolved" in h.mock.responses[-1]["text"]
        assert _status(h, dispute_id) is Status.RESOLVED
        assert "Resolved" in str(h.latest_root_blocks())
        assert ":white_check_mark: *Resolved* when *DC Rhys Jones* (West Yorkshire Police) confirmed" in _thread(h)[-1].text()
        assert _record_kinds(h, dispute_id) == [
            "opened",
            "stage started",
            "escalated",
            "stage started",
            "resolution proposed",
            "resolution confirmed",
            "resolution confirmed",
            "resolved",
        ]
        # every queued message reached Slack, each call with the bot token
        assert {row.status for row in h.outbox()} == {SENT}
        assert {c.token for c in h.mock.calls} == {TOKEN}

    run(engine, scenario, policy=policy)


def test_lscb_escalation_pings_both_agencies_line_managers_and_a_rejected_proposal_reopens_it(engine: Engine) -> None:
    policy = read_policy("lscb")

    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA, reference="CSC-2040-0777")
        [dispute_id] = h.dispute_ids()

        # DC Jones (asked at stage 1) escalates to the line managers of both agencies
        await _use_form(
            h, DC_JONES, ActionId.ESCALATE, button(h.root().args["blocks"], ActionId.ESCALATE), {"reason": "We need our managers."}
        )
        stage_line = _thread(h)[-1].text()
        assert "Line managers discuss" in stage_line
        assert f"<@{BEN}>" in stage_line and f"<@{DS_KHAN}>" in stage_line
        assert len(_dms(h, BEN)) == 1 and len(_dms(h, DS_KHAN)) == 1
        assert "You're asked to act as a line manager" in _dms(h, BEN)[0].text()

        # Ben (CSC line manager) proposes; DS Khan says it is not agreed, with a reason
        await _use_form(
            h, BEN, ActionId.RESOLVE, button(h.latest_root_blocks(), ActionId.RESOLVE), {"agreed_outcome": "Close the case."}
        )
        khan_ask = _dms(h, DS_KHAN)[-1]
        jones_ask = _dms(h, DC_JONES)[-1]
        assert "proposed a resolution" in khan_ask.text() and "proposed a resolution" in jones_ask.text()
        await _use_form(
            h, DS_KHAN, ActionId.NOT_AGREED, button(khan_ask.args["blocks"], ActionId.NOT_AGREED),
            {"reason": "Closing it leaves the child without a plan."}, channel="D0DSKHAN",
        )  # fmt: skip
        assert _status(h, dispute_id) is Status.OPEN
        assert "did not agree the proposed resolution" in _thread(h)[-1].text()
        assert h.mock.responses[-1]["replace_original"] is True  # the DM's buttons are gone
        assert h.opened_views()[-1]["callback_id"] == ViewId.NOT_AGREED

        # DC Jones' old Confirm button now answers a proposal that no longer exists
        status, _ = await h.click(DC_JONES, ActionId.CONFIRM, button(jones_ask.args["blocks"], ActionId.CONFIRM), channel="D0DCJONES")
        await h.settle()
        assert h.mock.responses[-1]["response_type"] == "ephemeral"
        assert "Someone acted first: the proposed resolution was not agreed by DS Sana Khan (Mon 5 Nov 2040, 10:00)" in h.mock.responses[-1]["text"]

        # a second proposal, confirmed by DC Jones: resolved
        await _use_form(
            h, BEN, ActionId.RESOLVE, button(h.latest_root_blocks(), ActionId.RESOLVE),
            {"agreed_outcome": "A joint visit on Monday and a review in a week."},
        )  # fmt: skip
        await _use_form(
            h, DC_JONES, ActionId.CONFIRM, button(_dms(h, DC_JONES)[-1].args["blocks"], ActionId.CONFIRM),
            {"statement": "Agreed."}, channel="D0DCJONES",
        )  # fmt: skip
        assert _status(h, dispute_id) is Status.RESOLVED
        kinds = _record_kinds(h, dispute_id)
        assert kinds.count("resolution proposed") == 2 and kinds[-1] == "resolved"
        assert "resolution not agreed" in kinds
        assert {row.status for row in h.outbox()} == {SENT}

    run(engine, scenario, policy=policy)
