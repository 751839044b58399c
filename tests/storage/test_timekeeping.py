"""The timekeeper on a real database: a fixed clock moved through whole stages, and sweeps that fail,
run at once or are killed half way (helpers and times: tests/storage/timekeeping.py)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import signal
import threading
import time
from datetime import datetime, timedelta

import pytest

from bot import due_work, moves, notices
from bot.events import NoteAdded
from bot.policy import Nudge, WhenMissed
from handlers.files import read_policy
from tests.builders import at
from tests.databases import recipe
from tests.fakes import FakeNotifier
from tests.storage.timekeeping import keeper, nudges, open_dispute, reminders, stage_of, thread_keys


def test_a_stage_plans_its_nudges_half_way_and_on_the_morning_of_the_due_day(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10))
    # 40 working hours to Monday 9 Nov 10:00; half of them have passed at Wednesday 14:00
    assert nudges(tk, d) == [
        (0, "half way", at(2026, 11, 4, 14), "pending"),
        (0, "morning of due day", at(2026, 11, 9, 9), "pending"),
    ]


def test_sweeps_send_each_nudge_once_when_due_and_escalate_at_the_deadline(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10))
    assert tk.run_due_work(at(2026, 11, 4, 13, 59)).nudged == 0
    assert tk.run_due_work(at(2026, 11, 4, 14)).nudged == 1
    assert tk.run_due_work(at(2026, 11, 4, 14, 1)).nudged == 0  # not twice
    # Bradford's step 1 is the raiser reflecting with co-workers: only she is reminded
    assert reminders(tk) == [f"{d}:0:half way:amara.okafor"]
    assert tk.run_due_work(at(2026, 11, 9, 9)).nudged == 1
    report = tk.run_due_work(at(2026, 11, 9, 10))
    assert report.escalated == 1
    assert stage_of(tk, d) == 1
    # step 2's nudges are planned from the moment it started
    assert [n for n in nudges(tk, d) if n[0] == 1] == [
        (1, "half way", at(2026, 11, 11, 14), "pending"),
        (1, "morning of due day", at(2026, 11, 16, 9), "pending"),
    ]


def test_a_server_down_over_a_deadline_escalates_on_start_and_does_not_send_stale_nudges(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10))
    report = tk.run_due_work(at(2026, 11, 10, 11))  # back a day after the deadline
    assert report.escalated == 1
    assert report.nudged == 0
    assert reminders(tk) == []
    assert [n[3] for n in nudges(tk, d) if n[0] == 0] == ["skipped", "skipped"]
    assert stage_of(tk, d) == 1
    # and nothing more on the next sweep
    again = tk.run_due_work(at(2026, 11, 10, 11, 1))
    assert (again.escalated, again.nudged) == (0, 0)


def test_after_an_outage_only_the_latest_due_nudge_of_the_stage_is_sent(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10))
    tk.run_due_work(at(2026, 11, 9, 9, 30))  # both nudges are due; the half-way one is stale
    assert reminders(tk) == [f"{d}:0:morning of due day:amara.okafor"]


def test_a_deadline_on_saturday_is_nudged_on_monday_morning_and_then_once_each_working_day(engine):
    # a "24 hours" stage that reminds and waits, with a nudge at the deadline
    policy = read_policy("specialist-childrens-services")
    stages = list(policy.stages)
    stages[1] = dataclasses.replace(stages[1], when_missed=WhenMissed.REMIND, nudges=(Nudge.AT_DEADLINE,))
    policy = dataclasses.replace(policy, stages=tuple(stages))
    tk = keeper(engine, policy)
    d = open_dispute(tk, at(2026, 11, 5, 10))  # Thursday
    tk.run_due_work(at(2026, 11, 6, 10))  # Friday 10:00: stage 1 missed, stage 2 (24 hours) starts
    assert stage_of(tk, d) == 1
    assert tk.run_due_work(at(2026, 11, 7, 10)).missed == 1  # Saturday: the miss is recorded...
    assert reminders(tk) == []  # ...but nobody is nudged at the weekend
    sunday = tk.run_due_work(at(2026, 11, 8, 12))
    assert sunday.nudged == 0
    monday = tk.run_due_work(at(2026, 11, 9, 9))
    assert monday.nudged == 1  # one reminder, not one for the deadline and another for the overdue
    tk.run_due_work(at(2026, 11, 9, 16))
    tk.run_due_work(at(2026, 11, 10, 9))
    tk.run_due_work(at(2026, 11, 11, 9))
    kinds = [k.split(":")[2] for k in reminders(tk) if k.endswith("ben.hughes")]  # the line manager
    assert kinds == ["overdue 1", "overdue 2", "overdue 3"]


def test_the_urgent_path_nudges_on_its_own_same_day_clock(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True)
    # due 17:00 the same day: half way through the working time left is 13:30
    # (the morning of the due day is this very morning, before it started, so there is none)
    assert [(n[1], n[2]) for n in nudges(tk, d)] == [("half way", at(2026, 11, 2, 13, 30))]


def test_a_reminder_whose_messages_cannot_be_built_is_reported_and_told_by_the_next_sweep(engine):
    tk = keeper(engine, notifier=FakeNotifier(fail_on=1))
    first = open_dispute(tk, at(2026, 11, 2, 10))
    second = open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0194")
    report = tk.run_due_work(at(2026, 11, 4, 14))
    assert (report.nudged, report.told, report.errors) == (2, 1, 1)  # both claimed; one told, one kept
    tk.notifier = FakeNotifier()
    report = tk.run_due_work(at(2026, 11, 4, 14, 1))
    assert (report.nudged, report.told, report.errors) == (0, 1, 0)
    sent = reminders(tk)
    assert len(sent) == 2 and len(set(sent)) == 2
    assert {k.split(":")[0] for k in sent} == {first, second}


class PoisonNotifier(FakeNotifier):
    """Queues, for one case reference, a message the database cannot store: the kind of bad row
    that makes a whole batch's transaction fail."""

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference

    def _poison(self, dispute, messages):
        if dispute.reference != self.reference:
            return messages
        return [dataclasses.replace(m, payload={"text": object()}) for m in messages]

    def messages_for(self, dispute, events, directory):
        return self._poison(dispute, super().messages_for(dispute, events, directory))

    def reminders_for(self, dispute, nudge, directory):
        return self._poison(dispute, super().reminders_for(dispute, nudge, directory))


