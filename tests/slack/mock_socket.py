"""Slack's Socket Mode end, for the tests: a websocket server on 127.0.0.1 whose ws:// URL the mock
Web API (tests/slack/mock_slack.py) hands out from `apps.connections.open`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from tests.local_server import serve


class MockSocketMode:
    """Slack's side of a Socket Mode connection: says hello, sends envelopes, records what comes back."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []  # every JSON message the app sent (acks)
        self.connected = asyncio.Event()
        self._socket: web.WebSocketResponse | None = None
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner, port = await serve(app)
        self.url = f"ws://127.0.0.1:{port}/link?ticket=t-1"
        return self.url

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0PARLEY"}})
        self.connected.set()
        async for message in ws:
            if message.type != web.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            self.received.append(data)
            future = self._acks.pop(data.get("envelope_id", ""), None)
            if future is not None and not future.done():
                future.set_result(data)
        return ws

    async def send(self, kind: str, payload: dict[str, Any], *, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """Send one envelope (e.g. kind "slash_commands") and wait for the app's ack of it."""
        await asyncio.wait_for(self.connected.wait(), timeout)
        assert self._socket is not None
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": kind != "events_api"}
        await self._socket.send_json({**envelope, "retry_attempt": 0, "retry_reason": ""})
        return await asyncio.wait_for(future, timeout)
