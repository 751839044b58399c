"""Opening a dispute: the command a raiser's form makes, and the use case that opens it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from bot import dispute as transitions
from bot.calendar import WorkingCalendar
from bot.dispute import Party
from bot.errors import Code, ConcurrentUpdate, InvalidInput, UnknownPerson, problem
from bot.intake import checked_reference, same_agency_problem
from bot.moves import Outcome
from bot.outbox import Notifier
from bot.policy import Policy
from bot.ports import NO_NOTIFIER, UnitOfWork
from bot.scheduling import schedule_reminders


@dataclass(frozen=True)
class OpenDispute:
    raiser: str  # person id
    reference: str
    category: str
    other_agency: str
    problem: str
    outcome: str
    cause: str = ""
    other_person: str | None = None
    other_description: str = ""
    raiser_agency: str | None = None  # needed only when the raiser works in more than one agency
    discussed: bool = False
    immediate_risk: bool = False
    formal_challenge: bool = False
    idempotency_key: str | None = None  # the same key twice opens one dispute


def open_dispute(
    cmd: OpenDispute,
    *,
    uow: UnitOfWork,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    notifier: Notifier = NO_NOTIFIER,
    new_id: Callable[[], str] = lambda: uuid4().hex,
) -> Outcome:
    """Open a dispute; the same idempotency key twice returns the first one and records nothing new.

    One transaction, and no look-up of the key before it (a form is nearly always submitted once):
    everything is worked out before the first write, and the dispute is inserted before its
    messages and reminders, so a key already taken fails at once on its unique index; the first
    dispute is then read back. A replay that the directory or the checks would now refuse
    (UnknownPerson, InvalidInput) gets the first dispute too.
    """
    reference = checked_reference(cmd.reference, policy.case_references)
    try:
        with uow:
            directory = uow.directory.load()
            raiser = directory.person(cmd.raiser)
            if raiser is None:
                raise UnknownPerson(cmd.raiser)
            raiser_agency = cmd.raiser_agency or raiser.agencies[0]
            if raiser.membership(raiser_agency) is None:
                raise InvalidInput({"raiser_agency": problem(Code.NOT_IN_AGENCY, agency=directory.agency_name(raiser_agency), person="")})
            if cmd.other_agency not in directory.agencies:
                raise InvalidInput({"other_agency": problem(Code.NOT_LISTED, listed="agencies")})
            if in_house := same_agency_problem(policy, raiser_agency, cmd.other_agency):
                raise InvalidInput({"other_agency": in_house})
            if cmd.other_person is not None:
                other = directory.person(cmd.other_person)
                if other is None:
                    raise UnknownPerson(cmd.other_person)
                if other.membership(cmd.other_agency) is None:
                    raise InvalidInput(
                        {"other_agency": problem(Code.NOT_IN_AGENCY, agency=directory.agency_name(cmd.other_agency), person=other.name)}
                    )
            dispute = transitions.open_dispute(
                dispute_id=new_id(),
                reference=reference,
                category=cmd.category,
                raiser=Party(agency=raiser_agency, person_id=raiser.id),
                other=Party(agency=cmd.other_agency, person_id=cmd.other_person, description=cmd.other_description.strip()),
                problem=cmd.problem,
                cause=cmd.cause,
                outcome=cmd.outcome,
                discussed=cmd.discussed,
                immediate_risk=cmd.immediate_risk,
                formal_challenge=cmd.formal_challenge,
                policy=policy,
                directory=directory,
                calendar=calendar,
                now=now,
            )
            events = list(dispute.events)
            messages = notifier.messages_for(dispute, events, directory)
            uow.disputes.add(dispute, idempotency_key=cmd.idempotency_key)  # the first write: a key already taken fails here
            uow.outbox.add(messages, now)
            schedule_reminders(uow, dispute, events, policy=policy, calendar=calendar, now=now)
            uow.commit()
            return Outcome(dispute, events)
    except (ConcurrentUpdate, InvalidInput, UnknownPerson):
        # Someone committed the same idempotency key a moment before us, or this is a replay: theirs is the dispute.
        if not cmd.idempotency_key:
            raise
        with uow:
            existing = uow.disputes.by_idempotency_key(cmd.idempotency_key)
            if existing is None:
                raise
            return Outcome(existing, [])
