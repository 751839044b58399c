"""Teams as an attacker tries it: real HTTP requests with real JWTs, signed here, checked against a local key server.

Authentication is on (an app id); the adapter fetches its signing keys from tests/security/keys.py's
server instead of login.botframework.com, and accepts only the mock connector as a service URL.
Every refusal must be one log line, no traceback, nothing stored and nothing sent.

The key server runs on the same event loop as the app: the SDK fetches keys with blocking
`requests` calls, so these tests would hang if that fetch ran on the loop instead of in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select

from handlers.files import read_policy
from messages.teams import Verb
from storage.models import DisputeRow, OutboxRow, TeamsConversationRow
from tests.builders import Clock, directory_for
from tests.security.keys import APP_ID, KeyServer, new_key, unsigned_token
from tests.teams.harness import DC_JONES, START, Harness, intake_answers

LSCB = read_policy("lscb")
EVIL = "https://evil.example/teams/"


def run_signed(engine: Engine, scenario: Callable[[Harness, KeyServer], Awaitable[None]], **kw: Any) -> None:
    async def main() -> None:
        keys = KeyServer(**kw)
        await keys.start()
        try:
            harness = Harness(
                engine, LSCB, directory_for(LSCB), Clock(START), app_id=APP_ID, password="secret-value", openid_metadata_url=keys.metadata_url
            )
            async with harness as h:
                await scenario(h, keys)
        finally:
            await keys.stop()

    asyncio.run(main())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def intake(h: Harness, user: str = DC_JONES, **changes: Any) -> dict[str, Any]:
    verb = str(Verb.INTAKE)
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": {**intake_answers(), "verb": verb}}, "trigger": "manual"}
    activity = h.activity("invoke", user, name="adaptiveCard/action", value=value, replyToId="card-1")
    activity.update(changes)
    return activity


def nothing_happened(h: Harness) -> None:
    assert h.count(DisputeRow) == 0 and h.count(OutboxRow) == 0 and h.count(TeamsConversationRow) == 0
    assert h.connector.calls == []


def one_refusal_logged(caplog: pytest.LogCaptureFixture, words: str) -> None:
    lines = [r for r in caplog.records if r.name.startswith("parley") and r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in lines if words in r.getMessage()], [r.getMessage() for r in lines]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    ours = [r for r in caplog.records if r.name.split(".")[0] in ("parley", "aiohttp", "botbuilder", "botframework")]
    assert all(r.exc_info is None for r in ours), "a traceback was logged"


def test_a_teams_activity_with_a_valid_token_opens_the_dispute_and_keeps_the_chat(engine: Engine) -> None:
    async def scenario(h: Harness, keys: KeyServer) -> None:
        posted = await h.post(intake(h), headers=bearer(keys.token(h.connector.url)))
        assert posted.status == 200, posted.body
        assert "is open" in str(posted.body) or posted.body["type"].endswith("card.adaptive")
        assert h.count(DisputeRow) == 1
        with h.sessions() as s:
            [kept] = s.scalars(select(TeamsConversationRow)).all()
        assert (kept.key, kept.service_url) == (DC_JONES, h.connector.url)

    run_signed(engine, scenario)


@pytest.mark.parametrize("channel", ["directline", "webchat", "emulator", "slack"])
def test_a_valid_token_from_another_channel_cannot_act_as_a_teams_user(engine: Engine, channel: str, caplog) -> None:
    # Direct Line and Web Chat let their users choose `from` and `channelData`: this names DC Jones.
    async def scenario(h: Harness, keys: KeyServer) -> None:
        caplog.clear()
        posted = await h.post(intake(h, channelId=channel), headers=bearer(keys.token(h.connector.url)))
        assert posted.status == 403
        assert posted.body == {"error": "Parley talks to Microsoft Teams only."}
        nothing_happened(h)
        one_refusal_logged(caplog, f"an activity from the '{channel}' channel, not msteams")

    run_signed(engine, scenario)


TOKEN_ERRORS: dict[str, Callable[[KeyServer, str], str]] = {
    "garbage": lambda keys, url: "Bearer not-a-jwt",
    "three garbage parts": lambda keys, url: "Bearer aaa.bbb.ccc",
    "no token": lambda keys, url: "Bearer",
    "another scheme": lambda keys, url: f"Basic {keys.token(url)}",
    "unknown key id": lambda keys, url: f"Bearer {keys.token(url, kid='someone-elses-key')}",
    "no key id": lambda keys, url: "Bearer "
    + __import__("jwt").encode({"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": url}, keys.key, algorithm="RS256"),
    "signed by another key": lambda keys, url: f"Bearer {keys.token(url, key=new_key())}",
    "wrong issuer": lambda keys, url: f"Bearer {keys.token(url, issuer='https://evil.example')}",
    "an emulator issuer": lambda keys, url: "Bearer "
    + keys.token(url, issuer="https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/", ver="1.0", appid=APP_ID),
    "another app": lambda keys, url: f"Bearer {keys.token(url, audience='11111111-2222-3333-4444-555555555555')}",
    "expired": lambda keys, url: f"Bearer {keys.token(url, expires_in=-3600)}",
    "alg none": lambda keys, url: f"Bearer {unsigned_token(url)}",
    "HS256 with the public key as secret": lambda keys, url: "Bearer "
    + __import__("jwt").encode(
        {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": url},
        "k" * 32,
        algorithm="HS256",
        headers={"kid": "parley-test-key"},
    ),
    "another service url in the token": lambda keys, url: f"Bearer {keys.token('https://smba.trafficmanager.net/emea/')}",
}


@pytest.mark.parametrize("case", list(TOKEN_ERRORS))
def test_every_kind_of_bad_token_is_401_with_one_line_and_nothing_stored(engine: Engine, case: str, caplog) -> None:
    async def scenario(h: Harness, keys: KeyServer) -> None:
        caplog.clear()
        posted = await h.post(intake(h), headers={"Authorization": TOKEN_ERRORS[case](keys, h.connector.url)})
        assert posted.status == 401, posted.body
        assert posted.body == {"error": "Not authenticated."}
        nothing_happened(h)
        one_refusal_logged(caplog, "not authenticated")

    run_signed(engine, scenario)


def test_no_authorization_header_is_401(engine: Engine, caplog) -> None:
    async def scenario(h: Harness, keys: KeyServer) -> None:
        caplog.clear()
        posted = await h.post(intake(h))
        assert posted.status == 401
        nothing_happened(h)
        one_refusal_logged(caplog, "no Bearer token")

    run_signed(engine, scenario)


def test_keys_that_cannot_be_fetched_are_503_not_a_crash(engine: Engine, caplog) -> None:
    async def scenario(h: Harness, keys: KeyServer) -> None:
        await keys.stop()  # the key server is gone: nobody can be authenticated for now
        caplog.clear()
        posted = await h.post(intake(h), headers=bearer(keys.token(h.connector.url)))
        assert posted.status == 503
        nothing_happened(h)
        one_refusal_logged(caplog, "signing keys could not be fetched")

    run_signed(engine, scenario)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"channelData": {}, "conversation": {"conversationType": "personal", "id": "a:personal-dcjones"}}, "names no tenant"),
        (
            {
                "channelData": {"tenant": {"id": ""}},
                "conversation": {"conversationType": "personal", "id": "a:personal-dcjones", "tenantId": ""},
            },
            "names no tenant",
        ),
        ({"channelData": {"tenant": {"id": "tenant-csc"}}}, "names two tenants"),
    ],
    ids=["no tenant", "empty tenant", "two tenants"],
)
def test_an_activity_without_one_clear_tenant_is_refused(engine: Engine, change: dict[str, Any], reason: str, caplog) -> None:
    # An empty tenant would match DC Jones's identity in any tenant: it never reaches the directory.
    async def scenario(h: Harness, keys: KeyServer) -> None:
        caplog.clear()
        posted = await h.post(intake(h, **change), headers=bearer(keys.token(h.connector.url)))
        assert posted.status == 403
        nothing_happened(h)
        one_refusal_logged(caplog, reason)

    run_signed(engine, scenario)


def test_a_service_url_that_is_not_a_teams_host_is_refused_and_never_kept(engine: Engine, caplog) -> None:
    # The token is valid for that URL (its serviceurl claim matches): only the allow-list stops it.
    async def scenario(h: Harness, keys: KeyServer) -> None:
        caplog.clear()
        posted = await h.post(intake(h, serviceUrl=EVIL), headers=bearer(keys.token(EVIL)))
        assert posted.status == 403
        nothing_happened(h)
        one_refusal_logged(caplog, "is not a Teams service host")

    run_signed(engine, scenario)


def test_a_teams_id_from_another_tenant_is_a_stranger_not_the_person_with_that_id(engine: Engine) -> None:
    # DC Jones's Teams id, authenticated, but in a tenant that isn't his directory tenant: nobody Parley knows.
    async def scenario(h: Harness, keys: KeyServer) -> None:
        posted = await h.post(intake(h, **_in_tenant("tenant-elsewhere")), headers=bearer(keys.token(h.connector.url)))
        assert posted.status == 200
        assert posted.body["type"] == "application/vnd.microsoft.activity.message"
        assert "not in Parley's directory" in posted.body["value"]
        assert h.count(DisputeRow) == 0 and h.count(OutboxRow) == 0

    run_signed(engine, scenario)


def _in_tenant(tenant: str) -> dict[str, Any]:
    return {
        "conversation": {"conversationType": "personal", "tenantId": tenant, "id": "a:personal-dcjones"},
        "channelData": {"tenant": {"id": tenant}},
    }
