"""Disputes and their record in the database: the repository, its row converters, and the guard
that keeps the record append-only."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.dispute import Confirmation, Dispute, Party, Proposal, Status
from bot.errors import ConcurrentUpdate, DisputeNotFound
from bot.record import RecordEntry, entry_for
from bot.routing import Assignee, Routing
from storage import chain
from storage.asked import Waiting, keep_asked, waiting_on_leads
from storage.bulk import insert_many
from storage.locking import skip_locked
from storage.models import WATCHED_DEADLINE, DisputeRow, InvolvementRow, RecordEntryRow, table_of


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


def _row_values(d: Dispute) -> dict[str, Any]:
    """The dispute's columns, except id, version and idempotency key."""
    return {
        "reference": d.reference,
        "category": d.category,
        "policy_name": d.policy_name,
        "raiser_id": d.raiser.person_id or "",
        "raiser_agency": d.raiser.agency,
        "other_id": d.other.person_id,
        "other_agency": d.other.agency,
        "other_description": d.other.description,
        "problem": d.problem,
        "cause": d.cause,
        "outcome": d.outcome,
        "discussed": d.discussed,
        "immediate_risk": d.immediate_risk,
        "formal_challenge": d.formal_challenge,
        "status": d.status.value,
        "active": d.status.is_active,
        "stage_index": d.stage_index,
        "stage_started_at": d.stage_started_at,
        "deadline": d.deadline,
        "deadline_missed": d.deadline_missed,
        "opened_at": d.opened_at,
        "closed_at": d.closed_at,
        "routing": _routing_to_json(d.routing),
        "involved": sorted(d.involved),
        "proposal": _proposal_to_json(d.proposal),
        "confirmations": [[c.side, c.by, c.at.isoformat(), c.statement] for c in d.confirmations],
    }


def _to_dispute(row: Any) -> Dispute:  # a DisputeRow, or a Core row of its table (the same names)
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


# --- the repository -----------------------------------------------------------------------------

_INSERT_DISPUTE = insert(table_of(DisputeRow))
_INSERT_INVOLVEMENT = insert(table_of(InvolvementRow))
_INSERT_ENTRIES = insert(table_of(RecordEntryRow))


class SqlDisputeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, dispute: Dispute, idempotency_key: str | None = None) -> None:
        """Insert a new dispute and record its events (nothing to look up first: it has no rows yet).

        Core inserts on the session's connection (the ORM's execution layer would only add cost to
        statements that load no objects)."""
        try:
            self.session.connection().execute(
                _INSERT_DISPUTE,
                {"id": dispute.id, "version": dispute.version, "idempotency_key": idempotency_key, **_row_values(dispute)},
            )
        except IntegrityError as exc:  # the idempotency key was taken a moment ago
            raise ConcurrentUpdate(dispute.id) from exc
        self._involve_many([dispute], new=True)
        keep_asked(self.session, [dispute], new=True)
        self._append_many([dispute], new=True)

    def get(self, dispute_id: str) -> Dispute:
        """The dispute with this id; DisputeNotFound if there is none."""
        row = self.session.get(DisputeRow, dispute_id)
        if row is None:
            raise DisputeNotFound(dispute_id)
        return _to_dispute(row)

    def get_many(self, dispute_ids: Collection[str], *, lock: bool = False) -> dict[str, Dispute]:
        """The disputes with these ids that exist, by id (one query per thousand).

        `lock`: on PostgreSQL, lock them for this transaction, leaving out any another transaction
        holds (it is moving them), so the caller never waits on a move that waits on it.
        """
        ids = sorted(set(dispute_ids))
        found: dict[str, Dispute] = {}
        for start in range(0, len(ids), 1000):
            # the table's columns as plain rows, as overdue() reads them: no ORM objects to build and track
            query = select(_disputes).where(_disputes.c.id.in_(ids[start : start + 1000])).order_by(_disputes.c.id)
            rows = self.session.execute(skip_locked(self.session, query) if lock else query)
            found.update((r.id, _to_dispute(r)) for r in rows)
        return found

    def save(self, dispute: Dispute) -> None:
        """Write the dispute back if nobody else changed it since it was read; else ConcurrentUpdate."""
        self.save_many([dispute])

    def save_many(self, disputes: Sequence[Dispute]) -> None:
        """Write back these disputes, if nobody else changed any of them since they were read;
        else ConcurrentUpdate, and the transaction must be rolled back.

        One UPDATE on (id, version) executed for all of them (one round trip on PostgreSQL), in id
        order so that two writers lock rows in the same order; then the involvement and record
        rows of all of them, one statement each.
        """
        if not disputes:
            return
        ordered = sorted(disputes, key=lambda d: d.id)
        result = self.session.connection().execute(  # Core: nothing here loads or tracks objects
            _UPDATE_ON_VERSION,
            [{**_row_values(d), "version": d.version + 1, "b_id": d.id, "b_version": d.version} for d in ordered],
        )
        if cast(CursorResult[Any], result).rowcount != len(ordered):
            raise ConcurrentUpdate(ordered[0].id if len(ordered) == 1 else f"one of {len(ordered)} disputes")
        for d in ordered:
            d.version += 1
        self._involve_many(ordered)
        keep_asked(self.session, ordered)
        self._append_many(ordered)

    def _involve_many(self, disputes: Sequence[Dispute], *, new: bool = False) -> None:
        """Note who each dispute involves; `new` disputes have nobody noted yet."""
        if not disputes:
            return
        known = set() if new else {
            (dispute_id, person_id)
            for dispute_id, person_id in self.session.execute(
                select(InvolvementRow.dispute_id, InvolvementRow.person_id).where(
                    InvolvementRow.dispute_id.in_([d.id for d in disputes])
                )
            )
        }
        rows = [{"dispute_id": d.id, "person_id": p} for d in disputes for p in sorted(d.involved) if (d.id, p) not in known]
        if rows:
            insert_many(self.session.connection(), _INSERT_INVOLVEMENT, rows)

    def _append(self, dispute: Dispute) -> None:
        self._append_many([dispute])

    def _append_many(self, disputes: Sequence[Dispute], *, new: bool = False) -> None:
        """Write each dispute's new events to the record, after its last entry (`new` disputes have none)."""
        writing = [d for d in disputes if d.events]
        if not writing:
            return
        last = {} if new else chain.heads(self.session, [d.id for d in writing])
        rows = []
        for dispute in writing:
            seq, prev = last.get(dispute.id, (0, chain.GENESIS))
            for ev in dispute.events:
                seq += 1
                e = entry_for(ev, seq)
                row = {"dispute_id": e.dispute_id, "seq": e.seq, "at": e.at, "actor_id": e.actor, "kind": e.kind, "details": e.details}
                prev = row["hash"] = chain.entry_hash(prev, row)  # chained to the entry before (storage/chain.py)
                rows.append(row)
            dispute.events.clear()
        insert_many(self.session.connection(), _INSERT_ENTRIES, rows)

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

    def append_aside(self, dispute: Dispute) -> None:
        """Record the dispute's new events without saving it or changing its version (bot.events.ASIDES).

        The dispute's row is locked first, so a move saved at the same moment numbers its entries
        after these (or these after its) instead of failing on a taken seq.
        """
        self.session.execute(select(DisputeRow.id).where(DisputeRow.id == dispute.id).with_for_update())
        self._append(dispute)

    def active_involving(self, person_id: str) -> list[Dispute]:
        """Active disputes this person raised, is party to, or is asked to act on; most urgent first."""
        rows = self.session.scalars(
            select(DisputeRow)
            .join(InvolvementRow, InvolvementRow.dispute_id == DisputeRow.id)
            .where(InvolvementRow.person_id == person_id, DisputeRow.active.is_(True))
            .order_by(DisputeRow.deadline)
        )
        return [_to_dispute(r) for r in rows]

    def active_routings(self) -> list[tuple[str, Routing]]:
        """(id, who is asked to act) of every active dispute, most urgent deadline first: two columns,
        so that the morning digest need not read every dispute in full."""
        rows = self.session.execute(
            select(DisputeRow.id, DisputeRow.routing).where(DisputeRow.active.is_(True)).order_by(DisputeRow.deadline)
        )
        return [(dispute_id, _routing_from_json(routing)) for dispute_id, routing in rows]

    def waiting_on_leads(self, top: int) -> list[Waiting]:
        """Each manager or lead asked to act on an active dispute: how many, and the `top` soonest due
        (storage/asked.py), read from the dispute_asked index rather than every dispute."""
        return waiting_on_leads(self.session, top)

    def overdue(self, now: datetime, limit: int, ids: Collection[str] | None = None) -> list[Dispute]:
        """Active disputes past their deadline whose miss is not yet acted on, oldest deadline first.

        On PostgreSQL the rows are locked until the transaction ends, and rows another sweeper has
        locked are passed over, so replicas share out the due work instead of queueing on it.
        `ids` narrows the question to those disputes.
        """
        # the table's columns as plain rows (same names and types as DisputeRow's attributes): the
        # ORM's identity map and instrumented attributes would only add cost per dispute here
        query = select(_disputes).where(WATCHED_DEADLINE, _disputes.c.deadline <= now).order_by(_disputes.c.deadline).limit(limit)
        if ids is not None:
            query = query.where(_disputes.c.id.in_(sorted(ids)))
        rows = self.session.execute(skip_locked(self.session, query))
        return [_to_dispute(r) for r in rows]


_UPDATABLE = [
    c.key
    for c in table_of(DisputeRow).columns
    if c.key not in ("id", "version", "idempotency_key")
]
# One statement for every save, with its values bound per call: compiled once, not once per dispute.
_disputes = table_of(DisputeRow)
_UPDATE_ON_VERSION = (
    update(_disputes)
    .where(_disputes.c.id == bindparam("b_id"), _disputes.c.version == bindparam("b_version"))
    .values({c: bindparam(c) for c in [*_UPDATABLE, "version"]})
)
