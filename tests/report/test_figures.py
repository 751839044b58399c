"""The Board's report against a data set with known answers (tests/report/seed.py), on each database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from bot.report import BoardReport, Figure
from handlers.board_report import build_board_report
from storage.db import session_factory
from tests.report.lifecycle import CALENDAR, POLICY
from tests.report.seed import EXPECTED, NOW, seed_november


def november(engine: Engine) -> BoardReport:
    return build_board_report(
        session_factory(engine), policy=POLICY, calendar=CALENDAR, first=date(2026, 11, 1), last=date(2026, 11, 30), now=NOW
    )


def shown(figure: Figure) -> dict[str, object]:
    """label -> the number shown (None when hidden), or a tuple when the figure has several columns."""
    rows = figure.rows + ((figure.total,) if figure.total else ())
    values = {}
    for row in rows:
        cells = tuple(None if c.value is None else int(c.value) for c in row.cells)
        values[row.label] = cells[0] if len(cells) == 1 else cells
    return values


def test_every_figure_matches_the_known_answers_with_small_counts_hidden(engine: Engine) -> None:
    seed_november(engine)

    report = november(engine)

    for key, expected in EXPECTED.items():
        got = shown(report.figure(key))
        assert {label: got[label] for label in expected} == expected, key


def test_a_period_with_fewer_than_five_disputes_hides_every_count_and_the_total(engine: Engine) -> None:
    seed_november(engine)

    report = build_board_report(
        session_factory(engine), policy=POLICY, calendar=CALENDAR, first=date(2026, 10, 1), last=date(2026, 10, 31), now=NOW
    )

    category = shown(report.figure("category"))
    assert category["Total"] is None
    assert set(category.values()) == {None, 0}
    assert shown(report.figure("resolution_time")) == {"Median": None, "90th percentile": None, "Disputes resolved": None}
