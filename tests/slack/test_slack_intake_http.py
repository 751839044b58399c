"""A submitted intake form over HTTP is answered without bolt's dispatch (handlers/slack/intake.py
`answer_submission`), with the answer bolt's listener gives it (Socket Mode still goes through bolt:
tests/slack/test_slack_socket_mode.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import Engine

from handlers.files import read_policy
from handlers.slack import intake
from storage.models import DisputeRow
from tests.slack.harness import AMARA, Harness, default_answers, run

BRADFORD = read_policy("bradford")


def _no_bolt_for_submissions(h: Harness) -> list[str]:
    dispatched: list[str] = []
    real = h.front.app.async_dispatch

    async def dispatch(req: Any) -> Any:
        dispatched.append(str(req.body.get("type") or req.body.get("command")))
        return await real(req)

    h.front.app.async_dispatch = dispatch  # type: ignore[method-assign]
    return dispatched


def test_a_submitted_form_is_saved_and_answered_without_bolts_dispatch(engine: Engine) -> None:
    async def over_http(h: Harness) -> None:
        dispatched = _no_bolt_for_submissions(h)
        view = await h.open_intake(AMARA)  # the slash command still goes through bolt
        status, body = await h.submit(AMARA, view, {**default_answers(BRADFORD), "reference": ""})
        assert status == 200 and body["response_action"] == "errors"
        status, body = await h.submit(AMARA, view, default_answers(BRADFORD))
        await h.settle()
        assert status == 200 and body["response_action"] == "update"
        assert dispatched == ["/disagree"]  # the slash command only
        assert h.count(DisputeRow) == 1
        assert len(h.outbox()) == 3
        assert "Raised: case CSC-2040-0193" in str(body["view"])

    run(engine, over_http, policy=BRADFORD)


def test_a_submission_whose_saving_fails_is_answered_500_and_logged(engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)
        monkeypatch.setattr(intake, "_open", broken)
        with caplog.at_level(logging.ERROR, logger="parley.slack"):
            status, _ = await h.submit(AMARA, view, default_answers(BRADFORD))
        await h.settle()
        assert status == 500
        assert "Slack listener failed (view_submission)" in caplog.text
        assert h.count(DisputeRow) == 0

    run(engine, scenario, policy=BRADFORD)

