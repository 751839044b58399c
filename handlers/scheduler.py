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
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

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


@dataclass
class SweepReport:
    escalated: int = 0
    missed: int = 0
    nudged: int = 0
    skipped: int = 0
    told: int = 0  # notices turned into messages
    digests: int = 0
    errors: int = 0
    delivery: dict[str, int] = field(default_factory=dict)


@dataclass
class Timekeeper:
    sessions: sessionmaker[Session]
    policy: Policy
    calendar: WorkingCalendar
    clock: Callable[[], datetime]
    notifier: Notifier = field(default_factory=NoNotifier)
    senders: Mapping[str, Sender] = field(default_factory=dict)
    paces: Mapping[str, Pace] | None = None  # handlers.delivery.PACES in production (a real clock)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def run_due_work(self, now: datetime) -> SweepReport:
        """Steps 1 to 3 of a sweep, at `now` (synchronous: the database work)."""
        report = self.run_changes(now)
        self.run_telling(now, report)
        try:
            report.digests = due_work.send_digests(
                uow=self.uow(), policy=self.policy, calendar=self.calendar, now=now, notifier=self.notifier
            )
        except Exception as exc:  # noqa: BLE001 - today's digest is claimed only when queued; the next sweep retries
            report.errors += 1
            log.error("could not send the morning digest: %r", exc)
        return report

    def run_changes(self, now: datetime) -> SweepReport:
        """Steps 1 and 2: the changes the clock makes, each saved with a notice and no message yet."""
        report = SweepReport()
        self._escalations(now, report)
        self._reminders(now, report)
        return report

    def run_telling(self, now: datetime, report: SweepReport) -> None:
        """Step 3, but for the digest: the messages of every notice left to tell (this sweep's, and any
        a stopped process left)."""
        for _ in range(2 * MAX_BATCHES):
            results = due_work.tell(uow=self.uow(), notifier=self.notifier, now=now, limit=BATCH)
            for result in results:
                if isinstance(result, Exception):
                    report.errors += 1
                    log.error("could not build the messages of a change or reminder: %r", result)
                else:
                    report.told += 1
            if len(results) < BATCH:
                return

    def _escalations(self, now: datetime, report: SweepReport) -> None:
        for _ in range(MAX_BATCHES):
            results = due_work.escalate_overdue(
                uow=self.uow(), policy=self.policy, calendar=self.calendar, now=now, notifier=self.notifier, limit=BATCH
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

    def _reminders(self, now: datetime, report: SweepReport) -> None:
        for _ in range(MAX_BATCHES):
            results = due_work.send_due_nudges(uow=self.uow(), policy=self.policy, calendar=self.calendar, now=now, limit=BATCH)
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

    async def sweep(self) -> SweepReport:
        """One whole sweep: due work, then delivery. Reads the clock once for each step."""
        report = await asyncio.to_thread(self.run_due_work, self.clock())
        report.delivery = await self.deliver()
        if report.escalated or report.missed or report.nudged or report.told or report.digests or report.errors:
            log.info("sweep: %s", report)
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

    async def _safe_due_work(self) -> None:
        try:
            report = await asyncio.to_thread(self.run_due_work, self.clock())
            if report.escalated or report.missed or report.nudged or report.told or report.digests or report.errors:
                log.info("sweep: %s", report)
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
