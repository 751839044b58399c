"""The Board's report as CSV: one line per number, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from bot.report import BoardReport
from messages.report import HIDDEN, period_text

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet will show as it is: a leading formula character is preceded by an apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def report_csv(report: BoardReport) -> bytes:
    """figure, row, column, value, unit: one line per number; hidden numbers say 'fewer than 5'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["figure", "row", "column", "value", "unit"])
    writer.writerow([neutralise(report.title), "Partnership", "", neutralise(report.partnership), ""])
    writer.writerow([neutralise(report.title), "Period", "", period_text(report), ""])
    for figure in report.figures:
        rows = figure.rows + ((figure.total,) if figure.total else ())
        for row in rows:
            for column, cell in zip(figure.columns, row.cells, strict=True):
                value = HIDDEN if cell.value is None else _number(cell.value)
                writer.writerow([neutralise(x) for x in (figure.title, row.label, column, value, cell.unit)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 (the arrow, accents)
