"""In-memory fakes of the core's ports, for unit tests of the use cases."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Self

from bot.directory import Directory
from bot.dispute import Dispute
from bot.errors import ConcurrentUpdate, DisputeNotFound
from bot.events import Event
from bot.notices import MAX_ATTEMPTS, Notice
from bot.nudges import PlannedNudge
from bot.outbox import Delivery, OutgoingMessage
from bot.policy import PRACTITIONER
from bot.ports import DueNudge
from bot.record import RecordEntry, entry_for
from bot.routing import Routing


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

    def get_many(self, dispute_ids: Collection[str], *, lock: bool = False) -> dict[str, Dispute]:
        return {i: self.get(i) for i in dispute_ids if i in self.rows}

    def save(self, dispute: Dispute) -> None:
        self.save_many([dispute])

    def save_many(self, disputes: Sequence[Dispute]) -> None:
        if any(self.rows[d.id].version != d.version for d in disputes):
            raise ConcurrentUpdate(disputes[0].id)
        for dispute in disputes:
            dispute.version += 1
            self._append(dispute)
            self.rows[dispute.id] = copy.deepcopy(dispute)

    def append_aside(self, dispute: Dispute) -> None:
        self._append(dispute)

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

    def active_routings(self) -> list[tuple[str, Routing]]:
        return [(d.id, d.routing) for d in sorted((d for d in self.rows.values() if d.status.is_active), key=lambda d: d.deadline)]

    def waiting_on_leads(self, top: int) -> list[tuple[str, int, tuple[str, ...]]]:
        waiting: dict[str, list[Dispute]] = {}
        for d in self.rows.values():
            if d.status.is_active:
                for person_id in {a.person_id for a in d.routing.assignees if a.role != PRACTITIONER}:
                    waiting.setdefault(person_id, []).append(d)
        return [
            (p, len(ds), tuple(d.id for d in sorted(ds, key=lambda d: (d.deadline, d.id))[:top]))
            for p, ds in sorted(waiting.items())
        ]

    def overdue(self, now: datetime, limit: int, ids: Collection[str] | None = None) -> list[Dispute]:
        found = [
            d
            for d in self.rows.values()
            if d.status.is_active and d.deadline <= now and not d.deadline_missed and (ids is None or d.id in ids)
        ]
        return sorted((copy.deepcopy(d) for d in found), key=lambda d: d.deadline)[:limit]


class FakeDirectoryRepository:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def load(self) -> Directory:
        return self.directory

    def replace(self, directory: Directory) -> None:
        self.directory = directory


class FakeOutboxRepository:
    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []

    def add(self, messages: Sequence[OutgoingMessage], now: datetime) -> None:
        self.messages.extend(messages)

    def mark_failed(self, message_id: int, *, error: str) -> bool:
        return True


class FakeNudgeRepository:
    def __init__(self) -> None:
        self.rows: dict[int, dict] = {}

    def schedule(self, dispute_id: str, stage_index: int, planned: Sequence[PlannedNudge]) -> None:
        self.schedule_many([(dispute_id, stage_index, p) for p in planned])

    def schedule_many(self, planned: Sequence[tuple[str, int, PlannedNudge]]) -> None:
        for dispute_id, stage_index, p in planned:
            if any((r["dispute_id"], r["stage_index"], r["kind"]) == (dispute_id, stage_index, p.kind) for r in self.rows.values()):
                continue
            nid = len(self.rows) + 1
            self.rows[nid] = {"id": nid, "dispute_id": dispute_id, "stage_index": stage_index, "kind": p.kind, "due_at": p.due_at, "status": "pending"}

    def due(self, now: datetime, limit: int, ids: Collection[int] | None = None) -> list[DueNudge]:
        rows = sorted(
            (r for r in self.rows.values() if r["status"] == "pending" and r["due_at"] <= now and (ids is None or r["id"] in ids)),
            key=lambda r: (r["due_at"], r["id"]),
        )
        return [DueNudge(r["id"], r["dispute_id"], r["stage_index"], r["kind"], r["due_at"]) for r in rows[:limit]]

    def overtaken(self, nudges: Sequence[DueNudge], now: datetime) -> set[int]:
        return {
            n.id
            for n in nudges
            if any(
                r["dispute_id"] == n.dispute_id and r["stage_index"] == n.stage_index and r["status"] == "pending"
                and (r["due_at"], r["id"]) > (n.due_at, n.id) and r["due_at"] <= now
                for r in self.rows.values()
            )
        }

    def claim(self, ids: Collection[int], status: str, now: datetime) -> set[int]:
        claimed = {i for i in ids if self.rows[i]["status"] == "pending"}
        for i in claimed:
            self.rows[i]["status"] = status
        return claimed

    def skip_ended(self, disputes: Sequence[Dispute], now: datetime) -> None:
        for d in disputes:
            for r in self.rows.values():
                if r["dispute_id"] == d.id and r["status"] == "pending" and (r["stage_index"] != d.stage_index or not d.status.is_active):
                    r["status"] = "skipped"


class FakeNoticeRepository:
    def __init__(self) -> None:
        self.rows: dict[int, Notice] = {}
        self.attempts: dict[int, int] = {}
        self.last_id = 0

    def add(self, notices: Sequence[Notice], now: datetime) -> None:
        for n in notices:
            self.last_id += 1
            self.rows[self.last_id] = dataclasses.replace(n, id=self.last_id)
            self.attempts[self.last_id] = 0

    def pending(self, limit: int, ids: Collection[int] | None = None) -> list[Notice]:
        found = [n for i, n in sorted(self.rows.items()) if self.attempts[i] < MAX_ATTEMPTS and (ids is None or i in ids)]
        return found[:limit]

    def for_disputes(self, dispute_ids: Collection[str]) -> list[Notice]:
        return [n for i, n in sorted(self.rows.items()) if self.attempts[i] < MAX_ATTEMPTS and n.dispute_id in dispute_ids]

    def delete(self, ids: Collection[int]) -> None:
        for i in ids:
            self.rows.pop(i, None)

    def failed(self, ids: Collection[int]) -> None:
        for i in ids:
            self.attempts[i] += 1


class FakeDailyRuns:
    def __init__(self) -> None:
        self.done: set[tuple[str, str]] = set()

    def claim(self, name: str, day: str, now: datetime) -> bool:
        if (name, day) in self.done:
            return False
        self.done.add((name, day))
        return True


class FakeSubmissions:
    def __init__(self) -> None:
        self.keys: set[str] = set()

    def seen(self, key: str) -> bool:
        return key in self.keys

    def add(self, key: str, dispute_id: str, now: datetime) -> None:
        self.keys.add(key)


class FakeUnitOfWork:
    def __init__(self, directory: Directory) -> None:
        self.submissions = FakeSubmissions()
        self.disputes = FakeDisputeRepository()
        self.directory = FakeDirectoryRepository(directory)
        self.outbox = FakeOutboxRepository()
        self.nudges = FakeNudgeRepository()
        self.notices = FakeNoticeRepository()
        self.daily = FakeDailyRuns()
        self.committed = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.committed += 1

    def rollback(self) -> None:
        pass


class FakeNotifier:
    """Queues one plain message per event and one DM per person asked to act for each reminder."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls = 0
        self.fail_on = fail_on

    def messages_for(self, dispute: Dispute, events: Sequence[Event], directory: Directory) -> list[OutgoingMessage]:
        return [
            OutgoingMessage(
                key=f"{dispute.id}:v{dispute.version}:{i}:{e.kind}",
                platform="slack",
                workspace="T0CSC",
                delivery=Delivery.THREAD_ROOT if e.kind == "opened" else Delivery.THREAD_REPLY,
                target="C0THREADS",
                payload={"text": e.kind},
                dispute_id=dispute.id,
            )
            for i, e in enumerate(events)
        ]

    def reminders_for(self, dispute: Dispute, nudge: str, directory: Directory) -> list[OutgoingMessage]:
        self.calls += 1
        if self.fail_on is not None and self.calls == self.fail_on:
            raise RuntimeError("the notifier broke")
        return [
            OutgoingMessage(
                key=f"{dispute.id}:{dispute.stage_index}:{nudge}:{person}",
                platform="slack",
                workspace="T0CSC",
                delivery=Delivery.DIRECT,
                target=person,
                payload={"text": f"reminder {nudge}"},
                dispute_id=dispute.id,
            )
            for person in dispute.routing.people()
        ]

    def digest_for(
        self, person_id: str, disputes: Sequence[Dispute], directory: Directory, day: str, *, total: int | None = None
    ) -> list[OutgoingMessage]:
        return [
            OutgoingMessage(
                key=f"digest:{person_id}:{day}",
                platform="slack",
                workspace="T0CSC",
                delivery=Delivery.DIRECT,
                target=person_id,
                payload={"text": "\n".join(d.reference for d in disputes), "total": len(disputes) if total is None else total},
            )
        ]

    def unreachable_for(self, dispute: Dispute, event: Event, directory: Directory, tag: str) -> list[OutgoingMessage]:
        return [
            OutgoingMessage(
                key=f"{dispute.id}:unreachable:{tag}",
                platform="slack",
                workspace="T0CSC",
                delivery=Delivery.DIRECT,
                target=dispute.raiser.person_id or "",
                payload={"text": "someone could not be reached"},
                dispute_id=dispute.id,
            )
        ]
