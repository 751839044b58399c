"""A sweep stops at its budget and the next one carries on: every due item done once, each sweep
within its time (handlers/scheduler.py's Budget). The database's time is a fake clock that each
batch moves on, so the test does not depend on the machine's speed."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot import due_work
from handlers import scheduler
from tests.builders import at
from tests.storage.timekeeping import keeper, open_dispute, stage_of, thread_keys

SECONDS_PER_BATCH = {"escalate_overdue": 0.3, "send_due_nudges": 0.1, "tell": 0.2}


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each batch of due work takes SECONDS_PER_BATCH on the returned clock (one that finds nothing
    to do, 10 ms); batches of 2."""
    now = [0.0]
    for name, seconds in SECONDS_PER_BATCH.items():
        real = getattr(due_work, name)

        def timed(*args, _real=real, _seconds=seconds, **kwargs):  # type: ignore[no-untyped-def]
            results = _real(*args, **kwargs)
            now[0] += _seconds if results else 0.01
            return results

        monkeypatch.setattr(due_work, name, timed)
    monkeypatch.setattr(scheduler, "BATCH", 2)
    return now


def test_sweeps_stop_at_their_budget_and_the_next_ones_finish_the_work(engine, slow: list[float]) -> None:
    tk = dataclasses.replace(keeper(engine), budget=0.45, timer=lambda: slow[0])
    disputes = [open_dispute(tk, at(2026, 11, 2, 10)) for _ in range(5)]
    deadline_passed = at(2026, 11, 10, 11)  # a day after step 1's deadline: all five overdue
    reports, lengths = [], []
    while not reports or reports[-1].more:
        started = slow[0]
        reports.append(tk.run_due_work(deadline_passed))
        lengths.append(round(slow[0] - started, 2))
        assert len(reports) < 20
    assert sum(r.escalated for r in reports) == 5 and [stage_of(tk, d) for d in disputes] == [1] * 5
    assert sum(r.told for r in reports) == 5  # each escalation told once
    assert sum(r.errors for r in reports) == 0
    # the first sweep does one batch of escalations (0.3 s): a second would end past 0.45 s; none
    # starts a batch it can't end in time, and each does at least one that finds work
    assert lengths[0] == 0.3 and max(lengths) <= 0.45, lengths
    assert all(r.escalated or r.told for r in reports[:-1]), reports  # the last may only find that nothing is left
    assert [r.more for r in reports] == [True] * (len(reports) - 1) + [False]
    assert len(thread_keys(tk)) == len(set(thread_keys(tk)))  # nothing queued twice


def test_without_a_budget_one_sweep_does_everything_that_is_due(engine, slow: list[float]) -> None:
    tk = dataclasses.replace(keeper(engine), timer=lambda: slow[0])  # the tests' and benchmarks' default
    for _ in range(5):
        open_dispute(tk, at(2026, 11, 2, 10))
    report = tk.run_due_work(at(2026, 11, 10, 11))
    assert (report.escalated, report.told, report.more) == (5, 5, False)


def test_the_due_work_job_runs_the_next_sweep_at_once_while_one_stops_with_work_left(engine, slow: list[float], monkeypatch) -> None:
    monkeypatch.setattr(scheduler, "FOLLOW_UP_PAUSE", 0)
    now = at(2026, 11, 10, 11)
    tk = dataclasses.replace(keeper(engine), budget=0.45, timer=lambda: slow[0], clock=lambda: now)
    disputes = [open_dispute(tk, at(2026, 11, 2, 10)) for _ in range(5)]
    report = asyncio.run(tk.due_work())  # one run of the job, as APScheduler starts it
    assert (report.escalated, report.told, report.more) == (5, 5, False)
    assert [stage_of(tk, d) for d in disputes] == [1] * 5
    assert tk.run_due_work(now) == scheduler.SweepReport()  # nothing left for the next job
