"""A disagreement raised on Teams, escalated, resolved and confirmed by both sides, all on Teams, across two tenants.

The police are on Teams in their tenant (where Parley's channel is), Children's Social Care on
Teams in another. Everything goes in as Teams sends it and is checked where it lands: the calls
that reached the mock connector, and the database.
"""

from __future__ import annotations

from sqlalchemy import Engine

from bot.dispute import Status
from handlers.files import read_policy
from messages.teams import Verb
from storage.outbox import SENT
from tests.builders import directory_for
from tests.teams.harness import BEN, CHANNEL, CSC_TENANT, DC_JONES, DS_KHAN, Harness, actions, element, intake_answers, run, texts, with_csc_on_teams

LSCB = read_policy("lscb")
AMARA = "29:amaraokafor"


def _summaries(h: Harness) -> list[str]:
    return [c.body["summary"] for c in h.thread()]


async def _form_then_submit(h: Harness, user: str, button: dict, submit: Verb, inputs: dict) -> dict:
    """Click a dispute button (Action.Execute), then submit the form it showed, filled in."""
    form = (await h.execute(user, Verb(button["verb"]), button)).card
    data = actions(form)[next(t for t, d in actions(form).items() if d["verb"] == submit)]
    return (await h.execute(user, submit, {**data, **inputs})).card


def test_lscb_on_teams_from_disagree_to_both_sides_confirming(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        # DC Jones (police) raises it with Amara Okafor (Children's Social Care)
        await h.say(DC_JONES, "disagree")
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        [dispute_id] = h.dispute_ids()
        await h.deliver()
        [amara_dm] = h.connector.direct_to(AMARA)
        root_id = h.root().answer["id"]

        # Amara adds a note from the card in her 1:1, in her own tenant
        card = await _form_then_submit(h, AMARA, actions(amara_dm.cards()[0])["Add note"], Verb.ADD_NOTE_SUBMIT, {"note": "We met the family on Friday."})
        assert "Your note is on the record and in every thread." in element(card, "notice")["text"]
        await h.deliver()
        assert "**Amara Okafor** (Children's Social Care) added a note:" in texts(h.thread()[-1].cards()[0])
        [update] = h.connector.updates_of(CHANNEL, root_id)
        assert actions(update.cards()[0])["Escalate"]["version"] == 1

        # DC Jones escalates: both agencies' line managers are asked, each reached in their own tenant
        escalate = actions(h.latest_root_card())["Escalate"]
        card = await _form_then_submit(h, DC_JONES, escalate, Verb.ESCALATE_SUBMIT, {"reason": "No reply by the end of the day."})
        assert "You escalated it" in element(card, "notice")["text"]
        await h.deliver()
        # one reply: the escalation, then the step it moves to
        assert _summaries(h)[-1] == "DC Rhys Jones (West Yorkshire Police) escalated this to Line managers discuss, due by Mon 12 Nov 2040, 10:00"
        stage = h.thread()[-1].cards()[0]
        assert "**DC Rhys Jones** (West Yorkshire Police) escalated this from **Workers discuss" in texts(stage)
        said = texts(stage)
        assert said.index("No reply by the end of the day.") < said.index("started **Line managers discuss**")
        assert "<at>DS Sana Khan</at> (line manager, West Yorkshire Police)" in texts(stage)  # same tenant as the channel: a mention
        assert "**Ben Hughes** (line manager, Children's Social Care)" in texts(stage)  # another tenant: named
        assert stage["msteams"]["entities"] == [
            {"type": "mention", "text": "<at>DS Sana Khan</at>", "mentioned": {"id": DS_KHAN, "name": "DS Sana Khan"}}
        ]
        [khan_dm] = h.connector.direct_to(DS_KHAN)
        [ben_dm] = h.connector.direct_to(BEN)
        assert "You're asked to act as a line manager" in texts(khan_dm.cards()[0])
        ben_chat = [c for c in h.connector.ok_calls("create") if c.body["members"] == [{"id": BEN}]]
        assert ben_chat[0].body["channelData"] == {"tenant": {"id": CSC_TENANT}}

        # DS Khan proposes a resolution from his 1:1; the other side is asked to confirm in writing
        await _form_then_submit(
            h,
            DS_KHAN,
            actions(khan_dm.cards()[0])["Resolve"] | {"version": h.dispute(dispute_id).version},
            Verb.RESOLVE_SUBMIT,
            {"agreed_outcome": "Strategy discussion on Tuesday.", "learning_points": "Call before closing."},
        )
        assert h.dispute(dispute_id).status is Status.AWAITING_CONFIRMATION
        await h.deliver()
        confirm_for_ben = h.connector.direct_to(BEN)[-1].cards()[0]
        assert "needs your side's written confirmation" in texts(confirm_for_ben)
        assert set(actions(confirm_for_ben)) == {"Confirm", "Not agreed"}
        assert "needs your side's written confirmation" in texts(h.connector.direct_to(AMARA)[-1].cards()[0])
        assert not any("written confirmation" in texts(c.cards()[0]) for c in h.connector.direct_to(DC_JONES))  # his side has proposed
        assert set(actions(h.latest_root_card())) == {"Add note", "View record", "Withdraw"}

        # Ben confirms for Children's Social Care: both sides have, so it is resolved
        confirmed = (await h.execute(BEN, Verb.CONFIRM, {**actions(confirm_for_ben)["Confirm"], "statement": "Agreed for CSC."})).card
        assert "Both sides have now confirmed: it is resolved." in texts(confirmed)
        assert h.dispute(dispute_id).status is Status.RESOLVED
        await h.deliver()
        assert _summaries(h)[-2:] == [
            "Ben Hughes (Children's Social Care) confirmed the agreed outcome",
            "Resolved: Ben Hughes (Children's Social Care) confirmed, and both sides have confirmed the agreed outcome",
        ]
        # DS Khan proposed for the police: his line says so, as Ben's says Children's Social Care
        assert "**DS Sana Khan** (West Yorkshire Police) proposed a resolution." in texts(h.thread()[-4].cards()[0])
        assert "**Ben Hughes** (Children's Social Care) confirmed the agreed outcome in writing: Agreed for CSC." in texts(h.thread()[-2].cards()[0])
        final = h.latest_root_card()
        assert set(actions(final)) == {"View record"} and "Status: Resolved" in texts(final)

        # the record, for the child's file, from the list
        record = (await h.execute(DC_JONES, Verb.VIEW_RECORD, actions(final)["View record"])).card
        words = texts(record)
        assert "PROFESSIONAL DISAGREEMENT: RECORD" in words
        assert "Resolved: both parties confirmed the agreed outcome in writing." in words
        assert h.record_kinds(dispute_id) == [
            "opened", "stage started", "note", "escalated", "stage started",
            "resolution proposed", "resolution confirmed", "resolution confirmed", "resolved",
        ]  # fmt: skip

        # every message was delivered, each 1:1 chat created once and then reused
        assert {r.status for r in h.outbox()} == {SENT}
        created = [c.body["members"][0]["id"] for c in h.connector.ok_calls("create")]
        assert sorted(created) == sorted(set(created))

    run(engine, scenario, policy=LSCB, directory=with_csc_on_teams(directory_for(LSCB)))
