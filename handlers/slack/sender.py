"""Delivers queued outbox messages to Slack through the Web API (handlers/delivery.py calls it).

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
        return RetryLater(f"Slack rate limit ({code}); Retry-After {retry_after or 'not given'}", seconds)
    if status >= 500 or code in TRANSIENT:
        return RetryLater(f"Slack is having trouble: HTTP {status} {code}")
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

    def __init__(self, client: AsyncWebClient, *, threads: ThreadLookup | None = None) -> None:
        self.client = client
        self.threads = threads  # where a dispute's thread landed, to link DMs to it
        self._permalinks: dict[tuple[str, str], str] = {}
        self._root_versions: dict[str, int] = {}
        # handlers.delivery reports a direct message refused for good through it (set by the front end)
        self.on_undeliverable: OnUndeliverable | None = None

    def with_client(self, client: AsyncWebClient) -> SlackSender:
        """The same sender (and what it remembers) over another client, e.g. one with a session for a pass."""
        other = SlackSender(client, threads=self.threads)
        other._permalinks, other._root_versions = self._permalinks, self._root_versions
        other.on_undeliverable = self.on_undeliverable
        return other

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        try:
            return await self._send(message, thread)
        except SlackApiError as exc:
            raise classify(exc) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError, OSError) as exc:
            raise RetryLater(f"could not reach Slack: {exc!r}") from exc
        except SlackClientError as exc:
            raise RetryLater(f"Slack client error: {exc}") from exc

    async def _send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        payload = dict(message.payload)
        payload.pop(SPACE, None)  # which of the dispute's threads it belongs to: Parley's, not Slack's
        match message.delivery:
            case Delivery.THREAD_ROOT:
                r = await self.client.chat_postMessage(channel=message.target, unfurl_links=False, unfurl_media=False, **payload)
                return Sent(r["ts"], r["channel"])
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
        link = self._permalinks.get((thread.channel, thread.root_id))
        if link is None:
            try:
                r = await self.client.chat_getPermalink(channel=thread.channel, message_ts=thread.root_id)
                link = r["permalink"]
                self._permalinks[(thread.channel, thread.root_id)] = link
            except (SlackApiError, SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
                log.warning("no permalink for %s (%s); the DM points at the channel instead", message.dispute_id, exc)
                return payload
        out = copy.deepcopy(payload)
        out["blocks"] = [thread_link_block(link) if b.get("block_id") == THREAD_LINK_BLOCK else b for b in blocks]
        return out


def _version(payload: dict[str, Any]) -> int | None:
    version = ((payload.get("metadata") or {}).get("event_payload") or {}).get("version")
    return version if isinstance(version, int) else None
