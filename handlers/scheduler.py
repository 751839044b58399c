"""The timekeeper: two APScheduler jobs, due work and delivery, each every few seconds.

The database is the source of truth. There are no one-off jobs per dispute: deadlines live on
the disputes, nudges in their table, messages in the outbox. Each sweep
  1. escalates (or records) every missed timescale,
  2. claims every due nudge exactly once, and then
  3. tells people: turns the notices 1 and 2 saved into messages (bot/notices.py), and once a
     working day queues the leads' digest,
  4. delivers the outbox (a job of its own, so a paced or waiting delivery never holds up 1-3).
A sweep that dies part-way leaves the rest for the next one; running several (a `worker` beside
the web server, or replicas) is safe because every step claims its work in the database first.

In production a sweep has a budget (SWEEP_BUDGET): it starts a batch only if, at the pace of that
step's recent batches (Budget), the batch ends within it, and stops with `more` set when one would not; the
next sweep then starts at once, after a short pause for the requests and the delivery waiting
beside it. So a Monday's thousand due items are done in a few sweeps, each under half a second,
one after the other, and a web server's answers never wait behind a second of due work. Every
sweep runs batches until one finds work, so each moves the work on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot import due_work
from bot.calendar import WorkingCalendar
from bot.errors import StaleAction
from bot.outbox import NoNotifier, Notifier
from bot.policy import Policy
from handlers.delivery import LANES, Pace, Sender, deliver_due
from storage.outbox import OutboxDelivery
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger("parley.timekeeper")

# Due items done in one transaction. 250 rather than 100: a Monday's 1,000 items take 4 commits
# each way instead of 10 (on SQLite each commit is an fsync), for a write lock held a little longer.
BATCH = 250
MAX_BATCHES = 8  # per sweep (2,000 items each way); the rest waits for the next sweep, seconds later
DELIVERY_LIMIT = 5000  # messages tried per sweep (within handlers.delivery's time budget)
SWEEP_BUDGET = 0.4  # seconds of due work a sweep starts batches within (the module's docstring)
FOLLOW_UPS = 20  # sweeps run back to back while each stops at its budget with work left
FOLLOW_UP_PAUSE = 0.05  # seconds between them: the requests and delivery waiting go first


@dataclass
class SweepReport:
    escalated: int = 0
    missed: int = 0
    nudged: int = 0
    skipped: int = 0
    told: int = 0  # notices turned into messages
    digests: int = 0
    errors: int = 0
    more: bool = False  # stopped at its budget with work left: the next sweep follows at once
    delivery: dict[str, int] = field(default_factory=dict)

    def then(self, later: SweepReport) -> None:
        """Add what a later sweep did; whether work is left is the later sweep's to say."""
        for name in ("escalated", "missed", "nudged", "skipped", "told", "digests", "errors"):
            setattr(self, name, getattr(self, name) + getattr(later, name))
        self.more = later.more


class Budget:
    """A sweep's time: a batch is started only if, at the pace of its step's recent batches, it ends in time.

    Until a batch has found work, every batch is allowed, so every sweep moves the work on. A step's
    pace is the slowest of its last PACED batches that found work (a batch of escalations' notices
    takes several times one of reminders'); a step not timed yet is taken to be as slow as the
    slowest. `paces` outlive the sweep: the next one starts with them. No `seconds`: no limit."""

    PACED = 4

    def __init__(self, seconds: float | None, timer: Callable[[], float], paces: dict[str, list[float]]) -> None:
        self.timer, self.paces = timer, paces
        self.end = None if seconds is None else timer() + seconds
        self.worked = False  # a batch of this sweep found work

    def allows(self, step: str) -> bool:
        if self.end is None or not self.worked:
            return True
        known = self.paces.get(step) or [max((max(p) for p in self.paces.values() if p), default=0.0)]
        return self.timer() + max(known) <= self.end

    def run(self, step: str, batch: Callable[[], list[Any]]) -> list[Any]:
        started = self.timer()
        results = batch()
        if results:  # a batch that found nothing says little about the next that will
            self.paces[step] = [*self.paces.get(step, [])[1 - self.PACED :], self.timer() - started]
            self.worked = True
        return results


