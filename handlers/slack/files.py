"""Slack's side of files in chat: Export record (from the record modal) and `/disagree report`.

What may be sent to whom is `handlers.chat_files`'s; here the file goes to the person's direct
message with Slack's upload (conversations.open, then files_upload_v2: getUploadURLExternal,
the upload, completeUploadExternal). When a step fails the person is told nothing was sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import ClientError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.permissions import Intent
from handlers import chat_files, interaction
from handlers.chat_files import FileForPerson
from handlers.interaction import Told
from handlers.slack.actions import _person
from handlers.slack.deps import PLATFORM, SlackDeps, person_for, team_of, user_of
from handlers.slack.forms import value
from messages import files as words, slack as blocks
from messages.slack import ActionId, Field, ViewId, parse_button_stage, parse_button_value
from messages.slack.forms import export_modal

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    app.action(ActionId.EXPORT_RECORD.value)(deps.inflight.track(_on_export_button(deps)))
    app.view_submission(ViewId.EXPORT.value)(deps.inflight.track(_on_export_form(deps)))


async def send_file(client: AsyncWebClient, user: str, file: FileForPerson) -> bool:
    """Put the file in the person's DM with Parley; False if Slack refused a step (nothing was shared)."""
    try:
        opened = await client.conversations_open(users=user)
        channel = opened["channel"]["id"]
        done = await client.files_upload_v2(
            channel=channel, content=file.content, filename=file.filename, title=file.filename, initial_comment=file.caption
        )
        return bool(done.get("ok"))
    except (SlackApiError, SlackClientError, ClientError, KeyError, TypeError) as exc:
        log.warning("Slack refused a file for a direct message: %s", exc)
        return False


def _press(deps: SlackDeps, clicked: str, team: str, user: str) -> interaction.Form | Told:
    person = _person(deps, team, user)
    if isinstance(person, Told):
        return person
    dispute_id, version = parse_button_value(clicked)
    press = interaction.Press(Intent.EXPORT_RECORD, dispute_id, person, version=version, stage=parse_button_stage(clicked), channel=PLATFORM)
    return interaction.press(deps.env(), press, deps.clock())


def _on_export_button(deps: SlackDeps):
    async def on_click(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        clicked = body["actions"][0].get("value", "")
        result = await asyncio.to_thread(_press, deps, clicked, team_of(body), user_of(body))
        if isinstance(result, Told):
            if body.get("view"):  # pressed on the record modal: say it there
                await client.views_push(trigger_id=body["trigger_id"], view=blocks.message_modal(words.EXPORT_TITLE, result.text))
            else:
                await respond(**blocks.ephemeral(result.text))
            return
        modal = export_modal(result.view, result.metadata)
        if body.get("view"):
            await client.views_push(trigger_id=body["trigger_id"], view=modal)
        else:
            await client.views_open(trigger_id=body["trigger_id"], view=modal)

    return on_click


def _record(deps: SlackDeps, meta: dict[str, Any], fmt: str, team: str, user: str) -> FileForPerson | Told:
    person = _person(deps, team, user)
    if isinstance(person, Told):
        return person
    return chat_files.record_file(deps.env(), dispute_id=str(meta.get("dispute_id", "")), person_id=person, fmt=fmt, channel=PLATFORM, now=deps.clock())


def _on_export_form(deps: SlackDeps):
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        fmt = value(view["state"]["values"], Field.FORMAT) or words.DEFAULT_FORMAT
        meta = json.loads(view.get("private_metadata") or "{}")
        # a PDF can take a moment: answer Slack now, then say in the same modal how it went
        await ack(response_action="update", view=blocks.message_modal(words.EXPORT_TITLE, words.EXPORT_PREPARING))
        try:
            result: FileForPerson | Told = await asyncio.to_thread(_record, deps, meta, fmt, team_of(body), user_of(body))
        except Exception:
            log.exception("the record export failed")
            result = Told(words.not_sent(words.EXPORT_WHAT))
        if isinstance(result, Told):
            text = result.text
        else:
            text = result.sent if await send_file(client, user_of(body), result) else words.not_sent(result.what)
        try:
            await client.views_update(view_id=view["id"], view=blocks.message_modal(words.EXPORT_TITLE, text))
        except SlackApiError:  # the modal was closed: say it in a DM instead
            await client.chat_postMessage(channel=user_of(body), text=text)

    return on_submit


def _report(deps: SlackDeps, text: str, team: str, user: str) -> FileForPerson | Told:
    person = person_for(deps.directories.get(), team, user)
    return chat_files.report_file(deps.env(), deps.sessions, person_id=person.id if person else None, text=text, now=deps.clock())


async def on_report(deps: SlackDeps, text: str, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
    """`/disagree report [from] [to] [csv]`: the Board's report in the person's DM, or who can ask for it."""
    result = await asyncio.to_thread(_report, deps, text, team_of(body), user_of(body))
    if isinstance(result, Told):
        await respond(**blocks.ephemeral(result.text))
        return
    sent = await send_file(client, user_of(body), result)
    await respond(**blocks.ephemeral(result.sent if sent else words.not_sent(result.what)))
