"""Parley's Teams bot: a TeamsActivityHandler that parses each activity, runs the flow, and replies.

  message "disagree" / "list" / "help" (with or without an @mention; personal, group chat or team)
  message with `value`            an Action.Submit from one of Parley's cards
  invoke adaptiveCard/action      an Action.Execute (Universal Actions) from one of Parley's cards
  invoke application/search       the intake card's typeahead search of the directory
  conversationUpdate / installationUpdate   the bot was installed: keep the ConversationReference

Each activity's ConversationReference is kept (a person's 1:1 chat, or a channel), so reminders
and "you must act" messages can be sent proactively later. Forms and refusals are private: in a
group chat or channel, Parley answers in the person's 1:1 chat instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes, Attachment
from msrest.exceptions import HttpOperationError
from msrest.serialization import Model

from handlers.teams import files, flows
from handlers.teams.deps import Caller, TeamsDeps
from handlers.teams.sender import TeamsSender
from messages import replies, teams as cards
from storage.teams import CHANNEL, GROUP_CHAT, USER, StoredConversation

log = logging.getLogger("parley.teams.bot")

CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
NO_PRIVATE_CHAT = replies.NO_PRIVATE_CHAT
WELCOME = replies.WELCOME


class _SearchBody(Model):
    """The body of an application/search response (the typeahead's results)."""

    _attribute_map = {
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "object"},
    }

    def __init__(self, *, type: str, value: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.type = type
        self.value = value


class _InvokeBody(Model):
    """The body of an adaptiveCard/action response (botbuilder's own model cannot carry a text value)."""

    _attribute_map = {
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "object"},
    }

    def __init__(self, *, status_code: int, type: str, value: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.status_code = status_code
        self.type = type
        self.value = value


def caller_of(activity: Activity) -> Caller:
    user = activity.from_property
    return Caller(
        tenant=tenant_of(activity),
        user_id=(user.id if user else "") or "",
        aad_object_id=(getattr(user, "aad_object_id", None) if user else None) or "",
    )


def tenant_of(activity: Activity) -> str:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = (data.get("tenant") or {}).get("id") if isinstance(data.get("tenant"), dict) else None
    tenant = tenant or (activity.conversation.tenant_id if activity.conversation else None) or ""
    return tenant.strip() if isinstance(tenant, str) else ""


def conversation_type(activity: Activity) -> str:
    return (activity.conversation.conversation_type if activity.conversation else None) or "personal"


COMMANDS = {"disagree": "disagree", "raise": "disagree", "new": "disagree", "list": "list", "ls": "list", "mine": "list", "help": "help", "?": "help", "": "help"}


def command_of(words: str) -> str:
    """'disagree', 'list' or 'help' from what someone typed ('disagree list' and '/disagree help' too); '' otherwise."""
    said = words.lower().removeprefix("/")
    if said.startswith("disagree "):
        said = said.removeprefix("disagree ").strip()
    return COMMANDS.get(said, "")


def card_attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=cards.ADAPTIVE_CARD, content=card)


