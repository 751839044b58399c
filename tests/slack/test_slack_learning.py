"""The learning loop on Slack: after a disagreement ends, the people who finished it are asked once, by DM.

Signed clicks and form submissions; checked on what reached the mock Web API and the database.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine, func, select

from bot.directory import Directory, Identity
from bot.learning import THEMES
from bot.policy import LearningRouting
from handlers.files import read_policy
from messages.slack import ActionId, ViewId
from storage.board_rows import LearningAnswerRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import directory_for
from tests.slack.harness import AMARA, CHANNEL, DC_JONES, TEAM, Harness, button, done_text, run, slack_id, with_police_on_slack

LEARN_CHANNEL = "C0LEARNING"
BRADFORD = dataclasses.replace(
    read_policy("bradford"), learning=LearningRouting(slack_channel=LEARN_CHANNEL, procedure_owner="board_manager")
)
SCS = read_policy("specialist-childrens-services")
BOARD_MANAGER = slack_id("partnership.board_manager")
SERVICE_MANAGER = slack_id("partnership.board_service_manager")
REFERENCE = "CSC-2040-0193"


def _on_slack(directory: Directory, person_id: str, user: str) -> Directory:
    person = directory.people[person_id]
    people = {**directory.people, person_id: dataclasses.replace(person, identities=(Identity("slack", TEAM, user),))}
    return Directory(agencies=dict(directory.agencies), people=people)


def _prompts(h: Harness, user: str) -> list:
    def has_button(blocks: list) -> bool:
        return any(e.get("action_id") == ActionId.GIVE_LEARNING for b in blocks for e in b.get("elements", []))

    return [c for c in h.mock.posts(channel=user) if has_button(c.args.get("blocks", []))]


def _answers(h: Harness) -> int:
    with h.sessions() as session:
        return session.scalar(select(func.count()).select_from(LearningAnswerRow))


def _kinds(h: Harness) -> list[str]:
    [dispute_id] = h.dispute_ids()
    with SqlUnitOfWork(h.sessions) as uow:
        return [e.kind for e in uow.disputes.record(dispute_id)]


async def _form(h: Harness, user: str, action: ActionId, value: str, *, channel: str = CHANNEL) -> dict:
    before = len(h.opened_views())
    await h.click(user, action, value, channel=channel)
    await h.settle()
    views = h.opened_views()
    assert len(views) == before + 1, h.mock.responses[-1:]
    return views[-1]


async def _resolve(h: Harness) -> None:
    await h.raise_dispute(AMARA)
    form = await _form(h, AMARA, ActionId.ESCALATE, button(h.root().args["blocks"], ActionId.ESCALATE))
    assert done_text((await h.submit(AMARA, form, {"reason": "No reply in five days."}))[1])
    await h.settle()
    form = await _form(h, AMARA, ActionId.RESOLVE, button(h.latest_root_blocks(), ActionId.RESOLVE))
    assert done_text((await h.submit(AMARA, form, {"agreed_outcome": "A strategy discussion on Thursday."}))[1])
    await h.settle()
    ask = h.mock.posts(channel=DC_JONES)[-1]
    form = await _form(h, DC_JONES, ActionId.CONFIRM, button(ask.args["blocks"], ActionId.CONFIRM), channel="D0DCJONES")
    assert done_text((await h.submit(DC_JONES, form, {"statement": "Agreed for the police."}))[1])
    await h.settle()


def test_each_confirmer_is_asked_once_and_the_answer_is_summarised_without_the_case(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await _resolve(h)
        assert _kinds(h)[-1] == "resolved"

        # each person who confirmed gets one learning prompt, the one who made the last move too
        assert len(_prompts(h, AMARA)) == 1 and len(_prompts(h, DC_JONES)) == 1
        assert _prompts(h, BOARD_MANAGER) == []
        [prompt] = _prompts(h, AMARA)
        assert REFERENCE in prompt.text() and "What can be learned from it?" in prompt.text()

        # someone who did not confirm it is refused, and no form opens
        views = len(h.opened_views())
        await h.click(BOARD_MANAGER, ActionId.GIVE_LEARNING, button(prompt.args["blocks"], ActionId.GIVE_LEARNING))
        await h.settle()
        assert h.mock.responses[-1]["text"].startswith("Only the people who confirmed or closed this disagreement can give learning points")
        assert len(h.opened_views()) == views

        form = await _form(h, AMARA, ActionId.GIVE_LEARNING, button(prompt.args["blocks"], ActionId.GIVE_LEARNING), channel="D0AMARA")
        assert form["callback_id"] == ViewId.LEARNING
        assert [o["value"] for o in form["blocks"][-1]["element"]["options"]] == list(THEMES)
        answers = {
            "learning_points": "Amara Okafor thinks neglect thresholds for CSC-2040-0193 need a clearer line.",
            "debrief": "yes",
            "unclear": "yes",
            "themes": ["Thresholds and criteria", "Escalation procedure"],
        }
        status, body = await h.submit(AMARA, form, answers)
        assert status == 200 and "your learning points are on the record" in done_text(body)
        await h.settle()
        assert _answers(h) == 1 and _kinds(h)[-1] == "learning points given"
        assert h.mock.responses[-1]["replace_original"] is True  # the prompt's button comes off

        # the summary reaches the learning channel: themes and yes/no answers, no case, names or text
        [summary] = h.mock.posts(channel=LEARN_CHANNEL)
        text = summary.text()
        assert "Thresholds and criteria; Escalation procedure" in text and "A debrief would help: Yes" in text
        assert "The procedure itself was unclear: Yes" in text and "Step 2" in text
        for secret in (REFERENCE, "Amara", "Okafor", "Jones", "neglect", "Children's Social Care", "Police"):
            assert secret not in str(summary.args), secret
        # the learning role gets the summary and, as the procedure's owner, the 'unclear' message
        owner = [c.text() for c in h.mock.posts(channel=BOARD_MANAGER)]
        assert len(owner) == 2 and any("found the procedure unclear" in t for t in owner)
        assert all(REFERENCE not in t and "Amara" not in t for t in owner)

        # an old button on the root is told how the dispute ended, not that someone gave learning points
        await h.click(DC_JONES, ActionId.RESOLVE, button(h.root().args["blocks"], ActionId.RESOLVE))
        await h.settle()
        assert "Someone acted first" in h.mock.responses[-1]["text"] and "learning" not in h.mock.responses[-1]["text"]

        # the same form again (a replay) changes nothing and says done; a second answer is refused kindly
        posts = len(h.mock.calls_to("chat.postMessage"))
        status, body = await h.submit(AMARA, form, answers)
        assert "your learning points are on the record" in done_text(body)
        status, body = await h.submit(AMARA, form, {**answers, "learning_points": "Another thought."})
        assert "already given your learning points" in str(body["view"]["blocks"])
        await h.settle()
        assert _answers(h) == 1 and _kinds(h).count("learning points given") == 1
        assert len(h.mock.calls_to("chat.postMessage")) == posts
        await h.click(AMARA, ActionId.GIVE_LEARNING, button(prompt.args["blocks"], ActionId.GIVE_LEARNING), channel="D0AMARA")
        await h.settle()
        assert "already given your learning points" in h.mock.responses[-1]["text"]

        # the other confirmer answers too: a second summary; not unclear, so the owner hears nothing more
        [theirs] = _prompts(h, DC_JONES)
        form = await _form(h, DC_JONES, ActionId.GIVE_LEARNING, button(theirs.args["blocks"], ActionId.GIVE_LEARNING), channel="D0DCJONES")
        status, body = await h.submit(DC_JONES, form, {"debrief": "no", "unclear": "no"})
        assert done_text(body)
        await h.settle()
        assert _answers(h) == 2 and len(h.mock.posts(channel=LEARN_CHANNEL)) == 2
        assert "The procedure itself was unclear: No" in h.mock.posts(channel=LEARN_CHANNEL)[-1].text()
        assert len(h.mock.posts(channel=BOARD_MANAGER)) == 3

    directory = _on_slack(with_police_on_slack(directory_for(BRADFORD)), "partnership.board_manager", BOARD_MANAGER)
    run(engine, scenario, policy=BRADFORD, directory=directory)


def test_closing_unresolved_where_the_policy_says_prompts_the_closer_to_consider_a_case_review(engine: Engine) -> None:
    assert SCS.learning.case_review_prompt

    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        for _ in range(len(SCS.stages) - 1):
            form = await _form(h, AMARA, ActionId.ESCALATE, button(h.latest_root_blocks(), ActionId.ESCALATE))
            assert done_text((await h.submit(AMARA, form, {"reason": "Still not resolved."}))[1])
            await h.settle()
        form = await _form(h, SERVICE_MANAGER, ActionId.CLOSE_UNRESOLVED, button(h.latest_root_blocks(), ActionId.CLOSE_UNRESOLVED))
        assert done_text((await h.submit(SERVICE_MANAGER, form, {"reason": "The decision stands."}))[1])
        await h.settle()

        assert _kinds(h)[-2:] == ["closed: decision unchanged, disagreement remains", "case review prompted"]
        dms = [c.text() for c in h.mock.posts(channel=SERVICE_MANAGER)]
        assert sum("multi-agency case review be considered" in t for t in dms) == 1
        assert len(_prompts(h, SERVICE_MANAGER)) == 1 and _prompts(h, AMARA) == []

        [prompt] = _prompts(h, SERVICE_MANAGER)
        form = await _form(h, SERVICE_MANAGER, ActionId.GIVE_LEARNING, button(prompt.args["blocks"], ActionId.GIVE_LEARNING), channel="D0SM")
        status, body = await h.submit(SERVICE_MANAGER, form, {"unclear": "yes", "themes": ["Information sharing"]})
        assert done_text(body)
        await h.settle()
        assert _answers(h) == 1
        # no learning channel in this preset: the summary and the 'unclear' message go to the role by DM
        assert sum("found the procedure unclear" in c.text() for c in h.mock.posts(channel=SERVICE_MANAGER)) == 1

    directory = _on_slack(with_police_on_slack(directory_for(SCS)), "partnership.board_service_manager", SERVICE_MANAGER)
    run(engine, scenario, policy=SCS, directory=directory)