def test_an_escalation_whose_messages_cannot_be_built_still_happens_and_is_told_once_they_can(engine):
    tk = keeper(engine)
    good = [open_dispute(tk, at(2026, 11, 2, 10), reference=f"CSC-2026-{i:04d}") for i in (1, 2)]
    bad = open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0666")
    now = at(2026, 11, 9, 10)

    results = due_work.escalate_overdue(uow=tk.uow(), policy=tk.policy, calendar=tk.calendar, now=now, notifier=FakeNotifier())
    assert sorted(r.dispute.id for r in results if isinstance(r, moves.Outcome)) == sorted([*good, bad])
    assert [stage_of(tk, d) for d in (*good, bad)] == [1, 1, 1]

    told = due_work.tell(uow=tk.uow(), notifier=PoisonNotifier("CSC-2026-0666"), now=now)
    assert len([r for r in told if isinstance(r, Exception)]) == 1  # the database refused its messages: retried alone
    assert {m.split(":")[0] for m in thread_keys(tk)} == set(good)
    again = due_work.tell(uow=tk.uow(), notifier=FakeNotifier(), now=now)
    assert len(again) == 1 and not isinstance(again[0], Exception)
    assert {m.split(":")[0] for m in thread_keys(tk)} == {*good, bad}
    assert due_work.tell(uow=tk.uow(), notifier=FakeNotifier(), now=now) == []  # each told once


def test_a_dispute_the_database_refuses_is_retried_alone_and_the_others_escalate(engine, monkeypatch):
    tk = keeper(engine)
    good = [open_dispute(tk, at(2026, 11, 2, 10), reference=f"CSC-2026-{i:04d}") for i in (1, 2)]
    bad = open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0666")
    plain = notices.of_change

    def poisoned(dispute, events):  # a notice the database cannot store, for one dispute
        notice = plain(dispute, events)
        if dispute.reference != "CSC-2026-0666":
            return notice
        return dataclasses.replace(notice, events=(NoteAdded(dispute.id, events[0].at, None, text=object()),))  # type: ignore[arg-type]

    monkeypatch.setattr(notices, "of_change", poisoned)
    results = due_work.escalate_overdue(uow=tk.uow(), policy=tk.policy, calendar=tk.calendar, now=at(2026, 11, 9, 10), notifier=FakeNotifier())

    assert sorted(r.dispute.id for r in results if isinstance(r, moves.Outcome)) == sorted(good)
    assert len([r for r in results if isinstance(r, Exception)]) == 1
    assert [stage_of(tk, d) for d in good] == [1, 1]
    assert stage_of(tk, bad) == 0  # nothing of it was written: it waits for the next sweep
    with tk.uow() as uow:
        assert "escalated" not in [e.kind for e in uow.disputes.record(bad)]
    monkeypatch.setattr(notices, "of_change", plain)
    again = due_work.escalate_overdue(uow=tk.uow(), policy=tk.policy, calendar=tk.calendar, now=at(2026, 11, 9, 10, 1), notifier=FakeNotifier())
    assert [r.dispute.id for r in again] == [bad] and stage_of(tk, bad) == 1


