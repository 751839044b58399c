"""storage/bulk.py writes exactly the rows the engine's own executemany writes, on both databases,
and the group commit's writer gives its connection back once no save is waiting."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select, update

from storage import group_commit
from storage.bulk import insert_many
from storage.db import session_factory
from storage.models import DisputeRow, OutboxRow, table_of
from storage.outbox import _QUEUE
from tests.storage.test_group_commit import directory, grouped  # noqa: F401 - the fixture and the save

MONDAY = datetime(2040, 11, 12, 9, 30, tzinfo=timezone.utc)
OUTBOX = table_of(OutboxRow)


def _row(key: str, **extra: Any) -> dict[str, Any]:
    return {
        "key": key, "dispute_id": None, "platform": "slack", "workspace": "T0", "delivery": "thread", "target": "C0",
        "payload": {"text": "Reminder: Step 1 is due", "blocks": [{"type": "section"}], "n": 3, "none": None},
        "fallback_text": "Reminder", "status": "pending", "attempts": 0, "next_attempt_at": MONDAY,
        "created_at": MONDAY - timedelta(minutes=5), **extra,
    }  # fmt: skip


def _read(engine: Engine, keys: list[str]) -> list[tuple[Any, ...]]:
    columns = [c for c in OUTBOX.c if c.name != "id"]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).where(OUTBOX.c.key.in_(keys)).order_by(OUTBOX.c.key)).all()
    return [tuple(r) for r in rows]


def test_rows_written_in_bulk_read_back_as_the_engine_writes_them(engine: Engine) -> None:
    statement = _QUEUE[engine.dialect.name]
    with engine.begin() as conn:
        conn.execute(statement, [_row(f"a{i}") for i in range(3)])
        insert_many(conn, statement, [_row(f"b{i}") for i in range(3)])
    ours, engines = _read(engine, [f"b{i}" for i in range(3)]), _read(engine, [f"a{i}" for i in range(3)])
    assert [r[1:] for r in ours] == [r[1:] for r in engines]  # all but the key: times in UTC, JSON, NULLs
    assert ours[0][OUTBOX.c.keys().index("next_attempt_at") - 1] == MONDAY  # aware UTC, as written


def test_a_key_already_queued_is_left_as_it_is_as_the_statement_says(engine: Engine) -> None:
    statement = _QUEUE[engine.dialect.name]
    with engine.begin() as conn:
        insert_many(conn, statement, [_row("same", fallback_text="first")])
        insert_many(conn, statement, [_row("same", fallback_text="second"), _row("other")])
    with engine.connect() as conn:
        assert conn.execute(select(OUTBOX.c.key, OUTBOX.c.fallback_text).order_by(OUTBOX.c.key)).all() == [
            ("other", "Reminder"), ("same", "first")
        ]


def test_rows_that_leave_out_a_column_with_a_default_go_the_ordinary_way(engine: Engine) -> None:
    short = _row("short")
    del short["fallback_text"], short["attempts"]  # the columns' defaults fill them in
    with engine.begin() as conn:
        insert_many(conn, insert(OUTBOX), [short])
        insert_many(conn, insert(OUTBOX), [_row("full")])
    with engine.connect() as conn:
        found = dict(conn.execute(select(OUTBOX.c.key, OUTBOX.c.fallback_text)).all())
    assert found == {"short": "", "full": "Reminder"}


def test_anything_but_an_insert_goes_the_ordinary_way(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_many(conn, _QUEUE[engine.dialect.name], [_row("x")])
        insert_many(conn, update(OUTBOX).where(OUTBOX.c.key == "x").values(status="sent"), [{}])
    with engine.connect() as conn:
        assert conn.execute(select(OUTBOX.c.status)).scalar_one() == "sent"


def test_every_statement_in_bulk_is_seen_by_the_engines_events(engine: Engine) -> None:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cur, sql, *a: seen.append(sql.split()[0]))
    with engine.begin() as conn:
        insert_many(conn, _QUEUE[engine.dialect.name], [_row(f"e{i}") for i in range(4)])
    assert seen == ["INSERT"]


@pytest.mark.usefixtures("directory")
def test_the_writers_connection_goes_back_to_the_pool_once_no_save_waits(engine: Engine) -> None:
    checked_out: list[int] = []
    event.listen(engine, "checkout", lambda *a: checked_out.append(1))
    group = group_commit.group_for(session_factory(engine))
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda i: grouped(engine, f"burst-{i}"), range(16)))
    assert len(outcomes) == 16 and group._connection is None
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert 1 <= len(checked_out) <= 16
    with engine.connect() as conn:
        opened = conn.execute(select(DisputeRow.idempotency_key).where(DisputeRow.idempotency_key.like("burst-%"))).scalars().all()
    assert len(opened) == 16


def test_sqlites_times_are_written_as_sqlalchemy_writes_them_and_naive_ones_are_refused() -> None:
    # storage.models.UTCDateTime makes SQLite's text in one step: the same text as the ordinary two
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.types import TypeDecorator

    from storage.models import UTCDateTime

    dialect = sqlite.dialect()
    column = UTCDateTime().dialect_impl(dialect)
    fast, ordinary = column.bind_processor(dialect), TypeDecorator.bind_processor(column, dialect)
    assert fast is not None and ordinary is not None
    for minutes in (-600, -59, 0, 1, 60, 330, 600):
        zone = timezone(timedelta(minutes=minutes))
        for at in (datetime(2040, 3, 31, 0, 30, tzinfo=zone), datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=zone), datetime(2, 1, 1, 12, tzinfo=zone)):
            assert fast(at) == ordinary(at), at
    assert fast(datetime(2040, 1, 1, tzinfo=timezone.utc)) == "2040-01-01 00:00:00.000000"
    assert fast(None) is None
    with pytest.raises(ValueError, match="naive"):
        fast(datetime(2040, 1, 1))


def test_a_row_with_another_key_than_the_first_goes_the_ordinary_way(engine: Engine) -> None:
    statement = _QUEUE[engine.dialect.name]
    other = _row("b")
    other["sent_at"] = other.pop("created_at")  # as many keys, one of them another
    with pytest.raises(Exception, match="created_at"), engine.begin() as conn:
        insert_many(conn, statement, [_row("a"), other])  # the engine's own executemany says what is missing
