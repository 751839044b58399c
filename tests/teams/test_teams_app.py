"""Teams as someone running Parley meets it: start-up settings, authentication, the app package, and
the rule that every botbuilder import stays in handlers/teams/."""

from __future__ import annotations

import ast
import json
import zipfile
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import Engine

import app
from bot.outbox import Notifiers
from handlers.files import read_policy
from handlers.teams.notify import TeamsNotifier
from handlers.teams.package import png_size
from messages.teams import Verb
from storage.models import DisputeRow, TeamsConversationRow
from tests.slack.mock_slack import MockSlackInThread
from tests.teams.harness import DC_JONES, Harness, intake_answers, run

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "00000000-1111-2222-3333-444444444444"
TEAMS_VARS = (
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TYPE",
    "MICROSOFT_APP_TENANT_ID",
    "PARLEY_TEAMS_CHANNEL",
    "PARLEY_TEAMS_TENANT_ID",
    "PARLEY_TEAMS_SERVICE_URL",
    "PARLEY_TEAMS_INSECURE_NO_AUTH",
    "PARLEY_TEAMS_SERVICE_HOSTS",
    "PARLEY_TEAMS_OPENID_METADATA_URL",
)
SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "PARLEY_SLACK_CHANNEL")
LSCB = read_policy("lscb")


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[web.Application]:
    """A migrated SQLite file in a folder of its own, no chat settings, and a run_app that only records."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'parley.sqlite3'}")
    for name in (*TEAMS_VARS, *SLACK_VARS, "PARLEY_POLICY", "PARLEY_DIRECTORY", "PORT", "HOST"):
        monkeypatch.delenv(name, raising=False)
    assert app.main(["db", "upgrade"]) == 0
    apps: list[web.Application] = []
    monkeypatch.setattr(app.web, "run_app", lambda web_app, **kw: apps.append(web_app))
    return apps


def _routes(web_app: web.Application) -> set[tuple[str, str]]:
    return {(r.method, r.resource.canonical) for r in web_app.router.routes() if r.resource is not None}


def test_without_teams_settings_there_is_no_teams_endpoint(served, capsys) -> None:
    assert app.main(["serve"]) == 0
    assert "for Microsoft Teams set MICROSOFT_APP_ID" in capsys.readouterr().out
    [web_app] = served
    assert ("POST", "/api/messages") not in _routes(web_app)


def test_teams_without_an_app_id_serves_locally_and_warns_loudly(served, monkeypatch, capsys, caplog) -> None:
    monkeypatch.setenv("PARLEY_TEAMS_CHANNEL", "19:parley@thread.tacv2")
    monkeypatch.setenv("PARLEY_TEAMS_TENANT_ID", "tenant-police")
    monkeypatch.setenv("PARLEY_TEAMS_INSECURE_NO_AUTH", "true")
    assert app.main(["serve"]) == 0
    out = capsys.readouterr().out
    assert "Teams bot at POST /api/messages, authentication OFF (PARLEY_TEAMS_INSECURE_NO_AUTH)" in out
    assert "dispute threads go to channel 19:parley@thread.tacv2 in tenant tenant-police" in out
    assert "Teams authentication is OFF" in caplog.text
    [web_app] = served
    assert ("POST", "/api/messages") in _routes(web_app)


def test_teams_without_an_app_id_refuses_to_listen_beyond_this_machine(served, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PARLEY_TEAMS_CHANNEL", "19:parley@thread.tacv2")
    monkeypatch.setenv("PARLEY_TEAMS_TENANT_ID", "tenant-police")
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert app.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "MICROSOFT_APP_ID is not set, so Teams authentication would be off" in err
    assert served == []


def test_wrong_teams_settings_stop_it_with_what_to_fix(served, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_TYPE", "SingleTenant")
    monkeypatch.setenv("PARLEY_TEAMS_CHANNEL", "General")
    assert app.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "Parley can't start: Teams is not set up right:" in err
    assert "MICROSOFT_APP_PASSWORD is not set" in err
    assert "MICROSOFT_APP_TENANT_ID is not set: a SingleTenant bot needs the tenant id" in err
    assert "PARLEY_TEAMS_CHANNEL is 'General': it must be the channel's conversation id, starting 19:" in err
    assert "Traceback" not in err and served == []


def test_with_slack_and_teams_one_notifier_serves_both_and_changes_reach_every_platform(served, monkeypatch, capsys) -> None:
    with MockSlackInThread() as mock:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
        monkeypatch.setenv("SLACK_API_URL", mock.api_url)
        monkeypatch.setenv("PARLEY_SLACK_CHANNEL", "C0PARLEY")
        monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
        monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "secret-value")
        monkeypatch.setenv("PARLEY_TEAMS_CHANNEL", "19:parley@thread.tacv2")
        monkeypatch.setenv("MICROSOFT_APP_TENANT_ID", "tenant-police")
        settings = app.Settings()
        parley = app.boot(settings)
    assert parley is not None and parley.slack is not None and parley.teams is not None
    assert sorted(parley.senders) == ["slack", "teams"]
    assert isinstance(parley.notifier, Notifiers)
    assert parley.slack.deps.notifier is parley.notifier and parley.teams.deps.notifier is parley.notifier
    assert any(isinstance(p, TeamsNotifier) for p in parley.notifier.parts)
    assert parley.teams.senders is parley.senders
    out = capsys.readouterr().out
    assert f"Teams bot at POST /api/messages, app {APP_ID} (MultiTenant)" in out


def test_with_an_app_id_an_activity_without_a_valid_token_is_refused_and_changes_nothing(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        posted = await h.say(DC_JONES, "disagree")
        assert posted.status == 401
        posted = await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        assert posted.status == 401
        assert h.connector.calls == []
        assert h.count(DisputeRow) == 0 and h.count(TeamsConversationRow) == 0

    run(engine, scenario, policy=LSCB, app_id=APP_ID, password="secret-value")


def test_a_request_that_is_not_json_is_refused(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        response = await h.client.post("/api/messages", data=b"type=message", headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status == 415

    run(engine, scenario, policy=LSCB)


def test_teams_package_builds_the_zip_teams_expects(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    out = tmp_path / "parley.zip"
    assert app.main(["teams", "package", "--out", str(out)]) == 0
    assert f"Teams app package: {out}" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
        (tmp_path / "color.png").write_bytes(zf.read("color.png"))
        (tmp_path / "outline.png").write_bytes(zf.read("outline.png"))
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert [c["title"] for c in bot["commandLists"][0]["commands"]] == ["disagree", "list", "help", "report"]
    assert bot["supportsFiles"] is True  # the record and the Board's report are sent as files (handlers/teams/files.py)
    assert "{{" not in json.dumps(manifest)
    assert png_size(tmp_path / "color.png") == (192, 192) and png_size(tmp_path / "outline.png") == (32, 32)


def test_teams_package_without_an_app_id_says_what_to_set(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    assert app.main(["teams", "package", "--out", str(tmp_path / "x.zip")]) == 1
    assert "MICROSOFT_APP_ID must be the Azure Bot's app registration id" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()


BOT_FRAMEWORK = ("botbuilder", "botframework", "msrest")


def test_every_bot_framework_import_is_inside_handlers_teams() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "tests") or relative.parts[:2] == ("handlers", "teams"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in BOT_FRAMEWORK:
                    offenders.append(f"{relative}:{node.lineno} imports {name}")
    assert offenders == []
