"""The Board's report as a file, for any front end: the CLI writes it, a chat front end can send it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import WorkingCalendar
from bot.policy import Policy
from bot.report import BoardReport, board_report
from messages.report import MEDIA_TYPES, file_name
from messages.report.csv_table import report_csv
from messages.report.html_page import report_html
from storage.models import AgencyRow
from storage.report import board_figures

FORMATS = ("html", "csv")
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class ReportFile:
    name: str
    media_type: str
    content: bytes


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the London days first to last, both included."""
    start = datetime.combine(first, time(0), tzinfo=LONDON).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(timezone.utc)
    return start, end


def build_board_report(
    sessions: sessionmaker[Session], *, policy: Policy, calendar: WorkingCalendar, first: date, last: date, now: datetime
) -> BoardReport:
    """Count in the database (one read-only transaction) and turn the counts into the report."""
    start, end = period_bounds(first, last)
    with sessions() as session:
        raw = board_figures(session, start=start, end=end)
        names = {a.id: a.name for a in session.scalars(select(AgencyRow))}
    return board_report(raw, policy=policy, calendar=calendar, agency_names=names, period_from=first, period_to=last, now=now)


def board_report_file(
    sessions: sessionmaker[Session], *, policy: Policy, calendar: WorkingCalendar, first: date, last: date, fmt: str, now: datetime
) -> ReportFile:
    """The Board's report for the London days first to last, as the bytes of an HTML or CSV file."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    report = build_board_report(sessions, policy=policy, calendar=calendar, first=first, last=last, now=now)
    content = report_html(report) if fmt == "html" else report_csv(report)
    return ReportFile(file_name(report, fmt), MEDIA_TYPES[fmt], content)
