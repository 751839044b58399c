"""When to remind the people asked to act at a stage.

Nudges are planned when a stage starts and kept in a table; the sweep sends each one once.
They go out only in working hours on working days (a nudge that falls on Saturday goes on
Monday morning), except on the urgent path, which keeps its own same-working-day clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.calendar import WorkingCalendar
from bot.dispute import Dispute
from bot.policy import Nudge, Policy

OVERDUE = "overdue"


@dataclass(frozen=True)
class PlannedNudge:
    kind: str
    due_at: datetime


def plan_stage_nudges(dispute: Dispute, *, policy: Policy, calendar: WorkingCalendar) -> list[PlannedNudge]:
    """The nudges for the stage the dispute has just entered, earliest first, one per moment."""
    stage = policy.stages[dispute.stage_index]
    start, deadline = dispute.stage_started_at, dispute.deadline
    raw = {
        Nudge.HALF_WAY: calendar.half_way(start, deadline),
        Nudge.DUE_DAY_MORNING: calendar.due_day_morning(deadline),
        Nudge.AT_DEADLINE: deadline,
    }
    planned: dict[datetime, PlannedNudge] = {}
    for nudge in stage.nudges:
        due = raw[nudge]
        if not dispute.immediate_risk:
            due = calendar.next_nudge_window(due)
        # a nudge at (or before) the moment the stage starts tells nobody anything new
        if due <= start or (due > deadline and nudge is not Nudge.AT_DEADLINE):
            continue
        planned.setdefault(due, PlannedNudge(nudge.value, due))
    return sorted(planned.values(), key=lambda p: p.due_at)


def next_overdue_nudge(
    dispute: Dispute, *, number: int, after: datetime, calendar: WorkingCalendar
) -> PlannedNudge:
    """The `number`th daily reminder after a missed timescale: the start of the next working day after `after`."""
    return PlannedNudge(f"{OVERDUE} {number}", calendar.next_morning(after))


def is_stale(kind: str, due_at: datetime, *, later_due: bool, dispute: Dispute, now: datetime) -> bool:
    """A nudge is stale when a later one for the same stage is already due, or its moment has passed it by.

    After an outage only the latest due nudge of a stage is sent; a half-way reminder is not sent
    once the deadline itself has passed.
    """
    if later_due:
        return True
    if kind.startswith(OVERDUE) or kind == Nudge.AT_DEADLINE.value:
        return False
    return now >= dispute.deadline
