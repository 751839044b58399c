"""Requests that Slack did not sign, or signed too long ago, get 401 and change nothing."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from sqlalchemy import Engine

from handlers.files import read_policy
from storage.models import DisputeRow, OutboxRow, RecordEntryRow
from tests.slack.harness import AMARA, Harness, default_answers, fill, run

BRADFORD = read_policy("bradford")


def test_a_forged_stale_missing_or_tampered_signature_gets_401_and_nothing_changes(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)  # a real modal, so only the signature is wrong below
        calls_before = len(h.mock.calls)
        payload = {
            "type": "view_submission",
            "team": {"id": "T0CSC"},
            "user": {"id": AMARA, "team_id": "T0CSC"},
            "view": {**view, "state": {"values": fill(view, default_answers(BRADFORD))}},
        }
        body = urlencode({"payload": json.dumps(payload)})
        form = "application/x-www-form-urlencoded"

        forged = await h.post(body, form, secret="0" * 32)
        stale = await h.post(body, form, timestamp=int(time.time()) - 6 * 60)
        unsigned = await h.post(body, form, signed=False)
        tampered_headers = h.sign(body)
        tampered = await h.client.post(
            "/slack/events", data=body.replace("CSC-2040-0193", "CSC-2040-9999"), headers={"Content-Type": form, **tampered_headers}
        )
        forged_command = await h.command(AMARA, secret="0" * 32)
        forged_event = await h.event({"type": "app_home_opened", "user": AMARA, "tab": "home"}, secret="0" * 32)
        await h.settle()

        for status, _ in (forged, stale, unsigned, forged_command, forged_event):
            assert status == 401
        assert tampered.status == 401
        assert h.count(DisputeRow) == 0 and h.count(RecordEntryRow) == 0 and h.count(OutboxRow) == 0
        assert len(h.mock.calls) == calls_before  # nothing reached Slack either

        # the same request, properly signed, is accepted
        status, answer = await h.post(body, form)
        assert status == 200 and answer["response_action"] == "update"
        assert h.count(DisputeRow) == 1

    run(engine, scenario, policy=BRADFORD)
