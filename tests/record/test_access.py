"""Who may read or export a record; every view, export and refusal on the append-only access log."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

import app
from bot.errors import DisputeNotFound
from handlers.records import RecordRefused, export_record
from storage.db import session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import at
from tests.record.scenario import LSCB, OUTSIDER, RAISER, Lifecycle

NOW = at(2026, 12, 4, 10, 0)


def access_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT person_id, action, format, channel, allowed FROM access_log ORDER BY id"))
        return [(p, a, f, c, bool(ok)) for p, a, f, c, ok in rows]


def export(engine: Engine, dispute_id: str, person_id: str, fmt: str = "md", channel: str = "slack"):
    return export_record(
        SqlUnitOfWork(session_factory(engine)), dispute_id=dispute_id, person_id=person_id, fmt=fmt,
        channel=channel, policy_for=lambda _: LSCB, now=NOW,
    )


def test_an_outsider_is_refused_the_export_and_the_refusal_is_recorded(engine: Engine, lifecycle: Lifecycle) -> None:
    with pytest.raises(RecordRefused, match=f"Only the people involved in case {lifecycle.reference} and the partnership's staff"):
        export(engine, lifecycle.dispute_id, OUTSIDER, channel="teams")

    assert access_rows(engine) == [(OUTSIDER, "export", "md", "teams", False)]


@pytest.mark.parametrize("person", [RAISER, "dc.jones", "ben.hughes", "csc.lscb_representative", "partnership.board_manager"])
def test_parties_people_asked_at_a_stage_and_partnership_staff_may_export(engine: Engine, lifecycle: Lifecycle, person: str) -> None:
    exported = export(engine, lifecycle.dispute_id, person)

    assert exported.filename == "record-CSC-2026-0193.md" and exported.media_type.startswith("text/markdown")
    assert access_rows(engine) == [(person, "export", "md", "slack", True)]


def test_the_export_shows_the_access_log_including_refusals_and_itself(engine: Engine, lifecycle: Lifecycle) -> None:
    with pytest.raises(RecordRefused):
        export(engine, lifecycle.dispute_id, OUTSIDER)
    text = export(engine, lifecycle.dispute_id, RAISER, channel="cli").content.decode()

    log = text[text.index("## Access log"):]
    assert "| Fri 4 Dec 2026, 10:00 | Olly Outsider | exported (Markdown) | Slack | REFUSED |" in log
    assert "| Fri 4 Dec 2026, 10:00 | Siôn Llŷr | exported (Markdown) | command line | allowed |" in log


def test_the_database_refuses_to_change_or_remove_access_log_entries(engine: Engine, lifecycle: Lifecycle) -> None:
    export(engine, lifecycle.dispute_id, RAISER)
    for statement in ("UPDATE access_log SET allowed = false", "DELETE FROM access_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    assert len(access_rows(engine)) == 1


def test_an_unknown_dispute_is_not_found_and_logs_nothing(engine: Engine, lifecycle: Lifecycle) -> None:
    with pytest.raises(DisputeNotFound):
        export(engine, "nosuchdispute", RAISER)
    assert access_rows(engine) == []


# --- the command line ---------------------------------------------------------------------------


def test_cli_export_by_an_outsider_is_refused_writes_no_file_and_is_recorded(
    engine: Engine, lifecycle: Lifecycle, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "record.pdf"

    code = app.main(["record", "export", lifecycle.reference, "--format", "pdf", "--out", str(out), "--by", OUTSIDER])

    assert code == 1 and not out.exists()
    assert "Only the people involved in case CSC-2026-0193" in capsys.readouterr().err
    assert access_rows(engine) == [(OUTSIDER, "export", "pdf", "cli", False)]


def test_cli_show_by_an_outsider_is_refused_and_recorded(
    engine: Engine, lifecycle: Lifecycle, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app.main(["record", "show", lifecycle.reference, "--by", OUTSIDER]) == 1

    captured = capsys.readouterr()
    assert "CSC-2026-0193" not in captured.out and "This request has been recorded." in captured.err
    assert access_rows(engine) == [(OUTSIDER, "view", "text", "cli", False)]


def test_cli_by_someone_not_in_the_directory_is_refused_with_a_clear_message(
    engine: Engine, lifecycle: Lifecycle, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app.main(["record", "show", lifecycle.reference, "--by", "nobody.known"]) == 1

    assert "nobody.known is not in Parley's directory, so the record of case CSC-2026-0193 can't be shown." in capsys.readouterr().err
    assert access_rows(engine) == [("nobody.known", "view", "text", "cli", False)]


def test_cli_show_and_export_need_to_know_who_is_asking(lifecycle: Lifecycle, cli: None, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["record", "show", lifecycle.reference], ["record", "export", lifecycle.reference, "--format", "md", "--out", "x.md"]):
        with pytest.raises(SystemExit) as exited:
            app.main(argv)
        assert exited.value.code == 2
        assert "the following arguments are required: --by" in capsys.readouterr().err


def test_cli_show_by_a_party_prints_the_record_and_logs_the_view(
    engine: Engine, lifecycle: Lifecycle, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app.main(["record", "show", lifecycle.reference, "--by", RAISER]) == 0

    assert "Case reference: CSC-2026-0193" in capsys.readouterr().out
    assert access_rows(engine) == [(RAISER, "view", "text", "cli", True)]
