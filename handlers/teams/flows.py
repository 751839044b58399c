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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.directory import PARTNERSHIP, Directory, Person
from bot.errors import UnknownPerson
from bot.outbox import Notifier, Notifiers
from bot.permissions import Intent
from handlers import interaction
from handlers.chat_files import FileForPerson
from handlers.interaction import Done, FieldErrors, Told
from handlers.raising import raise_dispute
from handlers.teams import forms
from handlers.teams.deps import Caller, TeamsDeps, person_for
from handlers.teams.notify import teams_identity
from messages import teams as cards
from messages.teams import learning as learning_cards
from messages import replies
from messages.clock import when
from messages.replies import not_in_directory
from messages.teams import Field, Verb
from messages.text import dispute_view


@dataclass(frozen=True)
class Reply:
    """A card to show in place of the one the person used, or (card None) a private message."""

    card: dict[str, Any] | None = None
    text: str = ""
    changed: bool = False  # something was saved: deliver the outbox soon
    file: FileForPerson | None = None  # a file to offer in the person's 1:1 chat (handlers/teams/files.py)


def refused(text: str) -> Reply:
    return Reply(text=text)


# --- commands ------------------------------------------------------------------------------------


def _directory(deps: TeamsDeps) -> Directory:
    with deps.uow() as uow:
        return uow.directory.load()


def _stranger(directory: Directory, caller: Caller) -> Reply:
    return refused(not_in_directory(directory, platform="Teams", user_id=caller.shown_id))


def teams_help_lines(deps: TeamsDeps) -> list[str]:
    return cards.help_lines_for_teams(deps.policy)


def help_reply(deps: TeamsDeps, unknown: str = "") -> Reply:
    lines = teams_help_lines(deps)
    if unknown:
        lines = [replies.unknown_words(unknown), *lines]
    return Reply(card=cards.help_card(lines))


def intake_form(
    deps: TeamsDeps,
    caller: Caller,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    origin: str | None = None,
) -> Reply:
    """The intake card; `origin` is the group chat `disagree` was sent in, where the thread will go."""
    directory = _directory(deps)
    person = person_for(directory, caller)
    if person is None:
        return _stranger(directory, caller)
    return Reply(card=_intake_card(deps, directory, person.id, values=values, errors=errors, origin=_group_chat(deps, caller, origin)))


def _group_chat(deps: TeamsDeps, caller: Caller, origin: Any) -> str | None:
    """The group chat to put a new dispute's thread in: one Parley knows, in the caller's tenant, while
    this deployment has a Teams thread at all (without PARLEY_TEAMS_CHANNEL, Teams has 1:1s only)."""
    if not isinstance(origin, str) or not origin or not deps.teams_notifier.has_thread:
        return None
    stored = deps.conversations.group_chat(caller.tenant, origin)
    return stored.conversation_id if stored else None


def _notifier_for(deps: TeamsDeps, chat: str | None, tenant: str) -> Notifier:
    """Every platform's notifier, with the Teams thread of this one dispute in `chat` when it was raised from one."""
    if chat is None:
        return deps.notifier
    in_chat = deps.teams_notifier.in_chat(chat, tenant)
    if deps.notifier is deps.teams_notifier:
        return in_chat
    if isinstance(deps.notifier, Notifiers):
        return Notifiers(*(in_chat if part is deps.teams_notifier else part for part in deps.notifier.parts))
    return deps.notifier


def _intake_card(
    deps: TeamsDeps,
    directory: Directory,
    person_id: str,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    origin: str | None = None,
) -> dict[str, Any]:
    person = directory.person(person_id)
    assert person is not None
    agencies = sorted(
        ((a.id, a.name) for a in directory.agencies.values() if a.id != PARTNERSHIP),
        key=lambda a: (a[0] in person.agencies, a[1]),  # other agencies first
    )
    others = sorted(
        (
            (p.id, cards.person_title(p.name, [directory.agency_name(a) for a in _agencies_of(p)]))
            for p in directory.people.values()
            if p.id != person.id and _agencies_of(p)
        ),
        key=lambda c: (directory.person(c[0]).agencies[0] in person.agencies, c[1]),  # type: ignore[union-attr]
    )
    # Someone found by typing may be beyond the listed few: shown again (after an error), they stay chosen.
    chosen = directory.person((values or {}).get(Field.OTHER_PERSON.value, ""))
    if chosen is not None and chosen.id != person.id and _agencies_of(chosen) and chosen.id not in {c[0] for c in others[: cards.CHOICES_MAX]}:
        others.insert(0, (chosen.id, cards.person_title(chosen.name, [directory.agency_name(a) for a in _agencies_of(chosen)])))
    return cards.intake_card(
        categories=deps.policy.categories,
        agencies=agencies,
        my_agencies=[(a, directory.agency_name(a)) for a in person.agencies],
        people=others,
        procedure=deps.policy.title,
        values=values,
        errors=errors,
        origin=origin,
    )


