"""`serve` logs the HTTP requests that failed or were slow, one short line each, and not those answered well."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from aiohttp import web

from handlers.startup import RequestLog


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="fine")


async def _refused(request: web.Request) -> web.Response:
    return web.Response(status=401, text="not signed")


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(RequestLog.SLOW + 0.05)
    return web.Response(text="late")


def test_failed_and_slow_requests_are_logged_and_good_ones_are_not(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        app = web.Application()
        app.router.add_get("/ok", _ok)
        app.router.add_post("/slack/events", _refused)
        app.router.add_get("/slow", _slow)
        runner = web.AppRunner(app, access_log_class=RequestLog)  # as app.py's web.run_app is given it
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession() as http:
                for method, path in (("GET", "/ok"), ("POST", "/slack/events"), ("GET", "/slow"), ("GET", "/missing?token=secret")):
                    async with http.request(method, f"http://127.0.0.1:{port}{path}") as answer:
                        await answer.read()
            await asyncio.sleep(0.05)  # the line is written once the response is finished
        finally:
            await runner.cleanup()

    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        asyncio.run(scenario())
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert [line.rsplit(" ", 2)[0] for line in lines] == ["POST /slack/events 401", "GET /slow 200", "GET /missing 404"]
    assert all(line.endswith(" ms") for line in lines)
    assert not any("secret" in line for line in lines)  # no query string
