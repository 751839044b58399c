"""The mock Slack Web API or Bot Framework connector in a process of its own, for the chaos test.

    python -m tests.chaos.mocks slack PORT_FILE
    python -m tests.chaos.mocks teams PORT_FILE
    python -m tests.chaos.mocks keys PORT_FILE KEY_PEM_FILE

It listens on a free port (written to PORT_FILE) and takes orders at:
    POST /_chaos        {"kind": "ok" | "500" | "429" | "slow" | "hang" | "outage", "p": 0.3, "seconds": 3}
    GET  /_chaos/log    what reached it: every call, its answer, and what it carried out
and shows what a person would see, for the test's users to act on:
    GET  /_chaos/view?trigger=T       Slack: the modal Parley opened with that trigger id (404: none)
    GET  /_chaos/buttons?dispute=D    Slack: the buttons on the dispute's thread root as last posted or updated;
                                      Teams: the buttons (title -> data) of the last card about it in a
                                      conversation whose id starts `&conversation=C`
"keys" is the Bot Framework's side of authentication, locally: the OpenID metadata and signing
key (the public half of KEY_PEM_FILE, which the test signs the activities' tokens with) at
/openid and /keys, and an App Service managed-identity endpoint at /msi/token that hands Parley
its outgoing token (IDENTITY_ENDPOINT), so Teams authentication stays on in the chaos test.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import serialization

from tests.security.keys import ISSUER, KEY_ID
from tests.slack.mock_slack import MockSlack
from tests.teams.mock_connector import MockConnector

MSI_SECRET = "chaos-identity-header"  # IDENTITY_HEADER: what the managed-identity endpoint wants to see


def _set(mock: Any, order: dict[str, Any]) -> None:
    kind = order.get("kind", "ok")
    mock.outage = kind == "outage"
    mock.chaos = None if kind in ("ok", "outage") else (kind, float(order.get("p", 1.0)), float(order.get("seconds", 3)))
    if "rate_limit" in order and hasattr(mock, "rate_limit"):
        mock.rate_limit = bool(order["rate_limit"])


def _slack_log(mock: MockSlack) -> dict[str, Any]:
    calls = [
        {
            "method": c.method,
            "status": c.status,
            "channel": c.args.get("channel"),
            "thread_ts": c.args.get("thread_ts"),
            "key": ((c.args.get("metadata") or {}).get("event_payload") or {}).get("outbox_key")
            if isinstance(c.args.get("metadata"), dict) else None,
        }
        for c in mock.calls
    ]
    stored = [
        {"channel": channel, "ts": m["ts"], "key": ((m.get("metadata") or {}).get("event_payload") or {}).get("outbox_key")}
        for channel, messages in mock.messages.items()
        for m in messages
    ]
    return {"calls": calls, "stored": stored, "answers_lost": mock.answers_lost}


def _teams_log(mock: MockConnector) -> dict[str, Any]:
    calls = [
        {
            "kind": c.kind,
            "status": c.status,
            "conversation": c.conversation,
            "body": hashlib.sha256(json.dumps(c.body, sort_keys=True).encode()).hexdigest()[:16],
        }
        for c in mock.calls
    ]
    return {"calls": calls, "answers_lost": mock.answers_lost}


def _root_buttons(mock: MockSlack, dispute: str) -> dict[str, Any] | None:
    """The buttons on the dispute's thread root as Slack shows it now: the last root post or update that carried them."""
    for c in reversed(mock.calls):
        if c.status != 200 or c.method not in ("chat.postMessage", "chat.update") or c.args.get("thread_ts"):
            continue
        blocks = c.args.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        buttons = {
            e["action_id"]: e["value"]
            for b in blocks
            for e in b.get("elements", []) + ([b["accessory"]] if "accessory" in b else [])
            if e.get("type") == "button" and str(e.get("value", "")).startswith(f"{dispute}:")
        }
        if buttons:
            return {"ts": c.answer.get("ts") or c.args.get("ts"), "channel": c.args.get("channel"), "buttons": buttons}
    return None


