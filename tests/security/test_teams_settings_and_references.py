"""Teams start-up settings (authentication off only by name, the service-host allow-list), /healthz, and
the rules for keeping a conversation reference, on a real database."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine, select

import app
from handlers.teams.gate import ServiceUrls
from storage.db import session_factory
from storage.models import TeamsConversationRow
from storage.teams import USER, SqlTeamsConversations, StoredConversation
from tests.teams.test_teams_app import APP_ID, SLACK_VARS, TEAMS_VARS

NOW = datetime(2040, 11, 5, 10, 0, tzinfo=timezone.utc)
TEAMS_URL = "https://smba.trafficmanager.net/emea/"


@pytest.fixture
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'parley.sqlite3'}")
    for name in (*TEAMS_VARS, *SLACK_VARS, "PARLEY_POLICY", "PARLEY_DIRECTORY", "PORT", "HOST"):
        monkeypatch.delenv(name, raising=False)
    assert app.main(["db", "upgrade"]) == 0
    monkeypatch.setenv("PARLEY_TEAMS_CHANNEL", "19:parley@thread.tacv2")
    monkeypatch.setenv("PARLEY_TEAMS_TENANT_ID", "tenant-police")
    return tmp_path


def test_teams_settings_without_an_app_id_refuse_to_start_unless_insecure_is_asked_for_by_name(settings_env, capsys) -> None:
    assert app.boot(app.Settings()) is None
    err = capsys.readouterr().err
    assert "MICROSOFT_APP_ID is not set: Parley needs the Azure Bot's app id" in err
    assert "set PARLEY_TEAMS_INSECURE_NO_AUTH=true to run with Teams authentication off" in err
    assert "Traceback" not in err


def test_insecure_and_an_app_id_together_refuse_to_start(settings_env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "secret-value")
    monkeypatch.setenv("PARLEY_TEAMS_INSECURE_NO_AUTH", "true")
    assert app.boot(app.Settings()) is None
    assert "PARLEY_TEAMS_INSECURE_NO_AUTH is set, and so is MICROSOFT_APP_ID" in capsys.readouterr().err


def test_a_default_service_url_off_the_allow_list_refuses_to_start(settings_env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "secret-value")
    monkeypatch.setenv("PARLEY_TEAMS_SERVICE_URL", "https://evil.example/teams/")
    assert app.boot(app.Settings()) is None
    err = capsys.readouterr().err
    assert "PARLEY_TEAMS_SERVICE_URL is 'https://evil.example/teams/', which is not on the Teams service hosts" in err
    monkeypatch.setenv("PARLEY_TEAMS_SERVICE_HOSTS", "ftp://x, ")
    assert app.boot(app.Settings()) is None
    assert "PARLEY_TEAMS_SERVICE_HOSTS is wrong: 'ftp://x' is not a host name" in capsys.readouterr().err


@pytest.mark.parametrize("insecure", [False, True])
def test_healthz_says_whether_teams_authentication_is_on(settings_env, monkeypatch, insecure: bool) -> None:
    if insecure:
        monkeypatch.setenv("PARLEY_TEAMS_INSECURE_NO_AUTH", "true")
    else:
        monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
        monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "secret-value")
    parley = app.boot(app.Settings(parley_sweep_seconds=3600))
    assert parley is not None

    async def ask() -> dict:
        client = TestClient(TestServer(app.build_web_app(parley), host="127.0.0.1"))
        await client.start_server()
        try:
            response = await client.get("/healthz")
            return json.loads(await response.text())
        finally:
            await client.close()

    assert asyncio.run(ask())["teams"] == {"authentication": not insecure}


def test_service_urls_accept_microsofts_hosts_and_named_origins_only() -> None:
    microsoft = ServiceUrls.microsoft()
    assert microsoft.allows("https://smba.trafficmanager.net/emea/")
    assert microsoft.allows("https://smba.infra.gcc.teams.microsoft.com/teams")
    for url in ("http://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net.evil.example/", "https://evil.example/",
                "https://user@smba.trafficmanager.net/", "https://smba.trafficmanager.net:8443/", "", "not a url", None):  # fmt: skip
        assert not microsoft.allows(url), url
    local = ServiceUrls.of(["http://127.0.0.1:5123"])
    assert local.allows("http://127.0.0.1:5123/") and not local.allows("http://127.0.0.1:5124/")


def _one_to_one(key: str, aad: str | None, url: str = TEAMS_URL, conversation: str = "a:chat-1") -> StoredConversation:
    return StoredConversation(tenant_id="tenant-police", kind=USER, key=key, service_url=url, conversation_id=conversation, reference={}, aad_object_id=aad)


def _kept(engine: Engine) -> list[tuple[str, str | None, str]]:
    with session_factory(engine)() as s:
        return [(r.key, r.aad_object_id, r.conversation_id) for r in s.scalars(select(TeamsConversationRow).order_by(TeamsConversationRow.key))]


def test_a_one_to_one_chat_is_kept_only_for_its_own_person_and_a_teams_host(engine: Engine, caplog) -> None:
    conversations = SqlTeamsConversations(session_factory(engine), accepts=ServiceUrls.microsoft().allows)
    assert conversations.put(_one_to_one("29:dcjones", "aad-dcjones"), NOW)
    # someone else's Teams id claiming DC Jones's Entra object id: not kept, and DC Jones's chat stays
    assert not conversations.put(_one_to_one("29:attacker", "aad-dcjones", conversation="a:chat-evil"), NOW)
    # DC Jones's Teams id with another Entra object id: not kept either
    assert not conversations.put(_one_to_one("29:dcjones", "aad-attacker", conversation="a:chat-evil"), NOW)
    # a service URL that is not Microsoft's: never kept
    assert not conversations.put(_one_to_one("29:khan", "aad-khan", url="https://evil.example/"), NOW)
    assert not conversations.put(_one_to_one("", "aad-x"), NOW)
    assert _kept(engine) == [("29:dcjones", "aad-dcjones", "a:chat-1")]
    assert conversations.user("tenant-police", "aad-dcjones").conversation_id == "a:chat-1"
    # the same person's new chat replaces the old one
    assert conversations.put(_one_to_one("29:dcjones", "aad-dcjones", conversation="a:chat-2"), NOW)
    assert _kept(engine) == [("29:dcjones", "aad-dcjones", "a:chat-2")]
    assert "not kept: that Entra object id is kept for another Teams id" in caplog.text
