"""The Board's figures, counted in the database: every query here is an aggregate, none reads a dispute in full.

Only columns and tables that hold no personal data are read (a dispute's category, agencies,
status, stage, dates and flags; the kind and stage of record entries; learning themes and yes/no
answers), and those are kept when a dispute is anonymised, with how each stage went copied into
purged_stage_facts first, so the figures are the same before and after a purge.

Dates are grouped by UTC day with a flag for 23:00-24:00 UTC (which is the next day in London in
summer): bot.report turns each group into its London day exactly, without reading single rows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.dispute import Status
from bot.report import DayGroup, RawFigures, SpanGroup
from storage.models import DisputeRow, LearningAnswerRow, LearningThemeRow, PurgedStageFactRow, RecordEntryRow

ESCALATED = "escalated"
MISSED = "timescale missed"
FINISHED = (Status.RESOLVED.value, Status.CLOSED_UNRESOLVED.value)

_d = DisputeRow


def _day(session: Session, column: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """(UTC day as 'YYYY-MM-DD', 1 if the hour is 23 else 0) of a timestamp column, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        day = func.to_char(column, "YYYY-MM-DD")
        hour = cast(func.extract("hour", column), Integer)
    else:
        day = func.strftime("%Y-%m-%d", column)
        hour = cast(func.strftime("%H", column), Integer)
    return day, case((hour == 23, 1), else_=0)


def stage_facts(dispute_filter: ColumnElement[bool]) -> Any:
    """(dispute_id, stage_id, missed, escalated_on_request) for every stage of the chosen disputes that
    was missed or left on someone's request, from the record's entries (0/1 integers)."""
    e = RecordEntryRow
    escalated = e.kind == ESCALATED
    stage = case((escalated, e.details["from_stage"].as_string()), else_=e.details["stage_id"].as_string())
    automatic = e.details["automatic"].as_boolean()
    missed = case((e.kind == MISSED, 1), (and_(escalated, automatic), 1), else_=0)
    on_request = case((and_(escalated, automatic.is_not(True)), 1), else_=0)
    return (
        select(
            e.dispute_id.label("dispute_id"),
            stage.label("stage_id"),
            func.max(missed).label("missed"),
            func.max(on_request).label("escalated_on_request"),
        )
        .join(_d, _d.id == e.dispute_id)
        .where(e.kind.in_((ESCALATED, MISSED)), dispute_filter)
        .group_by(e.dispute_id, stage)
    )


def purged_facts(dispute_filter: ColumnElement[bool]) -> Any:
    """The same columns as stage_facts, for disputes whose record a purge removed."""
    f = PurgedStageFactRow
    return (
        select(
            f.dispute_id,
            f.stage_id,
            cast(f.missed, Integer).label("missed"),
            cast(f.escalated_on_request, Integer).label("escalated_on_request"),
        )
        .join(_d, _d.id == f.dispute_id)
        .where(dispute_filter)
    )


def keep_stage_facts(session: Session, dispute_ids: Collection[str]) -> int:
    """Copy how each stage of these disputes went into purged_stage_facts, before their record goes."""
    if not dispute_ids:
        return 0
    facts = stage_facts(_d.id.in_(sorted(dispute_ids))).subquery()
    result = session.execute(
        PurgedStageFactRow.__table__.insert().from_select(
            ["dispute_id", "stage_id", "missed", "escalated_on_request"],
            select(facts.c.dispute_id, facts.c.stage_id, facts.c.missed == 1, facts.c.escalated_on_request == 1),
        )
    )
    return result.rowcount or 0


def board_figures(session: Session, *, start: datetime, end: datetime) -> RawFigures:
    """Counts for the disputes raised in [start, end), each grouping one aggregate query."""
    in_period = and_(_d.opened_at >= start, _d.opened_at < end)

    def grouped(*columns: Any, where: ColumnElement[bool] | None = None) -> list[tuple[Any, ...]]:
        query = select(*columns, func.count()).where(in_period)
        if where is not None:
            query = query.where(where)
        return [tuple(r) for r in session.execute(query.group_by(*columns))]

    status_counts = {s: n for s, n in grouped(_d.status)}
    resolved = _d.status == Status.RESOLVED.value

    open_day, open_late = _day(session, _d.opened_at)
    close_day, close_late = _day(session, _d.closed_at)
    raised = [DayGroup(day, bool(late), n) for day, late, n in grouped(open_day, open_late)]
    resolution = [
        SpanGroup(DayGroup(a, bool(al), n), DayGroup(b, bool(bl), n))
        for a, al, b, bl, n in grouped(open_day, open_late, close_day, close_late, where=resolved)
    ]
    resolved_days = [DayGroup(day, bool(late), n) for day, late, n in grouped(close_day, close_late, where=resolved)]
    open_ages = [DayGroup(day, bool(late), n) for day, late, n in grouped(open_day, open_late, where=_d.active.is_(True))]

    closed_in_time = and_(_d.status.in_(FINISHED), _d.deadline_missed.is_(False), _d.closed_at <= _d.deadline)
    facts = union_all(stage_facts(in_period), purged_facts(in_period)).subquery()
    per_stage = session.execute(
        select(
            facts.c.stage_id,
            func.sum(facts.c.missed),
            func.sum(case((and_(facts.c.escalated_on_request == 1, facts.c.missed == 0), 1), else_=0)),
        ).group_by(facts.c.stage_id)
    )
    missed: dict[str, int] = {}
    met_by_escalation: dict[str, int] = {}
    for stage_id, n_missed, n_met in per_stage:
        missed[stage_id] = int(n_missed or 0)
        met_by_escalation[stage_id] = int(n_met or 0)

    answered = and_(LearningAnswerRow.dispute_id == _d.id, in_period)
    themes = session.execute(
        select(LearningThemeRow.theme, func.count())
        .join(LearningAnswerRow, LearningAnswerRow.id == LearningThemeRow.answer_id)
        .join(_d, answered)
        .group_by(LearningThemeRow.theme)
    )
    answers, debriefs, unclear = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((LearningAnswerRow.debrief_wanted.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((LearningAnswerRow.procedure_unclear.is_(True), 1), else_=0)), 0),
        ).join(_d, answered)
    ).one()

    return RawFigures(
        total=sum(status_counts.values()),
        by_status=status_counts,
        by_category={c: n for c, n in grouped(_d.category)},
        by_pair={(a, b): n for a, b, n in grouped(_d.raiser_agency, _d.other_agency)},
        by_stage_reached={i: n for i, n in grouped(_d.stage_index)},
        resolved_at_stage={i: n for i, n in grouped(_d.stage_index, where=resolved)},
        closed_in_time_at_stage={i: n for i, n in grouped(_d.stage_index, where=closed_in_time)},
        missed_at_stage=missed,
        met_by_escalation_at_stage=met_by_escalation,
        urgent=session.scalar(select(func.count()).where(in_period, _d.immediate_risk.is_(True))) or 0,
        raised_days=raised,
        resolved_days=resolved_days,
        resolution_days=resolution,
        open_days=open_ages,
        themes={t: n for t, n in themes},
        learning_answers=int(answers),
        debrief_wanted=int(debriefs),
        procedure_unclear=int(unclear),
    )
