"""What each Teams request does: read the card, call the use case, choose the reply.

Synchronous (database) work, run by the bot in a worker thread. Nothing here speaks the Bot
Framework: each function returns a `Reply`, a card to show in place of the one clicked, or a
short private message, and the bot turns it into an invoke response or a message.

A click is checked before any form opens: the person must be in the directory, the card must not
be out of date (someone else acted since), and the policy must let them do it. Anything else gets
a private explanation and nothing changes. The use case checks it all again on submit, with the
version the person was looking at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.permissions import Intent
from handlers import interaction
from handlers.interaction import Done, FieldErrors, Told
from handlers.teams import forms
from handlers.teams.deps import Caller, TeamsDeps, person_for
from handlers.teams.files import export_step
from handlers.teams.intake import find_people, intake_form, open_from_card
from handlers.teams.reply import Reply, refused, stranger, thread_ids, who
from messages import replies, teams as cards
from messages.clock import when
from messages.teams import Field, Verb, learning as learning_cards
from messages.text import dispute_view

__all__ = ["Reply", "act", "click", "find_people", "help_reply", "intake_form", "my_disputes", "person_for", "refused", "submit"]


# --- commands ------------------------------------------------------------------------------------


def teams_help_lines(deps: TeamsDeps) -> list[str]:
    return cards.help_lines_for_teams(deps.policy)


def help_reply(deps: TeamsDeps, unknown: str = "") -> Reply:
    lines = teams_help_lines(deps)
    if unknown:
        lines = [replies.unknown_words(unknown), *lines]
    return Reply(card=cards.help_card(lines))


def my_disputes(deps: TeamsDeps, caller: Caller) -> Reply:
    """My open disputes (raised, party to, or asked to act on), most urgent first."""
    with deps.uow() as uow:
        directory = uow.directory.load()
        person = person_for(directory, caller)
        if person is None:
            return stranger(directory, caller)
        disputes = uow.disputes.active_involving(person.id)
    views = [dispute_view(d, directory, deps.policy) for d in disputes]
    return Reply(card=cards.list_card(views, me=person.id))


# --- buttons on a dispute: translated for handlers.interaction, its results rendered as cards ----------

INTENT_OF_VERB = {
    Verb.RESOLVE: Intent.RESOLVE,
    Verb.ESCALATE: Intent.ESCALATE,
    Verb.ADD_NOTE: Intent.ADD_NOTE,
    Verb.VIEW_RECORD: Intent.VIEW_RECORD,
    Verb.WITHDRAW: Intent.WITHDRAW,
    Verb.CLOSE_UNRESOLVED: Intent.CLOSE_UNRESOLVED,
    Verb.BACK: Intent.VIEW_RECORD,  # back to the dispute's card: the same rule as reading it
}
INTENT_OF_SUBMIT = {
    Verb.RESOLVE_SUBMIT: Intent.RESOLVE,
    Verb.ESCALATE_SUBMIT: Intent.ESCALATE,
    Verb.ADD_NOTE_SUBMIT: Intent.ADD_NOTE,
    Verb.WITHDRAW_SUBMIT: Intent.WITHDRAW,
    Verb.CLOSE_UNRESOLVED_SUBMIT: Intent.CLOSE_UNRESOLVED,
    Verb.CONFIRM: Intent.CONFIRM,
    Verb.NOT_AGREED: Intent.NOT_AGREED,
    Verb.LEARNING_SUBMIT: Intent.GIVE_LEARNING,
}
FormCard = Callable[..., dict[str, Any]]
FORMS: dict[Intent, FormCard] = {
    Intent.RESOLVE: lambda view, data, next_stage, **kw: cards.resolve_form(view, data, **kw),
    Intent.ESCALATE: lambda view, data, next_stage, **kw: cards.escalate_form(view, data, next_stage=next_stage, **kw),
    Intent.ADD_NOTE: lambda view, data, next_stage, **kw: cards.note_form(view, data, **kw),
    Intent.WITHDRAW: lambda view, data, next_stage, **kw: cards.withdraw_form(view, data, **kw),
    Intent.CLOSE_UNRESOLVED: lambda view, data, next_stage, **kw: cards.close_unresolved_form(view, data, **kw),
    Intent.CONFIRM: lambda view, data, next_stage, **kw: cards.confirm_request_card(view, **kw),
    Intent.NOT_AGREED: lambda view, data, next_stage, **kw: cards.confirm_request_card(view, **kw),
    Intent.GIVE_LEARNING: lambda view, data, next_stage, **kw: learning_cards.learning_card(view, **kw),
}
DONE_COLORS = {Intent.CONFIRM: "Good", Intent.NOT_AGREED: "Default", Intent.GIVE_LEARNING: "Good"}  # the card's, under replies.DONE_TITLES


def _number(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def _root(deps: TeamsDeps, view: Any, *, notice: str = "", alert: str = "") -> dict[str, Any]:
    card = cards.root_card(view, teams_ids=thread_ids(deps, deps.directory(), view), notice=notice)
    if alert:
        card["body"].insert(1, cards.text_block(cards.esc(alert), color="Attention", id="stale"))
    return card


def _told(deps: TeamsDeps, told: Told) -> Reply:
    """A refusal privately; with the dispute as it is now when what they used was out of date."""
    if told.current is None:
        return refused(told.text)
    return Reply(card=_root(deps, told.current, alert=told.text))


def click(deps: TeamsDeps, caller: Caller, verb: Verb, data: Mapping[str, Any], now: datetime) -> Reply:
    """A button on a dispute's card: check it, then the form (or the record, or the card) to show."""
    person = who(deps, caller)
    if isinstance(person, Reply):
        return person
    intent = INTENT_OF_VERB[verb]
    press = interaction.Press(
        intent, str(data.get("dispute_id", "")), person, version=_number(data.get("version")), stage=_number(data.get("stage"))
    )
    result = interaction.press(deps.env(), press, now)
    if isinstance(result, Told):
        return _told(deps, result)
    if verb is Verb.BACK:
        return Reply(card=_root(deps, result.view))
    if intent is Intent.VIEW_RECORD:
        return Reply(card=cards.record_card(result.view, result.record))
    return Reply(card=FORMS[intent](result.view, result.metadata, result.next_stage))


