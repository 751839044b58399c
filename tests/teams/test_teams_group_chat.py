"""A disagreement raised from a Teams group chat has its thread in that chat, not in Parley's channel.

The form itself still goes to the person's 1:1 chat (nothing is typed in front of the group); the
dispute's card, its lines and its in-place updates go to the group chat it was asked for in.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from handlers.files import read_policy
from messages.teams import Verb
from storage.models import ThreadRow
from storage.outbox import SENT
from tests.builders import directory_for
from tests.teams.harness import CHANNEL, DC_JONES, Harness, actions, intake_answers, run, texts, with_csc_on_teams

LSCB = read_policy("lscb")
GROUP = "19:police-and-csc@thread.v2"
DIRECTORY = with_csc_on_teams(directory_for(LSCB))


async def _form_from_group_chat(h: Harness) -> dict:
    await h.say(DC_JONES, "disagree", scope="groupChat", mention=True, conversation=GROUP)
    [form] = h.connector.direct_to(DC_JONES)
    return form.cards()[0]


def test_a_dispute_raised_in_a_group_chat_has_its_thread_there(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        card = await _form_from_group_chat(h)
        assert "will be posted in the group chat you asked from" in texts(card)
        raise_it = actions(card)["Raise it"]
        assert raise_it["origin"] == GROUP

        # submitted from the 1:1 chat, where the form went
        await h.execute(DC_JONES, Verb.INTAKE, {**raise_it, **intake_answers()})
        [dispute_id] = h.dispute_ids()
        await h.deliver()

        group = h.connector.sent_to(GROUP)
        [pointer, root, *lines] = group
        assert pointer.body["text"] == "I've sent it to you in our 1:1 chat."
        assert "Professional disagreement · POL-2040-0193" in texts(root.cards()[0])
        assert [c.body["summary"] for c in lines] == [
            "DC Rhys Jones (West Yorkshire Police) raised a disagreement (POL-2040-0193)",
            "DC Rhys Jones (West Yorkshire Police) started Workers discuss (after consulting their line managers), due by Mon 5 Nov 2040, 17:00",
        ]
        assert all(c.kind == "send" for c in lines)  # a group chat has no reply threads: the lines follow the card
        assert not h.connector.sent_to(CHANNEL)  # not in Parley's channel as well
        with h.sessions() as s:
            [thread] = s.scalars(select(ThreadRow).where(ThreadRow.dispute_id == dispute_id, ThreadRow.platform == "teams"))
        assert (thread.channel, thread.root_id, thread.extra["group_chat"]) == (GROUP, root.answer["id"], True)

        # a later move: its line in the chat, and the card there updated in place
        form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(root.cards()[0])["Escalate"])).card
        await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "No reply today."})
        await h.deliver()
        assert "escalated this to Line managers discuss, due by " in h.connector.sent_to(GROUP)[-1].body["summary"]
        [update] = h.connector.updates_of(GROUP, root.answer["id"])
        assert "Line managers discuss" in texts(update.cards()[0])
        assert not h.connector.sent_to(CHANNEL) and {r.status for r in h.outbox()} == {SENT}

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_an_invalid_form_from_a_group_chat_keeps_where_its_thread_goes(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        card = await _form_from_group_chat(h)
        again = (await h.execute(DC_JONES, Verb.INTAKE, {**actions(card)["Raise it"], **intake_answers(problem="")})).card
        assert actions(again)["Raise it"]["origin"] == GROUP
        await h.execute(DC_JONES, Verb.INTAKE, {**actions(again)["Raise it"], **intake_answers()})
        await h.deliver()
        assert "Professional disagreement · POL-2040-0193" in texts(h.connector.sent_to(GROUP)[1].cards()[0])

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_an_origin_parley_does_not_know_as_a_group_chat_puts_the_thread_in_the_channel(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.install(DC_JONES, scope="channel")  # Parley knows the channel: it is not a group chat
        for n, origin in enumerate(("19:never-seen@thread.v2", CHANNEL)):
            await h.execute(DC_JONES, Verb.INTAKE, {"origin": origin, **intake_answers(reference=f"POL-2040-000{n}")}, reply_to=f"card-{n}")
        await h.deliver()
        roots = [c for c in h.connector.sent_to(CHANNEL) if c.kind == "send"]
        assert len(roots) == 2 and len(h.dispute_ids()) == 2
        assert not h.connector.sent_to("19:never-seen@thread.v2")

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)
