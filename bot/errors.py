"""Errors the core raises. Each says, in plain words, why nothing changed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_LONDON = ZoneInfo("Europe/London")


class ParleyError(Exception):
    """Base class: the request was refused and nothing changed."""


class DisputeNotFound(ParleyError):
    def __init__(self, dispute_id: str) -> None:
        super().__init__(f"There is no disagreement with id {dispute_id}.")
        self.dispute_id = dispute_id


class UnknownPerson(ParleyError):
    def __init__(self, who: str) -> None:
        super().__init__(f"{who} is not in Parley's directory yet.")
        self.who = who


class InvalidInput(ParleyError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class IllegalTransition(ParleyError):
    def __init__(self, action: str, status: str, why: str = "") -> None:
        text = why or f"A disagreement that is {status} can't be {action}."
        super().__init__(text)
        self.action = action
        self.status = status


class NotAllowed(ParleyError):
    def __init__(self, person_id: str, action: str, who_may: str) -> None:
        super().__init__(f"Only {who_may} can {action} at this point.")
        self.person_id = person_id
        self.action = action
        self.who_may = who_may


class StaleAction(ParleyError):
    """The dispute changed since the person looked at it: someone else acted first."""

    def __init__(self, by: str | None, what: str, at: datetime | None) -> None:
        who = by or "Parley"
        when = f" at {at.astimezone(_LONDON):%H:%M on %a %d %b}" if at else ""
        super().__init__(f"Someone got there first: {what} by {who}{when}.")
        self.by = by
        self.what = what
        self.at = at


class ConcurrentUpdate(ParleyError):
    """Raised by a repository when the row changed under us (its version moved on)."""

    def __init__(self, dispute_id: str) -> None:
        super().__init__(f"Disagreement {dispute_id} was changed by someone else at the same moment.")
        self.dispute_id = dispute_id
