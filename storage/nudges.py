"""Reminders (nudges) in the database, and the once-a-day runs such as the morning digest."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.dispute import Dispute
from bot.nudges import PlannedNudge
from bot.ports import DueNudge
from storage.bulk import insert_many
from storage.locking import skip_locked
from storage.models import DailyRunRow, NudgeRow, table_of, unindexed

PENDING_NUDGE = "pending"
_KEY = ["dispute_id", "stage_index", "kind"]
# scheduling's statement, built once per dialect (its compiled form is cached by the engine)
_SCHEDULE = {
    "postgresql": postgresql.insert(table_of(NudgeRow)).on_conflict_do_nothing(index_elements=_KEY),
    "sqlite": sqlite.insert(table_of(NudgeRow)).on_conflict_do_nothing(index_elements=_KEY),
}


class SqlNudgeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def schedule(self, dispute_id: str, stage_index: int, planned: Sequence[PlannedNudge]) -> None:
        """Add these nudges; one already planned for the same dispute, stage and kind is kept as it is."""
        self.schedule_many([(dispute_id, stage_index, p) for p in planned])

    def schedule_many(self, planned: Sequence[tuple[str, int, PlannedNudge]]) -> None:
        """schedule() for many disputes at once: (dispute id, stage index, nudge), one statement."""
        if not planned:
            return
        connection = self.session.connection()  # Core: nothing here loads or tracks objects
        insert_many(
            connection,
            _SCHEDULE[connection.dialect.name],
            [{"dispute_id": d, "stage_index": i, "kind": p.kind, "due_at": p.due_at, "status": PENDING_NUDGE} for d, i, p in planned],
        )

    def due(self, now: datetime, limit: int, ids: Collection[int] | None = None) -> list[DueNudge]:
        """Pending nudges whose moment has come, earliest first; on PostgreSQL locked for this
        transaction, passing over those another sweeper holds. `ids` narrows it to those nudges."""
        query = (
            select(NudgeRow.id, NudgeRow.dispute_id, NudgeRow.stage_index, NudgeRow.kind, NudgeRow.due_at)
            .where(NudgeRow.status == PENDING_NUDGE, NudgeRow.due_at <= now)
            .order_by(NudgeRow.due_at, NudgeRow.id)
            .limit(limit)
        )
        if ids is not None:
            query = query.where(NudgeRow.id.in_(sorted(ids)))
        return [DueNudge(*r) for r in self.session.execute(skip_locked(self.session, query))]

    def overtaken(self, nudges: Sequence[DueNudge], now: datetime) -> set[int]:
        """The ids of those nudges for which a later pending nudge of the same dispute and stage is also due."""
        if not nudges:
            return set()
        rows = self.session.execute(
            select(NudgeRow.id, NudgeRow.dispute_id, NudgeRow.stage_index, NudgeRow.due_at).where(
                NudgeRow.dispute_id.in_(sorted({n.dispute_id for n in nudges})),
                NudgeRow.status == PENDING_NUDGE,
                NudgeRow.due_at <= now,
            )
        )
        latest: dict[tuple[str, int], tuple[datetime, int]] = {}
        for id_, dispute_id, stage_index, due_at in rows:
            key = (dispute_id, stage_index)
            latest[key] = max(latest.get(key, (due_at, id_)), (due_at, id_))
        return {n.id for n in nudges if latest.get((n.dispute_id, n.stage_index), (n.due_at, n.id)) > (n.due_at, n.id)}

    def claim(self, ids: Collection[int], status: str, now: datetime) -> set[int]:
        """Mark these pending nudges done (sent or skipped); returns the ids this call marked
        (a nudge another sweeper already marked is left out)."""
        if not ids:
            return set()
        claimed = self.session.scalars(
            update(NudgeRow)
            .where(NudgeRow.id.in_(sorted(ids)), unindexed(NudgeRow.status) == PENDING_NUDGE)
            .values(status=status, done_at=now)
            .returning(NudgeRow.id)
            .execution_options(synchronize_session=False)
        )
        return set(claimed)

    def skip_ended(self, disputes: Sequence[Dispute], now: datetime) -> None:
        """Mark skipped the pending nudges of every stage these disputes are no longer at (all of
        them for a dispute that is closed), in the current transaction."""
        if not disputes:
            return
        by_id = {d.id: d for d in disputes}
        # found by dispute (its index) and changed by id: a question about status would let SQLite
        # walk the (status, due_at) index of every pending nudge instead, once per dispute
        rows = self.session.execute(
            select(NudgeRow.id, NudgeRow.dispute_id, NudgeRow.stage_index, NudgeRow.status).where(
                NudgeRow.dispute_id.in_(sorted(by_id))
            )
        )
        ended = sorted(
            id_
            for id_, dispute_id, stage_index, status in rows
            if status == PENDING_NUDGE
            and (stage_index != by_id[dispute_id].stage_index or not by_id[dispute_id].status.is_active)
        )
        if ended:
            self.session.execute(
                update(NudgeRow)
                .where(NudgeRow.id.in_(ended), unindexed(NudgeRow.status) == PENDING_NUDGE)
                .values(status="skipped", done_at=now)
                .execution_options(synchronize_session=False)
            )

    def for_dispute(self, dispute_id: str) -> list[tuple[int, str, datetime, str]]:
        """(stage index, kind, due at, status) of every nudge of a dispute, in due order."""
        rows = self.session.execute(
            select(NudgeRow.stage_index, NudgeRow.kind, NudgeRow.due_at, NudgeRow.status)
            .where(NudgeRow.dispute_id == dispute_id)
            .order_by(NudgeRow.due_at, NudgeRow.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


class SqlDailyRuns:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, name: str, day: str, now: datetime) -> bool:
        """Claim today's run of `name`; False if it is already done (or being done) elsewhere."""
        insert_ = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        claimed = self.session.scalar(
            insert_(DailyRunRow)
            .values(name=name, day=day, done_at=now)
            .on_conflict_do_nothing(index_elements=["name", "day"])
            .returning(DailyRunRow.name)
        )
        return claimed is not None