def test_a_reminder_the_database_refuses_is_kept_and_the_others_are_sent(engine):
    tk = keeper(engine)
    good = [open_dispute(tk, at(2026, 11, 2, 10), reference=f"CSC-2026-{i:04d}") for i in (1, 2)]
    bad = open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0666")

    tk.notifier = PoisonNotifier("CSC-2026-0666")
    report = tk.run_due_work(at(2026, 11, 4, 14))
    assert (report.nudged, report.told) == (3, 2) and report.errors >= 1
    assert {k.split(":")[0] for k in reminders(tk)} == set(good)
    assert [status for _, kind, _, status in nudges(tk, bad) if kind == Nudge.HALF_WAY.value] == ["sent"]  # claimed, its notice kept
    tk.notifier = FakeNotifier()
    report = tk.run_due_work(at(2026, 11, 4, 14, 1))
    assert (report.nudged, report.told, report.errors) == (0, 1, 0)
    assert {k.split(":")[0] for k in reminders(tk)} == {*good, bad}


def _sweeps_at_once(engine, now: datetime, n: int = 3) -> list:
    """`n` timekeepers run their due work at the same moment, each in a thread of its own: their reports."""
    start = threading.Barrier(n)
    reports = []

    def sweeper() -> None:
        mine = keeper(engine, notifier=FakeNotifier())
        start.wait()
        reports.append(mine.run_due_work(now))

    threads = [threading.Thread(target=sweeper) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return reports


def test_several_sweepers_at_once_send_every_nudge_and_escalation_exactly_once(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL deployment; SQLite serialises them")
    tk = keeper(engine)
    ids = [open_dispute(tk, at(2026, 11, 2, 10), reference=f"CSC-2026-{i:04d}") for i in range(12)]
    reports = _sweeps_at_once(engine, at(2026, 11, 4, 14))
    assert sum(r.nudged for r in reports) == 12
    assert sum(r.errors for r in reports) == 0
    assert len(reminders(tk)) == 12 == len(set(reminders(tk)))

    reports = _sweeps_at_once(engine, at(2026, 11, 9, 10))
    assert sum(r.escalated for r in reports) == 12
    with tk.uow() as uow:
        for d in ids:
            assert [e.kind for e in uow.disputes.record(d)].count("escalated") == 1


class _HangingNotifier(FakeNotifier):
    """Says when the sweep reaches the reminders, then hangs there until the process is killed."""

    def __init__(self, reached) -> None:
        super().__init__()
        self.reached = reached

    def reminders_for(self, dispute, nudge, directory):
        self.reached.set()
        time.sleep(600)
        raise AssertionError("the test should have killed this sweep")


def _sweep_in_another_process(url: str, engine_kwargs: dict, now: datetime, reached) -> None:
    from storage.db import make_engine

    engine = make_engine(url, **engine_kwargs)
    keeper(engine, notifier=_HangingNotifier(reached)).run_due_work(now)


def test_a_sweep_killed_halfway_leaves_the_rest_for_the_next_which_does_it_once(engine):
    tk = keeper(engine)
    late = [open_dispute(tk, at(2026, 11, 2, 10), reference=f"CSC-2026-{i:04d}") for i in (1, 2)]  # due Mon 9 Nov 10:00
    halfway = [open_dispute(tk, at(2026, 11, 4, 10), reference=f"CSC-2026-{i:04d}") for i in (3, 4)]  # half-way Fri 6 Nov 14:00
    now = at(2026, 11, 9, 10)

    context = multiprocessing.get_context("spawn")
    reached = context.Event()
    url, kwargs = recipe(engine)
    sweeper = context.Process(target=_sweep_in_another_process, args=(url, kwargs, now, reached))
    sweeper.start()
    try:
        assert reached.wait(60), "the other sweep never reached the reminders"
    finally:
        sweeper.kill()
        sweeper.join(10)
    assert sweeper.exitcode == -signal.SIGKILL

    # Killed after committing the escalations and the reminders' claims, while telling people.
    assert [stage_of(tk, d) for d in late] == [1, 1]
    assert all(status == "sent" for d in halfway for _, kind, _, status in nudges(tk, d) if kind == Nudge.HALF_WAY.value)
    assert reminders(tk) == [] and thread_keys(tk) == []

    report = tk.run_due_work(now + timedelta(minutes=1))
    assert (report.escalated, report.nudged, report.told, report.errors) == (0, 0, 4, 0)
    assert {k.split(":")[0] for k in thread_keys(tk)} == set(late)
    assert {k.split(":")[0] for k in reminders(tk)} == set(halfway)
    assert len(reminders(tk)) == len(set(reminders(tk)))
    with tk.uow() as uow:
        for d in late:
            assert [e.kind for e in uow.disputes.record(d)].count("escalated") == 1
