"""Delivers queued outbox messages to Slack through the Web API (handlers/delivery.py calls it).

Every post carries its outbox key in Slack message metadata (`metadata.event_payload.outbox_key`).
A message whose last attempt may have reached Slack (no answer, a 5xx, a process that died) is
first looked for in the channel's or thread's history since that attempt (`find_sent`), so it is
posted once.

Errors are sorted for the outbox: a rate limit, a 5xx, a timeout or a dropped connection means
"try again later" (RetryLater, after Retry-After when Slack gives one); an error that will not
go away on its own (the channel or user does not exist, the bot is not in the channel, the
token is revoked) means Undeliverable, kept as failed for an administrator to see.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox import Delivery
from bot.plan import SPACE
from handlers.delivery import OnUndeliverable, RetryLater, Sent, Undeliverable
from messages.slack import THREAD_LINK_BLOCK, thread_link_block
from messages.text import NOT_IN_THEIR_SLACK_WORKSPACE
from storage.outbox import QueuedMessage, Thread, thread_space

log = logging.getLogger("parley.slack.sender")

# Errors Slack gives for a moment of trouble on its side; anything else will not fix itself.
TRANSIENT = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "timeout"}
)
PERMANENT = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "message_not_found",
        "cant_update_message",
        "restricted_action",
        "invalid_blocks",
        "msg_too_long",
    }
)

EVENT_TYPE = "parley_message"
KEY_FIELD = "outbox_key"
LOOK_BACK_SECONDS = 5  # clocks differ a little: look from a moment before the attempt began
LOOK_LIMIT = 100  # the short window after one attempt: at one post a second per channel, ample
PERMALINK = "permalink"  # the thread's extra: the root message's link, fetched once when the root is posted

ThreadLookup = Callable[[str, str, str], "Thread | None"]


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else value
    return None


def classify(error: SlackApiError) -> RetryLater | Undeliverable:
    """What the outbox should do about a Slack Web API error."""
    response = error.response
    status = getattr(response, "status_code", 0) or 0
    code = (response.get("error") if hasattr(response, "get") else None) or "unknown_error"
    if status == 429 or code in ("ratelimited", "rate_limited"):
        retry_after = _header(getattr(response, "headers", None), "Retry-After")
        seconds = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None
        return RetryLater(f"Slack rate limit ({code}); Retry-After {retry_after or 'not given'}", seconds, rate_limited=True)
    if status >= 500 or code in TRANSIENT:
        # a 5xx may come after Slack posted the message: look before sending it again
        return RetryLater(f"Slack is having trouble: HTTP {status} {code}", in_doubt=True)
    if code in PERMANENT:
        return Undeliverable(f"Slack refused it: {code}", WHY.get(code, f"Slack refused the message ({code})"))
    return Undeliverable(f"Slack refused it: HTTP {status} {code}", f"Slack refused the message ({code})")


# Why a message did not arrive, in plain words, for the record and the raiser
WHY = {
    "user_not_found": "Slack does not know this person's user id (check the directory)",
    "account_inactive": "this person's Slack account is deactivated",
    "channel_not_found": "Parley cannot find the conversation in Slack",
    "is_archived": "the conversation is archived in Slack",
    "not_in_channel": "Parley is not a member of that channel",
    "cannot_dm_bot": "the user id in the directory belongs to a bot",
}


class SlackSender:
    """The outbox's sender for Slack."""

    def __init__(self, client: AsyncWebClient, *, threads: ThreadLookup | None = None, team: str = "") -> None:
        self.client = client
        self.team = team  # the workspace the token is for: a message for another is refused, not sent
        self.threads = threads  # where a dispute's thread landed, to link DMs to it
        self._permalinks: dict[tuple[str, str], str] = {}
        self._root_versions: dict[str, int] = {}
        # handlers.delivery reports a direct message refused for good through it (set by the front end)
        self.on_undeliverable: OnUndeliverable | None = None

    def with_client(self, client: AsyncWebClient) -> SlackSender:
        """The same sender (and what it remembers) over another client, e.g. one with a session for a pass."""
        other = SlackSender(client, threads=self.threads, team=self.team)
        other._permalinks, other._root_versions = self._permalinks, self._root_versions
        other.on_undeliverable = self.on_undeliverable
        return other

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        if self.team and message.workspace and message.workspace != self.team:
            raise Undeliverable(f"Parley's Slack token is for workspace {self.team}, not {message.workspace}", NOT_IN_THEIR_SLACK_WORKSPACE)
        try:
            return await self._send(message, thread)
        except SlackApiError as exc:
            raise classify(exc) from exc
        except (TimeoutError, aiohttp.ClientError, ConnectionError, OSError) as exc:
            raise RetryLater(f"could not reach Slack: {exc!r}", in_doubt=True) from exc
        except SlackClientError as exc:
            raise RetryLater(f"Slack client error: {exc}", in_doubt=True) from exc

    async def find_sent(self, message: QueuedMessage, thread: Thread | None) -> Sent | None:
        """Look for a message in doubt where it would have landed: its outbox key in the metadata of
        the channel's (or thread's) messages since its last attempt began. Only posts are looked for
        (an update in place is simply made again); None when it is not there."""
        if message.delivery is Delivery.ROOT_UPDATE or message.sending_since is None:
            return None
        oldest = f"{message.sending_since.timestamp() - LOOK_BACK_SECONDS:.6f}"
        try:
            if message.delivery is Delivery.THREAD_REPLY:
                if thread is None:
                    return None
                channel = thread.channel
                r = await self.client.conversations_replies(
                    channel=channel, ts=thread.root_id, oldest=oldest, limit=LOOK_LIMIT, include_all_metadata=True
                )
            else:
                channel = message.target
                if message.delivery is Delivery.DIRECT:
                    opened = await self.client.conversations_open(users=message.target)
                    channel = opened["channel"]["id"]
                r = await self.client.conversations_history(
                    channel=channel, oldest=oldest, limit=LOOK_LIMIT, include_all_metadata=True
                )
        except SlackApiError as exc:
            outcome = classify(exc)
            if isinstance(outcome, RetryLater):
                raise outcome from exc
            raise RetryLater(f"could not look for a message in doubt: {exc}") from exc
        except (TimeoutError, aiohttp.ClientError, ConnectionError, OSError, SlackClientError) as exc:
            raise RetryLater(f"could not reach Slack to look for a message in doubt: {exc!r}") from exc
        for found in r.get("messages") or []:
            payload = (found.get("metadata") or {}).get("event_payload") or {}
            if payload.get(KEY_FIELD) == message.key:
                return Sent(found["ts"], channel)
        return None

    async def _send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        payload = with_key(message.payload, message.key) if message.delivery is not Delivery.ROOT_UPDATE else dict(message.payload)
        payload.pop(SPACE, None)  # which of the dispute's threads it belongs to: Parley's, not Slack's
        match message.delivery:
            case Delivery.THREAD_ROOT:
                r = await self.client.chat_postMessage(channel=message.target, unfurl_links=False, unfurl_media=False, **payload)
                # kept with the thread, so the direct messages that link to it need no call of their own
                link = await self._permalink(r["channel"], r["ts"], message)
                return Sent(r["ts"], r["channel"], {PERMALINK: link} if link else None)
            case Delivery.THREAD_REPLY:
                if thread is None:
                    raise RetryLater("the thread's root message has not been posted yet")
                r = await self.client.chat_postMessage(
                    channel=thread.channel, thread_ts=thread.root_id, unfurl_links=False, unfurl_media=False, **payload
                )
                return Sent(r["ts"], r["channel"])
            case Delivery.ROOT_UPDATE:
                if thread is None:
                    raise RetryLater("the thread's root message has not been posted yet")
                version = _version(payload)
                if message.dispute_id and version is not None and version < self._root_versions.get(message.dispute_id, -1):
                    # a newer update already went out (this one was held back by a retry): leave the newer one
                    return Sent(thread.root_id, thread.channel)
                r = await self.client.chat_update(channel=thread.channel, ts=thread.root_id, **payload)
                if message.dispute_id and version is not None:
                    self._root_versions[message.dispute_id] = max(version, self._root_versions.get(message.dispute_id, -1))
                return Sent(r["ts"], r["channel"])
            case Delivery.DIRECT:
                payload = await self._with_thread_link(message, payload)
                r = await self.client.chat_postMessage(channel=message.target, unfurl_links=False, unfurl_media=False, **payload)
                return Sent(r["ts"], r["channel"])
        raise Undeliverable(f"unknown delivery {message.delivery}")

    async def _with_thread_link(self, message: QueuedMessage, payload: dict[str, Any]) -> dict[str, Any]:
        """Swap the 'look in the channel' line of a DM for a link to the thread, once the thread exists."""
        blocks = payload.get("blocks") or []
        if not message.dispute_id or self.threads is None or not any(b.get("block_id") == THREAD_LINK_BLOCK for b in blocks):
            return payload
        thread = await asyncio.to_thread(self.threads, message.dispute_id, message.platform, thread_space(message))
        if thread is None:
            return payload  # the root is still on its way: the DM goes now, pointing at the channel
        link = thread.extra.get(PERMALINK) or await self._permalink(thread.channel, thread.root_id, message)
        if not link:
            return payload
        out = copy.deepcopy(payload)
        out["blocks"] = [thread_link_block(link) if b.get("block_id") == THREAD_LINK_BLOCK else b for b in blocks]
        return out


    async def _permalink(self, channel: str, ts: str, message: QueuedMessage) -> str | None:
        """The root message's link (chat.getPermalink), once per process; None if Slack would not say."""
        link = self._permalinks.get((channel, ts))
        if link is None:
            try:
                r = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
                link = self._permalinks[(channel, ts)] = str(r["permalink"])
            except (TimeoutError, SlackApiError, SlackClientError, aiohttp.ClientError, KeyError) as exc:
                log.warning("no permalink for %s (%s); its DMs point at the channel instead", message.dispute_id, exc)
                return None
        return link


def with_key(payload: dict[str, Any], key: str) -> dict[str, Any]:
    """The payload with its outbox key in the message metadata, where find_sent looks for it."""
    out = dict(payload)
    metadata = dict(out.get("metadata") or {})
    metadata.setdefault("event_type", EVENT_TYPE)
    metadata["event_payload"] = {**(metadata.get("event_payload") or {}), KEY_FIELD: key}
    out["metadata"] = metadata
    return out


def _version(payload: dict[str, Any]) -> int | None:
    version = ((payload.get("metadata") or {}).get("event_payload") or {}).get("version")
    return version if isinstance(version, int) else None
