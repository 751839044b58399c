"""Socket Mode: with SLACK_APP_TOKEN set, Parley connects out to Slack instead of serving POST /slack/events.

Slack's end is a local websocket server (MockSocketMode) whose ws:// URL the mock Web API hands out
from apps.connections.open; envelopes go in over it exactly as Slack sends them, and the acks come
back over it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from sqlalchemy import Engine

from handlers.files import read_policy
from messages.slack import ViewId
from storage.models import DisputeRow
from tests.slack.harness import AMARA, APP_TOKEN, CHANNEL, TOKEN, Harness, default_answers, fill, run

BRADFORD = read_policy("bradford")


def test_over_socket_mode_disagree_is_acked_on_the_socket_and_opens_the_form(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        assert h.socket is not None
        ack = await h.socket.send("slash_commands", h.command_fields(AMARA), envelope_id="env-cmd-1")
        assert ack == {"envelope_id": "env-cmd-1"}  # acked at once, empty, like the HTTP answer
        await h.settle()

        [connect] = h.mock.calls_to("apps.connections.open")
        assert connect.token == APP_TOKEN  # the app-level token, never the bot token
        [opened] = h.mock.calls_to("views.open")
        assert opened.token == TOKEN
        assert opened.args["view"]["callback_id"] == ViewId.INTAKE
        assert opened.args["trigger_id"].startswith("trigger.")

        # the form submitted over the socket raises the disagreement; the answer rides on the ack
        view = {**opened.args["view"], "id": opened.answer["view"]["id"]}
        submission = {
            "type": "view_submission",
            "team": {"id": "T0CSC", "domain": "t0csc"},
            "user": {"id": AMARA, "team_id": "T0CSC"},
            "api_app_id": "A0PARLEY",
            "view": {**view, "state": {"values": fill(view, default_answers(BRADFORD))}},
        }
        answer = await h.socket.send("interactive", submission, envelope_id="env-view-1")
        assert answer["envelope_id"] == "env-view-1"
        assert answer["payload"]["response_action"] == "update"
        assert "Raised: case CSC-2040-0193" in str(answer["payload"]["view"])
        await h.settle()
        assert h.count(DisputeRow) == 1
        assert h.mock.posts(channel=CHANNEL, thread_ts=None), "no thread root was posted"

    run(engine, scenario, policy=BRADFORD, app_token=APP_TOKEN)


def test_over_socket_mode_slack_events_is_not_served(engine: Engine) -> None:
    # Socket Mode needs no signing secret, and there is nothing to check a request against without
    # one: in Socket Mode there is no POST /slack/events at all.
    async def scenario(h: Harness) -> None:
        body = urlencode(h.command_fields(AMARA))
        ts = str(int(time.time()))
        signed_with_nothing = "v0=" + hmac.new(b"", f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signed_with_nothing}
        status, _ = await h.post(body, "application/x-www-form-urlencoded", headers=headers, signed=False)
        assert status == 404
        await h.settle()
        assert h.mock.calls_to("views.open") == [] and h.count(DisputeRow) == 0

    run(engine, scenario, policy=BRADFORD, app_token=APP_TOKEN, secret="")
