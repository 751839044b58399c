"""The reminders a use case's events call for, planned in the transaction that makes the moves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.calendar import WorkingCalendar
from bot.dispute import Dispute
from bot.events import DeadlineMissed, Event, StageStarted
from bot.nudges import PlannedNudge, next_overdue_nudge, plan_stage_nudges
from bot.policy import Policy
from bot.ports import UnitOfWork


def schedule_reminders(
    uow: UnitOfWork, dispute: Dispute, events: Sequence[Event], *, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> None:
    """Plan the reminders that the moves just made call for, in the same transaction."""
    uow.nudges.schedule_many(planned_reminders(dispute, events, policy=policy, calendar=calendar, now=now))


def planned_reminders(
    dispute: Dispute, events: Sequence[Event], *, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> list[tuple[str, int, PlannedNudge]]:
    """The reminders these events call for: a new stage's nudges, or the first overdue nudge."""
    planned: list[PlannedNudge] = []
    for event in events:
        if isinstance(event, StageStarted):
            planned += plan_stage_nudges(dispute, policy=policy, calendar=calendar)
        elif isinstance(event, DeadlineMissed):
            planned.append(next_overdue_nudge(dispute, number=1, after=now, calendar=calendar))
    return [(dispute.id, dispute.stage_index, p) for p in planned]

