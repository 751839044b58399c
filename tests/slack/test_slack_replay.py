"""Every form takes effect once: the same signed request sent twice (inside Slack's 5-minute window)."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import Engine, select

from handlers.files import read_policy
from messages.slack import ActionId
from storage.models import RecordEntryRow
from tests.slack.harness import AMARA, DC_JONES, TEAM, Harness, button, done_text, fill, run

BRADFORD = read_policy("bradford")


def _notes(h: Harness) -> int:
    with h.sessions() as s:
        return len(list(s.scalars(select(RecordEntryRow.seq).where(RecordEntryRow.kind == "note"))))


def _submission(h: Harness, user: str, view: dict, answers: dict) -> dict:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "t0csc"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0PARLEY",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger.{uuid.uuid4().hex[:12]}",
        "view": {**view, "state": {"values": fill(view, answers)}, "hash": "1700000000.abcdefgh"},
        "response_urls": [],
        "is_enterprise_install": False,
    }


def test_a_replayed_add_note_request_records_one_note(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        await h.settle()
        await h.click(DC_JONES, ActionId.ADD_NOTE, button(h.latest_root_blocks(), ActionId.ADD_NOTE))
        await h.settle()
        form = h.opened_views()[-1]
        payload = _submission(h, DC_JONES, form, {"note": "Called the duty desk."})
        first = await h.interaction(payload)
        h.clock.advance(minutes=2)
        again = await h.interaction(json.loads(json.dumps(payload)))  # the same body, signed again
        await h.settle()
        assert done_text(first[1]).startswith("Your note is on the record")
        assert done_text(again[1]).startswith("Your note is on the record")
        assert _notes(h) == 1

        # the same person, a new form with the same words: that is a second note
        await h.click(DC_JONES, ActionId.ADD_NOTE, button(h.latest_root_blocks(), ActionId.ADD_NOTE))
        await h.settle()
        second_form = h.opened_views()[-1]
        assert second_form["id"] != form["id"]
        await h.interaction(_submission(h, DC_JONES, second_form, {"note": "Called the duty desk."}))
        await h.settle()
        assert _notes(h) == 2

    run(engine, scenario, policy=BRADFORD)
