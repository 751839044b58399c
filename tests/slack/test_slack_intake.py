"""/disagree: the modal, what it refuses and why, the urgent path, retries, the list, help and the home tab."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from sqlalchemy import Engine

from handlers.files import read_policy
from messages.slack import Field, ViewId
from messages.text import IMMEDIATE_RISK
from storage.models import DisputeRow
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import directory_for
from tests.slack.harness import AMARA, CHANNEL, DC_JONES, STRANGER, Harness, default_answers, run

BRADFORD = read_policy("bradford")
LSCB = read_policy("lscb")


def test_disagree_opens_the_intake_modal_with_every_field_and_its_hint(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        status, body = await h.command(AMARA)
        assert (status, body) == (200, None)  # acked at once, empty
        await h.settle()
        [call] = h.mock.calls_to("views.open")
        assert call.args["trigger_id"].startswith("trigger.")
        view = call.args["view"]
        assert view["callback_id"] == ViewId.INTAKE
        inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
        assert list(inputs) == [
            Field.REFERENCE, Field.CATEGORY, Field.OTHER_PERSON, Field.OTHER_AGENCY, Field.OTHER_IN_DIRECTORY,
            Field.OTHER_DESCRIPTION, Field.PROBLEM, Field.CAUSE, Field.OUTCOME, Field.DISCUSSED, Field.IMMEDIATE_RISK,
        ]  # fmt: skip
        assert "No names" in inputs[Field.REFERENCE]["hint"]["text"]
        assert [o["text"]["text"] for o in inputs[Field.CATEGORY]["element"]["options"]] == list(BRADFORD.categories)
        assert inputs[Field.OTHER_PERSON]["element"]["type"] == "users_select"
        search = inputs[Field.OTHER_IN_DIRECTORY]
        assert (search["element"]["type"], search["element"]["min_query_length"], search["optional"]) == ("external_select", 2, True)
        agencies = [o["text"]["text"] for o in inputs[Field.OTHER_AGENCY]["element"]["options"]]
        assert agencies[0] == "West Yorkshire Police" and "Partnership Business Unit" not in agencies
        assert inputs[Field.IMMEDIATE_RISK]["label"]["text"] == "Is a child at immediate risk of significant harm?"
        for block in inputs.values():
            element = block["element"]
            if element["type"] == "plain_text_input":
                assert element["max_length"] <= 2900
        assert h.count(DisputeRow) == 0

    run(engine, scenario, policy=BRADFORD)


INVALID = [
    ({"reference": "Jane Smith 12"}, Field.REFERENCE, "looks like a name"),
    ({"reference": "jane.smith@example.org"}, Field.REFERENCE, "looks like an email address"),
    ({"reference": "JANE"}, Field.REFERENCE, "contain numbers"),
    ({"reference": ""}, Field.REFERENCE, "Please give the case reference."),
    ({"category": "99"}, Field.CATEGORY, "Please choose one of the listed categories."),
    ({"other_person": None}, Field.OTHER_AGENCY, "Choose the other professional"),
    ({"other_person": None, "other_agency": "police"}, Field.OTHER_DESCRIPTION, "Please give their role"),
    ({"other_person": None, "other_agency": "police", "other_description": "x" * 201}, Field.OTHER_DESCRIPTION, "under 200 characters (it has 201)"),
    ({"problem": ""}, Field.PROBLEM, "Please fill this in."),
    ({"problem": "p" * 2901}, Field.PROBLEM, "under 2900 characters (it has 2901)"),
    ({"cause": "c" * 3000}, Field.CAUSE, "under 2900 characters (it has 3000)"),
    ({"outcome": "   "}, Field.OUTCOME, "Please fill this in."),
    ({"discussed": None}, Field.DISCUSSED, "Please choose yes or no."),
    ({"immediate_risk": "maybe"}, Field.IMMEDIATE_RISK, "Please choose yes or no."),
    ({"other_person": STRANGER}, Field.OTHER_PERSON, "isn't in Parley's directory yet"),
    ({"other_person": AMARA}, Field.OTHER_PERSON, "The other party must be someone else."),
    ({"other_person": DC_JONES, "other_agency": "csc"}, Field.OTHER_AGENCY, "DC Rhys Jones is not listed in Children's Social Care."),
]


def test_each_invalid_answer_is_shown_on_its_own_field_and_nothing_is_created(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)
        for change, field, message in INVALID:
            status, body = await h.submit(AMARA, view, {**default_answers(BRADFORD), **change})
            assert status == 200
            assert body["response_action"] == "errors", (change, body)
            assert list(body["errors"]) == [field], (change, body)
            assert message in body["errors"][field], (change, body)
        await h.settle()
        assert h.count(DisputeRow) == 0
        assert h.mock.calls_to("chat.postMessage") == []

    run(engine, scenario, policy=BRADFORD)


def test_someone_not_in_the_directory_is_told_kindly_how_to_be_added_and_nothing_is_created(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        status, _ = await h.command(STRANGER)
        assert status == 200
        await h.settle()
        assert h.mock.calls_to("views.open") == []
        [reply] = h.mock.responses
        assert reply["response_type"] == "ephemeral"
        assert "You're not in Parley's directory yet" in reply["text"]
        assert "Partnership board manager" not in reply["text"] and "business unit" in reply["text"]  # who to ask, naming nobody to a stranger
        assert STRANGER in reply["text"]  # what they will need

        # a modal someone else opened, submitted by the stranger: refused in the modal
        view = await h.open_intake(AMARA)
        status, body = await h.submit(STRANGER, view, default_answers(BRADFORD))
        assert body["response_action"] == "update"
        assert "You're not in Parley's directory yet" in str(body["view"])

        await h.command(STRANGER, "list")
        await h.settle()
        assert "You're not in Parley's directory yet" in h.mock.responses[-1]["text"]
        assert h.count(DisputeRow) == 0
        assert h.mock.calls_to("chat.postMessage") == []

    run(engine, scenario, policy=BRADFORD)


def test_immediate_risk_says_use_safeguarding_procedures_now_and_starts_urgent_due_the_same_day(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        body = await h.raise_dispute(AMARA, immediate_risk="yes")
        text = str(body["view"])
        assert "Use your organisation's safeguarding procedures now" in text
        assert text.index("safeguarding procedures now") < text.index("Raised: case")  # said first
        [dispute_id] = h.dispute_ids()
        with SqlUnitOfWork(h.sessions) as uow:
            dispute = uow.disputes.get(dispute_id)
        assert dispute.immediate_risk
        assert dispute.stage_index == BRADFORD.stage_index(BRADFORD.urgent.starts_at)
        assert dispute.deadline == datetime(2040, 11, 5, 17, 0, tzinfo=timezone.utc)  # 5pm the same day (GMT)
        assert "by Mon 5 Nov 2040, 17:00" in text
        root = h.root().text()
        assert ":rotating_light:" in root and "Step 3 - Line managers" in root and "Stage 3 of 6" not in root
        assert IMMEDIATE_RISK.split(".")[0] in h.mock.posts(channel=CHANNEL, thread_ts=h.root().answer["ts"])[0].text()

    run(engine, scenario, policy=BRADFORD)


def test_a_retried_delivery_and_a_double_submission_open_one_dispute(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)
        answers = default_answers(BRADFORD)
        first = await h.submit(AMARA, view, answers)
        # Slack retries the same delivery (it thought we were slow)
        retried = await h.submit(AMARA, view, answers, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        # and a double click on Raise it sends the same view twice at once
        both = await asyncio.gather(h.submit(AMARA, view, answers), h.submit(AMARA, view, answers))
        await h.settle()
        for status, body in (first, retried, *both):
            assert status == 200 and body["response_action"] == "update"
            assert "Raised: case CSC-2040-0193" in str(body["view"])
        assert h.count(DisputeRow) == 1
        assert len(h.mock.posts(channel=CHANNEL, thread_ts=None)) == 1
        assert len(h.outbox()) == 3  # root, opened, stage started: queued once

        # a new modal is a new disagreement
        await h.raise_dispute(AMARA)
        assert h.count(DisputeRow) == 2

    run(engine, scenario, policy=BRADFORD)


def test_disagree_list_shows_my_open_disputes_most_urgent_first(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA, reference="CSC-2040-0001")
        await h.raise_dispute(AMARA, reference="CSC-2040-0002", immediate_risk="yes")
        status, body = await h.command(AMARA, "list")
        assert (status, body) == (200, None)
        await h.settle()
        reply = h.mock.responses[-1]
        assert reply["response_type"] == "ephemeral"
        text = str(reply["blocks"])
        assert text.index("CSC-2040-0002") < text.index("CSC-2040-0001")  # due 5pm today before next week
        assert "Your open disagreements (2)" in text
        assert "by Mon 5 Nov 2040, 17:00" in text and "by Mon 12 Nov 2040, 10:00" in text
        first, second = (b for b in reply["blocks"] if "accessory" in b)
        assert "waiting on you" not in first["text"]["text"]  # the managers act on the urgent one
        assert "*waiting on you*" in second["text"]["text"]

        # someone with nothing open is told so
        await h.command("U0CSCHEADOFSERVICE", "list")  # in the directory, involved in neither
        await h.settle()
        assert "You have no open disagreements" in str(h.mock.responses[-1]["blocks"])

    run(engine, scenario, policy=BRADFORD)


def test_disagree_help_answers_at_once_with_what_parley_does_the_procedure_and_the_commands_in_six_lines(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        status, body = await h.command(AMARA, "help")
        assert status == 200
        assert body["response_type"] == "ephemeral"
        lines = body["blocks"][0]["text"]["text"].split("\n")
        assert len(lines) == 6
        assert LSCB.title in lines[0]
        assert "/disagree report [from] [to] [csv]" in lines[5]
        for stage in LSCB.stages:
            assert stage.name in lines[2]
        assert "immediate risk of significant harm" in lines[4]

        status, body = await h.command(AMARA, "frobnicate")
        await h.settle()
        assert "Parley doesn't know '/disagree frobnicate'" in str(h.mock.responses[-1]["blocks"])

    run(engine, scenario, policy=LSCB)


def test_help_list_and_the_home_tab_name_the_command_as_this_workspace_set_it_up(engine: Engine) -> None:
    # /disagree was taken in this workspace, so the admin named Parley's command /raise-concern
    async def scenario(h: Harness) -> None:
        status, body = await h.command(AMARA, "help", command="/raise-concern")
        assert status == 200
        help_text = body["blocks"][0]["text"]["text"]
        assert "/raise-concern raises one" in help_text and "/raise-concern list shows" in help_text
        assert "/disagree" not in help_text

        await h.command(AMARA, "frobnicate", command="/raise-concern")
        await h.settle()
        unknown = h.mock.responses[-1]["blocks"][0]["text"]["text"]
        assert unknown.startswith(
            "• Parley doesn't know '/raise-concern frobnicate'. Try /raise-concern, /raise-concern list, /raise-concern report or /raise-concern help."
        )
        assert "/disagree" not in unknown

        await h.command(AMARA, "list", command="/raise-concern")
        await h.settle()
        assert "You have no open disagreements. `/raise-concern` raises one." in str(h.mock.responses[-1]["blocks"])

        # the form still opens under the other name, and the home tab (no command in it) says that name
        await h.command(AMARA, command="/raise-concern")
        await h.settle()
        assert [c.args["view"]["callback_id"] for c in h.mock.calls_to("views.open")] == [ViewId.INTAKE]
        await h.event({"type": "app_home_opened", "user": AMARA, "channel": "D0AMARA", "tab": "home", "event_ts": "1"})
        await h.settle()
        [publish] = h.mock.calls_to("views.publish")
        assert "/raise-concern raises one" in publish.text() and "/disagree" not in publish.text()
        assert h.count(DisputeRow) == 0

    run(engine, scenario, policy=LSCB)


def test_the_home_tab_lists_my_open_disputes(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        status, _ = await h.event({"type": "app_home_opened", "user": DC_JONES, "channel": "D0DCJONES", "tab": "home", "event_ts": "1"})
        assert status == 200
        await h.settle()
        [publish] = h.mock.calls_to("views.publish")
        assert publish.args["user_id"] == DC_JONES
        assert publish.args["view"]["type"] == "home"
        assert "CSC-2040-0193" in publish.text() and "*waiting on you*" in publish.text()

        await h.event({"type": "app_home_opened", "user": STRANGER, "channel": "D0X", "tab": "home", "event_ts": "2"})
        await h.settle()
        assert "You're not in Parley's directory yet" in h.mock.calls_to("views.publish")[-1].text()

    run(engine, scenario, policy=LSCB)


def test_police_on_teams_are_named_in_the_thread_but_not_mentioned_or_sent_slack_messages(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA, other_person=None, other_agency="police", other_description="duty sergeant")
        root = h.root().text()
        assert "duty sergeant, West Yorkshire Police" in root
        stage_line = h.mock.posts(channel=CHANNEL, thread_ts=h.root().answer["ts"])[-1].text()
        assert f"<@{AMARA}>" in stage_line
        police_ids = {"U0DCJONES", "U0DSKHAN", "U0POLICELSCBREPRESENTATIVE"}
        assert "*West Yorkshire Police lscb representative*" in stage_line  # named, in bold
        for text in h.mock.everything():
            assert not any(f"<@{u}>" in text for u in police_ids)
        assert {c.args["channel"] for c in h.mock.calls_to("chat.postMessage")} == {CHANNEL}  # no DMs here

    run(engine, scenario, policy=LSCB, directory=directory_for(LSCB))