def submit(deps: TeamsDeps, caller: Caller, verb: Verb, data: Mapping[str, Any], now: datetime, key: str | None = None) -> Reply:
    """A form on a dispute (or a Confirm / Not agreed) was sent: make the move with what the person saw."""
    person = who(deps, caller)
    if isinstance(person, Reply):
        return person
    intent = INTENT_OF_SUBMIT[verb]
    fields = {item.name: forms.value(data, Field(item.name)) for item in interaction.MOVES[intent].inputs}
    proposal = data.get("proposal")
    sub = interaction.Submission(
        intent,
        str(data.get("dispute_id", "")),
        person,
        fields,
        seq=_number(data.get("seq")),
        proposal=proposal if isinstance(proposal, str) else None,
        key=key,
    )
    result = interaction.submit(deps.env(), sub, now)
    form_data = {k: data[k] for k in ("dispute_id", "version", "seq") if k in data}
    match result:
        case Told():
            return _told(deps, result)
        case FieldErrors(errors, view, next_stage) if view is not None:
            present = [Field(item.name) for item in interaction.MOVES[intent].inputs]
            shown = forms.field_errors(errors, present, present[0])
            return Reply(card=FORMS[intent](view, form_data, next_stage, values=forms.values_of(data), errors=shown))
        case Done(text, view, changed):
            if intent in replies.DONE_TITLES:
                return Reply(card=cards.message_card(replies.DONE_TITLES[intent], text, color=DONE_COLORS[intent]), changed=changed)
            return Reply(card=_root(deps, view, notice=f"{text} ({when(now)})"), changed=changed)
    return refused(replies.UNKNOWN_BUTTON)


def act(deps: TeamsDeps, caller: Caller, data: Mapping[str, Any], card_id: str, now: datetime, activity_id: str = "") -> Reply:
    """Any button on any Parley card, by its verb."""
    try:
        verb = Verb(str(data.get("verb", "")))
    except ValueError:
        return refused(replies.UNKNOWN_BUTTON)
    match verb:
        case Verb.INTAKE:
            return open_from_card(deps, caller, data, card_id, now)
        case Verb.EXPORT_RECORD | Verb.EXPORT_SUBMIT:
            return export_step(deps, caller, verb, data, now)
    if verb in INTENT_OF_SUBMIT:
        return submit(deps, caller, verb, data, now, key=f"teams:{caller.tenant}:{caller.user_id}:{activity_id}" if activity_id else None)
    return click(deps, caller, verb, data, now)
