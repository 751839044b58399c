"""GET /healthz: the policy in use, the platforms connected and the outbox's backlog."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from storage.outbox import OutboxDelivery


def healthz(
    outbox: OutboxDelivery, policy_name: str, senders: Mapping[str, Any], teams_authentication: bool | None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The handler; `senders` is read at each request (platforms connect after the app is built)."""

    async def handle(_: web.Request) -> web.Response:
        counts = await asyncio.to_thread(outbox.counts)
        return web.json_response(
            {
                "status": "ok",
                "policy": policy_name,
                "platforms": sorted(senders),
                "outbox": {"pending": counts.get("pending", 0), "failed": counts.get("failed", 0)},
                **({"teams": {"authentication": teams_authentication}} if teams_authentication is not None else {}),
            }
        )

    return handle
