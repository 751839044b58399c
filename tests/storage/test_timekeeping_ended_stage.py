"""No reminder for a stage that has ended: the move that ends it and the sweep that meets it
(helpers and times: tests/storage/timekeeping.py)."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from bot import moves
from bot.outbox import Delivery
from handlers.scheduler import Timekeeper
from storage.models import OutboxRow
from tests.builders import at
from tests.fakes import FakeNotifier
from tests.storage.timekeeping import keeper, nudges, open_dispute, reminders, stage_of

# --- no reminder for a stage that has ended ----------------------------------------------------------


def _escalate(tk: Timekeeper, dispute_id: str, now: datetime, uow=None):
    return moves.escalate(
        moves.Escalate(dispute_id=dispute_id, by="amara.okafor", reason="No reply."),
        uow=uow or tk.uow(), policy=tk.policy, calendar=tk.calendar, now=now, notifier=tk.notifier,
    )


def test_the_move_that_ends_a_stage_skips_that_stages_pending_reminders_in_its_own_transaction(engine):
    tk = keeper(engine)
    escalated = open_dispute(tk, at(2026, 11, 2, 10))
    withdrawn = open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0194")
    _escalate(tk, escalated, at(2026, 11, 3, 10))
    moves.withdraw(
        moves.Withdraw(dispute_id=withdrawn, by="amara.okafor", reason="Sorted."), uow=tk.uow(), now=at(2026, 11, 3, 10)
    )
    assert {status for stage, _, _, status in nudges(tk, escalated) if stage == 0} == {"skipped"}
    assert {status for stage, _, _, status in nudges(tk, escalated) if stage == 1} == {"pending"}
    assert {status for _, _, _, status in nudges(tk, withdrawn)} == {"skipped"}
    assert tk.run_due_work(at(2026, 11, 4, 14)).nudged == 0  # step 1's half-way reminder is not sent
    assert reminders(tk) == []


class _SlowReminders(FakeNotifier):
    """Holds the sweep between reading a dispute and queuing its reminder, as a slow sweep would."""

    def __init__(self, reached: threading.Event, release: threading.Event) -> None:
        super().__init__()
        self.reached, self.release = reached, release

    def reminders_for(self, dispute, nudge, directory):
        self.reached.set()
        assert self.release.wait(30)
        return super().reminders_for(dispute, nudge, directory)


def _message_ids(tk: Timekeeper, dispute_id: str) -> tuple[list[int], list[int]]:
    with tk.sessions() as s:
        rows = list(s.scalars(select(OutboxRow).where(OutboxRow.dispute_id == dispute_id).order_by(OutboxRow.id)))
    return [r.id for r in rows if r.delivery == Delivery.DIRECT.value], [r.id for r in rows if r.payload.get("text") == "escalated"]


def test_a_click_that_escalates_while_the_sweep_queues_a_reminder_is_told_after_the_reminder_never_before(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL deployment; SQLite serialises them")
    tk = keeper(engine)
    dispute_id = open_dispute(tk, at(2026, 11, 2, 10))
    reached, release = threading.Event(), threading.Event()
    slow = keeper(engine, notifier=_SlowReminders(reached, release))
    sweep = threading.Thread(target=slow.run_due_work, args=(at(2026, 11, 4, 14),))
    sweep.start()
    assert reached.wait(30)  # the sweep has read the dispute at step 1 and is queuing its reminder
    click = threading.Thread(target=_escalate, args=(tk, dispute_id, at(2026, 11, 4, 14)))
    click.start()
    click.join(timeout=1)  # the escalation can't commit while the sweep holds the dispute
    release.set()
    sweep.join(30)
    click.join(30)
    assert stage_of(tk, dispute_id) == 1
    reminder_ids, escalation_ids = _message_ids(tk, dispute_id)
    assert escalation_ids
    assert all(r < e for r in reminder_ids for e in escalation_ids)  # nobody reads a reminder after "escalated"


class _HeldCommit:
    """A unit of work whose commit waits until the test lets it go (a move holding its locks)."""

    def __init__(self, inner, moved: threading.Event, release: threading.Event) -> None:
        self.inner, self.moved, self.release = inner, moved, release

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def __enter__(self):
        self.inner.__enter__()
        return self

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)

    def commit(self) -> None:
        self.moved.set()
        assert self.release.wait(30)
        self.inner.commit()


def test_a_sweep_that_meets_a_dispute_being_escalated_queues_no_reminder_for_the_stage_it_leaves(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL deployment; SQLite serialises them")
    tk = keeper(engine)
    dispute_id = open_dispute(tk, at(2026, 11, 2, 10))
    moved, release = threading.Event(), threading.Event()
    click = threading.Thread(target=_escalate, args=(tk, dispute_id, at(2026, 11, 4, 14), _HeldCommit(tk.uow(), moved, release)))
    click.start()
    assert moved.wait(30)  # escalated, its stage's reminders skipped, not yet committed
    report = tk.run_due_work(at(2026, 11, 4, 14))
    assert report.nudged == 0 and report.errors == 0  # the dispute is being moved: its reminder waits
    release.set()
    click.join(30)
    assert tk.run_due_work(at(2026, 11, 4, 14, 1)).nudged == 0
    assert _message_ids(tk, dispute_id)[0] == []
    assert {status for stage, _, _, status in nudges(tk, dispute_id) if stage == 0} == {"skipped"}
