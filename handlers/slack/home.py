"""The App Home tab: my open disputes, most urgent first, and how Parley works."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack.deps import SlackDeps, team_of
from handlers.slack.intake import Refused, my_disputes
from messages import slack as blocks


def register(app: AsyncApp, deps: SlackDeps) -> None:
    app.event("app_home_opened")(deps.inflight.track(_home(deps)))


def _home(deps: SlackDeps):
    async def on_home(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event.get("user", "")
        await deps.answers_first.wait()
        found = await asyncio.to_thread(my_disputes, deps, team_of(body), user)
        if isinstance(found, Refused):
            view = blocks.home_message(found.text)
        else:
            person_id, views = found
            view = blocks.home_view(views, me=person_id, help_lines=blocks.help_for(deps.policy, deps.command), command=deps.command)
        await client.views_publish(user_id=user, view=view)

    return on_home
