"""A form submitted twice opens one dispute, with no look-up before the insert (bot/opening.py), and
SQLite's writers queue in the process without losing or blocking anyone (storage/sqlite_writes.py)."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event

from bot.directory import Directory
from bot.errors import UnknownPerson
from bot.moves import Outcome
from bot.upkeep import load_directory
from storage import sqlite_writes
from tests.builders import directory_for
from tests.storage.test_repository import MONDAY, POLICY, count, new_uow, open_dispute, record_rows

KEY = "slack:T0CSC:U0AMARA:view:V0TWICE"


@pytest.fixture
def directory(engine: Engine) -> Directory:
    """The stored directory of the repository tests: csc on Slack, police on Teams, every role held."""
    d = directory_for(POLICY)
    load_directory(d, uow=new_uow(engine))
    return d


def test_a_replay_the_directory_would_now_refuse_still_gets_the_first_dispute(engine: Engine, directory: Directory) -> None:
    first = open_dispute(engine, key=KEY)
    people = {pid: p for pid, p in directory.people.items() if pid != "amara.okafor"}
    load_directory(dataclasses.replace(directory, people=people), uow=new_uow(engine))
    with pytest.raises(UnknownPerson):
        open_dispute(engine, key="slack:T0CSC:U0AMARA:view:V0NEW")  # a new form from her is refused...

    again = open_dispute(engine, key=KEY, now=MONDAY + timedelta(seconds=3))  # ...the same one is not

    assert again.dispute.id == first.dispute.id and again.events == []
    assert count(engine, "disputes") == 1


def test_a_replay_queues_nothing_and_records_nothing(engine: Engine, directory: Directory) -> None:
    open_dispute(engine, key=KEY)
    queued, entries, nudges = count(engine, "outbox"), count(engine, "record_entries"), count(engine, "nudges")

    open_dispute(engine, key=KEY, now=MONDAY + timedelta(seconds=1))

    assert (count(engine, "outbox"), count(engine, "record_entries"), count(engine, "nudges")) == (queued, entries, nudges)


def test_opening_is_one_transaction_one_statement_a_table(engine: Engine, directory: Directory) -> None:
    open_dispute(engine, key="warm-up")  # the directory read into its cache, the connection opened
    sent: list[str] = []
    commits: list[int] = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    event.listen(engine, "commit", lambda *a: commits.append(1))

    open_dispute(engine, key=KEY)

    # the directory's revision, then the dispute first (a key already taken fails there), who it
    # involves, who is asked, its record, its reminders (no notifier here: no messages to queue)
    assert sent[0].lstrip().startswith("SELECT directory_revision.revision")
    assert [s.split()[2] for s in sent[1:]] == ["disputes", "dispute_people", "dispute_asked", "record_entries", "nudges"], sent
    assert len(commits) == 1


def test_ten_threads_opening_the_same_form_at_once_open_one_dispute(engine: Engine, directory: Directory) -> None:
    """On SQLite too: the writers queue on the process's lock, and all but the first meet the key's index."""
    barrier = threading.Barrier(10)

    def contend(n: int) -> Outcome | BaseException:
        barrier.wait()
        try:
            return open_dispute(engine, key=KEY, now=MONDAY + timedelta(seconds=n))
        except BaseException as exc:  # noqa: BLE001 - every outcome is asserted on below
            return exc

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(contend, range(10), timeout=60))

    assert all(isinstance(o, Outcome) for o in outcomes), outcomes
    opened = [o for o in outcomes if isinstance(o, Outcome)]
    assert len({o.dispute.id for o in opened}) == 1
    assert [bool(o.events) for o in opened].count(True) == 1  # only the first to commit recorded anything
    assert count(engine, "disputes") == 1
    assert [row[2] for row in record_rows(engine)] == ["opened", "stage started"]


# --- the process's write lock on a SQLite file ----------------------------------------------------


def _connect(path: str) -> sqlite_writes.Connection:
    conn = sqlite3.connect(path, timeout=5, factory=sqlite_writes.Connection, check_same_thread=False)
    assert isinstance(conn, sqlite_writes.Connection)
    return conn


def test_the_lock_is_held_from_the_first_write_to_the_end_of_the_transaction(tmp_path) -> None:
    path = str(tmp_path / "w.sqlite3")
    a = _connect(path)
    a.execute("CREATE TABLE t (x INTEGER UNIQUE)")
    lock = sqlite_writes._locks[sqlite_writes._lock_for(path)]  # type: ignore[index]
    a.execute("SELECT * FROM t")
    assert not lock.locked()  # reading takes nothing
    a.execute("INSERT INTO t VALUES (1)")
    assert lock.locked()
    a.commit()
    assert not lock.locked()
    a.execute("INSERT INTO t VALUES (2)")
    a.rollback()
    assert not lock.locked()
    with pytest.raises(sqlite3.IntegrityError):
        a.execute("INSERT INTO t VALUES (1)")  # fails inside its transaction: held until that ends
    assert lock.locked()
    a.rollback()
    assert not lock.locked()
    a.execute("UPDATE t SET x = 3")
    a.close()  # closing ends the transaction too
    assert not lock.locked()


def test_a_second_writer_waits_for_the_first_commit_and_then_writes(tmp_path) -> None:
    path = str(tmp_path / "w.sqlite3")
    a, b = _connect(path), _connect(path)
    a.execute("PRAGMA journal_mode=WAL")
    a.execute("CREATE TABLE t (x INTEGER)")
    a.execute("INSERT INTO t VALUES (1)")
    done = threading.Event()

    def write() -> None:
        b.execute("INSERT INTO t VALUES (2)")
        b.commit()
        done.set()

    other = threading.Thread(target=write)
    other.start()
    assert not done.wait(0.3)  # queued behind a's transaction
    a.commit()
    assert done.wait(5)
    other.join()
    assert sorted(r[0] for r in a.execute("SELECT x FROM t")) == [1, 2]


def test_a_thread_writing_through_two_connections_is_left_to_sqlite(tmp_path) -> None:
    path = str(tmp_path / "w.sqlite3")
    a, b = _connect(path), _connect(path)
    a.execute("CREATE TABLE t (x INTEGER)")
    a.commit()
    a.execute("INSERT INTO t VALUES (1)")
    b.execute("PRAGMA busy_timeout = 200")
    with pytest.raises(sqlite3.OperationalError):  # "database is locked", from SQLite, not a deadlock here
        b.execute("INSERT INTO t VALUES (2)")
    a.commit()
    b.execute("INSERT INTO t VALUES (2)")
    b.commit()
