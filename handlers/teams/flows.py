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

from bot import dispute as transitions
from bot import services
from bot.directory import PARTNERSHIP, Directory, Person
from bot.dispute import Action, Dispute, Status
from bot.errors import DisputeNotFound, IllegalTransition, InvalidInput, NotAllowed, StaleAction, UnknownPerson
from bot.outbox import Notifier, Notifiers
from bot.record import RecordEntry, changes_since
from handlers.teams import forms
from handlers.teams.deps import Caller, TeamsDeps, person_for
from handlers.teams.notify import teams_identity
from messages import teams as cards
from messages.record import record_text
from messages.teams import Field, Verb
from messages.text import already_done, dispute_view, help_lines, not_in_directory, refusal, stale_text, when


@dataclass(frozen=True)
class Reply:
    """A card to show in place of the one the person used, or (card None) a private message."""

    card: dict[str, Any] | None = None
    text: str = ""
    changed: bool = False  # something was saved: deliver the outbox soon


def refused(text: str) -> Reply:
    return Reply(text=text)


# --- commands ------------------------------------------------------------------------------------


def _directory(deps: TeamsDeps) -> Directory:
    with deps.uow() as uow:
        return uow.directory.load()


def _stranger(directory: Directory, caller: Caller) -> Reply:
    return refused(not_in_directory(directory, platform="Teams", user_id=caller.shown_id))


def teams_help_lines(deps: TeamsDeps) -> list[str]:
    # the shared lines name Slack's slash command; in Teams the words are sent to the bot
    return [line.replace("/disagree list", "list").replace("/disagree", "disagree") for line in help_lines(deps.policy)]


def help_reply(deps: TeamsDeps, unknown: str = "") -> Reply:
    lines = teams_help_lines(deps)
    if unknown:
        lines = [f"Parley doesn't know '{unknown[:60]}'. Try disagree, list or help.", *lines]
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
    other_agency = form.other_agency
    if form.other_person:
        other = directory.person(form.other_person)
        if other is None:
            errors = {Field.OTHER_PERSON.value: "That person isn't in Parley's directory. Choose their agency and give their role below."}
            return Reply(card=_intake_card(deps, directory, raiser.id, values=values, errors=errors, origin=chat))
        if other_agency is None:
            # not said: the agency they work in that the raiser doesn't (the core checks they are in it)
            theirs = _agencies_of(other) or list(other.agencies)
            other_agency = next((a for a in theirs if a not in raiser.agencies), theirs[0])
    try:
        outcome = services.open_dispute(
            services.OpenDispute(
                raiser=raiser.id,
                raiser_agency=form.raiser_agency,
                reference=form.reference,
                category=form.category,
                other_agency=other_agency or "",
                other_person=form.other_person,
                other_description=form.other_description,
                problem=form.problem,
                cause=form.cause,
                outcome=form.outcome,
                discussed=form.discussed,
                immediate_risk=form.immediate_risk,
                # the same card submitted twice (a double click, a retried invoke) opens one dispute
                idempotency_key=f"teams:{caller.tenant}:card:{card_id}" if card_id else None,
            ),
            uow=deps.uow(),
            policy=deps.policy,
            calendar=deps.calendar,
            now=now,
            notifier=_notifier_for(deps, chat, caller.tenant),
        )
    except InvalidInput as exc:
        shown = forms.field_errors(exc.errors, [*_INTAKE_FIELDS, Field.RAISER_AGENCY], Field.PROBLEM)
        return Reply(card=_intake_card(deps, directory, raiser.id, values=values, errors=shown, origin=chat))
    except UnknownPerson:
        return _stranger(directory, caller)
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


# --- buttons on a dispute ----------------------------------------------------------------------------

# Moves whose sense depends on the state the person saw: a click on an older card is refused.
# (A note or the record doesn't depend on it.)
DECISIONS = frozenset({Verb.RESOLVE, Verb.ESCALATE, Verb.WITHDRAW, Verb.CLOSE_UNRESOLVED})


@dataclass(frozen=True)
class Ready:
    person_id: str
    dispute: Dispute
    directory: Directory
    entries: list[RecordEntry]

    @property
    def last_seq(self) -> int:
        return self.entries[-1].seq if self.entries else 0


def _read(deps: TeamsDeps, caller: Caller, dispute_id: str) -> Ready | Reply:
    with deps.uow() as uow:
        directory = uow.directory.load()
        person = person_for(directory, caller)
        if person is None:
            return _stranger(directory, caller)
        try:
            dispute = uow.disputes.get(dispute_id)
        except DisputeNotFound as exc:
            return refused(str(exc))
        entries = uow.disputes.record(dispute_id)
    return Ready(person.id, dispute, directory, entries)


