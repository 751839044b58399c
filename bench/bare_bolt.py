"""The baseline for bench.slack_intake: a bare slack-bolt AsyncApp whose /disagree listener only acks.

Mounted exactly as Parley mounts its app (aiohttp, POST /slack/events, the same adapter and
signature check), so the difference in the figures is Parley's own work.

    PORT=3001 SLACK_SIGNING_SECRET=... SLACK_API_URL=... python -m bench.bare_bolt
"""

from __future__ import annotations

import os

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build() -> web.Application:
    client = AsyncWebClient(token=os.environ.get("SLACK_BOT_TOKEN", "xoxb-bench"), base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client, request_verification_enabled=True)

    @bolt.command("/disagree")
    async def disagree(ack: AsyncAck) -> None:
        await ack()

    @bolt.view("parley.intake")
    async def submitted(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    web.run_app(build(), host="127.0.0.1", port=int(os.environ.get("PORT", "3001")), print=None, access_log=None)
