"""The record's hash chain: written with every entry, checked by `record verify`, shown on every export."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

import app
from handlers.records import export_record
from storage import chain
from storage.db import _alembic_config, session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import at
from tests.record.scenario import LSCB, NOTE, RAISER, Lifecycle
from tests.record.tamper import rewrite_entry


def stored(engine: Engine, dispute_id: str) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT seq, kind, hash FROM record_entries WHERE dispute_id = :d ORDER BY seq"), {"d": dispute_id}
        )
        return [tuple(r) for r in rows]


def test_the_canonical_form_is_sorted_compact_ascii_json_of_every_field() -> None:
    data = chain.canonical(
        prev="ab" * 32, dispute_id="d1", seq=3, kind="note", actor="amara.okafor",
        at=datetime(2026, 12, 1, 19, 33, 5, 120, tzinfo=timezone.utc), details={"text": "Siôn: \"ok\"", "b": [1, True]},
    )
    assert data == (
        b'{"actor":"amara.okafor","at":"2026-12-01T19:33:05.000120Z","details":{"b":[1,true],"text":"Si\\u00f4n: \\"ok\\""},'
        b'"dispute":"d1","kind":"note","prev":"' + b"ab" * 32 + b'","seq":3,"v":1}'
    )


def test_every_entry_is_hashed_over_its_content_and_the_hash_before_it(engine: Engine, lifecycle: Lifecycle) -> None:
    rows = stored(engine, lifecycle.dispute_id)
    assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1)) and len(rows) >= 10
    with SqlUnitOfWork(session_factory(engine)) as uow:
        record = uow.disputes.record(lifecycle.dispute_id)
    prev = chain.GENESIS
    for entry, (_, _, stored_hash) in zip(record, rows, strict=True):
        data = chain.canonical(
            prev=prev, dispute_id=entry.dispute_id, seq=entry.seq, kind=entry.kind, actor=entry.actor, at=entry.at, details=entry.details
        )
        assert hashlib.sha256(data).hexdigest() == stored_hash
        prev = stored_hash
    with session_factory(engine)() as session:
        (check,) = chain.verify(session, [lifecycle.dispute_id])
    assert check.ok and check.head == rows[-1][2] and check.entries == len(rows)


def test_record_verify_reports_every_chain_intact(engine: Engine, lifecycle: Lifecycle, cli: None, capsys: pytest.CaptureFixture[str]) -> None:
    head = stored(engine, lifecycle.dispute_id)[-1][2]

    assert app.main(["record", "verify"]) == 0

    out = capsys.readouterr().out
    assert f"{lifecycle.reference}: 14 entries, chain verified. Head: {head}" in out
    assert "All 1 record(s) verified" in out


def test_an_entry_changed_behind_parleys_back_is_named_by_verify_and_by_the_export(
    engine: Engine, lifecycle: Lifecycle, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    note_seq = next(seq for seq, kind, _ in stored(engine, lifecycle.dispute_id) if kind == "note")
    rewrite_entry(engine, lifecycle.dispute_id, note_seq, {"text": NOTE.replace("Thursday", "Friday")})

    assert app.main(["record", "verify", lifecycle.reference]) == 1
    out = capsys.readouterr().out
    assert (
        f"{lifecycle.reference}: CHAIN BROKEN at entry {note_seq} (note, Mon 23 Nov 2026, 11:00): "
        "its stored content no longer matches its hash: it was changed after it was written." in out
    )
    assert "1 of 1 record(s) do not verify" in out

    exported = export_record(
        SqlUnitOfWork(session_factory(engine)), dispute_id=lifecycle.dispute_id, person_id=RAISER, fmt="md",
        channel="cli", policy_for=lambda _: LSCB, now=at(2026, 12, 4, 10, 0),
    )
    text = exported.content.decode()
    assert f"NOT VERIFIED: entry {note_seq} (Note, Mon 23 Nov 2026, 11:00)" in text
    assert "This record may have been altered." in text


def test_the_migration_hashes_entries_written_before_it_exactly_as_parley_does(engine: Engine, lifecycle: Lifecycle) -> None:
    before = stored(engine, lifecycle.dispute_id)
    cfg = _alembic_config(engine)

    command.downgrade(cfg, "0005")
    with engine.connect() as conn:
        assert "hash" not in {c["name"] for c in sa.inspect(conn).get_columns("record_entries")}
    command.upgrade(cfg, "head")

    assert stored(engine, lifecycle.dispute_id) == before
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):  # the triggers are back after the back-fill
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE record_entries SET kind = 'x'"))


def test_verify_of_an_unknown_case_says_so(engine: Engine, lifecycle: Lifecycle, cli: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["record", "verify", "NO-SUCH-CASE"]) == 1
    assert "There is no disagreement with case reference or id NO-SUCH-CASE." in capsys.readouterr().err


def test_verify_of_every_dispute_names_only_the_altered_one(engine: Engine, cli: None, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.record.scenario import run_lifecycle

    uow = SqlUnitOfWork(session_factory(engine))
    _, second, _ = (run_lifecycle(uow, reference=f"CSC-2026-{n}") for n in ("0001", "0002", "0003"))
    rewrite_entry(engine, second.dispute_id, 1, {"category": "something else"})

    assert app.main(["record", "verify"]) == 1

    out = capsys.readouterr().out.splitlines()  # all opened at the same moment: in no particular order
    by_case = {line.split(":")[0]: line for line in out[:3]}
    assert by_case["CSC-2026-0001"].startswith("CSC-2026-0001: 14 entries, chain verified.")
    assert by_case["CSC-2026-0002"].startswith("CSC-2026-0002: CHAIN BROKEN at entry 1 (opened, Mon 23 Nov 2026, 10:00)")
    assert by_case["CSC-2026-0003"].startswith("CSC-2026-0003: 14 entries, chain verified.")
    assert out[3] == "1 of 3 record(s) do not verify. Keep this output; the entries named above were changed outside Parley."