# The core's move behind each card action that opens a form or acts (View record and Back have their own rule).
MOVES = {
    Verb.RESOLVE: Action.PROPOSE_RESOLUTION,
    Verb.RESOLVE_SUBMIT: Action.PROPOSE_RESOLUTION,
    Verb.ESCALATE: Action.ESCALATE,
    Verb.ESCALATE_SUBMIT: Action.ESCALATE,
    Verb.ADD_NOTE: Action.ADD_NOTE,
    Verb.ADD_NOTE_SUBMIT: Action.ADD_NOTE,
    Verb.NOT_AGREED: Action.REJECT_RESOLUTION,
    Verb.CONFIRM: Action.CONFIRM_RESOLUTION,
    Verb.WITHDRAW: Action.WITHDRAW,
    Verb.WITHDRAW_SUBMIT: Action.WITHDRAW,
    Verb.CLOSE_UNRESOLVED: Action.CLOSE_UNRESOLVED,
    Verb.CLOSE_UNRESOLVED_SUBMIT: Action.CLOSE_UNRESOLVED,
}


def _may(deps: TeamsDeps, verb: Verb, ready: Ready, now: datetime) -> str | None:
    """Why this person may not do it, or None: the core's own rules, tried without saving anything."""
    by = ready.person_id
    try:
        if verb in (Verb.VIEW_RECORD, Verb.BACK):
            if not _may_see(ready):
                raise NotAllowed(by, "see its record", "the people involved in this disagreement")
        elif verb in MOVES:
            transitions.check_move(
                ready.dispute, MOVES[verb], by=by, policy=deps.policy, directory=ready.directory, calendar=deps.calendar, now=now
            )
    except (NotAllowed, IllegalTransition) as exc:
        return refusal(exc)
    return None


def _version(data: Mapping[str, Any]) -> int | None:
    raw = data.get("version")
    if isinstance(raw, int):
        return raw
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def _current_card(deps: TeamsDeps, ready: Ready, *, notice: str = "") -> dict[str, Any]:
    view = dispute_view(ready.dispute, ready.directory, deps.policy)
    return cards.root_card(view, teams_ids=_thread_ids(deps, ready.directory, view), notice=notice)


def _may_see(ready: Ready) -> bool:
    return transitions.may_see_record(ready.dispute, ready.person_id, ready.directory)


def _stale(deps: TeamsDeps, ready: Ready, text: str) -> Reply:
    """A card saying who did what (the dispute as it is now, with its buttons), to the people who may see it."""
    if not _may_see(ready):
        return refused("Only the people involved in this disagreement can use its buttons. Nothing has changed.")
    view = dispute_view(ready.dispute, ready.directory, deps.policy)
    card = cards.root_card(view, teams_ids=_thread_ids(deps, ready.directory, view))
    card["body"].insert(1, cards.text_block(cards.esc(text), color="Attention", id="stale"))
    return Reply(card=card)


def click(deps: TeamsDeps, caller: Caller, verb: Verb, data: Mapping[str, Any], now: datetime) -> Reply:
    """Resolve / Escalate / Close unresolved / Add note / View record / Withdraw / Back: check, then show the
    form (or the record, or the card)."""
    ready = _read(deps, caller, str(data.get("dispute_id", "")))
    if isinstance(ready, Reply):
        return ready
    version = _version(data)
    if verb in DECISIONS and version is not None and version != ready.dispute.version:
        # notes and the record don't depend on the state, so only decisions refuse an old card
        return _stale(deps, ready, stale_text(ready.entries, ready.directory, now, shown="card"))
    why_not = _may(deps, verb, ready, now)
    if why_not:
        return refused(why_not)
    view = dispute_view(ready.dispute, ready.directory, deps.policy)
    form_data = {"dispute_id": ready.dispute.id, "version": ready.dispute.version, "seq": ready.last_seq}
    match verb:
        case Verb.RESOLVE:
            return Reply(card=cards.resolve_form(view, form_data))
        case Verb.ESCALATE:
            next_stage = deps.policy.stages[ready.dispute.stage_index + 1].name
            return Reply(card=cards.escalate_form(view, form_data, next_stage=next_stage))
        case Verb.ADD_NOTE:
            return Reply(card=cards.note_form(view, form_data))
        case Verb.WITHDRAW:
            return Reply(card=cards.withdraw_form(view, form_data))
        case Verb.CLOSE_UNRESOLVED:
            return Reply(card=cards.close_unresolved_form(view, form_data))
        case Verb.VIEW_RECORD:
            text = record_text(ready.dispute, ready.entries, directory=ready.directory, policy=deps.policy)
            return Reply(card=cards.record_card(view, text))
    return Reply(card=_current_card(deps, ready))


