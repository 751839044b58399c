"""The report as files: an HTML page that makes no requests, a CSV that a spreadsheet can't run, the CLI."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot import upkeep
from bot.directory import Agency
from bot.report import BoardReport, Cell, Figure, Row
from handlers.board_report import board_report_file
from messages.report.csv_table import neutralise, report_csv
from storage.db import session_factory
from tests.builders import at
from tests.report.cli import run_cli
from tests.report.lifecycle import CALENDAR, POLICY, directory, open_one, uow
from tests.report.seed import NOW, seed_november

HOSTILE = {"csc": "=HYPERLINK(\"http://evil.example\")<script>alert(1)</script>", "police": "@SUM(A1) & -2+3"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parsed(html: bytes) -> Tags:
    tags = Tags()
    tags.feed(html.decode("utf-8"))
    return tags


def november_file(engine: Engine, fmt: str) -> bytes:
    return board_report_file(
        session_factory(engine), policy=POLICY, calendar=CALENDAR, first=date(2026, 11, 1), last=date(2026, 11, 30), fmt=fmt, now=NOW
    ).content


def test_the_html_report_makes_no_request_and_labels_every_chart_beside_a_table_of_its_numbers(engine: Engine) -> None:
    seed_november(engine)

    page = november_file(engine, "html")

    tags = parsed(page)
    names = [t for t, _ in tags.tags]
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & set(names)
    for _, attrs in tags.tags:
        for attr, value in attrs.items():
            assert attr not in ("src", "href", "srcset", "action", "formaction", "xlink:href"), (attr, value)
            assert not attr.startswith("on"), attr
    text = page.decode("utf-8")
    assert re.findall(r"https?://[^\s\"'<>]+", text) == ["http://www.w3.org/2000/svg"] * names.count("svg")  # a namespace, never fetched
    assert "url(" not in text and "@import" not in text
    assert "default-src 'none'" in text
    svgs = [a for t, a in tags.tags if t == "svg"]
    assert len(svgs) >= 8 and all(a.get("role") == "img" and a.get("aria-labelledby") for a in svgs)
    assert names.count("title") == names.count("svg") + 1 and names.count("desc") == names.count("svg")
    assert names.count("polyline") >= 1  # the line chart
    assert names.count("table") == names.count("figure") >= names.count("svg")
    assert "<th scope=\"row\">Criteria for referrals</th><td class=\"n\">10</td>" in text
    assert "CSC-2026" not in text and "Jamie" not in text and "Amara" not in text  # no case, no person


def test_text_from_the_directory_is_escaped_in_html_and_neutralised_in_csv(engine: Engine) -> None:
    d = directory()
    d = type(d)(agencies={**d.agencies, **{k: Agency(k, v) for k, v in HOSTILE.items()}}, people=d.people)
    upkeep.load_directory(d, uow=uow(engine))
    for n in range(5):
        open_one(engine, at(2026, 11, 2, 10), reference=f"CSC-2026-{n:04d}")

    page = november_file(engine, "html").decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    rows = list(csv.reader(io.StringIO(november_file(engine, "csv").decode("utf-8-sig"))))
    pair = [r for r in rows if r[0] == "Disputes by agency pair" and r[1] != "Total"]
    assert pair[0][1].startswith("'=HYPERLINK(")
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_a_cell_that_a_spreadsheet_would_run_is_kept_as_text(text: str) -> None:
    assert neutralise(text) == "'" + text
    report = BoardReport("t", "p", date(2026, 1, 1), date(2026, 1, 2), NOW, (Figure("k", text, "d", "h", ("v",), (Row(text, (Cell(None),)),)),))
    [_, _, _, row] = list(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    assert row == ["'" + text, "'" + text, "v", "fewer than 5", ""]


def test_neutralise_leaves_ordinary_text_alone() -> None:
    assert neutralise("Children's Social Care → Police") == "Children's Social Care → Police"
    assert neutralise("") == ""


def test_the_csv_report_has_one_line_per_number_with_hidden_ones_in_words(engine: Engine) -> None:
    seed_november(engine)

    rows = list(csv.reader(io.StringIO(november_file(engine, "csv").decode("utf-8-sig"))))

    assert rows[0] == ["figure", "row", "column", "value", "unit"]
    assert ["Disputes by category", "Criteria for referrals", "Disputes", "10", ""] in rows
    assert ["Disputes by category", "Service provision", "Disputes", "fewer than 5", ""] in rows
    assert ["Time to resolution", "Median", "Value", "4", "working days"] in rows
    assert ["Timescales met and missed, by stage", POLICY.stages[0].name, "Met", "15", ""] in rows


def test_the_report_command_writes_the_file_and_refuses_bad_dates_writing_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_november(engine)
    out = tmp_path / "board.csv"

    assert run_cli(engine, monkeypatch, "report", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv", "--out", str(out)) == 0
    assert "Criteria for referrals,Disputes,10" in out.read_text("utf-8-sig")

    bad = tmp_path / "bad.html"
    assert run_cli(engine, monkeypatch, "report", "--from", "1 Nov", "--to", "2026-11-30", "--out", str(bad)) == 1
    assert run_cli(engine, monkeypatch, "report", "--from", "2026-11-30", "--to", "2026-11-01", "--out", str(bad)) == 1
    assert not bad.exists()
    err = capsys.readouterr().err
    assert "should be a date like" in err and "before --from" in err
