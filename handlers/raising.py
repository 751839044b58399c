"""Raising a disagreement from an intake form, once for every platform.

Slack and Teams read their own form into a `bot.intake.Intake` and find the people; this picks the
other party's agency when it wasn't said, opens the dispute with the platform's idempotency key,
and returns the dispute or the field errors (by field name, as both platforms name their inputs).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot import moves, opening
from bot.directory import PARTNERSHIP, Person
from bot.errors import InvalidInput
from bot.intake import Intake
from bot.outbox import Notifier
from bot.ports import UnitOfWork
from handlers.interaction import Env
from messages.problems import word_errors
from storage.group_commit import GroupedUnitOfWork, NotGrouped


def other_agency_of(other: Person, raiser: Person) -> str:
    """Not said on the form: the agency the other person works in that the raiser doesn't (the core
    checks they are in it); the partnership is never a party."""
    theirs = [a for a in other.agencies if a != PARTNERSHIP] or list(other.agencies)
    return next((a for a in theirs if a not in raiser.agencies), theirs[0])


def raise_dispute(
    env: Env,
    form: Intake,
    *,
    raiser: Person,
    other: Person | None,
    key: str | None,
    now: datetime,
    notifier: Notifier | None = None,
    grouped: sessionmaker[Session] | None = None,
) -> moves.Outcome | dict[str, str]:
    """Open the dispute (the same key twice opens one); or the errors to show beside the fields.

    With `grouped`, its writes are committed with those of the other forms being saved at the same moment,
    in one transaction (storage/group_commit.py), and in one of its own if the group can't take them."""
    other_agency = form.other_agency
    if other is not None and other_agency is None:
        other_agency = other_agency_of(other, raiser)
    command = opening.OpenDispute(
        raiser=raiser.id,
        raiser_agency=form.raiser_agency,
        reference=form.reference,
        category=form.category,
        other_agency=other_agency or "",
        other_person=other.id if other else None,
        other_description=form.other_description,
        problem=form.problem,
        cause=form.cause,
        outcome=form.outcome,
        discussed=form.discussed,
        immediate_risk=form.immediate_risk,
        idempotency_key=key,
    )

    def open_in(uow: UnitOfWork) -> moves.Outcome:
        return opening.open_dispute(command, uow=uow, policy=env.policy, calendar=env.calendar, now=now, notifier=notifier or env.notifier)

    try:
        if grouped is not None:
            try:  # committed with the other forms saved at this moment (storage/group_commit.py)
                return open_in(GroupedUnitOfWork(grouped))
            except NotGrouped:  # nothing of it was kept: the ordinary way, in a transaction of its own
                pass
        return open_in(env.uow())
    except InvalidInput as exc:
        return word_errors(exc.errors)
