"""Errors the core raises: each carries what happened as codes and data; messages/ words them.

Their `str()` is for logs, never shown to people.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.permissions import Refusal


class ParleyError(Exception):
    """Base class: the request was refused and nothing changed."""


class DisputeNotFound(ParleyError):
    def __init__(self, dispute_id: str) -> None:
        super().__init__(f"There is no disagreement with id {dispute_id}.")  # the CLI prints it
        self.dispute_id = dispute_id


class UnknownPerson(ParleyError):
    def __init__(self, who: str) -> None:
        super().__init__(f"{who} is not in the directory")
        self.who = who


class InvalidInput(ParleyError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Refused(ParleyError):
    """The core's rules say no: `refusal` says why, or who can."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"{refusal.action} refused ({refusal.status}): {refusal.why or refusal.who}")
        self.refusal = refusal
        self.action = refusal.action
        self.status = refusal.status


class IllegalTransition(Refused):
    """Nobody can make this move in this state (or at this stage)."""


class NotAllowed(Refused):
    """Someone else can make this move, but not this person."""


class StaleAction(ParleyError):
    """The dispute changed since the person looked at it: someone else acted first."""

    def __init__(self, by: str | None, what: str, at: datetime | None) -> None:
        super().__init__(f"stale: {what} by {by or 'Parley'} at {at}")
        self.by = by
        self.what = what
        self.at = at


class ConcurrentUpdate(ParleyError):
    """Raised by a repository when the row changed under us (its version moved on)."""

    def __init__(self, dispute_id: str) -> None:
        super().__init__(f"dispute {dispute_id} changed under us")
        self.dispute_id = dispute_id
