"""Malformed and hostile HTTP requests to the real aiohttp app: a clear 4xx, one log line, no traceback, nothing stored.

Slack requests are signed as Slack signs them (tests/slack/harness.py) unless the case is about
the signature; Teams activities are posted as Teams posts them (tests/teams/harness.py).
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine

from handlers.files import read_policy
from messages.teams import Verb
from storage.models import DisputeRow, OutboxRow, RecordEntryRow, TeamsConversationRow
from tests.slack import harness as slack_harness
from tests.teams import harness as teams_harness

BRADFORD = read_policy("bradford")
LSCB = read_policy("lscb")
FORM = "application/x-www-form-urlencoded"


def one_line(caplog: pytest.LogCaptureFixture, words: str) -> None:
    ours = [r for r in caplog.records if r.name.split(".")[0] in ("parley", "aiohttp", "slack_bolt", "botbuilder")]
    warnings = [r.getMessage() for r in ours if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and words in warnings[0], warnings
    assert all(r.exc_info is None for r in ours), "a traceback was logged"
    assert "Traceback" not in caplog.text


# -- Slack: POST /slack/events -------------------------------------------------------------------

_USER = {"id": slack_harness.AMARA, "team_id": "T0CSC"}


def _payload(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


SLACK_CASES = {
    # name: (body, content type, headers or None to sign it, status, the log line)
    "a timestamp that is not a number": (
        "payload=%7B%7D", FORM, {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}, 401, "is not a number"
    ),
    "an unsigned malformed payload": ("payload=%7Bnot+json", FORM, {}, 401, "no Slack signature"),
    "a forged signature on a malformed payload": (
        "payload=%7Bnot+json",
        FORM,
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
        401,
        "doesn't match",
    ),
    "a signed malformed payload": ("payload=%7Bnot+json", FORM, None, 400, "payload= is not JSON"),
    "a signed payload that is a list": (urlencode({"payload": "[1, 2]"}), FORM, None, 400, "payload= is JSON but a list"),
    # signed, but not in Slack's shapes: each failed inside a listener with a traceback, some with 500
    "actions that are text": (_payload({"type": "block_actions", "user": _USER, "actions": "x"}), FORM, None, 400, "payload.actions is a str, not a list"),
    "an action value that is a list": (
        _payload({"type": "block_actions", "user": _USER, "actions": [{"action_id": "parley.escalate", "value": [1]}]}),
        FORM, None, 400, "payload.actions[0].value is a list",
    ),
    "a view that is a list": (_payload({"type": "view_submission", "user": _USER, "view": []}), FORM, None, 400, "payload.view is a list"),
    "view state that is text": (
        _payload({"type": "view_submission", "user": _USER, "view": {"callback_id": "parley.intake", "state": "x"}}),
        FORM, None, 400, "payload.view.state is a str",
    ),
    "view values that are not objects": (
        _payload({"type": "view_submission", "user": _USER, "view": {"state": {"values": {"b": "x"}}}}),
        FORM, None, 400, "not block id -> action id -> state",
    ),
    "a user that is text": (_payload({"type": "block_actions", "user": "x", "actions": []}), FORM, None, 400, "payload.user is a str"),
    "an event that is a list": ('{"type": "event_callback", "event": []}', "application/json", None, 400, "the body.event is a list"),
    "a signed JSON body that is not JSON": ('{"type": ', "application/json", None, 400, "the body is not JSON"),
    "a signed JSON body nested 100000 deep": ("[" * 100_000 + "]" * 100_000, "application/json", None, 400, "the body is not JSON"),
}


@pytest.mark.parametrize("case", list(SLACK_CASES))
def test_slack_refuses_malformed_requests_with_a_4xx_and_one_line(engine: Engine, case: str, caplog) -> None:
    body, content_type, headers, status, words = SLACK_CASES[case]

    async def scenario(h: slack_harness.Harness) -> None:
        caplog.clear()
        got, answer = await h.post(body, content_type, headers=headers, signed=headers is None)
        assert got == status, answer
        assert isinstance(answer, str) and len(answer) < 100
        await h.settle()
        assert h.count(DisputeRow) == 0 and h.count(RecordEntryRow) == 0 and h.count(OutboxRow) == 0
        assert h.mock.calls == []
        one_line(caplog, words)

    slack_harness.run(engine, scenario, policy=BRADFORD)


def test_slack_refuses_a_body_over_the_limit_with_413(engine: Engine, caplog) -> None:
    async def scenario(h: slack_harness.Harness) -> None:
        caplog.clear()
        body = urlencode({"payload": json.dumps({"type": "view_submission", "x": "y" * (2 * 1024 * 1024)})})
        got, _ = await h.post(body, FORM)
        assert got == 413
        assert h.count(DisputeRow) == 0 and h.mock.calls == []
        one_line(caplog, "a body over 1048576 bytes")

    slack_harness.run(engine, scenario, policy=BRADFORD)


def test_slacks_ssl_check_still_gets_its_empty_200(engine: Engine) -> None:
    async def scenario(h: slack_harness.Harness) -> None:
        got, _ = await h.post("ssl_check=1&token=x", FORM, signed=False)
        assert got == 200

    slack_harness.run(engine, scenario, policy=BRADFORD)


# -- Teams: POST /api/messages -------------------------------------------------------------------

TEAMS_BODIES = {
    "malformed JSON": (b'{"type": "message", ', "the body is not JSON"),
    "a JSON list": (b'[{"type": "message"}]', "the body is JSON but a list"),
    "a JSON string": (b'"message"', "the body is JSON but a str"),
    "not UTF-8": (b'{"type": "message", "text": "\xff\xfe"}', "the body is not JSON"),
    "NaN": (b'{"type": "message", "x": NaN}', "the body is not JSON"),
    "no type": (b'{"text": "disagree"}', "the activity has no type"),
    "from as a list": (b'{"type": "message", "from": ["29:x"]}', "from is a list"),
    "a mention naming nobody": (
        b'{"type": "message", "text": "<at>Parley</at> help", "entities": [{"type": "mention", "mentioned": "x"}]}',
        "entities are not Teams entities",
    ),
    "entities as text": (b'{"type": "message", "entities": "x"}', "entities are not a list"),
    "members added as text": (b'{"type": "conversationUpdate", "membersAdded": "x"}', "could not be read (DeserializationError)"),
    "nested 100000 deep": (b'{"type": "message", "value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "the body is not JSON"),
}


@pytest.mark.parametrize("case", list(TEAMS_BODIES))
def test_teams_refuses_a_body_that_is_not_an_activity_with_400(engine: Engine, case: str, caplog) -> None:
    raw, words = TEAMS_BODIES[case]

    async def scenario(h: teams_harness.Harness) -> None:
        caplog.clear()
        response = await h.client.post("/api/messages", data=raw, headers={"Content-Type": "application/json"})
        assert response.status == 400
        assert "error" in json.loads(await response.text())
        assert h.count(DisputeRow) == 0 and h.count(TeamsConversationRow) == 0 and h.connector.calls == []
        one_line(caplog, words)

    teams_harness.run(engine, scenario, policy=LSCB)


def _execute(h: teams_harness.Harness, data: object) -> dict:
    value = {"action": {"type": "Action.Execute", "verb": str(Verb.ADD_NOTE_SUBMIT), "data": data}, "trigger": "manual"}
    return h.activity("invoke", teams_harness.DC_JONES, name="adaptiveCard/action", value=value, replyToId="card-1")


CARD_DATA = {
    "seq that is not a number": ({"verb": "add_note_submit", "dispute_id": "x", "seq": "abc", "note": "A note."}, "data.seq is not a whole number"),
    "seq in other digits": ({"verb": "add_note_submit", "dispute_id": "x", "seq": "\u0663", "note": "A note."}, "data.seq is not a whole number"),
    "version as true": ({"verb": "add_note_submit", "dispute_id": "x", "version": True}, "data.version is not a whole number"),
    "data as a list": ([{"note": "x"}], "data is a list, not an object"),
    "an empty list as data": ([], "data is a list, not an object"),
    "a field that is a list": ({"verb": "add_note_submit", "note": ["a", "b"]}, "data.note is a list"),
    "a lone surrogate": ({"verb": "add_note_submit", "dispute_id": "x", "note": "\ud800"}, "lone surrogate"),
}


@pytest.mark.parametrize("case", list(CARD_DATA))
def test_teams_refuses_card_data_of_the_wrong_type_with_400_not_501(engine: Engine, case: str, caplog) -> None:
    data, words = CARD_DATA[case]

    async def scenario(h: teams_harness.Harness) -> None:
        opened = await h.execute(teams_harness.DC_JONES, Verb.INTAKE, teams_harness.intake_answers())
        assert opened.status == 200 and h.count(DisputeRow) == 1
        entries, outbox = h.count(RecordEntryRow), h.count(OutboxRow)
        calls = len(h.connector.calls)
        caplog.clear()
        # json.dumps writes a lone surrogate as the escape "\ud800", as a hostile client would send it
        posted = await h.post(_execute(h, data))
        assert posted.status == 400, posted.body
        assert posted.body == {"error": "Parley could not read what the card sent."}
        assert (h.count(RecordEntryRow), h.count(OutboxRow), len(h.connector.calls)) == (entries, outbox, calls)
        one_line(caplog, words)

    teams_harness.run(engine, scenario, policy=LSCB)


def test_teams_refuses_an_action_submit_whose_value_is_a_list(engine: Engine, caplog) -> None:
    async def scenario(h: teams_harness.Harness) -> None:
        caplog.clear()
        posted = await h.post(h.activity("message", teams_harness.DC_JONES, value=[{"verb": "intake"}], replyToId="card-1"))
        assert posted.status == 400
        assert h.count(DisputeRow) == 0 and h.count(TeamsConversationRow) == 0 and h.connector.calls == []
        one_line(caplog, "the card sent back a list")

    teams_harness.run(engine, scenario, policy=LSCB)


def test_teams_refuses_a_body_over_the_limit_with_413(engine: Engine, caplog) -> None:
    async def scenario(h: teams_harness.Harness) -> None:
        caplog.clear()
        posted = await h.post(h.activity("message", teams_harness.DC_JONES, text="x" * (2 * 1024 * 1024)))
        assert posted.status == 413
        assert h.count(TeamsConversationRow) == 0
        one_line(caplog, "a body over 1048576 bytes")

    teams_harness.run(engine, scenario, policy=LSCB)
