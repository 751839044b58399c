"""`disagree` from a Teams message to a raised disagreement, through the real app and a mock connector.

Activities go in as Teams sends them; what is checked is what reached the mock connector (the
cards, where they went) and the database.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from handlers.files import read_policy
from messages.teams import Field, Verb
from messages.text import IMMEDIATE_RISK
from storage import group_commit
from storage.models import DisputeRow, OutboxRow, TeamsConversationRow
from tests.builders import POLICE_TENANT, directory_for
from tests.teams.harness import (
    CHANNEL,
    CSC_TENANT,
    DC_JONES,
    STRANGER,
    Harness,
    actions,
    element,
    intake_answers,
    run,
    texts,
    with_csc_on_teams,
)

LSCB = read_policy("lscb")
BRADFORD = read_policy("bradford")


def _inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["id"]: b for b in card["body"] if b.get("type", "").startswith("Input.")}


def test_disagree_answers_with_the_intake_card_in_the_one_to_one_chat(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        posted = await h.say(DC_JONES, "disagree")
        assert posted.status == 201

        [reply] = h.replies(DC_JONES)
        assert reply.kind == "reply" and reply.activity_id.startswith("f:")
        card = h.last_card(DC_JONES)
        inputs = _inputs(card)
        assert list(inputs) == [
            "reference", "category", "other_person", "other_agency", "other_description",
            "problem", "cause", "outcome", "discussed", "immediate_risk",
        ]  # fmt: skip
        assert inputs["reference"]["isRequired"] and inputs["reference"]["maxLength"] == 40
        assert [c["title"] for c in inputs["category"]["choices"]] == list(LSCB.categories)
        assert {"title": "Amara Okafor (Children's Social Care)", "value": "amara.okafor"} in inputs["other_person"]["choices"]
        assert all(c["value"] != "dc.jones" for c in inputs["other_person"]["choices"])  # never yourself
        assert [c["value"] for c in inputs["immediate_risk"]["choices"]] == ["yes", "no"]
        words = texts(card)
        assert "The reference from your case system. No names." in words
        assert "never a child's name" in words
        assert "use your organisation's safeguarding procedures now" in words
        assert actions(card)["Raise it"]["verb"] == Verb.INTAKE
        assert h.count(DisputeRow) == 0 and h.count(OutboxRow) == 0

    run(engine, scenario, policy=LSCB)


@pytest.mark.parametrize("scope", ["channel", "groupChat"])
def test_disagree_with_a_mention_in_a_team_or_group_chat_sends_the_form_privately(engine: Engine, scope: str) -> None:
    async def scenario(h: Harness) -> None:
        conversation = CHANNEL if scope == "channel" else "19:group-chat@thread.v2"
        posted = await h.say(DC_JONES, "disagree", scope=scope, mention=True, conversation=conversation)
        assert posted.status == 201

        [created] = h.connector.ok_calls("create")
        assert created.body["members"] == [{"id": DC_JONES}]
        assert created.body["isGroup"] is False and created.body["channelData"] == {"tenant": {"id": POLICE_TENANT}}
        [form] = h.connector.direct_to(DC_JONES)
        assert "Raise a professional disagreement" in texts(form.cards()[0])
        [pointer] = [c for c in h.connector.ok_calls() if c.conversation == conversation]
        assert pointer.body["text"] == "I've sent it to you in our 1:1 chat."
        assert not pointer.cards()  # nothing about a case is shown in the shared conversation
        with h.sessions() as s:
            kept = {(r.kind, r.key) for r in s.scalars(select(TeamsConversationRow))}
        assert ("user", DC_JONES) in kept and ("channel", conversation) in kept

    run(engine, scenario, policy=LSCB)


def test_when_parley_cannot_open_the_private_chat_it_says_how_to_add_it_without_showing_anything(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        h.connector.refuse_user(DC_JONES)  # Parley isn't added for him personally
        posted = await h.say(DC_JONES, "disagree", scope="channel", mention=True)
        assert posted.status == 201
        [told] = [c for c in h.connector.ok_calls() if c.conversation == CHANNEL]
        assert told.body["text"].startswith("I answer that privately, but I couldn't open a 1:1 chat with you.")
        assert not told.cards()

    run(engine, scenario, policy=LSCB)


def test_raising_from_the_card_opens_the_dispute_and_its_thread(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        raised = await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        card = raised.card
        assert element(card, "raised")["text"].startswith("**Raised: case POL-2040-0193.**")
        assert "Workers discuss" in texts(card)

        [dispute_id] = h.dispute_ids()
        dispute = h.dispute(dispute_id)
        assert (dispute.raiser.person_id, dispute.raiser.agency) == ("dc.jones", "police")
        assert (dispute.other.person_id, dispute.other.agency) == ("amara.okafor", "csc")
        assert dispute.category == LSCB.categories[0] and dispute.discussed and not dispute.immediate_risk
        assert dispute.problem == "The strategy discussion was not convened."
        assert h.record_kinds(dispute_id) == ["opened", "stage started"]

        tally = await h.deliver()
        assert tally["failed"] == 0 and tally["waiting"] == 0
        root = h.root()
        assert root.conversation == CHANNEL and root.kind == "send"
        root_card = root.cards()[0]
        assert "Professional disagreement · POL-2040-0193" in texts(root_card)
        assert set(actions(root_card)) == {"Resolve", "Escalate", "Add note", "View record", "Withdraw"}
        assert actions(root_card)["Escalate"] == {"dispute_id": dispute_id, "version": 0, "stage": 1, "verb": Verb.ESCALATE}
        thread = h.thread()
        assert [c.body["summary"] for c in thread] == [
            "DC Rhys Jones (West Yorkshire Police) raised a disagreement (POL-2040-0193)",
            "DC Rhys Jones (West Yorkshire Police) started Workers discuss (after consulting their line managers), due by Mon 5 Nov 2040, 17:00",
        ]
        assert "**DC Rhys Jones** (West Yorkshire Police) raised a disagreement" in texts(thread[0].cards()[0])
        # Amara, asked to act in the other agency, is on Teams in her own tenant: a 1:1 there
        [created] = h.connector.ok_calls("create")
        assert created.body["channelData"]["tenant"]["id"] == CSC_TENANT and created.body["members"] == [{"id": "29:amaraokafor"}]
        [dm] = h.connector.direct_to("29:amaraokafor")
        assert "You're asked to act as a practitioner" in texts(dm.cards()[0])
        assert set(actions(dm.cards()[0])) == {"Resolve", "Escalate", "Add note", "View record", "Withdraw"}

    run(engine, scenario, policy=LSCB, directory=with_csc_on_teams(directory_for(LSCB)))


def test_the_same_card_submitted_twice_opens_one_dispute(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        first = await h.execute(DC_JONES, Verb.INTAKE, intake_answers(), reply_to="card-7")
        again = await h.execute(DC_JONES, Verb.INTAKE, intake_answers(), reply_to="card-7")
        assert element(first.card, "raised") and element(again.card, "raised")
        assert len(h.dispute_ids()) == 1
        keys = [r.key for r in h.outbox()]
        assert len(keys) == len(set(keys)) == 3  # root and two thread lines, once

    run(engine, scenario, policy=LSCB)


def test_a_submitted_card_is_saved_with_the_forms_submitted_at_the_same_moment(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # as on Slack, in the group commit (storage/group_commit.py): one transaction for the forms saved together
    written: list[int] = []
    real = group_commit.GroupCommit._write

    def write(self: group_commit.GroupCommit, group: list[Any]) -> bool:
        written.append(len(group))
        return real(self, group)

    monkeypatch.setattr(group_commit.GroupCommit, "_write", write)

    async def scenario(h: Harness) -> None:
        raised = await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        assert element(raised.card, "raised")
        assert written == [1] and len(h.dispute_ids()) == 1
        assert h.record_kinds(h.dispute_ids()[0]) == ["opened", "stage started"]

    run(engine, scenario, policy=LSCB)


INVALID = [
    ({"reference": None}, Field.REFERENCE, "Please give the case reference."),
    ({"reference": "Jane Smith 2040"}, Field.REFERENCE, "That looks like a name"),
    ({"reference": "jane.smith@example.org"}, Field.REFERENCE, "looks like an email address"),
    ({"reference": "POL-" + "9" * 40}, Field.REFERENCE, "at most 40 characters"),
    ({"category": "99"}, Field.CATEGORY, "Please choose one of the listed categories."),
    ({"other_person": None}, Field.OTHER_AGENCY, "Choose the other professional above"),
    ({"other_person": None, "other_agency": "csc"}, Field.OTHER_DESCRIPTION, "Please give their role"),
    ({"other_person": "no.such.person"}, Field.OTHER_PERSON, "isn't in Parley's directory"),
    ({"problem": "  "}, Field.PROBLEM, "Please fill this in."),
    ({"problem": "x" * 2901}, Field.PROBLEM, "Please keep this under 2900 characters (it has 2901)."),
    ({"outcome": None}, Field.OUTCOME, "Please fill this in."),
    ({"discussed": "maybe"}, Field.DISCUSSED, "Please choose yes or no."),
]


@pytest.mark.parametrize(("changes", "field", "message"), INVALID, ids=[f"{f.value}-{i}" for i, (_, f, _m) in enumerate(INVALID)])
def test_an_invalid_card_comes_back_with_the_error_beside_the_field_and_nothing_is_created(
    engine: Engine, changes: dict[str, Any], field: Field, message: str
) -> None:
    async def scenario(h: Harness) -> None:
        answers = intake_answers(**changes)
        card = (await h.execute(DC_JONES, Verb.INTAKE, answers)).card
        error = element(card, f"error.{field.value}")
        assert error is not None and message in error["text"], card
        # the error sits right after its input (or its hint), and what was typed is kept
        body_ids = [b.get("id") for b in card["body"]]
        assert body_ids.index(f"error.{field.value}") - body_ids.index(field.value) in (1, 2)
        assert _inputs(card)["outcome"].get("value") == answers.get("outcome")
        assert element(card, "errors") is not None
        assert h.count(DisputeRow) == 0 and h.count(OutboxRow) == 0

    run(engine, scenario, policy=LSCB)


def test_someone_not_in_the_directory_gets_a_kind_private_explanation_and_nothing_is_created(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.say(STRANGER, "disagree")
        [reply] = h.replies(STRANGER)
        assert "You're not in Parley's directory yet" in reply.body["text"]
        assert "Teams user ID (aad-stranger)" in reply.body["text"]
        assert "No disagreement was raised or changed." in reply.body["text"] and "saved" not in reply.body["text"]

        refused = await h.execute(STRANGER, Verb.INTAKE, intake_answers())
        assert "You're not in Parley's directory yet" in refused.message
        assert h.count(DisputeRow) == 0 and h.count(OutboxRow) == 0

    run(engine, scenario, policy=LSCB)


def test_the_directory_may_hold_the_entra_object_id_instead_of_the_teams_id(engine: Engine) -> None:
    import dataclasses

    from bot.directory import Directory, Identity

    base = directory_for(LSCB)
    jones = base.people["dc.jones"]
    people = {**base.people, "dc.jones": dataclasses.replace(jones, identities=(Identity("teams", POLICE_TENANT, "aad-dcjones"),))}

    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())  # the activity carries both ids
        [dispute_id] = h.dispute_ids()
        assert h.dispute(dispute_id).raiser.person_id == "dc.jones"

    run(engine, scenario, policy=LSCB, directory=Directory(agencies=dict(base.agencies), people=people))


def test_action_submit_updates_the_card_in_place(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.submit(DC_JONES, {"verb": Verb.INTAKE.value, **intake_answers(reference="Jane Smith 2040")}, reply_to="card-3")
        [update] = h.connector.ok_calls("update")
        assert update.conversation == "a:personal-dcjones" and update.activity_id == "card-3"
        assert "That looks like a name" in element(update.cards()[0], "error.reference")["text"]
        assert h.count(DisputeRow) == 0

        await h.submit(DC_JONES, {"verb": Verb.INTAKE.value, **intake_answers()}, reply_to="card-3")
        raised = h.connector.ok_calls("update")[-1]
        assert raised.activity_id == "card-3" and element(raised.cards()[0], "raised")
        assert len(h.dispute_ids()) == 1

    run(engine, scenario, policy=LSCB)


def test_immediate_risk_says_use_safeguarding_procedures_now_and_starts_the_urgent_path(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        card = (await h.execute(DC_JONES, Verb.INTAKE, intake_answers(immediate_risk="yes"))).card
        assert IMMEDIATE_RISK in texts(card).replace("\\", "")
        [dispute_id] = h.dispute_ids()
        dispute = h.dispute(dispute_id)
        assert dispute.immediate_risk and dispute.stage_index == BRADFORD.stage_index(BRADFORD.urgent.starts_at)
        assert dispute.deadline.date() == h.clock().date()  # same working day

    run(engine, scenario, policy=BRADFORD)


def test_list_shows_my_open_disputes_most_urgent_first_and_help_the_procedure(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.say(DC_JONES, "list")
        assert "You have no open disagreements" in texts(h.last_card(DC_JONES))

        await h.execute(DC_JONES, Verb.INTAKE, intake_answers(reference="POL-2040-0001"), reply_to="a")
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers(reference="POL-2040-0002", immediate_risk="yes"), reply_to="b")
        await h.say(DC_JONES, "disagree list", mention=True)
        card = h.last_card(DC_JONES)
        words = texts(card)
        assert "Your open disagreements (2)" in words
        assert words.index("POL-2040-0002") < words.index("POL-2040-0001")  # the urgent one is due first
        assert "**waiting on you**" in words
        assert [a["verb"] for a in actions(card).values()] == [Verb.VIEW_RECORD]

        await h.say(DC_JONES, "help")
        words = texts(h.last_card(DC_JONES))
        assert "disagree raises one" in words and "list shows the ones waiting on you" in words
        assert "with report \\[from\\] \\[to\\] \\[csv\\]" in words  # brackets escaped for Teams' markdown
        assert "/disagree" not in words
        assert "Step 1 - Concerned professional clarifies their thinking" in words

        await h.say(DC_JONES, "frobnicate")
        assert "Parley doesn't know 'frobnicate'" in texts(h.last_card(DC_JONES))

    run(engine, scenario, policy=BRADFORD)

