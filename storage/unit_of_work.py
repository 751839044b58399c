"""The unit of work: one database transaction, with the repositories that read and write in it."""

from __future__ import annotations

from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ConcurrentUpdate
from storage.directory import SqlDirectoryRepository
from storage.disputes import SqlDisputeRepository
from storage.notices import SqlNoticeRepository
from storage.nudges import SqlDailyRuns, SqlNudgeRepository
from storage.outbox import SqlOutboxRepository, SqlThreadRepository
from storage.submissions import SqlSubmissionRepository


class SqlUnitOfWork:
    """One transaction. Leaving the block without commit() rolls back."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.disputes = SqlDisputeRepository(self.session)
        self.directory = SqlDirectoryRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.nudges = SqlNudgeRepository(self.session)
        self.notices = SqlNoticeRepository(self.session)
        self.daily = SqlDailyRuns(self.session)
        self.threads = SqlThreadRepository(self.session)
        self.submissions = SqlSubmissionRepository(self.session)
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as exc:
            # a unique key (record seq, idempotency key) taken by a concurrent writer
            self.session.rollback()
            raise ConcurrentUpdate(str(exc.params) if exc.params else "") from exc

    def rollback(self) -> None:
        self.session.rollback()