def _agencies_of(person: Person) -> list[str]:
    """The agencies someone can be the other party for (the partnership is not a party)."""
    return [a for a in person.agencies if a != PARTNERSHIP]


SEARCH_SKIP_MAX = 100  # nobody pages through more than this; past it, they type more of the name
SEARCH_TEXT_MAX = 100


def find_people(deps: TeamsDeps, caller: Caller, query: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    """The intake card's typeahead (an application/search invoke): (person id, name, agency names) of the
    people whose name matches what was typed, within the agency chosen on the card if one is. Only people
    in the directory may search it, and nobody is offered themselves; anything else finds nobody."""
    text = query.get("queryText")
    if query.get("dataset") != cards.PEOPLE_DATASET or not isinstance(text, str):
        return []
    directory = _directory(deps)
    searcher = person_for(directory, caller)
    if searcher is None:
        return []
    options = query.get("queryOptions") if isinstance(query.get("queryOptions"), dict) else {}
    skip = min(_count(options.get("skip"), 0), SEARCH_SKIP_MAX)
    top = min(_count(options.get("top"), cards.SEARCH_MAX) or cards.SEARCH_MAX, cards.SEARCH_MAX)
    inputs = query.get("data") if isinstance(query.get("data"), dict) else {}
    agency = inputs.get(Field.OTHER_AGENCY.value)
    if not isinstance(agency, str) or agency not in directory.agencies or agency == PARTNERSHIP:
        agency = None
    found = directory.find(text[:SEARCH_TEXT_MAX], agency=agency, exclude=searcher.id, limit=skip + top)[skip:]
    return [(p.id, p.name, [directory.agency_name(a) for a in agencies]) for p, agencies in found]


def _count(raw: Any, default: int) -> int:
    if isinstance(raw, bool):
        return default
    if isinstance(raw, int):
        return max(raw, 0)
    return int(raw) if isinstance(raw, str) and raw.isdigit() else default


def my_disputes(deps: TeamsDeps, caller: Caller) -> Reply:
    """My open disputes (raised, party to, or asked to act on), most urgent first."""
    with deps.uow() as uow:
        directory = uow.directory.load()
        person = person_for(directory, caller)
        if person is None:
            return _stranger(directory, caller)
        disputes = uow.disputes.active_involving(person.id)
    views = [dispute_view(d, directory, deps.policy) for d in disputes]
    return Reply(card=cards.list_card(views, me=person.id))


def open_from_card(deps: TeamsDeps, caller: Caller, data: Mapping[str, Any], card_id: str, now: datetime) -> Reply:
    """The intake card was submitted: raise the disagreement, or show the card again with the errors beside the fields."""
    values = forms.values_of(data)
    form, errors = forms.read_intake(data, deps.policy.categories)
    directory = _directory(deps)
    raiser = person_for(directory, caller)
    if raiser is None:
        return _stranger(directory, caller)
    chat = _group_chat(deps, caller, data.get("origin"))
    if errors:
        return Reply(card=_intake_card(deps, directory, raiser.id, values=values, errors=errors, origin=chat))
    assert form is not None
    other = None
    if form.other_person:
        other = directory.person(form.other_person)
        if other is None:
            errors = {Field.OTHER_PERSON.value: replies.NOT_LISTED}
            return Reply(card=_intake_card(deps, directory, raiser.id, values=values, errors=errors, origin=chat))
    try:
        # the same card submitted twice by the same person (a double click, a retried invoke) opens one dispute
        outcome = raise_dispute(
            deps.env(),
            form,
            raiser=raiser,
            other=other,
            key=f"teams:{caller.tenant}:{caller.user_id}:card:{card_id}" if card_id else None,
            now=now,
            notifier=_notifier_for(deps, chat, caller.tenant),
        )
    except UnknownPerson:
        return _stranger(directory, caller)
    if isinstance(outcome, dict):
        shown = forms.field_errors(outcome, [*_INTAKE_FIELDS, Field.RAISER_AGENCY], Field.PROBLEM)
        return Reply(card=_intake_card(deps, directory, raiser.id, values=values, errors=shown, origin=chat))
    view = dispute_view(outcome.dispute, directory, deps.policy)
    return Reply(card=cards.raised_card(view, teams_ids=_thread_ids(deps, directory, view)), changed=bool(outcome.events))


_INTAKE_FIELDS = frozenset(
    {
        Field.REFERENCE,
        Field.CATEGORY,
        Field.OTHER_PERSON,
        Field.OTHER_AGENCY,
        Field.OTHER_DESCRIPTION,
        Field.PROBLEM,
        Field.CAUSE,
        Field.OUTCOME,
        Field.DISCUSSED,
        Field.IMMEDIATE_RISK,
    }
)


def _thread_ids(deps: TeamsDeps, directory: Directory, view: Any) -> dict[str, str]:
    tenant = deps.teams_notifier.tenant
    out = {}
    for p in view.asked:
        found = teams_identity(directory, p.id)
        if found and found[0] == tenant:
            out[p.id] = found[1]
    return out


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
DONE_TITLES = {Intent.CONFIRM: ("Confirmed", "Good"), Intent.NOT_AGREED: ("Not agreed", "Default"), Intent.GIVE_LEARNING: ("Thank you", "Good")}


def _env(deps: TeamsDeps) -> interaction.Env:
    return interaction.Env(uow=deps.uow, policy=deps.policy, calendar=deps.calendar, notifier=deps.notifier, directory=lambda: _directory(deps))


def _number(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def _root(deps: TeamsDeps, view: Any, *, notice: str = "", alert: str = "") -> dict[str, Any]:
    card = cards.root_card(view, teams_ids=_thread_ids(deps, _directory(deps), view), notice=notice)
    if alert:
        card["body"].insert(1, cards.text_block(cards.esc(alert), color="Attention", id="stale"))
    return card


def _told(deps: TeamsDeps, told: Told) -> Reply:
    """A refusal privately; with the dispute as it is now when what they used was out of date."""
    if told.current is None:
        return refused(told.text)
    return Reply(card=_root(deps, told.current, alert=told.text))


def _who(deps: TeamsDeps, caller: Caller) -> str | Reply:
    directory = _directory(deps)
    person = person_for(directory, caller)
    return person.id if person is not None else _stranger(directory, caller)


def click(deps: TeamsDeps, caller: Caller, verb: Verb, data: Mapping[str, Any], now: datetime) -> Reply:
    """A button on a dispute's card: check it, then the form (or the record, or the card) to show."""
    person = _who(deps, caller)
    if isinstance(person, Reply):
        return person
    intent = INTENT_OF_VERB[verb]
    press = interaction.Press(
        intent, str(data.get("dispute_id", "")), person, version=_number(data.get("version")), stage=_number(data.get("stage"))
    )
    result = interaction.press(_env(deps), press, now)
    if isinstance(result, Told):
        return _told(deps, result)
    if verb is Verb.BACK:
        return Reply(card=_root(deps, result.view))
    if intent is Intent.VIEW_RECORD:
        return Reply(card=cards.record_card(result.view, result.record))
    return Reply(card=FORMS[intent](result.view, result.metadata, result.next_stage))


def submit(deps: TeamsDeps, caller: Caller, verb: Verb, data: Mapping[str, Any], now: datetime, key: str | None = None) -> Reply:
    """A form on a dispute (or a Confirm / Not agreed) was sent: make the move with what the person saw."""
    person = _who(deps, caller)
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
    result = interaction.submit(_env(deps), sub, now)
    form_data = {k: data[k] for k in ("dispute_id", "version", "seq") if k in data}
    match result:
        case Told():
            return _told(deps, result)
        case FieldErrors(errors, view, next_stage) if view is not None:
            present = [Field(item.name) for item in interaction.MOVES[intent].inputs]
            shown = forms.field_errors(errors, present, present[0])
            return Reply(card=FORMS[intent](view, form_data, next_stage, values=forms.values_of(data), errors=shown))
        case Done(text, view, changed):
            if intent in DONE_TITLES:
                title, color = DONE_TITLES[intent]
                return Reply(card=cards.message_card(title, text, color=color), changed=changed)
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
            from handlers.teams.files import export_step  # it builds on this module's Reply

            return export_step(deps, caller, verb, data, now)
    if verb in INTENT_OF_SUBMIT:
        return submit(deps, caller, verb, data, now, key=f"teams:{caller.tenant}:{caller.user_id}:{activity_id}" if activity_id else None)
    return click(deps, caller, verb, data, now)
