"""Escalation policies: the stages of a partnership's procedure, who acts at each, and their timescales.

The types here are the core's view of a policy. Files are read elsewhere (handlers/files.py)
into plain mappings and handed to `parse_policy`, which validates them and reports every
error with its line.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import time

# Roles that are relative to a party rather than held in an agency.
PRACTITIONER = "practitioner"
LINE_MANAGER = "line_manager"
RELATIVE_ROLES = (PRACTITIONER, LINE_MANAGER)


class TimescaleKind(enum.Enum):
    SAME_WORKING_DAY = "same working day"
    HOURS = "hours"  # elapsed clock hours
    WORKING_HOURS = "working hours"
    WORKING_DAYS = "working days"


class CountedFrom(enum.Enum):
    STAGE_START = "stage start"
    FIRST_ALERT = "first alert"


class WhenMissed(enum.Enum):
    ESCALATE = "escalate"
    REMIND = "remind"


class Nudge(enum.Enum):
    HALF_WAY = "half way"
    DUE_DAY_MORNING = "morning of due day"
    AT_DEADLINE = "at deadline"


@dataclass(frozen=True)
class Timescale:
    kind: TimescaleKind
    amount: int = 0  # unused for SAME_WORKING_DAY
    counted_from: CountedFrom = CountedFrom.STAGE_START

    def describe(self) -> str:
        """Plain words, e.g. '5 working days from entering the stage'."""
        if self.kind is TimescaleKind.SAME_WORKING_DAY:
            what = "same working day"
        else:
            unit = self.kind.value
            if self.amount == 1:
                unit = unit[:-1]
            what = f"{self.amount} {unit}"
        where = "from entering the stage" if self.counted_from is CountedFrom.STAGE_START else "from first alert"
        return f"{what} {where}"


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    each_agency: tuple[str, ...]  # practitioner | line_manager | an agency role, for both sides
    partnership: tuple[str, ...]  # partnership roles involved (not tied to a side)
    timescale: Timescale
    when_missed: WhenMissed
    nudges: tuple[Nudge, ...]
    guidance: str = ""  # one or two lines from the source, shown to people at this stage

    @property
    def roles(self) -> tuple[str, ...]:
        return self.each_agency + self.partnership


@dataclass(frozen=True)
class UrgentPath:
    starts_at: str  # stage id
    timescale: Timescale  # applies to every stage on the urgent path
    guidance: str = ""


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    source: str  # the seed file this preset is built from, or "" for a local file
    stages: tuple[Stage, ...]
    urgent: UrgentPath
    categories: tuple[str, ...]
    agency_roles: tuple[str, ...]
    partnership_roles: tuple[str, ...]
    learning_to: str  # partnership role that receives learning points
    learning_group: str  # where that role takes them, e.g. "LSCB sub-group"
    formal_challenge_from: str | None = None  # stage id from which the challenge is recorded as formal
    working_day_start: time = time(9, 0)
    working_day_end: time = time(17, 0)
    bank_holidays: str = "england-and-wales"
    digest: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def stage_index(self, stage_id: str) -> int:
        """Index of the stage with this id; KeyError if there is none."""
        for i, stage in enumerate(self.stages):
            if stage.id == stage_id:
                return i
        raise KeyError(stage_id)

    @property
    def last_index(self) -> int:
        return len(self.stages) - 1


BANK_HOLIDAY_REGIONS = ("england-and-wales", "scotland", "northern-ireland")
