"""The closed sets of names the core uses, as enums (their values are what the database keeps)."""

from __future__ import annotations

import enum


class SideName(enum.StrEnum):
    """Whose side someone acts for in a dispute."""

    RAISER = "raiser"
    OTHER = "other"
    PARTNERSHIP = "partnership"


class EventKind(enum.StrEnum):
    """The kind of a record entry (kept as its value in the record table)."""

    OPENED = "opened"
    STAGE_STARTED = "stage started"
    FORMAL_CHALLENGE = "formal challenge lodged"
    NOTE = "note"
    ESCALATED = "escalated"
    PROPOSED = "resolution proposed"
    CONFIRMED = "resolution confirmed"
    REJECTED = "resolution not agreed"
    RESOLVED = "resolved"
    CLOSED_UNRESOLVED = "closed: decision unchanged, disagreement remains"
    WITHDRAWN = "withdrawn"
    DEADLINE_MISSED = "timescale missed"
    UNREACHABLE = "person unreachable"


class NudgeKind(enum.StrEnum):
    """What a reminder is about (the overdue ones are kept numbered: 'overdue 1', 'overdue 2')."""

    HALF_WAY = "half way"
    DUE_DAY_MORNING = "morning of due day"
    AT_DEADLINE = "at deadline"
    OVERDUE = "overdue"


class Platform(enum.StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
