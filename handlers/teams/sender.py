"""Delivers queued outbox messages to Teams through the Bot Framework connector (handlers/delivery.py calls it).

  THREAD_ROOT  a new post in PARLEY_TEAMS_CHANNEL: POST /v3/conversations/{channel}/activities
  THREAD_REPLY a reply in that post's thread:  POST /v3/conversations/{channel};messageid={root}/activities
  ROOT_UPDATE  the post's card replaced:       PUT  /v3/conversations/{channel}/activities/{root}
  DIRECT       a 1:1 chat: through the stored ConversationReference, or, when there is none, a new
               chat created from the directory's tenant and user id (POST /v3/conversations),
               whose reference is then kept for next time.

Delivery to Teams is at least once: the connector has no way to ask "did this activity arrive?",
so a message whose answer was lost (a timeout, a dropped connection, a 5xx, a process killed
mid-send) is sent again. The window is one send: the outbox notes the send just before it and
settles it as soon as the answer comes (handlers/delivery.py).

Errors are sorted for the outbox: 429 (honouring Retry-After), 5xx, timeouts and dropped
connections mean "try again later"; 401/403/404 (the bot or the user was removed, the channel is
gone, the app is not installed for that person) mean Undeliverable, kept as failed for an
administrator to see. A 1:1 refused that way also drops the stored reference, and the outbox's
`on_undeliverable` hook (set by the front end) records that the person couldn't be reached and
tells the raiser.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ResourceResponse,
)
from botframework.connector import Channels
from botframework.connector.aio import ConnectorClient
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.outbox import Delivery
from handlers.delivery import OnUndeliverable, RetryLater, Sent, Undeliverable
from storage.outbox import QueuedMessage, Thread
from storage.teams import USER, SqlTeamsConversations, StoredConversation

log = logging.getLogger("parley.teams.sender")

DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"

def _status(exc: HttpOperationError) -> int:
    return int(getattr(exc.response, "status_code", 0) or 0)


def _retry_after(exc: HttpOperationError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


WHY = {
    403: "Parley isn't installed for them in Teams, or was removed",
    404: "their Teams account wasn't found",
}


def classify(exc: HttpOperationError) -> RetryLater | Undeliverable:
    """What the outbox should do about a connector error."""
    status = _status(exc)
    if status == 429:
        seconds = _retry_after(exc)
        return RetryLater(f"Teams rate limit (429); Retry-After {seconds if seconds is not None else 'not given'}", seconds, rate_limited=True)
    if status >= 500 or status in (0, 408, 412):
        return RetryLater(f"Teams is having trouble: HTTP {status} {exc}", in_doubt=True)
    # 400/401/403/404/410/413 and anything else: it will not go through by trying again
    return Undeliverable(f"Teams refused it: HTTP {status} {exc}", WHY.get(status, f"Teams refused the message (HTTP {status})"))


@dataclass
class _Result:
    response: ResourceResponse | None = None
    conversation_id: str = ""
    reference: ConversationReference | None = None
    error: BaseException | None = None


def _activity(message: QueuedMessage) -> Activity:
    return Activity().deserialize(dict(message.payload.get("activity") or {}))


@dataclass
class TeamsSender:
    """The outbox's sender for Teams."""

    adapter: CloudAdapter
    conversations: SqlTeamsConversations
    clock: Callable[[], datetime]
    app_id: str = ""
    default_service_url: str = DEFAULT_SERVICE_URL
    on_undeliverable: OnUndeliverable | None = None  # handlers.delivery reports a 1:1 refused for good through it
    _root_versions: dict[str, int] = field(default_factory=dict)

    @property
    def bot_id(self) -> str:
        return f"28:{self.app_id}" if self.app_id else "28:parley"

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        try:
            return await self._send(message, thread)
        except HttpOperationError as exc:
            outcome = classify(exc)
            if isinstance(outcome, Undeliverable) and message.delivery is Delivery.DIRECT and _status(exc) in (403, 404):
                # the stored chat is no use any more: next time, open a new one from the directory
                await asyncio.to_thread(self.conversations.forget_user, message.workspace, message.target)
            raise outcome from exc
        except ClientRequestError as exc:
            raise RetryLater(f"could not reach Teams: {exc}", in_doubt=True) from exc
        except (TimeoutError, ConnectionError, OSError) as exc:
            raise RetryLater(f"could not reach Teams: {exc!r}", in_doubt=True) from exc

    async def _send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        activity = _activity(message)
        match message.delivery:
            case Delivery.THREAD_ROOT:
                # a channel post; or, for a dispute raised in a group chat, a message in that chat (maybe in its own tenant)
                chat = bool(message.payload.get("group_chat"))
                tenant = str(message.payload.get("tenant") or message.workspace)
                service_url = await self._service_url(tenant, channel=message.target)
                reference = self._reference(service_url, tenant, message.target, is_group=True, chat=chat)
                result = await self._in_conversation(reference, lambda c: c.conversations.send_to_conversation(message.target, activity))
                if not _id(result):
                    raise Undeliverable("Teams accepted the thread's first post but gave no message id, so replies cannot follow it")
                extra: dict[str, Any] = {"service_url": service_url}
                if chat:
                    extra |= {"group_chat": True, "tenant": tenant}
                return Sent(_id(result), message.target, extra)
            case Delivery.THREAD_REPLY:
                if thread is None:
                    raise RetryLater("the thread's root message has not been posted yet")
                chat = bool(thread.extra.get("group_chat"))
                # a group chat has no reply threads: its lines follow the card in the chat
                conversation = thread.channel if chat else f"{thread.channel};messageid={thread.root_id}"
                reference = self._reference(self._thread_url(thread), self._thread_tenant(thread, message), conversation, is_group=True, chat=chat)
                result = await self._in_conversation(reference, lambda c: c.conversations.send_to_conversation(conversation, activity))
                return Sent(_id(result), thread.channel)
            case Delivery.ROOT_UPDATE:
                if thread is None:
                    raise RetryLater("the thread's root message has not been posted yet")
                version = message.payload.get("version")
                if message.dispute_id and isinstance(version, int) and version < self._root_versions.get(message.dispute_id, -1):
                    # a newer card already went out (this one was held back by a retry): leave the newer one
                    return Sent(thread.root_id, thread.channel)
                activity.id = thread.root_id
                chat = bool(thread.extra.get("group_chat"))
                reference = self._reference(self._thread_url(thread), self._thread_tenant(thread, message), thread.channel, is_group=True, chat=chat)
                await self._in_conversation(reference, lambda c: c.conversations.update_activity(thread.channel, thread.root_id, activity))
                if message.dispute_id and isinstance(version, int):
                    self._root_versions[message.dispute_id] = max(version, self._root_versions.get(message.dispute_id, -1))
                return Sent(thread.root_id, thread.channel)
            case Delivery.DIRECT:
                return await self._direct(message, activity)
        raise Undeliverable(f"unknown delivery {message.delivery}")

    async def _direct(self, message: QueuedMessage, activity: Activity) -> Sent:
        tenant, user = message.workspace, message.target
        stored = await asyncio.to_thread(self.conversations.user, tenant, user)
        if stored is not None:
            reference = ConversationReference().deserialize(stored.reference)
            conversation = stored.conversation_id
            result = await self._in_conversation(reference, lambda c: c.conversations.send_to_conversation(conversation, activity))
            return Sent(_id(result), conversation)
        result = await self.create_and_send(tenant, user, activity)
        return Sent(_id(result), result.conversation_id)

    async def create_and_send(self, tenant: str, user: str, activity: Activity, *, service_url: str | None = None) -> _Result:
        """Open a 1:1 chat with a Teams user (POST /v3/conversations), send one activity there, keep the reference."""
        service_url = service_url or await self._service_url(tenant)
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=self.bot_id),
            members=[ChannelAccount(id=user)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )
        result = _Result()

        async def in_new_chat(turn: TurnContext) -> None:
            try:
                connector: ConnectorClient = turn.turn_state[self.adapter.BOT_CONNECTOR_CLIENT_KEY]
                result.conversation_id = turn.activity.conversation.id
                result.reference = TurnContext.get_conversation_reference(turn.activity)
                result.response = await connector.conversations.send_to_conversation(result.conversation_id, activity)
            except BaseException as exc:  # noqa: BLE001 - re-raised below, outside the adapter's error handler
                result.error = exc

        await self.adapter.create_conversation(self.app_id, in_new_chat, parameters, Channels.ms_teams, service_url, None)
        if result.reference is not None:
            reference = result.reference
            reference.user = ChannelAccount(id=user)
            reference.bot = ChannelAccount(id=self.bot_id)
            reference.conversation.tenant_id = tenant
            stored = StoredConversation(
                tenant_id=tenant,
                kind=USER,
                key=user,
                service_url=service_url,
                conversation_id=result.conversation_id,
                reference=reference.serialize(),
            )
            await asyncio.to_thread(self.conversations.put, stored, self.clock())
        if result.error is not None:
            raise result.error
        return result

    async def _in_conversation(
        self, reference: ConversationReference, call: Callable[[ConnectorClient], Awaitable[Any]]
    ) -> _Result:
        """Run one connector call in a proactive turn (continue_conversation), with the adapter's credentials."""
        result = _Result()

        async def proactive(turn: TurnContext) -> None:
            try:
                connector: ConnectorClient = turn.turn_state[self.adapter.BOT_CONNECTOR_CLIENT_KEY]
                result.response = await call(connector)
            except BaseException as exc:  # noqa: BLE001 - re-raised below, outside the adapter's error handler
                result.error = exc

        await self.adapter.continue_conversation(reference, proactive, self.app_id)
        if result.error is not None:
            raise result.error
        return result

    def _reference(self, service_url: str, tenant: str, conversation_id: str, *, is_group: bool, chat: bool = False) -> ConversationReference:
        kind = "groupChat" if chat else "channel" if is_group else "personal"
        return ConversationReference(
            channel_id=Channels.ms_teams,
            service_url=service_url,
            bot=ChannelAccount(id=self.bot_id),
            conversation=ConversationAccount(id=conversation_id, is_group=is_group, conversation_type=kind, tenant_id=tenant),
        )

    def _thread_url(self, thread: Thread) -> str:
        return str(thread.extra.get("service_url") or self.default_service_url)

    @staticmethod
    def _thread_tenant(thread: Thread, message: QueuedMessage) -> str:
        """The tenant of the thread's conversation: a group chat's own, else the channel's (the message's)."""
        return str(thread.extra.get("tenant") or message.workspace)

    async def _service_url(self, tenant: str, *, channel: str | None = None) -> str:
        """Where this tenant's conversations live: the channel's, else the tenant's last, else the default."""
        if channel:
            stored = await asyncio.to_thread(self.conversations.channel, tenant, channel)
            if stored is not None:
                return stored.service_url
        return await asyncio.to_thread(self.conversations.service_url, tenant) or self.default_service_url


def _id(result: _Result) -> str:
    response = result.response
    return str(getattr(response, "id", None) or "")