class ParleyBot(TeamsActivityHandler):
    def __init__(self, deps: TeamsDeps, sender: TeamsSender) -> None:
        self.deps = deps
        self.sender = sender
        self.offers = files.Offers()  # files offered in a 1:1 chat, waiting for Allow (handlers/teams/files.py)

    # -- every activity ---------------------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context.activity)
        await super().on_turn(turn_context)

    async def _remember(self, activity: Activity) -> None:
        """Keep where this person (1:1) or channel can be reached later.

        Only from Teams, in a tenant: the front door (handlers/teams/gate.py) has authenticated the
        activity and checked its service URL, and storage keeps a person's 1:1 chat only for that
        person (their Teams id and Entra object id together).
        """
        tenant = tenant_of(activity)
        if activity.channel_id != "msteams" or not tenant or not activity.conversation or not activity.service_url:
            return
        reference = TurnContext.get_conversation_reference(activity)
        reference.activity_id = None
        kind = conversation_type(activity)
        if kind == "personal":
            caller = caller_of(activity)
            if not caller.user_id:
                return
            stored = StoredConversation(
                tenant_id=tenant,
                kind=USER,
                key=caller.user_id,
                service_url=activity.service_url,
                conversation_id=activity.conversation.id,
                reference=reference.serialize(),
                aad_object_id=caller.aad_object_id or None,
            )
        else:
            # a reply in a channel thread carries ";messageid=<root>": the channel itself is the part before
            channel = activity.conversation.id.split(";")[0]
            reference.conversation.id = channel
            stored = StoredConversation(
                tenant_id=tenant,
                kind=CHANNEL,
                key=channel,
                service_url=activity.service_url,
                conversation_id=channel,
                reference=reference.serialize(),
            )
        try:
            await asyncio.to_thread(self.deps.conversations.put, stored, self.deps.clock())
        except Exception:
            log.exception("could not keep the conversation reference for %s", stored.key)

    # -- installs ---------------------------------------------------------------------------------

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # The reference is already kept (on_turn). Greet a person who adds Parley for themselves.
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added = any(m.id == bot_id for m in activity.members_added or [])
        if added and conversation_type(activity) == "personal":
            await turn_context.send_activity(Activity(type=ActivityTypes.message, attachments=[card_attachment(self._welcome())]))

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        return None  # the reference is kept in on_turn; the welcome comes with conversationUpdate

    def _welcome(self) -> dict[str, Any]:
        card = flows.help_reply(self.deps).card
        assert card is not None
        card["body"].insert(0, cards.text_block(cards.esc(WELCOME), weight="Bolder"))
        return card

    # -- messages ---------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if isinstance(activity.value, dict) and activity.value.get("verb"):
            await self._submitted(turn_context, activity.value)
            return
        text = TurnContext.remove_recipient_mention(activity) if activity.entities else (activity.text or "")
        words = " ".join((text or "").replace("\u00a0", " ").split())
        command = command_of(words)
        caller = caller_of(activity)
        if (asked := files.report_words(words)) is not None:
            reply = await asyncio.to_thread(files.report_step, self.deps, caller, asked, self.deps.clock())
            await self._reply(turn_context, await self._with_file(turn_context, reply), private=True)
            return
        match command:
            case "help":
                reply = flows.help_reply(self.deps)
            case "list":
                reply = await asyncio.to_thread(flows.my_disputes, self.deps, caller)
            case "disagree":
                # asked in a group chat: the dispute's thread goes in that chat (the form itself stays private)
                origin = activity.conversation.id if conversation_type(activity) == GROUP_CHAT and activity.conversation else None
                reply = await asyncio.to_thread(flows.intake_form, self.deps, caller, origin=origin)
            case _:
                reply = flows.help_reply(self.deps, unknown=words)
        await self._reply(turn_context, reply, private=command in ("disagree", "list") or reply.card is None)

    async def _submitted(self, turn_context: TurnContext, value: Mapping[str, Any]) -> None:
        """An Action.Submit: the card it came from is updated in place; a refusal goes privately."""
        activity = turn_context.activity
        reply = await asyncio.to_thread(
            flows.act, self.deps, caller_of(activity), value, activity.reply_to_id or "", self.deps.clock(), activity.id or ""
        )
        if reply.changed:
            self.deps.delivered_soon()
        reply = await self._with_file(turn_context, reply)
        # A form or answer is for one person: on a shared card (a channel or group chat) it goes to them
        # privately, and the shared card stays as it is (the outbox updates it for everyone).
        if reply.card is not None and activity.reply_to_id and conversation_type(activity) == "personal":
            updated = Activity(
                id=activity.reply_to_id, type=ActivityTypes.message, attachments=[card_attachment(reply.card)]
            )
            await turn_context.update_activity(updated)
            return
        await self._reply(turn_context, reply, private=True)

    async def _reply(self, turn_context: TurnContext, reply: flows.Reply, *, private: bool) -> None:
        outgoing = (
            Activity(type=ActivityTypes.message, attachments=[card_attachment(reply.card)])
            if reply.card is not None
            else Activity(type=ActivityTypes.message, text=cards.plain(reply.text), text_format="plain")
        )
        activity = turn_context.activity
        if not private or conversation_type(activity) == "personal":
            await turn_context.send_activity(outgoing)
            return
        caller = caller_of(activity)
        try:
            await self.sender.create_and_send(caller.tenant, caller.user_id, outgoing, service_url=activity.service_url)
        except HttpOperationError:
            log.warning("could not open a 1:1 chat with %s", caller.user_id, exc_info=True)
            await turn_context.send_activity(
                Activity(type=ActivityTypes.message, text=NO_PRIVATE_CHAT, text_format="plain")
            )
            return
        if reply.card is not None:
            # say where the card went, so nobody waits for it here
            await turn_context.send_activity(Activity(type=ActivityTypes.message, text=replies.SENT_PRIVATELY, text_format="plain"))

    # -- Universal Actions ------------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name == cards.SEARCH_INVOKE:
            return await self._search(activity)
        if activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        action = (activity.value or {}).get("action") if isinstance(activity.value, dict) else None
        if not isinstance(action, dict) or action.get("type") != "Action.Execute":
            return InvokeResponse(status=400, body=_InvokeBody(status_code=400, type="application/vnd.microsoft.error", value={"code": "BadRequest", "message": "Not a Parley action."}))
        data = {**(action.get("data") or {}), "verb": action.get("verb") or (action.get("data") or {}).get("verb", "")}
        reply = await asyncio.to_thread(
            flows.act, self.deps, caller_of(activity), data, activity.reply_to_id or "", self.deps.clock(), activity.id or ""
        )
        if reply.changed:
            self.deps.delivered_soon()
        reply = await self._with_file(turn_context, reply)
        if reply.card is not None:
            body = _InvokeBody(status_code=200, type=CARD_RESPONSE, value=reply.card)
        else:
            body = _InvokeBody(status_code=200, type=MESSAGE_RESPONSE, value=cards.plain(reply.text))
        return InvokeResponse(status=200, body=body)


    async def _with_file(self, turn_context: TurnContext, reply: flows.Reply) -> flows.Reply:
        """A reply that brings a file: offer it in the person's 1:1 chat, and say so (or that it couldn't be)."""
        if reply.file is None:
            return reply
        activity = turn_context.activity
        personal = conversation_type(activity) == "personal"
        said = await files.offer(self, turn_context, reply.file, personal=personal, caller=caller_of(activity))
        return flows.Reply(text=said)

    async def on_teams_file_consent_accept(self, turn_context: TurnContext, file_consent_card_response: Any) -> None:
        await files.on_accept(self, turn_context, file_consent_card_response)

    async def on_teams_file_consent_decline(self, turn_context: TurnContext, file_consent_card_response: Any) -> None:
        await files.on_decline(self, turn_context, file_consent_card_response)

    async def _search(self, activity: Activity) -> InvokeResponse:
        """The intake card's typeahead: Teams asks as the person types. Always 200: nobody found is an empty list."""
        query = activity.value if isinstance(activity.value, dict) else {}
        found = await asyncio.to_thread(flows.find_people, self.deps, caller_of(activity), query)
        return InvokeResponse(status=200, body=_SearchBody(**cards.search_response(found)))


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Log it, and tell the person plainly; never show a stack trace in Teams."""
    log.error("Teams turn failed (%s)", turn_context.activity.type, exc_info=error)
    if turn_context.activity.type == ActivityTypes.message:
        try:
            await turn_context.send_activity(
                Activity(type=ActivityTypes.message, text="Sorry, something went wrong and nothing was saved. Please try again in a minute.")
            )
        except Exception:  # noqa: BLE001 - the connector may be what failed
            log.warning("could not tell the user about the failure")

