"""What happened to a dispute, in the past tense. Transitions return these; adapters turn them into messages."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from bot.kinds import EventKind


@dataclass(frozen=True)
class Event:
    dispute_id: str
    at: datetime
    actor: str | None  # person id; None when Parley acted on its own (a missed timescale)

    kind: ClassVar[str] = "event"

    def details(self) -> dict[str, Any]:
        """The event's own fields as plain JSON-ready values, for the record."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("dispute_id", "at", "actor"):
                continue
            out[f.name] = _plain(getattr(self, f.name))
        return out


_AS_THEY_ARE = frozenset({str, int, float, bool})  # most fields: JSON-ready already


def _plain(value: Any) -> Any:
    if value is None or type(value) in _AS_THEY_ARE:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


@dataclass(frozen=True)
class DisputeOpened(Event):
    reference: str
    category: str
    raiser: str
    raiser_agency: str
    other: str | None
    other_agency: str
    problem: str
    cause: str
    outcome: str
    discussed: bool
    immediate_risk: bool
    kind: ClassVar[str] = EventKind.OPENED


@dataclass(frozen=True)
class StageStarted(Event):
    """People at a stage were asked to act; the deadline runs from here."""

    stage_id: str
    stage_name: str
    deadline: datetime
    asked: tuple[tuple[str, str, str, str], ...]  # (person id, side, agency, role)
    flags: tuple[str, ...]
    kind: ClassVar[str] = EventKind.STAGE_STARTED


@dataclass(frozen=True)
class FormalChallengeLodged(Event):
    stage_id: str
    kind: ClassVar[str] = EventKind.FORMAL_CHALLENGE


@dataclass(frozen=True)
class NoteAdded(Event):
    text: str
    kind: ClassVar[str] = EventKind.NOTE


@dataclass(frozen=True)
class DisputeEscalated(Event):
    from_stage: str
    to_stage: str
    reason: str
    automatic: bool  # True when the timescale was missed
    waiting_on: tuple[str, ...]  # who had been asked to act at the stage it left
    proposal_lapsed: bool = False
    kind: ClassVar[str] = EventKind.ESCALATED


@dataclass(frozen=True)
class ResolutionProposed(Event):
    side: str
    agreed_outcome: str
    outstanding_issues: str  # how outstanding issues will be pursued
    learning_points: str
    kind: ClassVar[str] = EventKind.PROPOSED


@dataclass(frozen=True)
class ResolutionConfirmed(Event):
    side: str
    statement: str
    kind: ClassVar[str] = EventKind.CONFIRMED


@dataclass(frozen=True)
class ResolutionRejected(Event):
    side: str
    reason: str
    kind: ClassVar[str] = EventKind.REJECTED


@dataclass(frozen=True)
class DisputeResolved(Event):
    agreed_outcome: str
    outstanding_issues: str
    learning_points: str
    learning_to: str  # partnership role that receives the learning points
    learning_group: str
    kind: ClassVar[str] = EventKind.RESOLVED


@dataclass(frozen=True)
class DisputeClosedUnresolved(Event):
    reason: str
    kind: ClassVar[str] = EventKind.CLOSED_UNRESOLVED


@dataclass(frozen=True)
class DisputeWithdrawn(Event):
    reason: str
    kind: ClassVar[str] = EventKind.WITHDRAWN


@dataclass(frozen=True)
class DeadlineMissed(Event):
    """The timescale ran out at a stage whose policy says remind and wait."""

    stage_id: str
    deadline: datetime
    waiting_on: tuple[str, ...]
    kind: ClassVar[str] = EventKind.DEADLINE_MISSED


@dataclass(frozen=True)
class PersonUnreachable(Event):
    """Parley could not deliver a direct message about this dispute to someone, on their platform, for good.

    Recorded beside the dispute's moves, not as one: the dispute itself does not change (nor its
    version), so a card someone has open stays current.
    """

    person_id: str  # the directory's id; the platform's user id when they are no longer listed
    agency: str  # the agency they act for in this dispute
    platform: str  # a Platform value
    reason: str  # why, in plain words
    kind: ClassVar[str] = EventKind.UNREACHABLE


# Record entries that say what happened around a dispute without changing it: a card or form shown
# before one of them is still current, and "someone else acted meanwhile" never names one.
ASIDES = frozenset({PersonUnreachable.kind})
