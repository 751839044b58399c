"""In-memory fakes of the core's ports, for unit tests of the use cases."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Self

from bot.directory import Directory
from bot.dispute import Dispute
from bot.errors import ConcurrentUpdate, DisputeNotFound
from bot.record import RecordEntry, entry_for


class FakeDisputeRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Dispute] = {}
        self.keys: dict[str, str] = {}
        self.entries: dict[str, list[RecordEntry]] = {}

    def add(self, dispute: Dispute, idempotency_key: str | None = None) -> None:
        if idempotency_key in self.keys:
            raise ConcurrentUpdate(dispute.id)
        if idempotency_key:
            self.keys[idempotency_key] = dispute.id
        self.rows[dispute.id] = copy.deepcopy(dispute)
        self._append(dispute)

    def get(self, dispute_id: str) -> Dispute:
        if dispute_id not in self.rows:
            raise DisputeNotFound(dispute_id)
        return copy.deepcopy(self.rows[dispute_id])

    def save(self, dispute: Dispute) -> None:
        if self.rows[dispute.id].version != dispute.version:
            raise ConcurrentUpdate(dispute.id)
        dispute.version += 1
        self._append(dispute)
        self.rows[dispute.id] = copy.deepcopy(dispute)

    def _append(self, dispute: Dispute) -> None:
        log = self.entries.setdefault(dispute.id, [])
        for ev in dispute.events:
            log.append(entry_for(ev, len(log) + 1))
        dispute.events.clear()
        self.rows[dispute.id].events.clear()

    def by_idempotency_key(self, key: str) -> Dispute | None:
        return self.get(self.keys[key]) if key in self.keys else None

    def record(self, dispute_id: str) -> list[RecordEntry]:
        return list(self.entries.get(dispute_id, []))

    def last_entry(self, dispute_id: str) -> RecordEntry | None:
        log = self.entries.get(dispute_id)
        return log[-1] if log else None

    def active_involving(self, person_id: str) -> list[Dispute]:
        found = [d for d in self.rows.values() if d.status.is_active and person_id in d.involved]
        return sorted((copy.deepcopy(d) for d in found), key=lambda d: d.deadline)

    def overdue(self, now: datetime, limit: int) -> list[Dispute]:
        found = [d for d in self.rows.values() if d.status.is_active and d.deadline <= now and not d.deadline_missed]
        return sorted((copy.deepcopy(d) for d in found), key=lambda d: d.deadline)[:limit]


class FakeDirectoryRepository:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def load(self) -> Directory:
        return self.directory

    def replace(self, directory: Directory) -> None:
        self.directory = directory


class FakeUnitOfWork:
    def __init__(self, directory: Directory) -> None:
        self.disputes = FakeDisputeRepository()
        self.directory = FakeDirectoryRepository(directory)
        self.committed = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.committed += 1

    def rollback(self) -> None:
        pass
