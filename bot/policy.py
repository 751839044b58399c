"""Escalation policies: the stages of a partnership's procedure, who acts at each, and their timescales.

The types here are the core's view of a policy. Files are read elsewhere (handlers/files.py)
into plain mappings and handed to `parse_policy` (bot/policy_file.py), which validates them and
reports every error with its line.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import time

from bot.identifiers import ReferenceFormat
from bot.problems import InvalidFile, LineOf, Problem

# Roles that are relative to a party rather than held in an agency.
PRACTITIONER = "practitioner"
LINE_MANAGER = "line_manager"
RELATIVE_ROLES = (PRACTITIONER, LINE_MANAGER)
DEFAULT_ROLE_NAMES = {PRACTITIONER: "practitioner", LINE_MANAGER: "line manager"}


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


class Sides(enum.Enum):
    BOTH = "both"  # each_agency roles are asked in both agencies
    RAISER = "raiser"  # only the challenging professional's agency (e.g. reflecting with co-workers first)


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
    sides: Sides = Sides.BOTH

    @property
    def roles(self) -> tuple[str, ...]:
        return self.each_agency + self.partnership


@dataclass(frozen=True)
class UrgentPath:
    starts_at: str  # stage id
    timescale: Timescale  # applies to every stage on the urgent path
    guidance: str = ""


class AfterRetention(enum.Enum):
    ANONYMISE = "anonymise"  # names and free text removed, the shape of the dispute kept for reports
    DELETE = "delete"


@dataclass(frozen=True)
class Retention:
    """How long a closed dispute is kept, and what then happens to it."""

    keep_closed_days: int = 6 * 365  # 6 years: a default; set the partnership's own schedule
    then: AfterRetention = AfterRetention.ANONYMISE

    def describe(self) -> str:
        years, days = divmod(self.keep_closed_days, 365)
        span = f"{years} year{'s' if years != 1 else ''}" if not days else f"{self.keep_closed_days} days"
        return f"kept for {span} after closing, then {'anonymised' if self.then is AfterRetention.ANONYMISE else 'deleted'}"


@dataclass(frozen=True)
class LearningRouting:
    """Where learning answers go, who owns the procedure, and whether closing asks about a case review."""

    slack_channel: str = ""  # a Slack channel id for learning answers, or ""
    teams_channel: str = ""  # a Teams channel id for learning answers, or ""
    tell: tuple[str, ...] = ()  # partnership roles told of learning answers (beside `learning_to`)
    procedure_owner: str = ""  # partnership role told when someone says the procedure was unclear
    case_review_prompt: bool = False  # closing asks whether to consider a multi-agency case review


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
    case_references: tuple[ReferenceFormat, ...] = ()  # the partnership's forms; () accepts any safe one
    between_agencies_only: bool = False  # a dispute inside one agency follows its in-house procedure
    role_names: tuple[tuple[str, str], ...] = ()  # (role id, display name)
    learning: LearningRouting = LearningRouting()
    retention: Retention = Retention()

    def role_label(self, role_id: str) -> str:
        """The role's display name from the policy, else its id in words ('line_manager' -> 'line manager')."""
        for role, name in self.role_names:
            if role == role_id:
                return name
        return DEFAULT_ROLE_NAMES.get(role_id) or role_id.replace("_", " ").strip()

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


PolicyError = Problem


class InvalidPolicy(InvalidFile):
    """The policy has problems; `errors` lists every one, `source` names the file when known."""

    what = "escalation policy"


def parse_timescale(text: str, counted_from: CountedFrom = CountedFrom.STAGE_START) -> Timescale:
    """Read '5 working days', '24 hours', '4 working hours' or 'same working day'; ValueError says why not."""
    from bot.policy_sections import parse_timescale as parse  # the parser imports this module's types

    return parse(text, counted_from)


def parse_policy(data: object, line_of: LineOf = lambda path: None) -> Policy:
    """Check a policy read from a file and build it; raise InvalidPolicy listing every error with its line."""
    from bot.policy_file import parse_policy as parse  # the parser imports this module's types

    return parse(data, line_of)
