"""SQLite's one writer at a time, queued in the process rather than in SQLite's busy handler.

SQLite lets one transaction write at a time. When a second thread's first INSERT finds the
file locked, SQLite's busy handler sleeps and tries again (1, 2, 5, 10, 15, 20, 25, 25, 25, 50,
50, 100 ms...), so under a burst of form submissions each writer wakes up late, and the lock
goes to whichever thread wakes first. Here each connection of the process takes a lock of the
process (one per database file) just before the statement that makes pysqlite begin a write
transaction (INSERT, UPDATE, DELETE, REPLACE), and gives it back as soon as the transaction
ends (commit, rollback, close): the next writer starts the moment the last one commits.

Nothing about the transactions changes: they begin, write and commit as before, and another
process (the CLI, a second replica) still meets SQLite's own lock and busy timeout. A thread
that already holds the lock through another connection does not wait for it (SQLite decides,
as before), and no thread waits for it longer than the connection's timeout.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_locks: dict[str, threading.Lock] = {}
_owners: dict[str, int] = {}  # the file -> the thread holding its lock
_guard = threading.Lock()


def _lock_for(database: str) -> str | None:
    """The key of the file's lock; None for a database of its own (in memory)."""
    if database in ("", ":memory:") or "mode=memory" in database:
        return None
    path = database.removeprefix("file:").split("?", 1)[0]
    key = os.path.realpath(path)
    with _guard:
        _locks.setdefault(key, threading.Lock())
    return key


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_WRITES)


class Connection(sqlite3.Connection):
    """sqlite3's connection, taking the process's write lock for its file around each write transaction
    (`sqlite3.connect(..., factory=Connection)`)."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._key = _lock_for(os.fsdecode(database)) if isinstance(database, (str, bytes, os.PathLike)) else None
        self._wait = float(kwargs.get("timeout", args[0] if args else 5.0))
        self._holding = False

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or Cursor)

    def execute(self, sql: str, *args: Any) -> Any:
        return self.cursor().execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        return self.cursor().executemany(sql, *args)

    def before(self, sql: str) -> None:
        """About to run `sql`: wait for the file's write lock if it begins a write transaction."""
        if self._key is None or self._holding or self.in_transaction or not _is_write(sql):
            return
        me = threading.get_ident()
        if _owners.get(self._key) == me:
            return  # this thread writes through another connection already: SQLite decides, as before
        if _locks[self._key].acquire(timeout=self._wait):
            self._holding = True
            _owners[self._key] = me

    def after(self) -> None:
        """A statement ran (or failed): if no transaction is open now, the lock goes back."""
        if self._holding and not self.in_transaction:
            self._release()

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            assert self._key is not None
            _owners.pop(self._key, None)
            _locks[self._key].release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.after()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.after()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()


class Cursor(sqlite3.Cursor):
    def execute(self, sql: str, *args: Any) -> Any:
        return self._guarded(super().execute, sql, args)

    def executemany(self, sql: str, *args: Any) -> Any:
        return self._guarded(super().executemany, sql, args)

    def _guarded(self, run: Callable[..., Any], sql: str, args: tuple[Any, ...]) -> Any:
        conn: Connection = self.connection  # type: ignore[assignment]
        conn.before(sql)
        try:
            return run(sql, *args)
        finally:
            conn.after()
