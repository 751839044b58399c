"""The Board's report as a view model: counts from the database turned into figures people may see.

Numbers only, never a case. A count from 1 to 4 is shown as "fewer than 5" so that no case can be
recognised, and where a table shows its total, one more count is hidden beside a lone hidden one
so that it cannot be worked out by subtraction. Working days are counted on the policy's
calendar, from the London day a dispute was raised to the London day it was resolved: resolved
the next working day is 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone

from bot.calendar import WorkingCalendar
from bot.learning import THEMES
from bot.policy import Policy

SUPPRESS_BELOW = 5
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0 to 5 working days", 0, 5),
    ("6 to 10 working days", 6, 10),
    ("11 to 20 working days", 11, 20),
    ("21 to 40 working days", 21, 40),
    ("more than 40 working days", 41, None),
)


# --- what the database counts -------------------------------------------------------------------


@dataclass(frozen=True)
class DayGroup:
    """n disputes whose moment fell on this UTC day (a date, or 'YYYY-MM-DD'), `late` if in its 23:00 UTC hour."""

    day: date | str
    late: bool
    n: int


@dataclass(frozen=True)
class SpanGroup:
    """n disputes raised on one day and resolved on another (the count is on `start`)."""

    start: DayGroup
    end: DayGroup


@dataclass(frozen=True)
class RawFigures:
    total: int
    by_status: Mapping[str, int]
    by_category: Mapping[str, int]
    by_pair: Mapping[tuple[str, str], int]
    by_stage_reached: Mapping[int, int]
    resolved_at_stage: Mapping[int, int]
    closed_in_time_at_stage: Mapping[int, int]
    missed_at_stage: Mapping[str, int]
    met_by_escalation_at_stage: Mapping[str, int]
    urgent: int
    raised_days: Sequence[DayGroup]
    resolved_days: Sequence[DayGroup]
    resolution_days: Sequence[SpanGroup]
    open_days: Sequence[DayGroup]
    themes: Mapping[str, int]
    learning_answers: int
    debrief_wanted: int
    procedure_unclear: int


# --- what people see ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A number as shown: `value` None when it is hidden (fewer than 5)."""

    value: float | None
    unit: str = ""  # "" for a count, else e.g. "working days"

    @property
    def hidden(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    description: str
    label_heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: str = "bar"  # bar | line | none
    total: Row | None = None


@dataclass(frozen=True)
class BoardReport:
    title: str
    partnership: str
    period_from: date
    period_to: date
    generated_at: datetime
    figures: tuple[Figure, ...] = field(default_factory=tuple)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def suppress(values: Sequence[int], *, total: int | None = None) -> tuple[list[Cell], Cell | None]:
    """Hide counts of 1 to 4; with a total shown, never leave one hidden count alone (it could be
    worked out from the total), so hide the next smallest too. A total under 5 hides everything."""
    shown: list[int | None] = [None if 0 < v < SUPPRESS_BELOW else v for v in values]
    if total is not None and 0 < total < SUPPRESS_BELOW:
        return [Cell(None) if v else Cell(0) for v in values], Cell(None)
    hidden = [i for i, v in enumerate(shown) if v is None]
    if total is not None and len(hidden) == 1:
        others = sorted((v, i) for i, v in enumerate(values) if v > 0 and shown[i] is not None)
        if others:
            shown[others[0][1]] = None
    cells = [Cell(None if v is None else float(v)) for v in shown]
    return cells, (Cell(float(total)) if total is not None else None)


def _count_figure(
    key: str, title: str, description: str, heading: str, items: Sequence[tuple[str, int]], *, total: int | None, chart: str = "bar"
) -> Figure:
    cells, total_cell = suppress([n for _, n in items], total=total)
    rows = tuple(Row(label, (cell,)) for (label, _), cell in zip(items, cells, strict=True))
    return Figure(
        key, title, description, heading, ("Disputes",), rows, chart, Row("Total", (total_cell,)) if total_cell else None
    )


# --- working days -------------------------------------------------------------------------------


def local_day(group: DayGroup, calendar: WorkingCalendar) -> date:
    """The London day of a UTC day group: the 23:00 UTC hour is the next day in summer."""
    day = group.day if isinstance(group.day, date) else date.fromisoformat(group.day)
    if not group.late:
        return day
    return calendar.to_local(datetime.combine(day, time(23, 30), tzinfo=timezone.utc)).date()


class WorkingDayCounter:
    """Working days between London days, counted once per day of the range asked about."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._number: dict[date, int] = {}  # working days on or before each day, from the first day covered
        self._span: tuple[date, date] | None = None

    def between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (0 if b is not after a)."""
        if b <= a:
            return 0
        if a not in self._number or b not in self._number:
            # widen generously: days arrive in any order, and each widening counts the range again
            first, last = self._span or (a, b)
            self._cover(min(a, first) - timedelta(days=366), max(b, last) + timedelta(days=366))
        return self._number[b] - self._number[a]

    def _cover(self, first: date, last: date) -> None:
        self._span = (first, last)
        self._number.clear()
        running, d = 0, first
        while d <= last:
            running += self.calendar.is_working_day(d)
            self._number[d] = running
            d += timedelta(days=1)


def nearest_rank(values: Iterable[tuple[int, int]], share: float) -> int:
    """The smallest value v such that at least `share` of the (value, count) pairs are <= v."""
    ordered = sorted(values)
    n = sum(c for _, c in ordered)
    rank = max(1, math.ceil(share * n))
    seen = 0
    for value, count in ordered:
        seen += count
        if seen >= rank:
            return value
    raise ValueError("no values")


# --- the report ---------------------------------------------------------------------------------


def board_report(
    raw: RawFigures,
    *,
    policy: Policy,
    calendar: WorkingCalendar,
    agency_names: Mapping[str, str],
    period_from: date,
    period_to: date,
    now: datetime,
) -> BoardReport:
    """Every figure of the Board's report, with small counts hidden."""
    counter = WorkingDayCounter(calendar)
    stages = [s.name for s in policy.stages]
    status = raw.by_status
    resolved = status.get("resolved", 0)
    open_ = status.get("open", 0) + status.get("awaiting confirmation", 0)
    figures: list[Figure] = []

    summary = [
        ("Resolved", resolved),
        ("Closed unresolved (decision unchanged)", status.get("closed unresolved", 0)),
        ("Withdrawn", status.get("withdrawn", 0)),
        ("Still open", open_),
    ]
    fig = _count_figure(
        "summary", "Disputes raised in the period", "How the disputes raised in the period stand now.", "Status", summary,
        total=raw.total, chart="none",
    )
    urgent_cells, _ = suppress([raw.urgent])
    figures.append(replace(fig, rows=fig.rows + (Row("Of all raised: on the urgent path (immediate risk)", tuple(urgent_cells)),)))

    categories = list(policy.categories) + sorted(c for c in raw.by_category if c not in policy.categories)
    figures.append(
        _count_figure(
            "category", "Disputes by category", "Disputes raised in the period, by the category the raiser chose.", "Category",
            [(c, raw.by_category.get(c, 0)) for c in categories], total=raw.total,
        )
    )
    pairs = sorted(raw.by_pair.items(), key=lambda item: (-item[1], item[0]))
    figures.append(
        _count_figure(
            "agency_pair", "Disputes by agency pair", "Disputes raised in the period, by the raising agency and the agency it disagreed with.",
            "Raising agency → receiving agency",
            [(f"{agency_names.get(a, a)} → {agency_names.get(b, b)}", n) for (a, b), n in pairs], total=raw.total,
        )
    )
    figures.append(
        _count_figure(
            "stage_reached", "Disputes by stage reached", "The furthest stage each dispute raised in the period has reached.", "Stage",
            [(name, raw.by_stage_reached.get(i, 0)) for i, name in enumerate(stages)], total=raw.total,
        )
    )
    figures.append(
        _count_figure(
            "resolved_at_stage", "Resolved at each stage", "The stage at which disputes raised in the period were resolved.", "Stage",
            [(name, raw.resolved_at_stage.get(i, 0)) for i, name in enumerate(stages)], total=resolved,
        )
    )
    figures.append(_resolution_time(raw, counter, calendar, resolved))
    figures.append(_timescales(raw, policy))
    figures.append(_open_by_age(raw, counter, calendar, open_, as_of=min(period_to, calendar.to_local(now).date())))
    figures.append(_by_month(raw, calendar, period_from, period_to, resolved))
    figures += _learning(raw)
    return BoardReport(
        title="Professional disagreements: report to the Board",
        partnership=policy.title,
        period_from=period_from,
        period_to=period_to,
        generated_at=now,
        figures=tuple(figures),
    )


def _resolution_time(raw: RawFigures, counter: WorkingDayCounter, calendar: WorkingCalendar, resolved: int) -> Figure:
    days: dict[int, int] = {}
    for span in raw.resolution_days:
        took = counter.between(local_day(span.start, calendar), local_day(span.end, calendar))
        days[took] = days.get(took, 0) + span.start.n
    enough = resolved >= SUPPRESS_BELOW and days
    unit = "working days"
    median = Cell(float(nearest_rank(days.items(), 0.5)) if enough else None, unit)
    p90 = Cell(float(nearest_rank(days.items(), 0.9)) if enough else None, unit)
    count, _ = suppress([resolved])
    return Figure(
        "resolution_time", "Time to resolution",
        "Working days from the day a dispute was raised to the day both parties confirmed the outcome, for disputes "
        "resolved so far. Median: half were resolved within this many working days; 90th percentile: nine in ten were.",
        "Measure", ("Value",),
        (Row("Median", (median,)), Row("90th percentile", (p90,)), Row("Disputes resolved", tuple(count))),
        chart="none",
    )


def _timescales(raw: RawFigures, policy: Policy) -> Figure:
    rows = []
    for i, stage in enumerate(policy.stages):
        met = raw.met_by_escalation_at_stage.get(stage.id, 0) + raw.closed_in_time_at_stage.get(i, 0)
        missed = raw.missed_at_stage.get(stage.id, 0)
        cells, _ = suppress([met, missed])
        rows.append(Row(stage.name, tuple(cells)))
    return Figure(
        "timescales", "Timescales met and missed, by stage",
        "For each stage, the disputes that finished it within its timescale (resolved, closed or escalated on request) "
        "and those whose timescale ran out there. Disputes still within a timescale are not counted.",
        "Stage", ("Met", "Missed"), tuple(rows),
    )


def _open_by_age(raw: RawFigures, counter: WorkingDayCounter, calendar: WorkingCalendar, open_: int, *, as_of: date) -> Figure:
    bands = [0] * len(AGE_BANDS)
    for group in raw.open_days:
        age = counter.between(local_day(group, calendar), as_of)
        for b, (_, low, high) in enumerate(AGE_BANDS):
            if age >= low and (high is None or age <= high):
                bands[b] += group.n
                break
    return _count_figure(
        "open_by_age", "Open disputes by age",
        f"Disputes raised in the period that are still open, by working days since they were raised (to {as_of:%d %B %Y}).",
        "Age", [(label, n) for (label, _, _), n in zip(AGE_BANDS, bands, strict=True)], total=open_,
    )


def _months(period_from: date, period_to: date) -> list[date]:
    months, d = [], period_from.replace(day=1)
    while d <= period_to:
        months.append(d)
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def _by_month(raw: RawFigures, calendar: WorkingCalendar, period_from: date, period_to: date, resolved: int) -> Figure:
    months = _months(period_from, period_to)
    raised = {m: 0 for m in months}
    done = {m: 0 for m in months}
    for group in raw.raised_days:
        month = local_day(group, calendar).replace(day=1)
        if month in raised:
            raised[month] += group.n
    for group in raw.resolved_days:
        month = local_day(group, calendar).replace(day=1)
        if month in done:
            done[month] += group.n
    raised_cells, _ = suppress([raised[m] for m in months], total=raw.total)
    in_period = sum(done.values())
    done_cells, _ = suppress([done[m] for m in months], total=in_period if in_period == resolved else None)
    rows = tuple(Row(f"{m:%b %Y}", (r, d)) for m, r, d in zip(months, raised_cells, done_cells, strict=True))
    return Figure(
        "by_month", "Raised and resolved each month",
        "Disputes raised each month of the period, and how many of them were resolved in each month.",
        "Month", ("Raised", "Resolved"), rows, chart="line",
    )


def _learning(raw: RawFigures) -> list[Figure]:
    themes = list(THEMES) + sorted(t for t in raw.themes if t not in THEMES)
    cells, _ = suppress([raw.themes.get(t, 0) for t in themes])
    answer_cells, _ = suppress([raw.learning_answers, raw.debrief_wanted, raw.procedure_unclear])
    answers = (
        Row("Learning answers given", (answer_cells[0],)),
        Row("A debrief would help", (answer_cells[1],)),
        Row("The procedure itself was unclear", (answer_cells[2],)),
    )
    return [
        Figure(
            "learning", "Learning themes",
            "Themes chosen by the people who confirmed or closed disputes raised in the period (one answer may choose several).",
            "Theme", ("Answers",), tuple(Row(t, (c,)) for t, c in zip(themes, cells, strict=True)),
        ),
        Figure(
            "learning_answers", "Learning answers",
            "How many learning answers were given for disputes raised in the period, and how many said a debrief would "
            "help or the procedure itself was unclear.",
            "Answer", ("Answers",), answers, chart="none",
        ),
    ]