def submit(deps: TeamsDeps, caller: Caller, verb: Verb, data: Mapping[str, Any], now: datetime) -> Reply:
    """A form on a dispute was submitted: check the fields, then make the move with the version the person saw."""
    ready = _read(deps, caller, str(data.get("dispute_id", "")))
    if isinstance(ready, Reply):
        return ready
    view = dispute_view(ready.dispute, ready.directory, deps.policy)
    values = forms.values_of(data)
    form_data = {k: data[k] for k in ("dispute_id", "version", "seq") if k in data}

    def again(errors: Mapping[str, str]) -> Reply:
        match verb:
            case Verb.RESOLVE_SUBMIT:
                return Reply(card=cards.resolve_form(view, form_data, values=values, errors=errors))
            case Verb.ESCALATE_SUBMIT:
                next_stage = deps.policy.stages[min(ready.dispute.stage_index + 1, deps.policy.last_index)].name
                return Reply(card=cards.escalate_form(view, form_data, next_stage=next_stage, values=values, errors=errors))
            case Verb.WITHDRAW_SUBMIT:
                return Reply(card=cards.withdraw_form(view, form_data, values=values, errors=errors))
            case Verb.CLOSE_UNRESOLVED_SUBMIT:
                return Reply(card=cards.close_unresolved_form(view, form_data, values=values, errors=errors))
        return Reply(card=cards.note_form(view, form_data, values=values, errors=errors))

    fields: dict[str, str]
    match verb:
        case Verb.RESOLVE_SUBMIT:
            fields, errors = forms.read_resolve(data)
            present, main = [Field.AGREED_OUTCOME, Field.OUTSTANDING_ISSUES, Field.LEARNING_POINTS], Field.AGREED_OUTCOME
        case Verb.ESCALATE_SUBMIT | Verb.WITHDRAW_SUBMIT | Verb.CLOSE_UNRESOLVED_SUBMIT:
            reason, errors = forms.read_reason(data)
            fields, present, main = {"reason": reason}, [Field.REASON], Field.REASON
        case _:
            note, errors = forms.read_note(data)
            fields, present, main = {"note": note}, [Field.NOTE], Field.NOTE
    if errors:
        return again(errors)
    # Someone else's note while this form was open is no reason to refuse it; anything else is.
    since = int(data.get("seq", 0) or 0)
    changed = changes_since(ready.entries, since)
    if since and changed:
        return _stale(deps, ready, stale_text(ready.entries, ready.directory, now, after=since, shown="card"))
    common = {"dispute_id": ready.dispute.id, "by": ready.person_id, "expected_version": ready.dispute.version}
    run: Callable[[], services.Outcome]
    match verb:
        case Verb.RESOLVE_SUBMIT:
            propose = services.ProposeResolution(**common, **fields)
            run = lambda: services.propose_resolution(propose, uow=deps.uow(), now=now, notifier=deps.notifier)  # noqa: E731
            done = "You proposed a resolution. The other side is asked to confirm it in writing."
        case Verb.ESCALATE_SUBMIT:
            escalate = services.Escalate(**common, reason=fields["reason"])
            run = lambda: services.escalate(  # noqa: E731
                escalate, uow=deps.uow(), policy=deps.policy, calendar=deps.calendar, now=now, notifier=deps.notifier
            )
            done = "You escalated it. Parley has told the people at the next stage in both agencies."
        case Verb.WITHDRAW_SUBMIT:
            withdraw = services.Withdraw(**common, reason=fields["reason"])
            run = lambda: services.withdraw(withdraw, uow=deps.uow(), now=now, notifier=deps.notifier)  # noqa: E731
            done = "You withdrew it. Both agencies are told, and everything so far stays on the record."
        case Verb.CLOSE_UNRESOLVED_SUBMIT:
            close = services.CloseUnresolved(**common, reason=fields["reason"])
            run = lambda: services.close_unresolved(  # noqa: E731
                close, uow=deps.uow(), policy=deps.policy, now=now, notifier=deps.notifier
            )
            done = "You closed it as unresolved. Both agencies are told, and the reason is on the record."
        case _:
            note_cmd = services.AddNote(**{**common, "expected_version": None}, text=fields["note"])
            run = lambda: services.add_note(note_cmd, uow=deps.uow(), now=now, notifier=deps.notifier)  # noqa: E731
            done = "Your note is on the record and in every thread."
    try:
        outcome = run()
    except InvalidInput as exc:
        return again(forms.field_errors(exc.errors, present, main))
    except StaleAction as exc:
        return _stale(deps, ready, already_done(exc.by, exc.what, exc.at, today=now))
    except (NotAllowed, IllegalTransition) as exc:
        return refused(refusal(exc))
    after = Ready(ready.person_id, outcome.dispute, ready.directory, ready.entries)
    return Reply(card=_current_card(deps, after, notice=f"{done} ({when(now, today=now)})"), changed=True)


