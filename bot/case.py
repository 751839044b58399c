"""A professional disagreement as the core holds it: its state, its parties, the moves each state allows."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from bot.events import Event
from bot.kinds import SideName
from bot.routing import Routing, Side

RAISER = SideName.RAISER
OTHER = SideName.OTHER
PARTNERSHIP_SIDE = SideName.PARTNERSHIP
PARTY_SIDES = (RAISER, OTHER)

MAX_TEXT = 2900  # a Slack section block shows 3000 characters; keep room for the label
MAX_REASON = 1000
STATEMENT_MAX = 500  # a written confirmation, in the person's own words: short


class Status(enum.Enum):
    OPEN = "open"
    AWAITING_CONFIRMATION = "awaiting confirmation"
    RESOLVED = "resolved"
    CLOSED_UNRESOLVED = "closed unresolved"
    WITHDRAWN = "withdrawn"

    @property
    def is_active(self) -> bool:
        return self in (Status.OPEN, Status.AWAITING_CONFIRMATION)


class Action(enum.Enum):
    ADD_NOTE = "add a note"
    ESCALATE = "escalate"
    ESCALATE_AUTOMATICALLY = "escalate automatically"
    NOTE_MISSED_DEADLINE = "note a missed timescale"
    PROPOSE_RESOLUTION = "propose a resolution"
    CONFIRM_RESOLUTION = "confirm the resolution"
    REJECT_RESOLUTION = "reject the resolution"
    CLOSE_UNRESOLVED = "close it as unresolved"
    WITHDRAW = "withdraw it"


ALLOWED: dict[Status, frozenset[Action]] = {
    Status.OPEN: frozenset(
        {
            Action.ADD_NOTE,
            Action.ESCALATE,
            Action.ESCALATE_AUTOMATICALLY,
            Action.NOTE_MISSED_DEADLINE,
            Action.PROPOSE_RESOLUTION,
            Action.CLOSE_UNRESOLVED,
            Action.WITHDRAW,
        }
    ),
    # While a proposal waits for the other side, the clock keeps running: a missed timescale
    # still escalates (and the proposal lapses), so a silent party cannot stall the dispute.
    Status.AWAITING_CONFIRMATION: frozenset(
        {
            Action.ADD_NOTE,
            Action.ESCALATE_AUTOMATICALLY,
            Action.NOTE_MISSED_DEADLINE,
            Action.CONFIRM_RESOLUTION,
            Action.REJECT_RESOLUTION,
            Action.WITHDRAW,
        }
    ),
    Status.RESOLVED: frozenset(),
    Status.CLOSED_UNRESOLVED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


@dataclass(frozen=True)
class Party:
    agency: str
    person_id: str | None  # None when the other party is known only as an agency (and role)
    description: str = ""  # e.g. "duty team manager" when the person is not in the directory

    @property
    def side(self) -> Side:
        return Side(agency=self.agency, party=self.person_id)


@dataclass(frozen=True)
class Proposal:
    by: str
    side: str
    at: datetime
    agreed_outcome: str
    outstanding_issues: str
    learning_points: str


@dataclass(frozen=True)
class Confirmation:
    side: str
    by: str
    at: datetime
    statement: str


@dataclass
class Dispute:
    id: str
    reference: str
    category: str
    raiser: Party
    other: Party
    problem: str
    cause: str
    outcome: str
    discussed: bool
    immediate_risk: bool
    policy_name: str
    opened_at: datetime
    stage_index: int
    stage_started_at: datetime
    deadline: datetime
    status: Status = Status.OPEN
    formal_challenge: bool = False
    routing: Routing = field(default_factory=lambda: Routing(assignees=(), flags=()))
    involved: frozenset[str] = frozenset()
    proposal: Proposal | None = None
    confirmations: tuple[Confirmation, ...] = ()
    closed_at: datetime | None = None
    deadline_missed: bool = False  # the miss at this stage is on the record (remind-and-wait stages)
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False, compare=False)

    def party_side(self, person_id: str) -> str | None:
        """RAISER or OTHER when the person is one of the two parties."""
        if person_id == self.raiser.person_id:
            return RAISER
        if self.other.person_id is not None and person_id == self.other.person_id:
            return OTHER
        return None

    def acting_side(self, person_id: str) -> str | None:
        """The side a person acts for at the current stage: as a party, or as someone asked to act."""
        return self.party_side(person_id) or self.routing.side_of(person_id)

    @property
    def confirmed_sides(self) -> frozenset[str]:
        return frozenset(c.side for c in self.confirmations)


# --- helpers ------------------------------------------------------------------------------------


def sides_to_confirm(dispute: Dispute) -> tuple[str, ...]:
    """The party sides whose written confirmation is still missing."""
    return tuple(s for s in PARTY_SIDES if s not in dispute.confirmed_sides)


def confirmers(dispute: Dispute) -> list[str]:
    """Everyone who may confirm for a side whose confirmation is missing (the party, then those
    asked to act on that side), each once, in that order."""
    ids: list[str] = []
    for side in sides_to_confirm(dispute):
        party = dispute.raiser if side == RAISER else dispute.other
        if party.person_id:
            ids.append(party.person_id)
        ids += dispute.routing.people(side)
    return list(dict.fromkeys(ids))
