"""Retention: the purge is the only way record entries go; legal holds stop it; the Board's figures stay."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from bot.errors import InvalidInput
from bot.retention import Period, parse_period
from handlers.board_report import build_board_report
from storage.db import session_factory
from tests.builders import at
from tests.report.cli import run_cli
from tests.report.lifecycle import CALENDAR, POLICY, PROBLEM, open_one
from tests.report.seed import NOW, seed_november

LATER = datetime(2033, 6, 1, 12, tzinfo=timezone.utc)  # seven years on


@pytest.fixture(autouse=True)
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    import app

    monkeypatch.setattr(app, "now", lambda: LATER)


def q(engine: Engine, sql: str, **params: object) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def everything(engine: Engine) -> dict[str, list[tuple]]:
    tables = ["disputes", "record_entries", "dispute_people", "nudges", "learning_answers", "learning_themes", "purge_log"]
    return {t: sorted(map(repr, q(engine, f"SELECT * FROM {t}"))) for t in tables}  # type: ignore[misc]


def purge(engine: Engine, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    return run_cli(engine, monkeypatch, "retention", "purge", "--older-than", "6 years", "--by", "Records Officer", *extra)


def november_figures(engine: Engine) -> tuple:
    return build_board_report(
        session_factory(engine), policy=POLICY, calendar=CALENDAR, first=date(2026, 10, 1), last=date(2026, 11, 30), now=NOW
    ).figures


def test_a_dry_run_lists_the_closed_disputes_past_the_period_and_changes_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = seed_november(engine)
    before = everything(engine)

    assert purge(engine, monkeypatch, "--dry-run") == 0

    out = capsys.readouterr().out
    closed = ids["A"] + ids["B"] + ids["D"] + ids["E"] + ids["G"]
    assert "18 to be anonymised, 0 kept on legal hold" in out
    assert all(f"id {i}" in out for i in closed)
    assert not any(f"id {i}" in out for i in ids["C"] + ids["F"])  # still open
    assert "nothing was changed" in out
    assert everything(engine) == before


def test_the_real_run_removes_text_people_and_the_whole_record_and_logs_it_without_the_content(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed_november(engine)
    closed = ids["A"] + ids["B"] + ids["D"] + ids["E"] + ids["G"]
    still_open = ids["C"] + ids["F"]
    open_entries = q(engine, "SELECT count(*) FROM record_entries WHERE dispute_id IN ({})".format(",".join(f"'{i}'" for i in still_open)))

    assert purge(engine, monkeypatch, "--apply") == 0

    assert q(engine, "SELECT DISTINCT dispute_id FROM record_entries ORDER BY dispute_id") == sorted((i,) for i in still_open)
    assert q(engine, "SELECT count(*) FROM record_entries") == open_entries
    for dispute_id in closed:
        [(reference, problem, raiser, other, involved, category, status)] = q(
            engine, "SELECT reference, problem, raiser_id, other_id, involved, category, status FROM disputes WHERE id = :i", i=dispute_id
        )
        assert (reference, problem, raiser, other) == ("", "", "", None)
        assert json.loads(involved) == [] if isinstance(involved, str) else involved == []
        assert category in POLICY.categories and status in ("resolved", "closed unresolved", "withdrawn")
    assert q(engine, "SELECT count(*) FROM dispute_people WHERE dispute_id IN ({})".format(",".join(f"'{i}'" for i in closed))) == [(0,)]
    assert q(engine, "SELECT DISTINCT person_id, learning_points FROM learning_answers") == [(None, "")]
    assert q(engine, "SELECT count(*) FROM learning_themes") == [(3 + 6 + 1,)]  # themes are kept for the Board
    assert q(engine, "SELECT count(*) FROM purge_authorisations") == [(0,)]

    log = q(engine, "SELECT dispute_id, purged_at, purged_by, reason, mode, removed FROM purge_log ORDER BY id")
    assert sorted(r[0] for r in log) == sorted(closed)
    assert {(r[2], r[3], r[4]) for r in log} == {("Records Officer", "closed more than 6 years ago (retention period)", "anonymise")}
    removed = json.loads(log[0][5]) if isinstance(log[0][5], str) else log[0][5]
    assert removed["whole_record"] is True and removed["record_entries"] >= 3 and removed["people"] == 2
    text = repr(log)
    for secret in ("Jamie", PROBLEM[:20], "CSC-2026", "amara", "dc.jones", "Learning point", "Strategy discussion"):
        assert secret not in text


def test_a_dispute_on_legal_hold_is_kept_until_the_hold_is_released_and_both_are_on_its_record(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = seed_november(engine)
    held = ids["G"][0]  # case reference CSC-2026-0001
    assert run_cli(engine, monkeypatch, "dispute", "hold", "CSC-2026-0001", "--reason", "Care proceedings", "--by", "Legal Team") == 0

    assert purge(engine, monkeypatch, "--apply") == 0

    out = capsys.readouterr().out
    assert "17 to be anonymised, 1 kept on legal hold" in out and "Care proceedings" in out
    assert q(engine, "SELECT reference FROM disputes WHERE id = :i", i=held) == [("CSC-2026-0001",)]
    assert q(engine, "SELECT count(*) FROM purge_log WHERE dispute_id = :i", i=held) == [(0,)]
    kinds = [k for (k,) in q(engine, "SELECT kind FROM record_entries WHERE dispute_id = :i ORDER BY seq", i=held)]
    assert kinds[-1] == "legal hold placed"

    assert run_cli(engine, monkeypatch, "dispute", "release", held, "--reason", "Proceedings ended", "--by", "Legal Team") == 0
    [(details,)] = q(engine, "SELECT details FROM record_entries WHERE dispute_id = :i AND kind = 'legal hold released'", i=held)
    details = json.loads(details) if isinstance(details, str) else details
    assert details == {"by_name": "Legal Team", "reason": "Proceedings ended"}
    assert purge(engine, monkeypatch, "--apply") == 0
    assert q(engine, "SELECT count(*) FROM record_entries WHERE dispute_id = :i", i=held) == [(0,)]
    assert q(engine, "SELECT count(*) FROM purge_log") == [(18,)]


def test_holding_a_case_reference_that_two_disputes_share_asks_for_the_id_and_changes_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_november(engine)
    open_one(engine, at(2026, 11, 20, 10), reference="CSC-2026-0001")

    assert run_cli(engine, monkeypatch, "dispute", "hold", "CSC-2026-0001", "--reason", "x", "--by", "Legal") == 1
    assert run_cli(engine, monkeypatch, "dispute", "release", "nosuch", "--reason", "x", "--by", "Legal") == 1
    assert run_cli(engine, monkeypatch, "dispute", "hold", "CSC-2026-0002", "--reason", "  ", "--by", "Legal") == 1

    err = capsys.readouterr().err
    assert "2 disagreements have the case reference" in err and "no disagreement with the id" in err and "Please say why" in err
    assert q(engine, "SELECT count(*) FROM legal_holds") == [(0,)]


def test_the_board_figures_are_the_same_after_anonymisation(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_november(engine)
    before = november_figures(engine)

    assert purge(engine, monkeypatch, "--apply") == 0

    assert q(engine, "SELECT count(*) FROM stage_results") != [(0,)]
    assert november_figures(engine) == before


def test_deleting_removes_the_disputes_entirely_and_says_so_in_the_log(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = seed_november(engine)

    assert purge(engine, monkeypatch, "--apply", "--mode", "delete") == 0

    assert q(engine, "SELECT count(*) FROM disputes") == [(len(ids["C"] + ids["F"]),)]
    assert q(engine, "SELECT count(*) FROM learning_answers") == [(0,)]
    modes = q(engine, "SELECT DISTINCT mode FROM purge_log")
    assert modes == [("delete",)]


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM record_entries",
        "DELETE FROM record_entries WHERE seq = 1",
        "UPDATE record_entries SET details = '{}'",
    ],
)
def test_outside_a_purge_the_database_still_refuses_to_change_or_remove_record_entries(engine: Engine, statement: str) -> None:
    seed_november(engine)
    before = q(engine, "SELECT * FROM record_entries ORDER BY id")

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text(statement))

    assert q(engine, "SELECT * FROM record_entries ORDER BY id") == before


def test_an_authorisation_for_one_dispute_does_not_let_another_dispute_s_entries_go(engine: Engine) -> None:
    ids = seed_november(engine)
    a, b = ids["A"][0], ids["A"][1]

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            log_id = conn.execute(
                sa.text(
                    "INSERT INTO purge_log (dispute_id, closed_at, purged_at, purged_by, reason, mode, removed) "
                    "VALUES (:d, :t, :t, 'x', 'x', 'anonymise', '{}') RETURNING id"
                ),
                {"d": a, "t": datetime(2030, 1, 1)},
            ).scalar_one()
            conn.execute(sa.text("INSERT INTO purge_authorisations (dispute_id, purge_log_id) VALUES (:d, :l)"), {"d": a, "l": log_id})
            conn.execute(sa.text("DELETE FROM record_entries WHERE dispute_id = :d"), {"d": b})
    assert q(engine, "SELECT count(*) FROM record_entries WHERE dispute_id = :d", d=b) != [(0,)]


@pytest.mark.parametrize("statement", ["UPDATE purge_log SET purged_by = 'someone else'", "DELETE FROM purge_log"])
def test_the_purge_log_cannot_be_changed_or_removed(engine: Engine, monkeypatch: pytest.MonkeyPatch, statement: str) -> None:
    seed_november(engine)
    assert purge(engine, monkeypatch, "--apply") == 0
    before = q(engine, "SELECT * FROM purge_log ORDER BY id")

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text(statement))

    assert q(engine, "SELECT * FROM purge_log ORDER BY id") == before


@pytest.mark.parametrize(
    ("text", "period", "before"),
    [
        ("7 years", Period(7, "years"), datetime(2026, 6, 1, 12, tzinfo=timezone.utc)),
        ("18m", Period(18, "months"), datetime(2031, 12, 1, 12, tzinfo=timezone.utc)),
        ("90 days", Period(90, "days"), datetime(2033, 3, 3, 12, tzinfo=timezone.utc)),
        ("1 Week", Period(1, "weeks"), datetime(2033, 5, 25, 12, tzinfo=timezone.utc)),
    ],
)
def test_a_retention_period_reads_as_people_write_it(text: str, period: Period, before: datetime) -> None:
    assert parse_period(text) == period
    assert period.before(LATER) == before


def test_a_month_back_from_the_thirty_first_is_the_end_of_the_shorter_month() -> None:
    assert Period(1, "months").before(datetime(2026, 3, 31, tzinfo=timezone.utc)) == datetime(2026, 2, 28, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["", "seven years", "0 days", "7 fortnights", "-1 y"])
def test_a_period_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_period(text)


def test_a_record_someone_viewed_is_purged_with_its_access_log_which_otherwise_cannot_be_removed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed_november(engine)
    viewed, still_open = ids["A"][0], ids["C"][0]
    with engine.begin() as conn:
        for dispute_id in (viewed, still_open):
            conn.execute(
                sa.text(
                    "INSERT INTO access_log (dispute_id, at, person_id, action, format, channel, allowed) "
                    "VALUES (:d, :t, 'amara.okafor', 'export', 'pdf', 'cli', true)"
                ),
                {"d": dispute_id, "t": datetime(2026, 11, 30, 12)},
            )
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM access_log WHERE dispute_id = :d"), {"d": viewed})

    assert purge(engine, monkeypatch, "--apply") == 0

    assert q(engine, "SELECT dispute_id FROM access_log") == [(still_open,)]
    [(removed,)] = q(engine, "SELECT removed FROM purge_log WHERE dispute_id = :d", d=viewed)
    assert (json.loads(removed) if isinstance(removed, str) else removed)["access_log_rows"] == 1


def test_without_a_period_the_policy_s_retention_decides_how_long_and_what_then(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_november(engine)  # Bradford's preset names no retention: kept 6 years after closing, then anonymised

    assert run_cli(engine, monkeypatch, "retention", "purge", "--dry-run", "--by", "Records Officer") == 0

    out = capsys.readouterr().out
    assert "(more than 6 years ago): 18 to be anonymised, 0 kept on legal hold" in out