@dataclass
class Timekeeper:
    sessions: sessionmaker[Session]
    policy: Policy
    calendar: WorkingCalendar
    clock: Callable[[], datetime]
    notifier: Notifier = field(default_factory=NoNotifier)
    senders: Mapping[str, Sender] = field(default_factory=dict)
    paces: Mapping[str, Pace] | None = None  # handlers.delivery.PACES in production (a real clock)
    budget: float | None = None  # seconds per sweep (SWEEP_BUDGET in production); None: all that is due, at once
    timer: Callable[[], float] = time.monotonic  # the budget's clock
    _batch_paces: dict[str, list[float]] = field(default_factory=dict, init=False, repr=False)  # each step's last batches

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def run_due_work(self, now: datetime) -> SweepReport:
        """Steps 1 to 3 of a sweep, at `now` (synchronous: the database work), within the budget."""
        budget = Budget(self.budget, self.timer, self._batch_paces)
        report = self.run_changes(now, budget)
        if not report.more:
            self.run_telling(now, report, budget)
        if report.more or not budget.allows("digest"):
            report.more = True
            return report  # the digest, claimed only when queued, goes with the next sweep
        try:
            report.digests = budget.run(
                "digest",
                lambda: [due_work.send_digests(uow=self.uow(), policy=self.policy, calendar=self.calendar, now=now, notifier=self.notifier)],
            )[0]
        except Exception as exc:  # noqa: BLE001 - today's digest is claimed only when queued; the next sweep retries
            report.errors += 1
            log.error("could not send the morning digest: %r", exc)
        return report

    def run_changes(self, now: datetime, budget: Budget | None = None) -> SweepReport:
        """Steps 1 and 2: the changes the clock makes, each saved with a notice and no message yet."""
        budget = budget or Budget(None, self.timer, self._batch_paces)
        report = SweepReport()
        self._escalations(now, report, budget)
        if not report.more:
            self._reminders(now, report, budget)
        return report

    def run_telling(self, now: datetime, report: SweepReport, budget: Budget | None = None) -> None:
        """Step 3, but for the digest: the messages of every notice left to tell (this sweep's, and any
        a stopped process left)."""
        budget = budget or Budget(None, self.timer, self._batch_paces)
        for _ in range(2 * MAX_BATCHES):
            if not budget.allows("telling"):
                report.more = True
                return
            results = budget.run("telling", lambda: due_work.tell(uow=self.uow(), notifier=self.notifier, now=now, limit=BATCH))
            for result in results:
                if isinstance(result, Exception):
                    report.errors += 1
                    log.error("could not build the messages of a change or reminder: %r", result)
                else:
                    report.told += 1
            if len(results) < BATCH:
                return
        report.more = True  # the most one sweep tells: the rest with the next

    def _escalations(self, now: datetime, report: SweepReport, budget: Budget) -> None:
        for _ in range(MAX_BATCHES):
            if not budget.allows("escalations"):
                report.more = True
                return
            results = budget.run(
                "escalations",
                lambda: due_work.escalate_overdue(
                    uow=self.uow(), policy=self.policy, calendar=self.calendar, now=now, notifier=self.notifier, limit=BATCH
                ),
            )
            for result in results:
                if isinstance(result, StaleAction):
                    continue  # another sweeper or a person moved it first
                if isinstance(result, Exception):
                    report.errors += 1
                    log.error("could not act on a missed timescale: %r", result)
                elif any(e.kind == "escalated" for e in result.events):
                    report.escalated += 1
                else:
                    report.missed += 1
            if len(results) < BATCH:
                return
        report.more = True

    def _reminders(self, now: datetime, report: SweepReport, budget: Budget) -> None:
        for _ in range(MAX_BATCHES):
            if not budget.allows("reminders"):
                report.more = True
                return
            results = budget.run(
                "reminders",
                lambda: due_work.send_due_nudges(uow=self.uow(), policy=self.policy, calendar=self.calendar, now=now, limit=BATCH),
            )
            for result in results:
                if isinstance(result, Exception):
                    report.errors += 1
                    log.error("could not send a reminder: %r", result)
                elif result[1] == due_work.NUDGE_SENT:
                    report.nudged += 1
                else:
                    report.skipped += 1
            if len(results) < BATCH:
                return
        report.more = True

    async def sweep(self) -> SweepReport:
        """One whole sweep: the due work (with its follow-ups), then delivery. Reads the clock for each step."""
        report = await self.due_work()
        report.delivery = await self.deliver()
        return report

    def start(self, interval_seconds: float) -> AsyncIOScheduler:
        """Start the sweep on the running event loop, now and then every `interval_seconds`.

        Due work and delivery are two jobs: a delivery pass paced by a busy channel (or waiting out
        an outage) must not hold up escalations and reminders, nor they it.
        """
        scheduler = AsyncIOScheduler(timezone="UTC")
        for job, name in ((self._safe_due_work, "parley-due-work"), (self._safe_delivery, "parley-delivery")):
            scheduler.add_job(
                job, "interval", seconds=interval_seconds, id=name, max_instances=1, coalesce=True, next_run_time=self.clock()
            )
        scheduler.start()
        return scheduler

    async def due_work(self) -> SweepReport:
        """Due work as the job runs it: a sweep, and while one stops at its budget with work left, the
        next at once (at most FOLLOW_UPS more); what they did in all. Each reads the clock."""
        total = SweepReport()
        for _ in range(1 + FOLLOW_UPS):
            report = await asyncio.to_thread(self.run_due_work, self.clock())
            if report.escalated or report.missed or report.nudged or report.told or report.digests or report.errors:
                log.info("sweep: %s", report)
            total.then(report)
            if not report.more:
                break
            await asyncio.sleep(FOLLOW_UP_PAUSE)
        return total

    async def _safe_due_work(self) -> None:
        try:
            await self.due_work()
        except Exception:
            log.exception("sweep failed; the next one will pick up the work")

    async def _safe_delivery(self) -> None:
        try:
            await self.deliver()
        except Exception:
            log.exception("delivery pass failed; the next one will pick up the work")

    async def deliver(self) -> dict[str, int]:
        """One delivery pass over what is due (within handlers.delivery's time budget)."""
        return await deliver_due(
            OutboxDelivery(self.sessions), self.senders, now=self.clock(), clock=self.clock, paces=self.paces, limit=DELIVERY_LIMIT,
            lanes=LANES,
        )

    async def _safe_sweep(self) -> None:
        try:
            await self.sweep()
        except Exception:
            log.exception("sweep failed; the next one will pick up the work")
