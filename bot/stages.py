"""Entering a stage of the procedure: who is asked to act, by when, and a formal challenge where
the policy's stage calls for one."""

from __future__ import annotations

from datetime import datetime

from bot.calendar import WorkingCalendar
from bot.case import Dispute
from bot.directory import Directory
from bot.events import Event, FormalChallengeLodged, StageStarted
from bot.policy import CountedFrom, Policy
from bot.routing import who_must_act


def stage_deadline(
    policy: Policy, calendar: WorkingCalendar, *, opened_at: datetime, stage_index: int, immediate_risk: bool, now: datetime
) -> datetime:
    """When the stage being entered at `now` must be done by, on the normal or the urgent path."""
    timescale = policy.urgent.timescale if immediate_risk else policy.stages[stage_index].timescale
    start = opened_at if timescale.counted_from is CountedFrom.FIRST_ALERT else now
    return calendar.deadline(start, timescale)


def enter_stage(
    dispute: Dispute,
    stage_index: int,
    *,
    policy: Policy,
    directory: Directory,
    calendar: WorkingCalendar,
    now: datetime,
    actor: str | None,
) -> list[Event]:
    """Put the dispute at `stage_index` from `now`: its routing, deadline and who is involved; the events it causes."""
    stage = policy.stages[stage_index]
    routing = who_must_act(policy, directory, stage_index, dispute.raiser.side, dispute.other.side)
    dispute.stage_index = stage_index
    dispute.stage_started_at = now
    dispute.deadline = stage_deadline(
        policy, calendar, opened_at=dispute.opened_at, stage_index=stage_index, immediate_risk=dispute.immediate_risk, now=now
    )
    dispute.routing = routing
    dispute.deadline_missed = False
    dispute.involved = dispute.involved | frozenset(a.person_id for a in routing.assignees)
    events: list[Event] = [
        StageStarted(
            dispute.id,
            now,
            actor,
            stage_id=stage.id,
            stage_name=stage.name,
            deadline=dispute.deadline,
            asked=tuple((a.person_id, a.side, a.agency, a.role) for a in routing.assignees),
            flags=routing.flags,
        )
    ]
    if (
        policy.formal_challenge_from
        and not dispute.formal_challenge
        and stage_index >= policy.stage_index(policy.formal_challenge_from)
    ):
        dispute.formal_challenge = True
        # the challenge is the raiser's, whoever (or whatever) moved it to this stage
        events.append(FormalChallengeLodged(dispute.id, now, dispute.raiser.person_id, stage_id=stage.id))
    return events
