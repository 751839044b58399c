"""The practice workspace: the whole procedure in a browser, with made-up people and no Slack or Teams.

app.py asks `wanted(...)` and, when it is, calls `mount(web_app, ...)`: the page at / and its API
under /practice/ join Parley's own routes (/healthz stays). The practice keeps its data in its own
SQLite file, runs the real Slack and Teams front ends on in-process fakes, and the real timekeeper
on a practice clock (handlers.practice.workspace).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from handlers.practice.server import PracticeHost

MODES = ("auto", "on", "off")


class PracticeConfigError(Exception):
    """PARLEY_PRACTICE or its folder is set wrongly; the message says what to change."""


def wanted(mode: str, *, chat_credentials: bool) -> bool:
    """On by default only when no chat credentials are set; `on` or `off` decide regardless."""
    mode = (mode or "auto").strip().lower()
    if mode not in MODES:
        raise PracticeConfigError(f"PARLEY_PRACTICE is '{mode}': it must be auto, on or off.")
    return mode == "on" or (mode == "auto" and not chat_credentials)


def check_folder(folder: str, database_url: str) -> Path:
    """The practice data folder; refused when it would hold the real database."""
    path = Path(folder).resolve()
    real = database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite:///") else None
    if real and Path(real).resolve().parent == path and Path(real).name == "practice.sqlite3":
        raise PracticeConfigError("PARLEY_PRACTICE_FOLDER would hold the real database: choose another folder.")
    return path


def mount(web_app: web.Application, *, folder: Path, policy_name: str) -> PracticeHost:
    """Add the practice workspace to Parley's web app; it starts and stops with the app."""
    from handlers.practice.server import HOST, PracticeHost, routes  # botbuilder is imported only when the practice is on

    host = PracticeHost(folder, policy_name)
    web_app[HOST] = host
    web_app.add_routes(routes(host))

    async def start(_: web.Application) -> None:
        await host.start()

    async def stop(_: web.Application) -> None:
        await host.stop()

    web_app.on_startup.append(start)
    web_app.on_cleanup.append(stop)
    return host


def attach(
    web_app: web.Application, mode: str, chat_credentials: bool, folder: str, database_url: str, *, policy_name: str, host: str, port: int
) -> str | None:
    """Mount the workspace when wanted; the address to listen on, or None (having said why) if it can't start."""
    try:
        if not wanted(mode, chat_credentials=chat_credentials):
            return host
        path = check_folder(folder, database_url)
    except PracticeConfigError as exc:
        print(f"Parley can't start: {exc}", file=sys.stderr)
        return None
    mount(web_app, folder=path, policy_name=policy_name)
    print(f"Practice workspace: http://127.0.0.1:{port}/  (made-up people; PARLEY_PRACTICE=off turns it off)")
    return "127.0.0.1"  # the practice workspace is never reachable from another machine, whatever HOST says