def _walk(node: Any, dispute: str, found: dict[str, Any]) -> None:
    """Every Action.Execute button about this dispute in a card, by title."""
    if isinstance(node, dict):
        data = node.get("data")
        if node.get("type") == "Action.Execute" and isinstance(data, dict) and data.get("dispute_id") == dispute:
            found[node["title"]] = data
        for v in node.values():
            _walk(v, dispute, found)
    elif isinstance(node, list):
        for v in node:
            _walk(v, dispute, found)


def _card_buttons(mock: MockConnector, dispute: str, conversation: str) -> dict[str, Any] | None:
    """The Action.Execute buttons (title -> data) of the last card about this dispute in a conversation starting `conversation`."""
    for c in reversed(mock.calls):
        if not c.ok or c.kind not in ("send", "reply", "update") or not (c.conversation or "").startswith(conversation):
            continue
        found: dict[str, Any] = {}
        _walk(c.body, dispute, found)
        if found:
            return {"conversation": c.conversation, "activity": c.answer.get("id"), "buttons": found}
    return None


async def keys(port_file: str, key_file: str) -> None:
    """The local Bot Framework login: OpenID metadata, the signing key, and a managed-identity token endpoint."""
    key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
    numbers = key.public_key().public_numbers()  # type: ignore[union-attr]

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

    jwk = {"kty": "RSA", "use": "sig", "kid": KEY_ID, "n": b64(numbers.n), "e": b64(numbers.e), "endorsements": ["msteams"]}
    base = ""

    async def metadata(_: web.Request) -> web.Response:
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{base}/keys", "id_token_signing_alg_values_supported": ["RS256"]})

    async def jwks(_: web.Request) -> web.Response:
        return web.json_response({"keys": [jwk]})

    async def msi(request: web.Request) -> web.Response:
        # what App Service's identity endpoint answers (msal's App Service managed identity reads it)
        if request.headers.get("X-IDENTITY-HEADER") != MSI_SECRET:
            return web.json_response({"error": "unauthorized"}, status=401)
        return web.json_response(
            {"access_token": f"chaos-outgoing-{uuid.uuid4().hex}", "expires_on": str(int(time.time()) + 3600),
             "resource": request.query.get("resource", ""), "token_type": "Bearer"}
        )

    app = web.Application()
    app.router.add_get("/openid", metadata)
    app.router.add_get("/keys", jwks)
    app.router.add_get("/msi/token", msi)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    Path(port_file).write_text(str(port))
    await asyncio.Event().wait()


async def main(kind: str, port_file: str) -> None:
    mock: Any = MockSlack() if kind == "slack" else MockConnector()

    async def order(request: web.Request) -> web.Response:
        _set(mock, await request.json())
        return web.json_response({"ok": True})

    async def log(_: web.Request) -> web.Response:
        return web.json_response(_slack_log(mock) if kind == "slack" else _teams_log(mock))

    async def view(request: web.Request) -> web.Response:
        trigger = request.query.get("trigger", "")
        for c in reversed(mock.calls_to("views.open")):
            if c.args.get("trigger_id") == trigger:
                opened = c.args["view"]
                return web.json_response({**(json.loads(opened) if isinstance(opened, str) else opened), "id": c.answer["view"]["id"]})
        return web.json_response(None, status=404)

    async def buttons(request: web.Request) -> web.Response:
        dispute = request.query.get("dispute", "")
        found = _root_buttons(mock, dispute) if kind == "slack" else _card_buttons(mock, dispute, request.query.get("conversation", ""))
        return web.json_response(found, status=200 if found else 404)

    app = web.Application()
    app.router.add_post("/_chaos", order)  # before the connector mock's catch-all route
    app.router.add_get("/_chaos/log", log)
    app.router.add_get("/_chaos/view", view)
    app.router.add_get("/_chaos/buttons", buttons)
    if kind == "slack":
        app.router.add_route("*", "/api/{method}", mock._api)
        app.router.add_post("/response/{key}", mock._response_url)
    else:
        app.router.add_route("*", "/{tail:.*}", mock._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    Path(port_file).write_text(str(port))
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(keys(sys.argv[2], sys.argv[3]) if sys.argv[1] == "keys" else main(sys.argv[1], sys.argv[2]))
