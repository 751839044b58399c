"""Repositories and the unit of work: the only place where core types meet the database."""

from __future__ import annotations

from datetime import datetime
from collections.abc import Sequence
from typing import Any, Self

from sqlalchemy import and_, delete, event, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.directory import Agency, Directory, Identity, Membership, Person
from bot.dispute import Confirmation, Dispute, Party, Proposal, Status
from bot.errors import ConcurrentUpdate, DisputeNotFound
from bot.nudges import PlannedNudge
from bot.services import DueNudge
from bot.record import RecordEntry, entry_for
from bot.routing import Assignee, Routing
from storage.outbox import SqlOutboxRepository, SqlThreadRepository
from storage.models import (
    AgencyRow,
    DailyRunRow,
    DisputeRow,
    IdentityRow,
    InvolvementRow,
    MembershipRow,
    NudgeRow,
    PersonRow,
    RecordEntryRow,
)


PENDING_NUDGE = "pending"


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or remove a record entry."""


@event.listens_for(Session, "before_flush")
def _refuse_record_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, RecordEntryRow):
            raise AppendOnlyViolation("The record is append-only: entries are never changed or removed.")


# --- mapping ------------------------------------------------------------------------------------


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _routing_to_json(routing: Routing) -> dict[str, Any]:
    return {
        "assignees": [[a.person_id, a.side, a.agency, a.role, a.substitute_for] for a in routing.assignees],
        "flags": list(routing.flags),
    }


def _routing_from_json(data: dict[str, Any]) -> Routing:
    return Routing(
        assignees=tuple(Assignee(p, s, ag, r, sub) for p, s, ag, r, sub in data.get("assignees", [])),
        flags=tuple(data.get("flags", [])),
    )


def _proposal_to_json(p: Proposal | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "by": p.by,
        "side": p.side,
        "at": p.at.isoformat(),
        "agreed_outcome": p.agreed_outcome,
        "outstanding_issues": p.outstanding_issues,
        "learning_points": p.learning_points,
    }


def _proposal_from_json(data: dict[str, Any] | None) -> Proposal | None:
    if data is None:
        return None
    return Proposal(**{**data, "at": _dt(data["at"])})


def _fill_row(row: DisputeRow, d: Dispute) -> None:
    row.reference = d.reference
    row.category = d.category
    row.policy_name = d.policy_name
    row.raiser_id = d.raiser.person_id or ""
    row.raiser_agency = d.raiser.agency
    row.other_id = d.other.person_id
    row.other_agency = d.other.agency
    row.other_description = d.other.description
    row.problem = d.problem
    row.cause = d.cause
    row.outcome = d.outcome
    row.discussed = d.discussed
    row.immediate_risk = d.immediate_risk
    row.formal_challenge = d.formal_challenge
    row.status = d.status.value
    row.active = d.status.is_active
    row.stage_index = d.stage_index
    row.stage_started_at = d.stage_started_at
    row.deadline = d.deadline
    row.deadline_missed = d.deadline_missed
    row.opened_at = d.opened_at
    row.closed_at = d.closed_at
    row.routing = _routing_to_json(d.routing)
    row.involved = sorted(d.involved)
    row.proposal = _proposal_to_json(d.proposal)
    row.confirmations = [[c.side, c.by, c.at.isoformat(), c.statement] for c in d.confirmations]


def _to_dispute(row: DisputeRow) -> Dispute:
    return Dispute(
        id=row.id,
        reference=row.reference,
        category=row.category,
        raiser=Party(agency=row.raiser_agency, person_id=row.raiser_id),
        other=Party(agency=row.other_agency, person_id=row.other_id, description=row.other_description),
        problem=row.problem,
        cause=row.cause,
        outcome=row.outcome,
        discussed=row.discussed,
        immediate_risk=row.immediate_risk,
        policy_name=row.policy_name,
        opened_at=row.opened_at,
        stage_index=row.stage_index,
        stage_started_at=row.stage_started_at,
        deadline=row.deadline,
        status=Status(row.status),
        formal_challenge=row.formal_challenge,
        routing=_routing_from_json(row.routing),
        involved=frozenset(row.involved),
        proposal=_proposal_from_json(row.proposal),
        confirmations=tuple(Confirmation(side, by, _dt(at), statement) for side, by, at, statement in row.confirmations),
        closed_at=row.closed_at,
        deadline_missed=row.deadline_missed,
        version=row.version,
    )


def _to_entry(row: RecordEntryRow) -> RecordEntry:
    return RecordEntry(row.dispute_id, row.seq, row.at, row.actor_id, row.kind, row.details)


# --- repositories -------------------------------------------------------------------------------


class SqlDisputeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, dispute: Dispute, idempotency_key: str | None = None) -> None:
        """Insert a new dispute and record its events."""
        row = DisputeRow(id=dispute.id, version=dispute.version, idempotency_key=idempotency_key)
        _fill_row(row, dispute)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError as exc:  # the idempotency key was taken a moment ago
            raise ConcurrentUpdate(dispute.id) from exc
        self._involve(dispute.id, dispute.involved)
        self._append(dispute)

    def get(self, dispute_id: str) -> Dispute:
        """The dispute with this id; DisputeNotFound if there is none."""
        row = self.session.get(DisputeRow, dispute_id)
        if row is None:
            raise DisputeNotFound(dispute_id)
        return _to_dispute(row)

    def save(self, dispute: Dispute) -> None:
        """Write the dispute back if nobody else changed it since it was read; else ConcurrentUpdate."""
        row = DisputeRow()
        _fill_row(row, dispute)
        values = {c: getattr(row, c) for c in _UPDATABLE}
        result = self.session.execute(
            update(DisputeRow)
            .where(DisputeRow.id == dispute.id, DisputeRow.version == dispute.version)
            .values(**values, version=dispute.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate(dispute.id)
        dispute.version += 1
        self._involve(dispute.id, dispute.involved)
        self._append(dispute)

    def _involve(self, dispute_id: str, people: frozenset[str]) -> None:
        known = set(
            self.session.scalars(select(InvolvementRow.person_id).where(InvolvementRow.dispute_id == dispute_id))
        )
        new = sorted(people - known)
        if new:
            self.session.execute(insert(InvolvementRow), [{"dispute_id": dispute_id, "person_id": p} for p in new])

    def _append(self, dispute: Dispute) -> None:
        if not dispute.events:
            return
        last = self.session.scalar(
            select(func.max(RecordEntryRow.seq)).where(RecordEntryRow.dispute_id == dispute.id)
        )
        seq = last or 0
        rows = []
        for ev in dispute.events:
            seq += 1
            e = entry_for(ev, seq)
            rows.append(
                {"dispute_id": e.dispute_id, "seq": e.seq, "at": e.at, "actor_id": e.actor, "kind": e.kind, "details": e.details}
            )
        self.session.execute(insert(RecordEntryRow), rows)
        dispute.events.clear()

    def by_idempotency_key(self, key: str) -> Dispute | None:
        row = self.session.scalar(select(DisputeRow).where(DisputeRow.idempotency_key == key))
        return _to_dispute(row) if row else None

    def record(self, dispute_id: str) -> list[RecordEntry]:
        """Every record entry of the dispute, oldest first."""
        rows = self.session.scalars(
            select(RecordEntryRow).where(RecordEntryRow.dispute_id == dispute_id).order_by(RecordEntryRow.seq)
        )
        return [_to_entry(r) for r in rows]

    def last_entry(self, dispute_id: str) -> RecordEntry | None:
        row = self.session.scalar(
            select(RecordEntryRow)
            .where(RecordEntryRow.dispute_id == dispute_id)
            .order_by(RecordEntryRow.seq.desc())
            .limit(1)
        )
        return _to_entry(row) if row else None

    def active_involving(self, person_id: str) -> list[Dispute]:
        """Active disputes this person raised, is party to, or is asked to act on; most urgent first."""
        rows = self.session.scalars(
            select(DisputeRow)
            .join(InvolvementRow, InvolvementRow.dispute_id == DisputeRow.id)
            .where(InvolvementRow.person_id == person_id, DisputeRow.active.is_(True))
            .order_by(DisputeRow.deadline)
        )
        return [_to_dispute(r) for r in rows]

    def active(self) -> list[Dispute]:
        """Every active dispute, most urgent deadline first (for the once-a-day digest)."""
        rows = self.session.scalars(select(DisputeRow).where(DisputeRow.active.is_(True)).order_by(DisputeRow.deadline))
        return [_to_dispute(r) for r in rows]

    def overdue(self, now: datetime, limit: int) -> list[Dispute]:
        """Active disputes past their deadline whose miss is not yet acted on, oldest deadline first."""
        rows = self.session.scalars(
            select(DisputeRow)
            .where(DisputeRow.active.is_(True), DisputeRow.deadline <= now, DisputeRow.deadline_missed.is_(False))
            .order_by(DisputeRow.deadline)
            .limit(limit)
        )
        return [_to_dispute(r) for r in rows]


_UPDATABLE = [
    c.key
    for c in DisputeRow.__table__.columns
    if c.key not in ("id", "version", "idempotency_key")
]


class SqlDirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self) -> Directory:
        """The whole directory as core types."""
        agencies = {a.id: Agency(a.id, a.name) for a in self.session.scalars(select(AgencyRow))}
        memberships: dict[str, list[Membership]] = {}
        for m in self.session.scalars(select(MembershipRow).order_by(MembershipRow.person_id, MembershipRow.agency_id)):
            memberships.setdefault(m.person_id, []).append(
                Membership(agency=m.agency_id, roles=frozenset(m.roles), line_manager=m.line_manager_id)
            )
        identities: dict[str, list[Identity]] = {}
        for i in self.session.scalars(select(IdentityRow).order_by(IdentityRow.platform)):
            identities.setdefault(i.person_id, []).append(Identity(i.platform, i.workspace, i.user_id))
        people = {
            p.id: Person(
                id=p.id,
                name=p.name,
                email=p.email,
                memberships=tuple(memberships.get(p.id, ())),
                identities=tuple(identities.get(p.id, ())),
            )
            for p in self.session.scalars(select(PersonRow))
        }
        return Directory(agencies=agencies, people=people)

    def replace(self, directory: Directory) -> None:
        """Swap the stored directory for this one (disputes keep the ids they name)."""
        for table in (IdentityRow, MembershipRow, PersonRow, AgencyRow):
            self.session.execute(delete(table))
        self.session.add_all(AgencyRow(id=a.id, name=a.name) for a in directory.agencies.values())
        self.session.flush()
        for p in directory.people.values():
            self.session.add(PersonRow(id=p.id, name=p.name, email=p.email))
        self.session.flush()
        for p in directory.people.values():
            for m in p.memberships:
                self.session.add(
                    MembershipRow(person_id=p.id, agency_id=m.agency, roles=sorted(m.roles), line_manager_id=m.line_manager)
                )
            for i in p.identities:
                self.session.add(IdentityRow(platform=i.platform, workspace=i.workspace, user_id=i.user_id, person_id=p.id))
        self.session.flush()


class SqlNudgeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def schedule(self, dispute_id: str, stage_index: int, planned: Sequence[PlannedNudge]) -> None:
        """Add these nudges; one already planned for the same dispute, stage and kind is kept as it is."""
        if not planned:
            return
        insert_ = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        self.session.execute(
            insert_(NudgeRow)
            .values(
                [
                    {"dispute_id": dispute_id, "stage_index": stage_index, "kind": p.kind, "due_at": p.due_at, "status": PENDING_NUDGE}
                    for p in planned
                ]
            )
            .on_conflict_do_nothing(index_elements=["dispute_id", "stage_index", "kind"])
        )

    def due(self, now: datetime, limit: int) -> list[DueNudge]:
        """Pending nudges whose moment has come, earliest first."""
        rows = self.session.execute(
            select(NudgeRow.id, NudgeRow.dispute_id, NudgeRow.stage_index, NudgeRow.kind, NudgeRow.due_at)
            .where(NudgeRow.status == PENDING_NUDGE, NudgeRow.due_at <= now)
            .order_by(NudgeRow.due_at, NudgeRow.id)
            .limit(limit)
        )
        return [DueNudge(*r) for r in rows]

    def claim(self, nudge: DueNudge, status: str, now: datetime) -> bool:
        """Mark a pending nudge done (sent or skipped); False if another sweeper already did."""
        result = self.session.execute(
            update(NudgeRow)
            .where(NudgeRow.id == nudge.id, NudgeRow.status == PENDING_NUDGE)
            .values(status=status, done_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def later_due(self, nudge: DueNudge, now: datetime) -> bool:
        """Is a later nudge of the same dispute and stage also due already?"""
        return (
            self.session.scalar(
                select(NudgeRow.id)
                .where(
                    NudgeRow.dispute_id == nudge.dispute_id,
                    NudgeRow.stage_index == nudge.stage_index,
                    NudgeRow.status == PENDING_NUDGE,
                    or_(NudgeRow.due_at > nudge.due_at, and_(NudgeRow.due_at == nudge.due_at, NudgeRow.id > nudge.id)),
                    NudgeRow.due_at <= now,
                )
                .limit(1)
            )
            is not None
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


# --- unit of work -------------------------------------------------------------------------------


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
        self.daily = SqlDailyRuns(self.session)
        self.threads = SqlThreadRepository(self.session)
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
