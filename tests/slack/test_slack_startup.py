"""`app.py serve` with Slack settings missing, wrong, or right: a clear message, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

import app
from tests.slack.mock_slack import MockSlack, MockSlackInThread

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "PARLEY_SLACK_CHANNEL")
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[web.Application]:
    """A migrated SQLite file in a folder of its own, no Slack settings, and a run_app that only records."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'parley.sqlite3'}")
    for name in (*SLACK_VARS, "PARLEY_POLICY", "PARLEY_DIRECTORY", "PORT", "HOST"):
        monkeypatch.delenv(name, raising=False)
    assert app.main(["db", "upgrade"]) == 0
    served: list[web.Application] = []
    monkeypatch.setattr(app.web, "run_app", lambda web_app, **kw: served.append(web_app))
    return served


def _routes(web_app: web.Application) -> set[tuple[str, str]]:
    return {(r.method, r.resource.canonical) for r in web_app.router.routes() if r.resource is not None}


def test_without_slack_settings_it_serves_and_says_how_to_connect_slack(environment, capsys) -> None:
    assert app.main(["serve"]) == 0
    out = capsys.readouterr().out
    assert "To connect Slack set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in out
    [served] = environment
    assert ("POST", "/slack/events") not in _routes(served)


def test_wrong_kinds_of_slack_settings_stop_it_with_what_to_fix(environment, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-123-user-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "not a secret!")

    assert app.main(["serve"]) == 2

    err = capsys.readouterr().err
    assert "Parley can't start: Slack is not set up right:" in err
    assert "SLACK_BOT_TOKEN is a user token: it must be the Bot User OAuth Token, starting xoxb-." in err
    assert "SLACK_SIGNING_SECRET doesn't look like a signing secret" in err
    assert "PARLEY_SLACK_CHANNEL is not set" in err
    assert "Traceback" not in err
    assert environment == []


def test_a_token_slack_refuses_stops_it_with_slacks_answer(environment, monkeypatch, capsys) -> None:
    with MockSlackInThread(MockSlack(valid_tokens=("xoxb-the-right-one",))) as mock:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
        monkeypatch.setenv("SLACK_API_URL", mock.api_url)
        monkeypatch.setenv("PARLEY_SLACK_CHANNEL", "C0PARLEY")
        assert app.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "Parley can't start: Slack refused SLACK_BOT_TOKEN (invalid_auth)" in err
    assert "Traceback" not in err and "xoxb-revoked" not in err


def test_slack_out_of_reach_starts_anyway_saying_where_it_looked(environment, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # nothing listens on the discard port
    monkeypatch.setenv("PARLEY_SLACK_CHANNEL", "C0PARLEY")
    assert app.main(["serve"]) == 0
    captured = capsys.readouterr()
    assert "Slack can't be reached just now (Slack can't be reached at http://127.0.0.1:9/api/" in captured.out
    assert "starting anyway" in captured.out and "checking again in the background" in captured.out
    assert "Traceback" not in captured.err and "can't start" not in captured.err
    [served] = environment
    assert ("POST", "/slack/events") in _routes(served)


def test_a_slack_answering_500_at_start_up_does_not_blame_the_token(environment, monkeypatch, capsys) -> None:
    with MockSlackInThread() as mock:
        mock.fail_next(1, status=500, method="auth.test")
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
        monkeypatch.setenv("SLACK_API_URL", mock.api_url)
        monkeypatch.setenv("PARLEY_SLACK_CHANNEL", "C0PARLEY")
        assert app.main(["serve"]) == 0
    captured = capsys.readouterr()
    assert "Slack did not answer the start-up check (auth.test: HTTP 500, internal_error)" in captured.out
    assert "refused SLACK_BOT_TOKEN" not in captured.out + captured.err
    assert "Check the token" not in captured.out + captured.err


def test_with_slack_set_up_it_mounts_slack_events_and_says_where_threads_go(environment, monkeypatch, capsys) -> None:
    with MockSlackInThread() as mock:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
        monkeypatch.setenv("SLACK_API_URL", mock.api_url)
        monkeypatch.setenv("PARLEY_SLACK_CHANNEL", "C0PARLEY")
        assert app.main(["serve"]) == 0
        [auth] = mock.calls
    assert auth.method == "auth.test" and auth.token == "xoxb-1"
    out = capsys.readouterr().out
    assert "Parley: connected to Slack workspace Children's Social Care (T0CSC)" in out
    assert "dispute threads go to channel C0PARLEY" in out
    assert "no chat platform is configured" not in out
    [served] = environment
    assert ("POST", "/slack/events") in _routes(served)


def test_with_an_app_level_token_it_uses_socket_mode_and_serves_no_slack_events(environment, monkeypatch, capsys) -> None:
    with MockSlackInThread() as mock:
        mock.socket_url = "ws://127.0.0.1:9/link"  # handed out, not used: run_app only records here
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
        monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0PARLEY-1")
        monkeypatch.setenv("SLACK_API_URL", mock.api_url)
        monkeypatch.setenv("PARLEY_SLACK_CHANNEL", "C0PARLEY")  # no signing secret: Socket Mode needs none
        assert app.main(["serve"]) == 0
        calls = [(c.method, c.token) for c in mock.calls]
    assert calls == [("auth.test", "xoxb-1"), ("apps.connections.open", "xapp-1-A0PARLEY-1")]
    assert "Slack reaches Parley over Socket Mode" in capsys.readouterr().out
    [served] = environment
    assert ("POST", "/slack/events") not in _routes(served)


def test_an_app_level_token_slack_refuses_stops_it_with_what_to_fix(environment, monkeypatch, capsys) -> None:
    with MockSlackInThread() as mock:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
        monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-")
        monkeypatch.setenv("SLACK_API_URL", mock.api_url)
        monkeypatch.setenv("PARLEY_SLACK_CHANNEL", "C0PARLEY")
        mock.socket_url = ""  # Slack refuses: no link for this token
        assert app.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "Parley can't start: Slack refused SLACK_APP_TOKEN (invalid_auth)" in err
    assert "connections:write" in err and "Traceback" not in err
    assert environment == []
