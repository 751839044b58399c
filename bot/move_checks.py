"""May this move be made now, and by this person? The one rule a button and its move both follow."""

from __future__ import annotations

from datetime import datetime

from bot.calendar import WorkingCalendar
from bot.case import ALLOWED, Action, Dispute
from bot.directory import Directory
from bot.errors import IllegalTransition, NotAllowed
from bot.permissions import Refusal, Why, may
from bot.policy import Policy


def check(dispute: Dispute, action: Action, by: str | None = None, policy: Policy | None = None) -> None:
    """Raise the refusal `bot.permissions.may` gives, if any: a button and its move follow one rule."""
    if by is None:
        if action not in ALLOWED[dispute.status]:
            raise IllegalTransition(Refusal(action.value, dispute.status.value, why=Why.STATUS))
        return
    refusal = may(dispute, action, by=by, policy=policy)
    if refusal is not None:
        raise (NotAllowed if refusal.who else IllegalTransition)(refusal)


def cannot(dispute: Dispute, action: Action, why: Why) -> IllegalTransition:
    """The refusal for a move nobody can make now, for `why`."""
    return IllegalTransition(Refusal(action.value, dispute.status.value, why=why))


def check_move(
    dispute: Dispute,
    action: Action,
    *,
    by: str,
    policy: Policy,
    directory: Directory | None = None,
    calendar: WorkingCalendar | None = None,
    now: datetime | None = None,
) -> None:
    """Raise NotAllowed or IllegalTransition if `by` may not make this move now; changes nothing."""
    check(dispute, action, by, policy)
