"""Builders for core objects in tests, so tests do not depend on the policy file parser."""

from __future__ import annotations

from bot.policy import (
    Nudge,
    Policy,
    Stage,
    Timescale,
    TimescaleKind,
    UrgentPath,
    WhenMissed,
)

FIVE_WORKING_DAYS = Timescale(TimescaleKind.WORKING_DAYS, 5)


def make_stage(stage_id: str, each_agency: tuple[str, ...] = (), partnership: tuple[str, ...] = ()) -> Stage:
    return Stage(
        id=stage_id,
        name=stage_id.replace("_", " ").capitalize(),
        each_agency=each_agency,
        partnership=partnership,
        timescale=FIVE_WORKING_DAYS,
        when_missed=WhenMissed.ESCALATE,
        nudges=(Nudge.HALF_WAY,),
    )


def make_policy(
    *stages: Stage,
    agency_roles: tuple[str, ...] = ("safeguarding_lead", "head_of_service"),
    partnership_roles: tuple[str, ...] = ("board_manager",),
) -> Policy:
    return Policy(
        name="test",
        title="Test procedure",
        source="",
        stages=stages,
        urgent=UrgentPath(starts_at=stages[0].id, timescale=Timescale(TimescaleKind.SAME_WORKING_DAY)),
        categories=("threshold",),
        agency_roles=agency_roles,
        partnership_roles=partnership_roles,
        learning_to=partnership_roles[0] if partnership_roles else "",
        learning_group="learning sub-group",
    )


def four_stage_policy() -> Policy:
    """Practitioners -> line managers -> safeguarding leads -> heads of service with the board manager."""
    return make_policy(
        make_stage("practitioners", ("practitioner",)),
        make_stage("line_managers", ("line_manager",)),
        make_stage("safeguarding_leads", ("safeguarding_lead",)),
        make_stage("heads_of_service", ("head_of_service",), ("board_manager",)),
    )
