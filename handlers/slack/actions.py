"""Slack's side of the buttons on a dispute and their forms: translate the payload, render the result.

What a press or a form does (who may, the stale-view rule, which use case, every refusal's words)
is `handlers.interaction`'s, shared with Teams. Here: which Slack action or modal means which
`Intent`, the idempotency key of a submission (view id + a hash of the values), and how each
result looks in Slack.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.permissions import Intent
from handlers import interaction
from handlers.interaction import Done, FieldErrors, Form, Told
from handlers.slack.deps import SlackDeps, person_for, team_of, user_of
from handlers.slack.forms import field_errors, value
from messages import replies, slack as blocks
from messages.slack import ActionId, Field, ViewId, learning as learning_blocks, parse_button_stage, parse_button_value, parse_proposal_value

INTENT_OF_ACTION = {
    ActionId.RESOLVE: Intent.RESOLVE,
    ActionId.ESCALATE: Intent.ESCALATE,
    ActionId.ADD_NOTE: Intent.ADD_NOTE,
    ActionId.VIEW_RECORD: Intent.VIEW_RECORD,
    ActionId.NOT_AGREED: Intent.NOT_AGREED,
    ActionId.CONFIRM: Intent.CONFIRM,
    ActionId.WITHDRAW: Intent.WITHDRAW,
    ActionId.CLOSE_UNRESOLVED: Intent.CLOSE_UNRESOLVED,
    ActionId.GIVE_LEARNING: Intent.GIVE_LEARNING,
}
INTENT_OF_VIEW = {
    ViewId.RESOLVE: Intent.RESOLVE,
    ViewId.ESCALATE: Intent.ESCALATE,
    ViewId.ADD_NOTE: Intent.ADD_NOTE,
    ViewId.NOT_AGREED: Intent.NOT_AGREED,
    ViewId.CONFIRM: Intent.CONFIRM,
    ViewId.WITHDRAW: Intent.WITHDRAW,
    ViewId.CLOSE_UNRESOLVED: Intent.CLOSE_UNRESOLVED,
    ViewId.LEARNING: Intent.GIVE_LEARNING,
}
# Each form's renderer (View record shows the record).
MODALS: dict[Intent, Callable[[Form], dict[str, Any]]] = {
    Intent.RESOLVE: lambda f: blocks.resolve_modal(f.view, f.metadata),
    Intent.ESCALATE: lambda f: blocks.escalate_modal(f.view, f.metadata, next_stage=f.next_stage),
    Intent.ADD_NOTE: lambda f: blocks.note_modal(f.view, f.metadata),
    Intent.NOT_AGREED: lambda f: blocks.not_agreed_modal(f.view, f.metadata),
    Intent.CONFIRM: lambda f: blocks.confirm_modal(f.view, f.metadata),
    Intent.WITHDRAW: lambda f: blocks.withdraw_modal(f.view, f.metadata),
    Intent.CLOSE_UNRESOLVED: lambda f: blocks.close_unresolved_modal(f.view, f.metadata),
    Intent.VIEW_RECORD: lambda f: blocks.record_modal(f.view, f.record),
    Intent.GIVE_LEARNING: lambda f: learning_blocks.learning_modal(f.view, f.metadata),
}
MAIN_FIELD = {Intent.RESOLVE: Field.AGREED_OUTCOME, Intent.ADD_NOTE: Field.NOTE, Intent.CONFIRM: Field.STATEMENT, Intent.GIVE_LEARNING: Field.THEMES}
# Answers to the DM that asked for confirmation (or for learning points): once made, its buttons come off
ANSWERS = (Intent.CONFIRM, Intent.NOT_AGREED, Intent.GIVE_LEARNING)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    for action, intent in INTENT_OF_ACTION.items():
        app.action(action.value)(deps.inflight.track(_open_form(deps, intent)))
    for view_id, intent in INTENT_OF_VIEW.items():
        app.view_submission(view_id.value)(deps.inflight.track(_submit(deps, intent)))


def _person(deps: SlackDeps, team: str, user: str) -> str | Told:
    directory = deps.directories.get()
    person = person_for(directory, team, user)
    if person is None:
        return Told(replies.not_in_directory(directory, platform="Slack", user_id=user))
    return person.id


def _press(deps: SlackDeps, intent: Intent, clicked: str, team: str, user: str) -> Form | Told:
    person = _person(deps, team, user)
    if isinstance(person, Told):
        return person
    if intent in (Intent.CONFIRM, Intent.NOT_AGREED):
        dispute_id, token = parse_proposal_value(clicked)
        press = interaction.Press(intent, dispute_id, person, proposal=token)
    else:
        dispute_id, version = parse_button_value(clicked)
        press = interaction.Press(intent, dispute_id, person, version=version, stage=parse_button_stage(clicked))
    return interaction.press(deps.env(), press, deps.clock())


def _open_form(deps: SlackDeps, intent: Intent):
    async def on_click(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        await deps.answers_first.wait()
        clicked = body["actions"][0].get("value", "")
        result = await asyncio.to_thread(_press, deps, intent, clicked, team_of(body), user_of(body))
        if isinstance(result, Told):
            await respond(**blocks.ephemeral(result.text))
            return
        if intent in ANSWERS:
            result.metadata["response_url"] = body.get("response_url", "")
        await client.views_open(trigger_id=body["trigger_id"], view=MODALS[intent](result))

    return on_click


def submission_key(team: str, user: str, view: dict[str, Any]) -> str:
    """The same modal sent with the same values (a replayed or retried request) has the same key."""
    values = json.dumps(view.get("state", {}).get("values", {}), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(values.encode()).hexdigest()[:32]
    return f"slack:{team}:{user}:{view.get('id', '')}:{digest}"


def _send(
    deps: SlackDeps, intent: Intent, meta: dict[str, Any], fields: dict[str, str], team: str, user: str, key: str
) -> interaction.Result:
    person = _person(deps, team, user)
    if isinstance(person, Told):
        return person
    dispute_id, token = str(meta.get("dispute_id", "")), meta.get("proposal")
    seq = meta.get("seq")
    sub = interaction.Submission(
        intent, dispute_id, person, fields, seq=seq if isinstance(seq, int) else None, proposal=token, key=key
    )
    return interaction.submit(deps.env(), sub, deps.clock())


def _submit(deps: SlackDeps, intent: Intent):
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        fields = {item.name: value(values, Field(item.name)) for item in interaction.MOVES[intent].inputs}
        _, errors = interaction.check_fields(intent, fields)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        meta = json.loads(view.get("private_metadata") or "{}")
        key = submission_key(team_of(body), user_of(body), view)
        result = await asyncio.to_thread(_send, deps, intent, meta, fields, team_of(body), user_of(body), key)
        match result:
            case FieldErrors(errors):
                await ack(response_action="errors", errors=field_errors(errors, view, MAIN_FIELD.get(intent, Field.REASON)))
            case Told(text):
                await ack(response_action="update", view=blocks.message_modal("Nothing changed", text))
            case Done(text):
                await ack(response_action="update", view=blocks.message_modal("Done", text))
                deps.delivered_soon()
                if intent in ANSWERS and meta.get("response_url"):
                    # take the buttons off the DM that asked for confirmation
                    await AsyncWebhookClient(meta["response_url"]).send_dict(blocks.replaced(text))
            case _:
                await ack()

    return on_submit
