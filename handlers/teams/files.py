"""Teams' side of files in chat: Export record (from the record card) and `report`, through Teams' file consent.

A bot sends a file to a personal chat the documented way: a FileConsentCard in the 1:1 chat; the
person chooses Allow; Teams sends a fileConsent/invoke with an uploadUrl; the bot PUTs the bytes
there and posts a FileInfoCard. What may be sent to whom is `handlers.chat_files`'s. The file
waits in memory between the offer and the answer; after a restart it is made again (and the
record's access log says so), so an answer is never lost.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment
from botbuilder.schema.teams import FileConsentCardResponse
from msrest.exceptions import HttpOperationError

from bot.permissions import Intent
from handlers import chat_files, interaction
from handlers.chat_files import FileForPerson
from handlers.interaction import Told
from handlers.teams.deps import Caller, TeamsDeps, person_for
from handlers.teams.reply import Reply, refused, who
from messages import files as words, teams as cards
from messages.teams import Verb
from messages.teams.files import FILE_CONSENT, FILE_INFO, consent_content, export_form

if TYPE_CHECKING:
    from handlers.teams.bot import ParleyBot

log = logging.getLogger("parley.teams.files")
PLATFORM = "teams"
KEPT = 200  # offers waiting for an answer, newest kept


class Offers:
    """Files offered and not yet answered, by the token in the consent card's context."""

    def __init__(self) -> None:
        self._files: OrderedDict[str, FileForPerson] = OrderedDict()

    def put(self, file: FileForPerson) -> str:
        token = secrets.token_urlsafe(12)
        self._files[token] = file
        while len(self._files) > KEPT:
            self._files.popitem(last=False)
        return token

    def take(self, token: str) -> FileForPerson | None:
        return self._files.pop(token, None)


# --- making the file (in a worker thread) ---------------------------------------------------------


def export_step(deps: TeamsDeps, caller: Caller, verb: Verb, data: Mapping[str, Any], now: datetime) -> Reply:
    """Export record pressed (the form, or why not) or its form sent (the file, to offer)."""
    person = who(deps, caller)
    if isinstance(person, Reply):
        return person
    dispute_id = str(data.get("dispute_id", ""))
    env = deps.env()
    if verb is Verb.EXPORT_RECORD:
        press = interaction.Press(Intent.EXPORT_RECORD, dispute_id, person, channel=PLATFORM)
        result = interaction.press(env, press, now)
        if isinstance(result, Told):
            return refused(result.text)
        return Reply(card=export_form(result.view))
    fmt = str(data.get("format") or words.DEFAULT_FORMAT)
    made = chat_files.record_file(env, dispute_id=dispute_id, person_id=person, fmt=fmt, channel=PLATFORM, now=now)
    if isinstance(made, Told):
        return refused(made.text)
    return Reply(text=words.TEAMS_ACCEPT, file=made)


def report_step(deps: TeamsDeps, caller: Caller, text: str, now: datetime) -> Reply:
    directory = deps.directory()
    person = person_for(directory, caller)
    made = chat_files.report_file(deps.env(), deps.sessions, person_id=person.id if person else None, text=text, now=now)
    if isinstance(made, Told):
        return refused(made.text)
    return Reply(text=words.TEAMS_ACCEPT, file=made)


def report_words(words_typed: str) -> str | None:
    """What follows `report` ('report 2026-07-01 csv' -> '2026-07-01 csv'), or None if it isn't one."""
    said = words_typed.removeprefix("/")
    if said.lower().startswith("disagree "):
        said = said[len("disagree ") :].strip()
    first, _, rest = said.partition(" ")
    return rest.strip() if first.lower() == "report" else None


# --- the consent flow -------------------------------------------------------------------------------


async def offer(bot: ParleyBot, turn_context: TurnContext, file: FileForPerson, *, personal: bool, caller: Caller) -> str:
    """Send the consent card to the person's 1:1 chat; what to tell them where they asked."""
    activity = turn_context.activity
    token = bot.offers.put(file)
    content = consent_content(file.caption, len(file.content), {"token": token})
    consent = Activity(type=ActivityTypes.message, attachments=[Attachment(content_type=FILE_CONSENT, name=file.filename, content=content)])
    try:
        if personal:
            await turn_context.send_activity(consent)
        else:
            await bot.sender.create_and_send(caller.tenant, caller.user_id, consent, service_url=activity.service_url)
    except HttpOperationError:
        log.warning("could not offer a file in a 1:1 chat", exc_info=True)
        bot.offers.take(token)
        return words.not_sent(file.what)
    return words.TEAMS_ACCEPT


async def put_file(url: str, content: bytes) -> bool:
    """PUT the bytes to the upload URL Teams gave (one range: the whole file)."""
    headers = {"Content-Length": str(len(content)), "Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}"}
    try:
        async with aiohttp.ClientSession() as session:
            async with session.put(url, data=content, headers=headers, timeout=aiohttp.ClientTimeout(total=60)) as response:
                return 200 <= response.status < 300
    except (TimeoutError, aiohttp.ClientError):
        log.warning("the file upload to Teams failed", exc_info=True)
        return False


async def on_accept(bot: ParleyBot, turn_context: TurnContext, response: FileConsentCardResponse) -> None:
    context = response.context if isinstance(response.context, dict) else {}
    file = bot.offers.take(str(context.get("token", "")))
    info = response.upload_info
    if file is None or info is None or not info.upload_url:
        await _say(turn_context, words.TEAMS_GONE)
        return
    if not await put_file(info.upload_url, file.content):
        await _say(turn_context, words.not_sent(file.what))
        return
    card = Attachment(
        content_type=FILE_INFO, content_url=info.content_url, name=info.name, content={"uniqueId": info.unique_id, "fileType": info.file_type}
    )
    await turn_context.send_activity(Activity(type=ActivityTypes.message, text=cards.plain(file.caption), text_format="plain", attachments=[card]))


async def on_decline(bot: ParleyBot, turn_context: TurnContext, response: FileConsentCardResponse) -> None:
    context = response.context if isinstance(response.context, dict) else {}
    bot.offers.take(str(context.get("token", "")))
    await _say(turn_context, words.TEAMS_DECLINED)


async def _say(turn_context: TurnContext, text: str) -> None:
    await turn_context.send_activity(Activity(type=ActivityTypes.message, text=cards.plain(text), text_format="plain"))

