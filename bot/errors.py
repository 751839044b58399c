"""Errors the core raises: each carries what happened as codes and data; messages/ words them.

Their `str()` is for logs, never shown to people.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

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


class Code(enum.StrEnum):
    """What is wrong with what someone typed or chose; the parameters each takes are beside it."""

    REQUIRED = "required"  # nothing where something must be
    TOO_LONG = "too long"  # limit, length: the characters allowed and given
    NOT_SAID = "not said"  # what: which answer is missing (a Missing)
    NOT_LISTED = "not listed"  # listed: "categories" | "agencies" | "themes"; value: the first one not listed (themes)
    NOT_IN_AGENCY = "not in agency"  # agency: its name; person: the other person's name, or "" for the person asking
    SAME_PERSON = "same person"  # the other party named is the raiser
    IN_HOUSE = "in house"  # both sides in one agency, where the policy is for disagreements between agencies
    NO_OTHER_PARTY = "no other party"  # neither the other professional nor their agency was given
    ROLE_NOT_NAME = "role not name"  # only an agency: their role is needed
    YES_OR_NO = "yes or no"
    BAD_CHARACTER = "bad character"  # bad: a bot.identifiers.BadCharacter
    IDENTIFIES = "identifies"  # found: a bot.identifiers.Found, in free text
    REFERENCE_MISSING = "reference missing"
    REFERENCE_TOO_LONG = "reference too long"  # limit
    REFERENCE_IDENTIFIES = "reference identifies"  # found: a bot.identifiers.Found
    REFERENCE_NO_DIGITS = "reference no digits"  # found: a bot.identifiers.Found or None
    REFERENCE_NOT_A_FORMAT = "reference not a format"  # formats: the policy's bot.identifiers.ReferenceFormat
    REFERENCE_CHARACTERS = "reference characters"  # a character a reference doesn't use
    NOT_A_PERIOD = "not a period"  # value: what was given
    PERIOD_TOO_SHORT = "period too short"
    ALREADY_PURGED = "already purged"
    ALREADY_ON_HOLD = "already on hold"
    NOT_ON_HOLD = "not on hold"
    UNKNOWN_FORMAT = "unknown format"  # value: the format asked for


class Missing(enum.StrEnum):
    """Which answer a NOT_SAID problem is missing."""

    HOLD_REASON = "hold reason"  # why the disagreement must be kept
    HOLD_BY = "hold by"  # who is placing the hold
    RELEASE_REASON = "release reason"  # why the hold can be lifted
    RELEASE_BY = "release by"  # who is lifting the hold


@dataclass(frozen=True)
class FieldProblem:
    """One field's problem: a code and its parameters (messages/problems.py words it)."""

    code: Code
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code.value} {dict(self.params)}" if self.params else self.code.value


def problem(code: Code, **params: Any) -> FieldProblem:
    """The problem `code` with these parameters."""
    return FieldProblem(code, params)


class InvalidInput(ParleyError):
    """Something typed or chosen won't do: the problem of each field, by field name."""

    def __init__(self, errors: Mapping[str, FieldProblem]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


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