def answer_proposal(deps: TeamsDeps, caller: Caller, verb: Verb, data: Mapping[str, Any], now: datetime) -> Reply:
    """Confirm or Not agreed, on the card that asked for written confirmation."""
    ready = _read(deps, caller, str(data.get("dispute_id", "")))
    if isinstance(ready, Reply):
        return ready
    dispute = ready.dispute
    token = str(data.get("proposal", ""))
    if dispute.status is not Status.AWAITING_CONFIRMATION or dispute.proposal is None or cards.proposal_token(dispute.proposal.at) != token:
        return _stale(deps, ready, stale_text(ready.entries, ready.directory, now, shown="card"))
    why_not = _may(deps, verb, ready, now)
    if why_not:
        return refused(why_not)
    view = dispute_view(dispute, ready.directory, deps.policy)
    values = forms.values_of(data)
    common = {"dispute_id": dispute.id, "by": ready.person_id, "expected_version": dispute.version}
    if verb is Verb.CONFIRM:
        statement, errors = forms.read_statement(data)
        if errors:
            return Reply(card=cards.confirm_request_card(view, values=values, errors=errors))
        try:
            outcome = services.confirm_resolution(
                services.ConfirmResolution(**common, statement=statement), uow=deps.uow(), policy=deps.policy, now=now, notifier=deps.notifier
            )
        except StaleAction as exc:
            return _stale(deps, ready, already_done(exc.by, exc.what, exc.at, today=now))
        except (NotAllowed, IllegalTransition) as exc:
            return refused(refusal(exc))
        tail = " Both sides have now confirmed: it is resolved." if not outcome.dispute.status.is_active else ""
        text = f"You confirmed the agreed outcome for case {dispute.reference} at {when(now)}. It's on the record.{tail}"
        return Reply(card=cards.message_card("Confirmed", text, color="Good"), changed=True)
    reason, errors = forms.read_reason(data)
    if errors:
        errors = {Field.REASON.value: "Please say what isn't agreed." if not reason else errors[Field.REASON.value]}
        return Reply(card=cards.confirm_request_card(view, values=values, errors=errors))
    try:
        services.reject_resolution(services.RejectResolution(**common, reason=reason), uow=deps.uow(), now=now, notifier=deps.notifier)
    except InvalidInput as exc:
        return Reply(card=cards.confirm_request_card(view, values=values, errors=forms.field_errors(exc.errors, [Field.REASON], Field.REASON)))
    except StaleAction as exc:
        return _stale(deps, ready, already_done(exc.by, exc.what, exc.at, today=now))
    except (NotAllowed, IllegalTransition) as exc:
        return refused(refusal(exc))
    text = f"You said the proposed resolution for case {dispute.reference} is not agreed, at {when(now)}. It's on the record."
    return Reply(card=cards.message_card("Not agreed", text), changed=True)


def act(deps: TeamsDeps, caller: Caller, data: Mapping[str, Any], card_id: str, now: datetime) -> Reply:
    """Any button on any Parley card, by its verb."""
    try:
        verb = Verb(str(data.get("verb", "")))
    except ValueError:
        return refused("Parley doesn't recognise that button. Nothing has changed.")
    match verb:
        case Verb.INTAKE:
            return open_from_card(deps, caller, data, card_id, now)
        case Verb.RESOLVE_SUBMIT | Verb.ESCALATE_SUBMIT | Verb.ADD_NOTE_SUBMIT | Verb.WITHDRAW_SUBMIT | Verb.CLOSE_UNRESOLVED_SUBMIT:
            return submit(deps, caller, verb, data, now)
        case Verb.CONFIRM | Verb.NOT_AGREED:
            return answer_proposal(deps, caller, verb, data, now)
    return click(deps, caller, verb, data, now)
