"""The Board's figures, counted in the database: every query here is an aggregate, none reads a dispute in full.

Only columns and tables that hold no personal data are read (a dispute's category, agencies,
status, stage, dates and flags; stage_results, which a database trigger fills from the record's
escalations and missed timescales; learning themes and yes/no answers), and a purge keeps all of
them, so the figures are the same before and after a dispute is anonymised.

Dates are grouped by UTC day with a flag for 23:00-24:00 UTC (which is the next day in London in
summer): bot.report turns each group into its London day exactly, without reading single rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.dispute import Status
from bot.report import DayGroup, RawFigures, SpanGroup
from storage.board_rows import LearningAnswerRow, LearningThemeRow, StageResultRow
from storage.models import DisputeRow

FINISHED = (Status.RESOLVED.value, Status.CLOSED_UNRESOLVED.value)

_d = DisputeRow


def _day(session: Session, column: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """(UTC day, 1 if the hour is 23 else 0) of a timestamp column, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(column, Date), case((func.extract("hour", column) == 23, 1), else_=0)
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff': cutting the text is cheaper than strftime
    return func.substr(column, 1, 10), case((func.substr(column, 12, 2) == "23", 1), else_=0)


def board_figures(session: Session, *, start: datetime, end: datetime) -> RawFigures:
    """Counts for the disputes raised in [start, end): five aggregate queries, each a range scan of
    one covering index.

    Disputes are grouped twice (by what they are, and by the days they were raised and resolved);
    stage results and learning answers carry the day their dispute was raised, so they are picked
    by period without a join. Python only adds up the groups.
    """
    in_period = and_(_d.opened_at >= start, _d.opened_at < end)
    resolved = _d.status == Status.RESOLVED.value
    closed_in_time = case((and_(_d.status.in_(FINISHED), _d.deadline_missed.is_(False), _d.closed_at <= _d.deadline), 1), else_=0)
    kinds = (_d.status, _d.category, _d.raiser_agency, _d.other_agency, _d.stage_index, _d.immediate_risk, closed_in_time)
    by_status: dict[str, int] = {}
    by_category: dict[str, int] = {}
    by_pair: dict[tuple[str, str], int] = {}
    reached: dict[int, int] = {}
    resolved_at: dict[int, int] = {}
    in_time: dict[int, int] = {}
    urgent = 0
    for status, category, raiser, other, stage, risk, on_time, n in session.execute(
        select(*kinds, func.count()).where(in_period).group_by(*kinds)
    ):
        _add(by_status, status, n)
        _add(by_category, category, n)
        _add(by_pair, (raiser, other), n)
        _add(reached, stage, n)
        if status == Status.RESOLVED.value:
            _add(resolved_at, stage, n)
        if on_time:
            _add(in_time, stage, n)
        urgent += n if risk else 0

    open_day, open_late = _day(session, _d.opened_at)
    close_day, close_late = _day(session, _d.closed_at)
    days = (open_day, open_late, case((resolved, close_day), else_=None), case((resolved, close_late), else_=None), _d.active)
    raised: list[DayGroup] = []
    spans: list[SpanGroup] = []
    open_ages: list[DayGroup] = []
    for a, al, b, bl, active, n in session.execute(select(*days, func.count()).where(in_period).group_by(*days)):
        raised.append(DayGroup(a, bool(al), n))
        if b is not None:
            spans.append(SpanGroup(DayGroup(a, bool(al), n), DayGroup(b, bool(bl), n)))
        if active:
            open_ages.append(DayGroup(a, bool(al), n))

    r = StageResultRow
    per_stage = session.execute(
        select(
            r.stage_id,
            func.sum(case((r.missed.is_(True), 1), else_=0)),
            func.sum(case((and_(r.escalated_on_request.is_(True), r.missed.is_(False)), 1), else_=0)),
        )
        .where(r.opened_at >= start, r.opened_at < end)
        .group_by(r.stage_id)
    )
    missed: dict[str, int] = {}
    met_by_escalation: dict[str, int] = {}
    for stage_id, n_missed, n_met in per_stage:
        missed[stage_id] = int(n_missed or 0)
        met_by_escalation[stage_id] = int(n_met or 0)

    a = LearningAnswerRow
    answered_in_period = and_(a.opened_at >= start, a.opened_at < end)
    themes = {
        theme: n
        for theme, n in session.execute(
            select(LearningThemeRow.theme, func.count())
            .join(a, a.id == LearningThemeRow.answer_id)
            .where(answered_in_period)
            .group_by(LearningThemeRow.theme)
        )
    }
    given = debriefs = unclear = 0
    for debrief, puzzled, n in session.execute(
        select(a.debrief_wanted, a.procedure_unclear, func.count()).where(answered_in_period).group_by(a.debrief_wanted, a.procedure_unclear)
    ):
        given += n
        debriefs += n if debrief else 0
        unclear += n if puzzled else 0

    return RawFigures(
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=by_category,
        by_pair=by_pair,
        by_stage_reached=reached,
        resolved_at_stage=resolved_at,
        closed_in_time_at_stage=in_time,
        missed_at_stage=missed,
        met_by_escalation_at_stage=met_by_escalation,
        urgent=urgent,
        raised_days=raised,
        resolved_days=[s.end for s in spans],
        resolution_days=spans,
        open_days=open_ages,
        themes=themes,
        learning_answers=given,
        debrief_wanted=debriefs,
        procedure_unclear=unclear,
    )


def _add(counts: dict[Any, int], key: Any, n: int) -> None:
    counts[key] = counts.get(key, 0) + n
