"""Raising a disagreement on Teams: the intake card, its people search, and what its submission does.

Synchronous (database) work, run by the bot in a worker thread; each function returns a `Reply`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.directory import PARTNERSHIP, Directory, Person
from bot.errors import UnknownPerson
from bot.outbox import Notifier, Notifiers
from handlers.raising import raise_dispute
from handlers.teams import forms
from handlers.teams.deps import Caller, TeamsDeps, person_for
from handlers.teams.reply import Reply, stranger, thread_ids
from messages import replies, teams as cards
from messages.teams import Field
from messages.text import dispute_view, shared_views


def intake_form(
    deps: TeamsDeps,
    caller: Caller,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    origin: str | None = None,
) -> Reply:
    """The intake card; `origin` is the group chat `disagree` was sent in, where the thread will go."""
    directory = deps.directory()
    person = person_for(directory, caller)
    if person is None:
        return stranger(directory, caller)
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
        return Notifiers(*(in_chat if part is deps.teams_notifier else part for part in deps.notifier.parts), around=deps.notifier.around)
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
    directory = deps.directory()
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


def open_from_card(deps: TeamsDeps, caller: Caller, data: Mapping[str, Any], card_id: str, now: datetime) -> Reply:
    """The intake card was submitted: raise the disagreement, or show the card again with the errors beside the fields."""
    values = forms.values_of(data)
    form, errors = forms.read_intake(data, deps.policy.categories)
    directory = deps.directory()
    raiser = person_for(directory, caller)
    if raiser is None:
        return stranger(directory, caller)
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
    with shared_views():  # the answer's view is the one the new thread's messages were built from
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
                grouped=deps.sessions,
            )
        except UnknownPerson:
            return stranger(directory, caller)
        if isinstance(outcome, dict):
            shown = forms.field_errors(outcome, [*_INTAKE_FIELDS, Field.RAISER_AGENCY], Field.PROBLEM)
            return Reply(card=_intake_card(deps, directory, raiser.id, values=values, errors=shown, origin=chat))
        view = dispute_view(outcome.dispute, directory, deps.policy)
    return Reply(card=cards.raised_card(view, teams_ids=thread_ids(deps, directory, view)), changed=bool(outcome.events))


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
