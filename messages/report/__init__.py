"""The Board's report as files: an HTML page with inline SVG charts, and a CSV table."""

from __future__ import annotations

from bot.report import BoardReport, Cell

HIDDEN = "fewer than 5"
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def cell_text(cell: Cell) -> str:
    """'12', '3 working days', or 'fewer than 5'."""
    if cell.value is None:
        return HIDDEN
    number = f"{int(cell.value):,}" if float(cell.value).is_integer() else f"{cell.value:,.1f}"
    if not cell.unit:
        return number
    unit = cell.unit[:-1] if cell.value == 1 and cell.unit.endswith("s") else cell.unit
    return f"{number} {unit}"


def period_text(report: BoardReport) -> str:
    return f"{report.period_from:%d %B %Y} to {report.period_to:%d %B %Y}"


def file_name(report: BoardReport, fmt: str) -> str:
    return f"parley-board-report-{report.period_from:%Y-%m-%d}-to-{report.period_to:%Y-%m-%d}.{fmt}"
