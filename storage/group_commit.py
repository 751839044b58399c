"""New disputes opened at the same moment, written and committed together: one transaction, one
statement per table, instead of a transaction of seven statements each.

Under a burst of form submissions each save costs more in the database layer's per-statement
and per-commit work than in building its rows, and the saves take turns on the one writer. So a
submission's use case runs against a `GroupedUnitOfWork`: its repositories are the usual ones,
but the statements they would execute are only noted. Its commit() hands them to the engine's
`GroupCommit`: if no group is being written, this thread writes its own and whatever other saves
are waiting (the revision of the directory they all used checked first, then each statement
once for all of their rows, through the driver's executemany (storage/bulk.py), one commit); if
one is being written, it waits for it and joins the next. commit() returns only after the commit
that holds its rows. The writer's connection passes from group to group while saves are queued,
and goes back to the pool when none is.

If anything about the group fails (a taken idempotency key, a changed directory, the database),
nothing of it is kept, and each of its saves raises `NotGrouped`: the caller then runs its use
case again the ordinary way, in its own transaction, as if there were no group. Reading anything
in a grouped unit of work raises `NotGrouped` too (the use case reads only when it must find a
dispute opened before, which the ordinary way does).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Self
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.directory import Directory
from storage.bulk import insert_many
from storage.directory import REVISION, cached_directory
from storage.disputes import SqlDisputeRepository
from storage.nudges import SqlNudgeRepository
from storage.outbox import SqlOutboxRepository

Statement = tuple[Any, list[Mapping[str, Any]]]  # a Core statement and its rows


class NotGrouped(Exception):
    """This save was not committed with a group: run the use case again in its own transaction."""


class GroupCommit:
    """The saves of one engine waiting to be written together (`group_for`)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        engine = sessions.kw["bind"]
        assert isinstance(engine, Engine)
        self.engine = engine
        self._lock = threading.Condition()
        self._waiting: list[_Save] = []
        self._writing = False
        self._connection: Connection | None = None  # the writer's, kept from group to group while saves queue
        self.groups = 0  # how many groups were committed (tests, benchmarks)

    def commit(self, statements: Sequence[Statement], revision: int) -> bool:
        """Commit these statements with those of the saves waiting beside them; False if the group failed."""
        save = _Save(statements, revision)
        with self._lock:
            self._waiting.append(save)
            while self._writing and save.ok is None:
                self._lock.wait()
            if save.ok is not None:  # written by the thread that wrote the group
                return save.ok
            group, self._waiting, self._writing = self._waiting, [], True
        ok = False
        try:
            ok = self._write(group)
        finally:
            with self._lock:
                for member in group:
                    member.ok = ok
                self._writing = False
                idle = None if self._waiting else self._connection  # the burst is over: back to the pool
                if idle is not None:
                    self._connection = None
                self._lock.notify_all()
            if idle is not None:
                idle.close()
        return ok

    def _write(self, group: list[_Save]) -> bool:
        merged: dict[int, Statement] = {}  # by statement, in the order the first save used them
        for save in group:
            for statement, rows in save.statements:
                merged.setdefault(id(statement), (statement, []))[1].extend(rows)
        try:
            if self._connection is None:
                self._connection = self.engine.connect()
            connection = self._connection
            with connection.begin():
                revision = connection.execute(REVISION).scalar()
                if any(save.revision != revision for save in group):
                    return False  # the directory changed: each save checks its people again (nothing written)
                with _pipeline(connection):
                    for statement, rows in merged.values():
                        insert_many(connection, statement, rows)
            self.groups += 1
            return True
        except Exception:  # noqa: BLE001 - a taken key, a lost connection: each save then tries alone
            held, self._connection = self._connection, None
            if held is not None:
                held.close()  # rolled back; one the database dropped is found out by the pool
            return False


def _pipeline(connection: Connection) -> contextlib.AbstractContextManager[Any]:
    """On PostgreSQL, psycopg's pipeline mode: the group's statements sent together, one wait for all."""
    driver = connection.connection.driver_connection
    pipeline = getattr(driver, "pipeline", None)
    return pipeline() if pipeline is not None else contextlib.nullcontext()


class _Save:
    def __init__(self, statements: Sequence[Statement], revision: int) -> None:
        self.statements, self.revision = statements, revision
        self.ok: bool | None = None


_GROUPS: WeakKeyDictionary[Engine, GroupCommit] = WeakKeyDictionary()
_groups_lock = threading.Lock()


def group_for(sessions: sessionmaker[Session]) -> GroupCommit:
    """The group of the database these sessions are bound to (one for every session factory of it)."""
    engine = sessions.kw["bind"]
    assert isinstance(engine, Engine)
    with _groups_lock:
        group = _GROUPS.get(engine)
        if group is None:
            group = _GROUPS[engine] = GroupCommit(sessions)
        return group


class _Noted:
    """What the repositories take for a session's connection: it notes each statement and its rows."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self.statements: list[Statement] = []

    def execute(self, statement: Any, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None) -> None:
        if rows is None:
            raise NotGrouped("a statement with no rows")
        self.statements.append((statement, [rows] if isinstance(rows, Mapping) else list(rows)))


class _NotingSession:
    """The repositories' session: connection() notes; anything else (a read) is not for a group."""

    def __init__(self, noted: _Noted) -> None:
        self._noted = noted

    def connection(self) -> _Noted:
        return self._noted

    def __getattr__(self, name: str) -> Any:
        raise NotGrouped(f"session.{name}")


class _CachedDirectory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.revision: int | None = None

    def load(self) -> Directory:
        cached = cached_directory(self.engine)
        if cached is None:
            raise NotGrouped("no directory read yet")
        self.revision, directory = cached
        return directory


class GroupedUnitOfWork:
    """A unit of work for opening a dispute whose writes are committed with a group (the module's docstring)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.group = group_for(sessions)
        engine = sessions.kw["bind"]
        assert isinstance(engine, Engine)
        self.engine = engine

    def __enter__(self) -> Self:
        self._noted = _Noted(self.engine)
        session: Any = _NotingSession(self._noted)
        self.directory = _CachedDirectory(self.engine)
        self.disputes = SqlDisputeRepository(session)
        self.outbox = SqlOutboxRepository(session)
        self.nudges = SqlNudgeRepository(session)
        return self

    def __exit__(self, *exc: object) -> None:
        self._noted.statements.clear()

    def commit(self) -> None:
        if self.directory.revision is None or not self._noted.statements:
            raise NotGrouped("nothing read or written")
        if not self.group.commit(list(self._noted.statements), self.directory.revision):
            raise NotGrouped("the group failed")
        self._noted.statements.clear()

    def rollback(self) -> None:
        self._noted.statements.clear()

    def __getattr__(self, name: str) -> Any:  # the other repositories: not for a group
        raise NotGrouped(f"uow.{name}")
