"""The mock Slack Web API or Bot Framework connector in a process of its own, for the chaos test.

    python -m tests.chaos.mocks slack PORT_FILE
    python -m tests.chaos.mocks teams PORT_FILE

It listens on a free port (written to PORT_FILE) and takes orders at:
    POST /_chaos        {"kind": "ok" | "500" | "429" | "slow" | "hang" | "outage", "p": 0.3, "seconds": 3}
    GET  /_chaos/log    what reached it: every call, its answer, and what it carried out
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.slack.mock_slack import MockSlack
from tests.teams.mock_connector import MockConnector


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


async def main(kind: str, port_file: str) -> None:
    mock: Any = MockSlack() if kind == "slack" else MockConnector()

    async def order(request: web.Request) -> web.Response:
        _set(mock, await request.json())
        return web.json_response({"ok": True})

    async def log(_: web.Request) -> web.Response:
        return web.json_response(_slack_log(mock) if kind == "slack" else _teams_log(mock))

    app = web.Application()
    app.router.add_post("/_chaos", order)  # before the connector mock's catch-all route
    app.router.add_get("/_chaos/log", log)
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
    asyncio.run(main(sys.argv[1], sys.argv[2]))
